import type { Keys } from '../keys.js';
import type { Redis } from '../redis.js';

/** Kept this long: an incident's life, with margin. */
const TTL_SECONDS = 90 * 24 * 3600;

/** Where the last periodic summary of an incident left off: its time, and the timeline position it read. */
export class SummaryMarks {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async get(incidentId: string): Promise<{ since: string | null; pos: string | null }> {
    const [since, pos] = await this.redis.mget(this.keys.lastSummary(incidentId), this.keys.lastSummaryPos(incidentId));
    return { since: since ?? null, pos: pos ?? null };
  }

  async set(incidentId: string, at: Date, pos: string): Promise<void> {
    await this.redis
      .multi()
      .set(this.keys.lastSummary(incidentId), at.toISOString(), 'EX', TTL_SECONDS)
      .set(this.keys.lastSummaryPos(incidentId), pos, 'EX', TTL_SECONDS)
      .exec();
  }
}
