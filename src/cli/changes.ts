/**
 * Where `recent_changes` checks read from in `beacon check`: Beacon's Redis when `REDIS_URL`
 * answers within a short wait, nothing otherwise (those checks are then skipped, so the gate
 * runs in a pipeline that has no Redis).
 */
import { ChangeStore } from '../changes/store.js';
import { Keys } from '../keys.js';
import { closeRedis, connect, ping, type Redis } from '../redis.js';

/** How long the gate waits for Redis before it skips the checks that need it. */
export const REDIS_WAIT_MS = 2000;

export type ChangeSource =
  | { ok: true; changes: ChangeStore; close(): Promise<void> }
  /** `reason`: why not, in words (`127.0.0.1:6379 is not answering (connection refused)`). */
  | { ok: false; reason: string; close(): Promise<void> };

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/** `REDIS_URL` (Beacon's default when unset) with `REDIS_KEY_PREFIX`; never throws. */
export async function openChanges(env: NodeJS.ProcessEnv, waitMs = REDIS_WAIT_MS): Promise<ChangeSource> {
  const url = env.REDIS_URL || DEFAULT_URL;
  const where = describeRedis(url);
  const none = async () => {};
  if (!where) return { ok: false, reason: 'REDIS_URL is not a redis:// or rediss:// URL', close: none };
  const redis = connect(url, 'command', 'check-cli');
  const close = () => closeRedis(redis, 500);
  const failure = await readyWithin(redis, waitMs);
  if (failure === undefined && (await ping(redis, waitMs))) {
    return { ok: true, changes: new ChangeStore(redis, new Keys(env.REDIS_KEY_PREFIX || 'beacon')), close };
  }
  await close();
  return { ok: false, reason: `${where} is not answering${failure ? ` (${failure})` : ''}`, close: none };
}

/** Undefined once the connection is ready; why not otherwise (the first error, or a timeout). */
function readyWithin(redis: Redis, ms: number): Promise<string | undefined> {
  if (redis.status === 'ready') return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const done = (why: string | undefined) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      resolve(why);
    };
    const onReady = () => done(undefined);
    const onError = (err: NodeJS.ErrnoException) => done(REASONS[err.code ?? ''] ?? err.code ?? 'connection failed');
    const timer = setTimeout(() => done(`no answer within ${ms} ms`), ms);
    redis.on('ready', onReady);
    redis.on('error', onError);
  });
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
};

/** `host:port` of a Redis URL, never its password; undefined for what is not a Redis URL. */
export function describeRedis(url: string): string | undefined {
  if (!/^rediss?:\/\/\S+$/.test(url)) return undefined;
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return undefined;
  }
}
