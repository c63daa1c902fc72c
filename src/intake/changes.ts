import { z } from 'zod';
import { CHANGE_KINDS, type ChangeEvent } from '../domain.js';
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

/** One object or `{"changes": [...]}`; ids derive from content so a retried delivery is stored once. */
export function parseChanges(
  body: unknown,
  now: Date,
): { ok: true; changes: ChangeEvent[] } | { ok: false; issues: { field: string; message: string }[] } {
  const isList = typeof body === 'object' && body !== null && 'changes' in body;
  const parsed = isList ? changeListSchema.safeParse(body) : changeSchema.safeParse(body);
  if (!parsed.success) return { ok: false, issues: describeIssues(parsed.error) };
  const items = 'changes' in parsed.data ? parsed.data.changes : [parsed.data];
  return {
    ok: true,
    changes: items.map((c) => {
      const at = toIso(c.at, now);
      return {
        id: shortHash('change', c.service, c.kind, c.summary, c.version ?? '', c.at ?? at),
        service: c.service,
        kind: c.kind,
        summary: c.summary,
        ...(c.author ? { author: c.author } : {}),
        ...(c.link ? { link: c.link } : {}),
        ...(c.version ? { version: c.version } : {}),
        at,
      };
    }),
  };
}
