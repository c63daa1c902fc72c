import { SEVERITIES, type Severity } from '../domain.js';

/**
 * The `/incident` verbs that change an incident, and the checks on their arguments. Pure, and
 * shared: the web listener answers bad arguments at once, and the worker checks again before it
 * applies a job (a job may come from elsewhere, or from an older web process).
 */
export const STATE_VERBS = ['ack', 'sev', 'lead', 'update', 'note', 'task', 'mitigate', 'resolve', 'reopen'] as const;
export type StateVerb = (typeof STATE_VERBS)[number];

export const isStateVerb = (verb: string): verb is StateVerb => (STATE_VERBS as readonly string[]).includes(verb);

/** `2`, `sev2`, `SEV 2`, `sev-2` -> `sev2`. */
export function parseSeverityArg(arg: string): Severity | null {
  const m = /^(?:sev)?[\s-]?([1-4])$/i.exec(arg.trim());
  return m ? SEVERITIES[Number(m[1]) - 1]! : null;
}

/** A person as Slack sends a mention in command text (`<@U123|alice>`, `<@U123>`), or a bare user id. */
export function parseUserArg(arg: string): string | null {
  const t = arg.trim();
  const m = /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$/.exec(t) ?? /^([UW][A-Z0-9]{2,})$/.exec(t);
  return m ? m[1]! : null;
}

export type ArgCheck = { ok: true; args: string } | { ok: false; reason: string };

/** Checks a state verb's arguments; `args` comes back normalized (`sev2`, a bare user id, trimmed text). */
export function checkArgs(verb: StateVerb, raw: string): ArgCheck {
  const args = raw.trim();
  switch (verb) {
    case 'sev': {
      const sev = parseSeverityArg(args);
      return sev ? { ok: true, args: sev } : { ok: false, reason: 'Give a severity from 1 (worst) to 4, e.g. `/incident sev 2`.' };
    }
    case 'lead': {
      const user = parseUserArg(args);
      return user ? { ok: true, args: user } : { ok: false, reason: 'Mention the new lead, e.g. `/incident lead @alice`.' };
    }
    case 'update':
      return args ? { ok: true, args } : { ok: false, reason: 'Say what the update is, e.g. `/incident update Rolled back the 08:10 deploy; errors falling`.' };
    case 'note':
      return args ? { ok: true, args } : { ok: false, reason: 'Say what to note, e.g. `/incident note Gateway dashboard shows 401s since 08:12`.' };
    case 'task':
      return args ? { ok: true, args } : { ok: false, reason: 'Say what needs doing, e.g. `/incident task Alert on gateway 401s`.' };
    case 'ack':
    case 'reopen':
    case 'mitigate':
    case 'resolve':
      return { ok: true, args };
  }
}
