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
    const entries = await this.redis.xrange(this.keys.timeline(incidentId), '-', '+');
    const events = entries.map(([, fields], seq) => ({ seq, ev: JSON.parse(fields[1] ?? '{}') as TimelineEvent }));
    events.sort((a, b) => Date.parse(a.ev.at) - Date.parse(b.ev.at) || a.seq - b.seq);
    return events.map((e) => e.ev);
  }

  async count(incidentId: string): Promise<number> {
    return this.redis.xlen(this.keys.timeline(incidentId));
  }
}
