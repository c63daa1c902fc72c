import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

/**
 * The two kinds of connection Beacon opens.
 * - `command`: fails fast while Redis is away (no offline queue), so `web` answers 503 at once
 *   instead of holding a sender's request; the webhook must never say 202 for a job not in Redis.
 * - `blocking`: for BullMQ workers and schedulers, which must wait out a Redis restart
 *   (`maxRetriesPerRequest: null` is what BullMQ requires there).
 */
export function connect(url: string, kind: 'command' | 'blocking', name: string): Redis {
  const base: RedisOptions = {
    connectionName: `beacon-${name}`,
    lazyConnect: false,
    // Reconnect forever with a short ceiling: a Redis restart must not need a Beacon restart.
    retryStrategy: (times) => Math.min(100 * times, 2000),
  };
  const opts: RedisOptions =
    kind === 'command'
      ? // A command Redis does not answer within 3 s fails, so web answers 503 rather than hang.
        { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 3000, commandTimeout: 3000 }
      : { ...base, enableOfflineQueue: true, maxRetriesPerRequest: null };
  const redis = new Redis(url, opts);
  // ioredis emits 'error' on every failed reconnect; without a listener Node would crash.
  redis.on('error', () => {});
  return redis;
}

/** A Lua script run with EVALSHA, loaded again transparently after a Redis restart. */
export class Script {
  private sha?: string;
  constructor(private readonly source: string) {}

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    if (!this.sha) this.sha = (await redis.script('LOAD', this.source)) as string;
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.includes('NOSCRIPT')) {
        this.sha = (await redis.script('LOAD', this.source)) as string;
        return redis.evalsha(this.sha, keys.length, ...keys, ...args);
      }
      throw err;
    }
  }
}

/** Resolves true when Redis answers PING within `ms`. */
export async function ping(redis: Redis, ms = 1000): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const res = await Promise.race([
      redis.ping(),
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new Error('timeout')), ms);
      }),
    ]);
    return res === 'PONG';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * True once the connection is ready, waiting up to `ms` while it (re)connects. Callers answer
 * 503 on false: quick when Redis is down, patient across a blip.
 */
export async function whenReady(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  if (redis.status === 'end') return false;
  return new Promise((resolve) => {
    const done = (v: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(v);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(redis.status === 'ready'), ms);
    redis.on('ready', onReady);
  });
}

/**
 * Closes a connection: QUIT first, so replies still on their way arrive (a bare disconnect
 * rejects them), then a hard disconnect if Redis does not answer within `ms` (it may be down).
 */
export async function closeRedis(redis: Redis, ms = 2000): Promise<void> {
  if (redis.status === 'end') return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    redis.status === 'ready' ? redis.quit().catch(() => {}) : Promise.resolve(),
    new Promise<void>((r) => {
      timer = setTimeout(r, ms);
    }),
  ]);
  clearTimeout(timer);
  redis.disconnect();
}
