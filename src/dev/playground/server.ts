/**
 * The playground's HTTP server, on 127.0.0.1 only: the page, its assets, HTML fragments of the
 * sidebar, the channel and the modal, the change feed (server-sent events), uploaded files, and
 * the POST endpoints the page sends through (`actions.ts`). Every query and body is validated with
 * zod. Requests must name this server as their Host (no DNS rebinding), and POSTs must be JSON
 * from this origin (a page elsewhere cannot send a simple cross-site form here).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { securityHeaders } from '../../web/page.js';
import { runAction, type ActionName } from './actions.js';
import { namesOf, renderChannel, renderSidebar } from './channel.js';
import { ChangeFeed } from './feed.js';
import { Modals } from './modal.js';
import { renderFilePage, renderShell } from './page.js';
import { PEOPLE, type RunningBeacon } from './start.js';

const ASSETS: Record<string, { file: string; type: string }> = {
  '/assets/playground.js': { file: 'playground.js', type: 'text/javascript; charset=utf-8' },
  '/assets/playground.css': { file: 'playground.css', type: 'text/css; charset=utf-8' },
};

const POSTS: Record<string, ActionName> = {
  '/api/send': 'send',
  '/api/action': 'action',
  '/api/view': 'view',
  '/api/view/close': 'viewClose',
  '/api/react': 'react',
  '/api/scenario': 'scenario',
};

const BODY_LIMIT = 64 * 1024;

const viewQuery = z.object({
  channel: z.string().regex(/^[CG][A-Z0-9]{4,20}$/).optional(),
  user: z.enum(PEOPLE).optional(),
});
const fileQuery = z.object({ raw: z.enum(['1']).optional() });
const FILE_PATH = /^\/files\/(F[A-Z0-9]{4,20})$/;

export interface PlaygroundServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startServer(beacon: RunningBeacon, port: number): Promise<PlaygroundServer> {
  const app = new Playground(beacon);
  const server: Server = createServer((req, res) => {
    app.handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) process.stderr.write(`playground: ${err instanceof Error ? err.stack : String(err)}\n`);
      if (!res.headersSent) sendBody(res, status, 'application/json', JSON.stringify({ ok: false, error: err instanceof Error ? err.message : String(err) }));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  app.origin = `http://127.0.0.1:${bound}`;
  return {
    url: app.origin,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        app.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The routes over one running Beacon and its simulator. */
class Playground {
  origin = '';
  private readonly feed: ChangeFeed;
  private readonly modals = new Modals();
  private readonly assets = loadAssets();

  constructor(private readonly beacon: RunningBeacon) {
    this.feed = new ChangeFeed(beacon.sim);
  }

  close(): void {
    this.feed.close();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    checkHost(req, this.origin);
    if (req.method === 'POST') return this.post(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed');
    const asset = ASSETS[url.pathname];
    if (asset) return sendBody(res, 200, asset.type, this.assets.get(asset.file) ?? '', { 'cache-control': 'no-cache' });
    if (url.pathname === '/events') return this.feed.handle(req, res, securityHeaders(nonce()));
    const file = FILE_PATH.exec(url.pathname);
    if (file) return sendFile(res, this.beacon, file[1]!, parse(fileQuery, url).raw === '1');
    const q = parse(viewQuery, url);
    const userId = q.user ?? PEOPLE[0];
    const channelId = q.channel ?? this.beacon.sim.channelByName('general')!.id;
    switch (url.pathname) {
      case '/':
        return sendPage(res, (n) => this.shell(n, channelId, userId));
      case '/fragment/sidebar':
        return sendFragment(res, renderSidebar(this.beacon.sim, userId, channelId).value);
      case '/fragment/channel':
        return sendFragment(res, renderChannel(this.beacon.sim, channelId, userId).value);
      case '/fragment/modal':
        return sendFragment(res, this.modal(userId).value);
      default:
        throw new HttpError(404, 'not found');
    }
  }

  private modal(userId: string) {
    return this.modals.render(this.modals.openFor(this.beacon.sim, userId), namesOf(this.beacon.sim));
  }

  private shell(n: string, channelId: string, userId: string): string {
    const { sim, config } = this.beacon;
    return renderShell({
      nonce: n,
      channelId,
      userId,
      people: sim.users().filter((u) => (PEOPLE as readonly string[]).includes(u.id)),
      sidebar: renderSidebar(sim, userId, channelId),
      channel: renderChannel(sim, channelId, userId),
      modal: this.modal(userId),
      runbooksDir: config.runbooksDir,
      drillsDir: config.drillsDir,
    });
  }

  private async post(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const name = POSTS[url.pathname];
    if (!name) throw new HttpError(404, 'not found');
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'send JSON');
    const from = req.headers.origin;
    if (from !== undefined && from !== this.origin && from !== this.origin.replace('127.0.0.1', 'localhost')) throw new HttpError(403, 'not from this page');
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req)).toString('utf8'));
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(400, 'the body is not JSON');
    }
    const answer = await runAction(name, body, { beacon: this.beacon, modals: this.modals, changed: () => this.feed.bump() });
    sendBody(res, answer.status, 'application/json', JSON.stringify(answer.body));
  }
}

function loadAssets(): Map<string, string> {
  const dir = new URL('./assets/', import.meta.url);
  return new Map(Object.values(ASSETS).map((a) => [a.file, readFileSync(new URL(a.file, dir), 'utf8')]));
}

/** Only this server's own names: a rebound DNS name pointing here is refused. */
function checkHost(req: IncomingMessage, origin: string): void {
  const port = new URL(origin).port;
  const host = (req.headers.host ?? '').toLowerCase();
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) throw new HttpError(421, 'wrong host');
}

function parse<T extends z.ZodType>(schema: T, url: URL): z.infer<T> {
  const r = schema.safeParse(Object.fromEntries(url.searchParams));
  if (!r.success) throw new HttpError(400, r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return r.data;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT) {
        reject(new HttpError(413, 'body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const nonce = () => randomBytes(16).toString('base64');

function sendBody(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...securityHeaders(nonce()), ...extra });
  res.end(body);
}

function sendPage(res: ServerResponse, render: (nonce: string) => string): void {
  const n = nonce();
  const body = render(n);
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...securityHeaders(n) });
  res.end(body);
}

function sendFragment(res: ServerResponse, body: string): void {
  sendBody(res, 200, 'text/html; charset=utf-8', body);
}

/** A file shared in a channel: its page (Markdown rendered) or, with `?raw=1`, its bytes as text. */
function sendFile(res: ServerResponse, beacon: RunningBeacon, id: string, asRaw: boolean): void {
  const ref = beacon.sim
    .channels()
    .flatMap((c) => beacon.sim.messages(c.id))
    .flatMap((m) => m.files ?? [])
    .find((f) => f.id === id);
  const content = ref && beacon.sim.fileContent(id);
  if (!ref || !content) throw new HttpError(404, 'no such file');
  if (asRaw) return sendBody(res, 200, 'text/plain; charset=utf-8', content.toString('utf8'), { 'content-disposition': `inline; filename="${ref.name.replace(/[^\w.-]/g, '_')}"` });
  sendPage(res, (n) => renderFilePage({ nonce: n, id, name: ref.name, content: content.toString('utf8') }));
}
