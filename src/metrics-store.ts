import type { Keys } from './keys.js';
import type { SharedCounterStore } from './metrics.js';
import type { Redis } from './redis.js';

/** Cluster-wide counters in one Redis hash. */
export function redisCounterStore(redis: Redis, keys: Keys): SharedCounterStore {
  const key = keys.metrics();
  return {
    async add(deltas) {
      const multi = redis.multi();
      for (const [field, by] of deltas) multi.hincrbyfloat(key, field, by);
      await multi.exec();
    },
    async read() {
      const all = await redis.hgetall(key);
      return new Map(Object.entries(all).map(([k, v]) => [k, Number(v)]));
    },
  };
}
