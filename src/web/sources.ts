import type { DrillSet } from '../drills/set.js';
import type { Keys } from '../keys.js';
import type { Redis } from '../redis.js';
import type { ReportSources } from '../reports/gather.js';

/**
 * What the web pages read: the report sources (incidents, timelines, changes, checklists,
 * runbooks, names) plus the clock and Redis for the pages' own small indexes.
 */
export interface WebSources extends ReportSources {
  now: () => Date;
  redis: Redis;
  keys: Keys;
  /** The loaded drill scenarios (Insights scores drills against their reference). */
  drills?: () => DrillSet;
  /** PUBLIC_URL, for absolute links. */
  publicUrl?: string;
}
