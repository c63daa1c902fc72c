import { z } from 'zod';
import { CHANGE_KINDS, type ChangeEvent } from '../domain.js';
import { ok, refuse, type Result } from '../result.js';
import { describeIssues, httpUrl, isoTime, line, shortHash, toIso } from './common.js';

/** One change event (interface.md, "Change event"). */
export const changeSchema = z
  .object({
    service: line(200),
    kind: z.enum(CHANGE_KINDS).default('deploy'),
    summary: line(500),
    author: line(200).optional(),
    link: httpUrl.optional(),
    version: line(200).optional(),
    at: isoTime.optional(),
  })
  .strict();

const changeListSchema = z.object({ changes: z.array(changeSchema).min(1).max(500) }).strict();

/**
 * A change sent without `at` is dated when it arrives, but its id must not depend on that
 * moment, or each retry of the same body gets a new id and is stored again. Such a change is
 * identified by its content and the window it arrived in: retries within the window collapse
 * into one, the same change sent again later is a new one. (A retry that straddles a window
 * boundary is stored twice; senders that need exactness send `at`.)
 */
export const UNDATED_CHANGE_WINDOW_MS = 10 * 60 * 1000;

/**
 * One object or `{"changes": [...]}`; ids derive from content so a retried delivery is stored
 * once. A body that fails the schema is refused with its field problems (`issues`).
 */
export function parseChanges(body: unknown, now: Date): Result<ChangeEvent[]> {
  const isList = typeof body === 'object' && body !== null && 'changes' in body;
  const parsed = isList ? changeListSchema.safeParse(body) : changeSchema.safeParse(body);
  if (!parsed.success) return refuse('invalid payload', { issues: describeIssues(parsed.error) });
  const items = 'changes' in parsed.data ? parsed.data.changes : [parsed.data];
  return ok(
    items.map((c): ChangeEvent => {
      const at = toIso(c.at, now);
      const when = c.at ?? `arrived:${Math.floor(now.getTime() / UNDATED_CHANGE_WINDOW_MS)}`;
      return {
        id: shortHash('change', c.service, c.kind, c.summary, c.version ?? '', when),
        service: c.service,
        kind: c.kind,
        summary: c.summary,
        ...(c.author ? { author: c.author } : {}),
        ...(c.link ? { link: c.link } : {}),
        ...(c.version ? { version: c.version } : {}),
        at,
      };
    }),
  );
}
