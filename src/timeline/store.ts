import type { Keys } from '../keys.js';
import { Script, type Redis } from '../redis.js';
import type { TimelineEvent } from './events.js';

// Appends to the incident's stream only if this source id was never recorded: idempotent on
// redelivery and on Slack retries.
const APPEND = new Script(`
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('XADD', KEYS[1], '*', 'e', ARGV[2])
return 1`);

/** One Redis Stream per incident, plus the set of source ids already in it. */
export class TimelineStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Records an event; false when an event with the same id was already recorded. */
  async append(incidentId: string, event: TimelineEvent): Promise<boolean> {
    const res = await APPEND.run(
      this.redis,
      [this.keys.timeline(incidentId), this.keys.timelineIds(incidentId)],
      [event.id, JSON.stringify(event)],
    );
    return res === 1;
  }

  /** The whole timeline, ordered by when things happened (stable for equal times). */
  async list(incidentId: string): Promise<TimelineEvent[]> {
    return (await this.entries(incidentId)).map((e) => e.event);
  }

  /**
   * The whole timeline as `list` orders it, each event with its stream position: the order it
   * was recorded in, which is not the order of `at` (a pinned message is dated when it was
   * written, an alert when it started firing).
   */
  async entries(incidentId: string): Promise<{ pos: string; event: TimelineEvent }[]> {
    const raw = await this.redis.xrange(this.keys.timeline(incidentId), '-', '+');
    const events = raw.map(([pos, fields], seq) => ({ seq, pos, event: JSON.parse(fields[1] ?? '{}') as TimelineEvent }));
    events.sort((a, b) => Date.parse(a.event.at) - Date.parse(b.event.at) || a.seq - b.seq);
    return events.map(({ pos, event }) => ({ pos, event }));
  }

  async count(incidentId: string): Promise<number> {
    return this.redis.xlen(this.keys.timeline(incidentId));
  }
}

/** True when stream position `a` (`<ms>-<seq>`) comes after `b`. */
export function recordedAfter(a: string, b: string): boolean {
  const [am = 0n, as = 0n] = a.split('-').map((x) => BigInt(x));
  const [bm = 0n, bs = 0n] = b.split('-').map((x) => BigInt(x));
  return am > bm || (am === bm && as > bs);
}
