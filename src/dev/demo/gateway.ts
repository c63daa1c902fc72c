import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The API key checkout (and Beacon's probe) sends all morning. */
export const OLD_KEY = 'sk_demo_checkout_2024_05_keep_me';
/** The key the 08:18 update switched the gateway to; checkout never got it. */
const NEW_KEY = 'sk_demo_checkout_2024_06_rotated';

/**
 * A local stand-in for the payment gateway, on a free port of 127.0.0.1: the one authenticated
 * read the checkout runbook's `gateway-auth` check makes (`GET /v1/balance`). It accepts the old
 * key until `rotate()` (the demo's 08:18 update) and answers 401 to it from then on, until
 * `restore()` (the fix) makes it accept the old key again.
 */
export interface StandInGateway {
  /** The URL the demo's runbook copy points `gateway-auth` at. */
  url: string;
  rotate(): void;
  restore(): void;
  /** Every answer it gave: status per request. */
  answers: number[];
  close(): Promise<void>;
}

export async function startGateway(): Promise<StandInGateway> {
  let accepted = OLD_KEY;
  const answers: number[] = [];
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      answers.push(status);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || req.url !== '/v1/balance') return send(404, { error: { message: 'Unrecognized request URL' } });
    if (req.headers.authorization !== `Bearer ${accepted}`) return send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
    send(200, { object: 'balance', available: [{ amount: 1_284_000, currency: 'usd' }] });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/balance`,
    rotate: () => void (accepted = NEW_KEY),
    restore: () => void (accepted = OLD_KEY),
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
