import { createHash } from 'node:crypto';
import { Cluster, Redis as Standalone, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisConfig } from './config.js';

/**
 * A connection to Beacon's Redis: one server (REDIS_URL), the master that Redis Sentinel names
 * (REDIS_SENTINELS), or a Redis Cluster (REDIS_CLUSTER_NODES). Both ioredis classes offer the
 * same commands; what differs (where a keyless command goes, WAIT) is handled in this file.
 */
export type Redis = Standalone | Cluster;

/** The hash tag of BullMQ's keys (`{<prefix>}`) per cluster connection: where WAIT and readiness go. */
const homeKeys = new WeakMap<Cluster, string>();

/** Reconnect forever with a short ceiling: a Redis restart or failover must not need a Beacon restart. */
const retry = (times: number) => Math.min(100 * times, 2000);

/**
 * The two kinds of connection Beacon opens.
 * - `command`: fails fast while Redis is away (no offline queue), so `web` answers 503 at once
 *   instead of holding a sender's request; the webhook must never say 202 for a job not in Redis.
 * - `blocking`: for BullMQ workers and schedulers, which must wait out a Redis restart or a
 *   failover (`maxRetriesPerRequest: null` is what BullMQ requires there; with Cluster it is
 *   read from `redisOptions`).
 *
 * A string is a plain REDIS_URL (tools and the bench).
 */
export function connect(target: RedisConfig | string, kind: 'command' | 'blocking', name: string): Redis {
  const cfg: RedisConfig = typeof target === 'string' ? { url: target, prefix: 'beacon', minReplicas: 0 } : target;
  const perCommand: RedisOptions =
    kind === 'command'
      ? // A command Redis does not answer within 3 s fails, so web answers 503 rather than hang.
        // Auto-pipelining: the commands issued in one tick (by all requests in flight) go out in
        // one socket write instead of one write each; under load that was the web's largest cost
        // (17% of its samples in writeBuffer, 6% in writev; bench/figures/ingest.ts).
        { maxRetriesPerRequest: 1, connectTimeout: 3000, commandTimeout: 3000, enableAutoPipelining: true }
      : { maxRetriesPerRequest: null };
  const redis = cfg.cluster ? clusterConnection(cfg, kind, name, perCommand) : serverConnection(cfg, kind, name, perCommand);
  // ioredis emits 'error' on every failed reconnect; without a listener Node would crash.
  redis.on('error', () => {});
  return redis;
}

function serverConnection(cfg: RedisConfig, kind: 'command' | 'blocking', name: string, perCommand: RedisOptions): Standalone {
  const base: RedisOptions = {
    connectionName: `beacon-${name}`,
    lazyConnect: false,
    retryStrategy: retry,
    enableOfflineQueue: kind === 'blocking',
    ...perCommand,
  };
  if (!cfg.sentinels) return new Standalone(cfg.url, base);
  const redis = new Standalone({
    ...base,
    sentinels: cfg.sentinels.nodes,
    name: cfg.sentinels.name,
    role: 'master',
    // After a failover the Sentinels name the new master within seconds: ask them often.
    retryStrategy: (times: number) => Math.min(100 * times, 1000),
    sentinelRetryStrategy: (times: number) => Math.min(100 * times, 1000),
    // No `failoverDetector`: its +switch-master handler disconnects the connector, and when that
    // lands while a reconnect is asking the Sentinels, ioredis ends the connection for good (seen
    // in test/ha/sentinel.test.ts: web stayed on 503 after a failover). A killed master closes the
    // connections anyway, and a demoted one answers writes with READONLY, handled here:
    // reconnect, which asks the Sentinels again, and send the command once more.
    reconnectOnError: (err: Error) => (err.message.startsWith('READONLY') ? 2 : false),
  });
  return keepConnecting(redis);
}

/**
 * ioredis gives a Sentinel connection up ('end', no more retries) when a connect attempt is cut
 * short while it is asking the Sentinels (a disconnect during that asynchronous step, e.g. BullMQ
 * resetting a blocking connection mid-failover). Connect again unless its owner closed it; the
 * connections BullMQ duplicates from it (a worker's blocking connection) get the same.
 */
