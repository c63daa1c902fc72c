/**
 * Text hygiene for check results: secret header values never appear in a result (a server
 * echoing a token in a redirect, a fetch error quoting a header value), and every string is
 * one line of bounded length.
 */
import type { CheckResult } from './types.js';

/** Summaries and details get this long at most. */
export const MAX_SUMMARY = 300;
/** Detail lines of a result, beyond which a check says "… and N more". */
export const MAX_DETAILS = 20;

/** The first line of an error's message, clipped: enough to say what went wrong. */
export function errorText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return clip(msg.split('\n')[0] ?? '', 200);
}

/** `s`, cut to `max` characters with an ellipsis. */
export function clip(s: string, max = MAX_SUMMARY): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Replaces every secret (as written, and as JSON or URL encoding would show it) with `[redacted]`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  const forms = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    forms.add(s);
    forms.add(JSON.stringify(s).slice(1, -1));
    forms.add(encodeURIComponent(s));
  }
  // Longest first, so `Bearer abc` goes before `abc`.
  for (const f of [...forms].sort((a, b) => b.length - a.length)) {
    if (f) out = out.split(f).join('[redacted]');
  }
  return out;
}

/** The result with every secret scrubbed from its strings, and its strings clipped. */
export function scrubResult(r: CheckResult, secrets: readonly string[]): CheckResult {
  const summary = clip(scrubSecrets(r.summary, secrets));
  const details = r.details?.slice(0, MAX_DETAILS + 1).map((d) => clip(scrubSecrets(d, secrets)));
  return {
    status: r.status,
    summary,
    ...(details && details.length ? { details } : {}),
    ...(r.latencyMs !== undefined ? { latencyMs: r.latencyMs } : {}),
    ...(r.httpStatus !== undefined ? { httpStatus: r.httpStatus } : {}),
  };
}

/** Runs of key-like characters with letters and digits: tokens, keys, session ids. */
const KEY_LIKE = /[A-Za-z0-9_\-+/=]{24,}/g;

/**
 * A short, one-line excerpt of text an integration sent back (a body, a value in it): secrets
 * scrubbed before it is cut (so no part of one survives at the cut), anything that looks like a
 * key or token hidden, whitespace collapsed.
 */
export function excerpt(text: string, secrets: readonly string[], max = 80): string {
  const scrubbed = scrubSecrets(text, secrets).replace(KEY_LIKE, (run) => (/\d/.test(run) && /[A-Za-z]/.test(run) ? '[hidden]' : run));
  return clip(scrubbed.replace(/\s+/g, ' ').trim(), max);
}
