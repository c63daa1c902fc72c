/**
 * The one result shape for expected outcomes (a refused command, a taken channel name, a body
 * that fails its schema). Bugs and outages are thrown instead; see docs/architecture.md.
 *
 * A refusal is data, not markup: `reason` is a sentence for the person, and where it names
 * someone it says `{user}` and carries the id in `user`; each renderer (Slack, a web page) turns
 * that into its own mention. `issues` lists field problems when there are several.
 */
export type Result<T> = { ok: true; value: T } | Refusal;

export interface Refusal {
  ok: false;
  reason: string;
  /** The person `{user}` in `reason` stands for (a Slack user id). */
  user?: string;
  /** Field-by-field problems (a form, a request body). */
  issues?: Issue[];
}

export interface Issue {
  field: string;
  message: string;
}

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export function refuse(reason: string, extra: { user?: string; issues?: Issue[] } = {}): Refusal {
  return { ok: false, reason, ...(extra.user ? { user: extra.user } : {}), ...(extra.issues ? { issues: extra.issues } : {}) };
}

/** Replaces `{user}` in a refusal's reason with what `show` makes of the user id. */
export function spell(r: Pick<Refusal, 'reason' | 'user'>, show: (userId: string) => string): string {
  return r.user ? r.reason.replaceAll('{user}', show(r.user)) : r.reason;
}
