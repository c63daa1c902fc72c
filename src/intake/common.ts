import { z } from 'zod';

/** Bodies are hostile: bound every string so one field cannot blow up Redis or Slack. */
export const boundedString = (max: number) => z.string().max(max);
export const line = (max = 500) => z.string().trim().min(1).max(max);

/** A string map with bounded keys and values (labels, tags, annotations). */
export const stringMap = z.record(z.string().max(200), z.string().max(4000));

/** Http(s) URL only: a `javascript:` link must never reach a Slack button. */
export const httpUrl = z
  .string()
  .max(3000)
  .refine((s) => /^https?:\/\/[^\s<>|]+$/i.test(s), { message: 'must be an http(s) URL' });

/** ISO 8601 time, with or without fractional seconds and offset. */
export const isoTime = z
  .string()
  .max(64)
  .refine((s) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d{2}-\d{2}T/.test(s), { message: 'must be an ISO 8601 time' });

/** Fingerprints and change ids derived from content: `contentHash` of the ids module. */
export { contentHash as shortHash } from '../ids.js';

/** First line of a text, trimmed and cut to `max` characters. */
export function oneLine(text: string, max = 250): string {
  const first = text.split(/\r?\n/, 1)[0]?.trim() ?? '';
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}

/** Normalizes an ISO time to `Date#toISOString` form. */
export function toIso(s: string | undefined, fallback: Date): string {
  if (!s) return fallback.toISOString();
  const t = Date.parse(s);
  return Number.isNaN(t) ? fallback.toISOString() : new Date(t).toISOString();
}

/** Turns zod issues into `{ field: message }` pairs a sender can act on. */
export function describeIssues(error: z.ZodError): { field: string; message: string }[] {
  return error.issues.map((i) => ({ field: i.path.length ? i.path.join('.') : '(body)', message: i.message }));
}
