import type { IncomingMessage } from 'node:http';

/** Every route takes at most this much: 1 MiB. */
export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLarge extends Error {}

/**
 * Reads the raw body (kept raw for signature checks), stopping at `limit` bytes. A declared
 * Content-Length over the limit is refused before a byte is read.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge());
  // 'data' events rather than `for await`: no async iterator per request on the hot path.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.once('aborted', () => reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
    req.once('error', reject);
  });
}
