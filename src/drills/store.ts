import type { Keys } from '../keys.js';
import type { Redis } from '../redis.js';

/** Drills count on their own: a drill never takes the number of a real incident. */
export class DrillNumbers {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  next(): Promise<number> {
    return this.redis.incr(this.keys.drillSequence());
  }
}
