/** `apps.*`: Socket Mode's connection URL. */
import { randomBytes } from 'node:crypto';
import type { Handler } from '../workspace.js';

/** A WebSocket URL on the simulator; the app-level token is checked before this runs. */
const connectionsOpen: Handler = (_p, ws) => ({ ok: true, url: `${ws.origin!.replace(/^http/, 'ws')}/socket-mode/${randomBytes(6).toString('hex')}` });

export const appsMethods: Record<string, Handler> = {
  'apps.connections.open': connectionsOpen,
};
