import type { ChangeEvent } from '../domain.js';
import type { Keys } from '../keys.js';
import { Script, type Redis } from '../redis.js';

/** Changes are kept this long: long enough for any incident's "what changed before this". */
export const CHANGE_RETENTION_MS = 7 * 24 * 3600 * 1000;

// Adds a change once (by id) to its service's time index and trims what fell out of retention.
const RECORD = new Script(`
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[3]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local cutoff = tonumber(ARGV[4])
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff)
if #old > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
  redis.call('HDEL', KEYS[2], unpack(old))
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1`);

/** Deploy and configuration changes per service, queryable by time window. */
export class ChangeStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(change: ChangeEvent): Promise<boolean> {
    const at = Date.parse(change.at);
    const res = await RECORD.run(
      this.redis,
      [this.keys.changes(change.service), this.keys.changeIds(change.service)],
      [change.id, at, JSON.stringify(change), this.now().getTime() - CHANGE_RETENTION_MS, CHANGE_RETENTION_MS],
    );
    return res === 1;
  }

  /** Changes of `service` between `from` and `to`, newest first. */
  async between(service: string, from: Date, to: Date, limit = 50): Promise<ChangeEvent[]> {
    const ids = await this.redis.zrevrangebyscore(this.keys.changes(service), to.getTime(), from.getTime(), 'LIMIT', 0, limit);
    if (ids.length === 0) return [];
    const docs = await this.redis.hmget(this.keys.changeIds(service), ...ids);
    return docs.filter((d): d is string => d !== null).map((d) => JSON.parse(d) as ChangeEvent);
  }
}