function keepConnecting(redis: Standalone): Standalone {
  let closed = false;
  const quit = redis.quit.bind(redis) as (...args: unknown[]) => Promise<'OK'>;
  const disconnect = redis.disconnect.bind(redis);
  const duplicate = redis.duplicate.bind(redis);
  redis.quit = ((...args: unknown[]) => {
    closed = true;
    return quit(...args);
  }) as typeof redis.quit;
  redis.disconnect = (reconnect = false) => {
    if (!reconnect) closed = true;
    disconnect(reconnect);
  };
  redis.duplicate = (override?: Partial<RedisOptions>) => keepConnecting(duplicate(override));
  redis.on('end', () => {
    if (closed) return;
    setTimeout(() => {
      if (!closed && redis.status === 'end') redis.connect().catch(() => {});
    }, 200).unref();
  });
  return redis;
}

function clusterConnection(cfg: RedisConfig, kind: 'command' | 'blocking', name: string, perCommand: RedisOptions): Cluster {
  const opts: ClusterOptions = {
    clusterRetryStrategy: retry,
    enableOfflineQueue: kind === 'blocking',
    enableReadyCheck: true,
    // Reads from masters only: a replica may not have the write Beacon just made.
    scaleReads: 'master',
    // During a failover the slot's master is unreachable, then CLUSTERDOWN, then MOVED: retry
    // in short steps while the cluster promotes a replica (16 redirections at most).
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 2000,
    slotsRefreshInterval: 2000,
    redisOptions: { connectionName: `beacon-${name}`, ...perCommand },
  };
  const cluster = new Cluster(cfg.cluster!, opts);
  homeKeys.set(cluster, `{${cfg.prefix}}`);
  return cluster;
}

/** The hash tag of BullMQ's keys on a cluster connection made by `connect` (src/redis-replicas.ts). */
export function homeKeyOf(cluster: Cluster): string | undefined {
  return homeKeys.get(cluster);
}

/**
 * A Lua script run with EVALSHA, and with EVAL when the server does not know it (after a
 * restart, on a promoted replica, on a cluster node that never ran it): EVAL caches it there.
 * The digest is computed here, so no SCRIPT LOAD goes to a node that is not the keys' node.
 */
export class Script {
  private readonly sha: string;
  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.includes('NOSCRIPT')) return redis.eval(this.source, keys.length, ...keys, ...args);
      throw err;
    }
  }
}

/**
 * Resolves true when Redis answers within `ms`. For a cluster: the master that holds the
 * queues' slot answers a keyed read (which also fails while the cluster is down).
 */
export async function ping(redis: Redis, ms = 1000): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const home = redis instanceof Cluster ? homeKeys.get(redis) : undefined;
  try {
    const res = await Promise.race([
      home ? redis.exists(`${home}:ready`).then(() => 'PONG') : redis.ping(),
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

/** One 'ready' listener per connection, however many requests wait for it (a storm during an outage). */
const nextReady = new WeakMap<Redis, Promise<void>>();

/**
 * True once the connection is ready, waiting up to `ms` while it (re)connects. Callers answer
 * 503 on false: quick when Redis is down, patient across a blip.
 */
export async function whenReady(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  if (redis.status === 'end') return false;
  let ready = nextReady.get(redis);
  if (!ready) {
    ready = new Promise<void>((resolve) => redis.once('ready', () => resolve())).finally(() => nextReady.delete(redis));
    nextReady.set(redis, ready);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([ready, timeout]);
  clearTimeout(timer);
  return (redis.status as string) === 'ready';
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


type Command = [name: string, ...args: (string | number)[]];

/**
 * Commands on keys of several slots (an index beside a document, several documents). On one
 * server: one MULTI (`atomic`) or one pipeline, one round trip. On a cluster each goes to its
 * own node, concurrently: Redis Cluster has no transaction across slots, so callers use this
 * only for writes that every later write repeats (indexes) and for reads.
 */
export async function acrossSlots(redis: Redis, commands: Command[], atomic: boolean): Promise<unknown[]> {
  if (!commands.length) return [];
  if (redis instanceof Cluster) return Promise.all(commands.map(([name, ...args]) => redis.call(name, ...args)));
  const batch = atomic ? redis.multi() : redis.pipeline();
  for (const [name, ...args] of commands) batch.call(name, ...args);
  const rows = (await batch.exec()) ?? [];
  return rows.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
