import { namesOf } from '../../reports/gather.js';
import type { ReportSources } from '../../reports/gather.js';
import { isSlackUser } from '../../timeline/events.js';

/** Ids per lookup; the lookups run at once (the adapter asks Slack for each id in turn, then caches it). */
const BATCH = 5;

/**
 * Display names of the Slack users among `ids` (others are skipped), asked in a few batches at
 * once rather than one after another, so a page of new names costs a few round trips, not fifty.
 * A failed lookup names nobody (ids are shown).
 */
export async function displayNames(src: Pick<ReportSources, 'userNames'>, ids: Iterable<string | undefined>): Promise<Record<string, string>> {
  const users = [...new Set([...ids].filter(isSlackUser))];
  const batches: string[][] = [];
  for (let i = 0; i < users.length; i += BATCH) batches.push(users.slice(i, i + BATCH));
  const found = await Promise.all(batches.map((b) => namesOf(src, b)));
  return Object.assign({}, ...found) as Record<string, string>;
}
