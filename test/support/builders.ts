import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { Keys } from '../../src/keys.js';
import type { TimelineEvent } from '../../src/timeline/events.js';

/**
 * What several test files built the same way: Beacon's Redis keys (always through `Keys`, never
 * by hand, so a test reads the key Beacon wrote), an incident's timeline as stored, and the alert
 * sources' JSON fixtures.
 */

/** The keys of a running Beacon (anything with its config), e.g. `keysOf(b).timeline(id)`. */
export function keysOf(b: { config: { redis: { prefix: string } } }): Keys {
  return new Keys(b.config.redis.prefix);
}

/** The incident's timeline events, in stream order, read straight from its Redis stream. */
export async function timelineEvents<T = TimelineEvent>(redis: Redis, keys: Keys, incidentId: string): Promise<T[]> {
  const entries = await redis.xrange(keys.timeline(incidentId), '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[1] ?? '{}') as T);
}

/** test/fixtures/<source>/<name>, as text. */
export function sourceFixtureText(source: string, name: string): string {
  return readFileSync(new URL(`../fixtures/${source}/${name}`, import.meta.url), 'utf8');
}

/** test/fixtures/<source>/<name>, parsed. */
export function sourceFixture<T = unknown>(source: string, name: string): T {
  return JSON.parse(sourceFixtureText(source, name)) as T;
}
