/**
 * `expect_body` of the `http` check: at most 64 KiB of an expected answer's body is read, then
 * either searched for a text or read as JSON and one value compared. A result carries at most
 * a short, scrubbed excerpt of the body, never the body itself.
 */
import type { ExpectBody } from '../format/schema.js';
import { excerpt } from './scrub.js';

/** At most this much of a body is read. */
export const MAX_BODY_BYTES = 64 * 1024;

/** The body's first MAX_BODY_BYTES, as text, and whether there was more. */
export interface BodyRead {
  text: string;
  truncated: boolean;
}

/** Reads up to MAX_BODY_BYTES of the body and cancels the rest. Rejects as the response's signal does. */
export async function readBody(res: Response): Promise<BodyRead> {
  const reader = res.body?.getReader();
  if (!reader) return { text: '', truncated: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size <= MAX_BODY_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  const truncated = size > MAX_BODY_BYTES;
  if (truncated) await reader.cancel().catch(() => {});
  const bytes = new Uint8Array(Math.min(size, MAX_BODY_BYTES));
  let at = 0;
  for (const c of chunks) {
    const part = c.subarray(0, bytes.length - at);
    bytes.set(part, at);
    at += part.byteLength;
  }
  return { text: new TextDecoder('utf-8').decode(bytes), truncated };
}

/** What the body said: `ok` with the phrase for a pass, or the failure in words with an excerpt. */
export type BodyVerdict = { ok: true; summary: string } | { ok: false; summary: string; details: string[] };

/** Judges the body of an answer with status `status` against `expect`. */
export function judgeBody(expect: ExpectBody, body: BodyRead, status: number, secrets: readonly string[]): BodyVerdict {
  const answered = `answered ${status} but`;
  const starts = [`the body starts: ${excerpt(body.text, secrets, 120) || '(empty)'}`];
  if (expect.contains !== undefined) {
    const wanted = JSON.stringify(expect.contains);
    if (body.text.includes(expect.contains)) return { ok: true, summary: `body contains ${wanted}` };
    const where = body.truncated ? 'the first 64 KiB of the body' : 'the body';
    return { ok: false, summary: `${answered} ${where} did not contain ${wanted}`, details: starts };
  }
  const path = expect.json ?? '$';
  const wanted = JSON.stringify(expect.equals ?? null);
  let doc: unknown;
  try {
    doc = JSON.parse(body.text);
  } catch {
    const why = body.truncated ? 'is over 64 KiB, too long to read as JSON' : 'is not JSON';
    return { ok: false, summary: `${answered} the body ${why} (expected ${path} to be ${wanted})`, details: starts };
  }
  const found = valueAt(doc, path);
  if (!found.present) return { ok: false, summary: `${answered} the body has no ${path} (expected ${wanted})`, details: starts };
  if (found.value === (expect.equals ?? null)) return { ok: true, summary: `${path} is ${wanted}` };
  return { ok: false, summary: `${answered} ${path} was ${shown(found.value, secrets)}, expected ${wanted}`, details: starts };
}

/** A found value in words: `"degraded"`, `503`, `an object`, `a list`. */
function shown(v: unknown, secrets: readonly string[]): string {
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'an object';
  return excerpt(JSON.stringify(v), secrets, 60);
}

const SEGMENT = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["([^"\\]+)"\]/g;

/** The value at a JSON path (`$.a.b[0]`, `$["odd key"]`), or that there is none. */
export function valueAt(doc: unknown, path: string): { present: true; value: unknown } | { present: false } {
  let v: unknown = doc;
  for (const m of path.slice(1).matchAll(SEGMENT)) {
    const index = m[2];
    if (index !== undefined) {
      if (!Array.isArray(v) || Number(index) >= v.length) return { present: false };
      v = v[Number(index)];
      continue;
    }
    const key = m[1] ?? m[3] ?? '';
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, key)) return { present: false };
    v = (v as Record<string, unknown>)[key];
  }
  return { present: true, value: v };
}
