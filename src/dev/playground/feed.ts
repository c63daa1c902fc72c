/**
 * Server-sent events for the page: one `change` event (coalesced, at most every 100 ms) after
 * anything in the simulated workspace may have changed, so that the page re-fetches what it
 * shows. Reads (`conversations.history`, `users.info`...) change nothing and send nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SlackSimulator } from '../slack-simulator.js';

const READ_METHODS = /^(auth\.test|chat\.getPermalink|.*\.(list|info|history|replies|members))$/;
const COALESCE_MS = 100;
const HEARTBEAT_MS = 15_000;

export class ChangeFeed {
  private readonly clients = new Set<ServerResponse>();
  private version = 0;
  private pending: NodeJS.Timeout | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(sim: SlackSimulator) {
    this.unsubscribe = sim.onChange((c) => {
      if (c.source === 'api' && READ_METHODS.test(c.method ?? '')) return;
      this.bump();
    });
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Something changed: tell every page soon (many changes in a burst make one event). */
  bump(): void {
    this.version++;
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.write(`event: change\ndata: ${JSON.stringify({ version: this.version })}\n\n`);
    }, COALESCE_MS);
  }

  /** `GET /events`: the stream, open until the page goes away. */
  handle(req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): void {
    res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify({ version: this.version })}\n\n`);
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
  }

  close(): void {
    this.unsubscribe();
    clearInterval(this.heartbeat);
    if (this.pending) clearTimeout(this.pending);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private write(chunk: string): void {
    for (const res of this.clients) res.write(chunk);
  }
}
