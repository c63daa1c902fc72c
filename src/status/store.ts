import type { Keys } from '../keys.js';
import { acrossSlots, Script, type Redis } from '../redis.js';
import { MAX_PUBLIC_UPDATES, type PublicUpdate } from './model.js';

// Records one public update once per source id (a Slack retry records nothing twice), keeps the
// newest MAX_PUBLIC_UPDATES, and keeps them for good again if the page had let them go.
// Both keys carry the incident's hash tag: one slot under Redis Cluster.
const RECORD = new Script(`
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[3]), -1)
redis.call('PERSIST', KEYS[1])
redis.call('PERSIST', KEYS[2])
return 1`);

/** How long the updates of an incident the page let go are kept (a reopened incident finds them). */
const FORGOTTEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** The page reads at most this many incidents of the index (newest public update first). */
export const STATUS_INDEX_READ = 500;

/**
 * The status page's own state in Redis: per incident its public updates in order (a list under
 * the incident's hash tag), and an index of the incidents that have one (a sorted set scored by
 * the time of the latest). What the page shows of the incident itself (service, title, severity,
 * state, times) is read from the incident document at read time, so it is always current:
 * resolving, mitigating or reopening needs no second write here.
 */
export class StatusStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Records a public update of an incident; false when this source id was recorded before. */
  async record(incidentId: string, update: PublicUpdate): Promise<boolean> {
    const fresh =
      (await RECORD.run(this.redis, [this.keys.statusUpdates(incidentId), this.keys.statusUpdateIds(incidentId)], [update.id, JSON.stringify(update), MAX_PUBLIC_UPDATES])) === 1;
    // Indexed after the write (and again on a retry): GT never moves an incident back in time.
    await this.redis.zadd(this.keys.statusIncidents(), 'GT', Date.parse(update.at), incidentId);
    return fresh;
  }

  /** Ids of the incidents with a public update, the latest update first. */
  async indexed(limit = STATUS_INDEX_READ): Promise<string[]> {
    return this.redis.zrevrange(this.keys.statusIncidents(), 0, limit - 1);
  }

  /** The public updates of each incident, oldest first (one pipelined read; each key in its own slot). */
  async updates(ids: readonly string[]): Promise<Map<string, PublicUpdate[]>> {
    const out = new Map<string, PublicUpdate[]>();
    if (!ids.length) return out;
    // One pipeline on a single server; on a Cluster each key goes to its own node (acrossSlots).
    const rows = await acrossSlots(this.redis, ids.map((id) => ['lrange', this.keys.statusUpdates(id), 0, -1]), false);
    rows.forEach((row, n) => out.set(ids[n]!, (row as string[]).map((s) => JSON.parse(s) as PublicUpdate)));
    return out;
  }

  /** Takes incidents off the index (resolved over seven days ago, private, gone); their updates expire later. */
  async forget(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    await this.redis.zrem(this.keys.statusIncidents(), ...ids);
    await acrossSlots(this.redis, ids.flatMap((id) => [['pexpire', this.keys.statusUpdates(id), FORGOTTEN_TTL_MS], ['pexpire', this.keys.statusUpdateIds(id), FORGOTTEN_TTL_MS]] as [string, string, number][]), false);
  }
}
