import { SEVERITIES, type Severity } from '../domain.js';
import { ok, refuse, type Refusal, type Result } from '../result.js';
import { capitalize } from '../words.js';
import { isSlackUser, phrases, type EventFormat, type TimelineEvent, type TimelineKind } from '../timeline/events.js';
import { acknowledge, assignRole, DEFAULT_ROLES, mitigate, postUpdate, reopen, resolve, roleHolders, setLead, setSeverity, type Incident } from './model.js';

/**
 * The `/incident` verbs, each declared once. The Slack listener answers and queues from this
 * table, the incident service applies it, help and the README test list it, and the postmortem
 * and summaries describe its timeline entries with it. Adding a verb is one entry here, plus its
 * announcement renderer (src/slack/blocks/announce.ts falls back to a plain sentence) and tests.
 */

/** Where a verb may be typed. */
export type VerbWhere = 'anywhere' | 'incident';

/**
 * How a verb is carried out:
 * - `answer`: web answers at once from Redis (help, list, status) or opens something (declare);
 * - `job`: web queues a job of its own (runbook, summary, postmortem);
 * - `change`: the worker applies `apply` to the incident, records `timeline`, announces it;
 * - `record`: the worker records it on the timeline only and answers the person privately.
 */
export type VerbRun = 'answer' | 'job' | 'change' | 'record';

/** Work that follows a change verb; each is idempotent, so a retried command runs them again. */
export type FollowUp = 'resolved' | 'reopened' | 'restart-reminder' | 'invite-lead' | 'invite-roles' | 'status-page';

/** What a verb's parser and transition may need to know of this Beacon's set-up. */
export interface VerbSetup {
  /** INCIDENT_ROLES, `lead` first. */
  roles?: readonly string[];
}

export interface VerbInput {
  user: string;
  /** The arguments as `parse` normalized them. */
  args: string;
  now: Date;
  /** INCIDENT_ROLES, `lead` first (default lead, comms, scribe). */
  roles?: readonly string[];
}

export interface Verb {
  name: string;
  /** Help: how to type it, and what it does. */
  usage: string;
  what: string;
  where: VerbWhere;
  run: VerbRun;
  /** Checks and normalizes the arguments: web answers a bad one at once, the worker checks again. */
  parse?: (raw: string, setup?: VerbSetup) => Result<string>;
  /** `change` verbs: the transition. */
  apply?: (incident: Incident, input: VerbInput) => Result<Incident>;
  /** `change` and `record` verbs: the kind of their timeline entry. */
  timeline?: TimelineKind;
  /** What the timeline entry says and carries (default: the arguments, no data). */
  entry?: (before: Incident, after: Incident, args: string) => { text: string; data?: Record<string, unknown> };
  /** `change` verbs: announced in the incident channel (renderer by verb name in the Slack adapter). */
  announce?: boolean;
  followUps?: readonly FollowUp[];
  /** How the postmortem and the summaries describe this verb's timeline entry. */
  describe?: (ev: TimelineEvent, f: EventFormat) => string | null;
}

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

/** A parser that wants some text, and says what with an example when there is none. */
export const needsText = (help: string) => (raw: string) => (raw.trim() ? ok(raw.trim()) : refuse(help));
const anyText = (raw: string) => ok(raw.trim());
const optionalText = (args: string) => args || undefined;

/**
 * `update --public <text>`: the flag comes first (never picked out of the text, where it could
 * publish words meant for the channel). Normalized arguments keep it: `--public <text>`.
 */
const PUBLIC_FLAG = /^--public(?:\s+|$)/i;
export function publicUpdate(args: string): { public: boolean; text: string } {
  const t = args.trim();
  return PUBLIC_FLAG.test(t) ? { public: true, text: t.replace(PUBLIC_FLAG, '').trim() } : { public: false, text: t };
}

export const NOT_PUBLIC = 'Private incidents and drills never go on the status page. `/incident update <text>` (without `--public`) tells this channel only.';

function parseUpdate(raw: string): Result<string> {
  const u = publicUpdate(raw);
  if (u.public) return u.text ? ok(`--public ${u.text}`) : refuse('Say what customers should read, e.g. `/incident update --public We are investigating failed card payments at checkout`.');
  return needsText('Say what the update is, e.g. `/incident update Rolled back the 08:10 deploy; errors falling`.')(raw);
}

/** The entry of a verb that may make its actor the lead (the first to acknowledge leads): who, in `data.lead`. */
const leadTaken = (before: Incident, after: Incident, args: string) => ({
  text: args,
  ...(after.lead && after.lead !== before.lead ? { data: { lead: after.lead } } : {}),
});

const rolesOf = (setup?: VerbSetup) => setup?.roles ?? DEFAULT_ROLES;
const roleList = (roles: readonly string[]) => roles.map((r) => `\`${r}\``).join(', ');

/** `comms @alice` (or `@alice comms`) -> `comms U123`; an unknown role gets the list of roles. */
export function parseRoleArgs(raw: string, setup?: VerbSetup): Result<string> {
  const roles = rolesOf(setup);
  const example = `e.g. \`/incident role ${roles.find((r) => r !== 'lead') ?? 'lead'} @alice\``;
  const words = raw.trim().split(/\s+/).filter(Boolean);
  const userAt = words.findIndex((w) => parseUserArg(w));
  if (words.length !== 2 || userAt === -1) return refuse(`Say which role and who, ${example}. Roles: ${roleList(roles)}.`);
  const role = words[1 - userAt]!.toLowerCase();
  if (!roles.includes(role)) return refuse(`\`${role.replace(/[<>&`]/g, '').slice(0, 30)}\` is not a role here. Roles: ${roleList(roles)}; ${example}.`);
  return ok(`${role} ${parseUserArg(words[userAt]!)}`);
}

/** `comms U123` as `parseRoleArgs` left it. */
const roleArgs = (args: string) => {
  const [role = '', user = ''] = args.split(' ');
  return { role, user };
};

export const VERBS: Verb[] = [
  { name: 'help', usage: 'help', what: 'this list', where: 'anywhere', run: 'answer' },
  { name: 'declare', usage: 'declare <title> [sev1..sev4]', what: 'open an incident channel (no title: a form; `--private` before the title: a private channel only you are invited to)', where: 'anywhere', run: 'answer' },
  { name: 'list', usage: 'list', what: 'open incidents and their channels', where: 'anywhere', run: 'answer' },
  { name: 'status', usage: 'status', what: 'where the incident stands', where: 'incident', run: 'answer' },
  {
    name: 'ack',
    usage: 'ack',
    what: 'acknowledge; the first to acknowledge leads',
    where: 'incident',
    run: 'change',
    parse: anyText,
    apply: (i, c) => acknowledge(i, c.user, c.now),
    timeline: 'acknowledged',
    entry: leadTaken,
    announce: true,
    describe: (ev, f) => {
      const p = phrases(ev, f);
      return p.text && !isSlackUser(ev.actor) ? p.text : `Acknowledged${p.by()}`;
    },
  },
  {
    name: 'sev',
    usage: 'sev <1-4>',
    what: 'change severity (1 is the worst)',
    where: 'incident',
    run: 'change',
    parse: (raw) => {
      const sev = parseSeverityArg(raw);
      return sev ? ok(sev) : refuse('Give a severity from 1 (worst) to 4, e.g. `/incident sev 2`.');
    },
    apply: (i, c) => setSeverity(i, c.args as Severity),
    timeline: 'severity',
    entry: (before, after, args) => ({ text: args, data: { from: before.severity, to: after.severity } }),
    announce: true,
    describe: (ev, f) => {
      const p = phrases(ev, f);
      const from = p.str('from');
      const to = p.str('to');
      if (to) return `Severity ${from ? `${f.text(from)} → ` : 'set to '}${f.text(to)}${p.by()}`;
      return p.withText(`Severity changed${p.by()}`);
    },
  },
  {
    name: 'lead',
    usage: 'lead <@user>',
    what: 'hand over the lead',
    where: 'incident',
    run: 'change',
    parse: (raw) => {
      const user = parseUserArg(raw);
      return user ? ok(user) : refuse('Mention the new lead, e.g. `/incident lead @alice`.');
    },
    apply: (i, c) => setLead(i, c.args),
    timeline: 'lead',
    entry: (before, after) => ({ text: after.lead ?? '', data: { from: before.lead ?? null, to: after.lead } }),
    announce: true,
    followUps: ['invite-lead'],
    describe: (ev, f) => {
      const p = phrases(ev, f);
      // The entry's text is the new lead too; it stands in when `to` is missing (lead cleared).
      const to = p.str('to') ?? (isSlackUser(ev.text) ? ev.text : undefined);
      if (to) return `Lead: ${f.who(to)}${ev.actor && ev.actor !== to ? ` (set by ${f.who(ev.actor)})` : ''}`;
      return p.withText(`Lead changed${p.by()}`);
    },
  },
  {
    name: 'role',
    usage: 'role <role> @user',
    what: 'give someone a role (comms, scribe…; INCIDENT_ROLES); it invites them',
    where: 'incident',
    run: 'change',
    parse: parseRoleArgs,
    apply: (i, c) => {
      const { role, user } = roleArgs(c.args);
      return assignRole(i, role, user, rolesOf(c));
    },
    timeline: 'role',
    entry: (before, _after, args) => {
      const { role, user } = roleArgs(args);
      return { text: user, data: { role, from: roleHolders(before)[role] ?? null, to: user } };
    },
    announce: true,
    followUps: ['invite-roles'],
    describe: (ev, f) => {
      const p = phrases(ev, f);
      const role = p.str('role');
      const to = p.str('to') ?? (isSlackUser(ev.text) ? ev.text : undefined);
      if (!role || !to) return p.withText(`Role changed${p.by()}`);
      return `${f.text(capitalize(role))}: ${f.who(to)}${ev.actor && ev.actor !== to ? ` (set by ${f.who(ev.actor)})` : ''}`;
    },
  },
  {
    name: 'update',
    usage: 'update [--public] <text>',
    what: 'post a status update to the channel; `--public` also puts it on the public status page',
    where: 'incident',
    run: 'change',
    parse: parseUpdate,
    apply: (i, c) => {
      const u = publicUpdate(c.args);
      if (u.public && (i.private || i.drill)) return refuse(NOT_PUBLIC);
      return postUpdate(i, c.user, u.text, c.now);
    },
    timeline: 'update',
    entry: (_before, _after, args) => {
      const u = publicUpdate(args);
      return { text: u.text, ...(u.public ? { data: { public: true } } : {}) };
    },
    announce: true,
    followUps: ['restart-reminder', 'status-page'],
    describe: (ev, f) => `${ev.data?.public === true ? 'Public status update' : 'Status update'}: ${phrases(ev, f).text}${phrases(ev, f).paren()}`,
  },
  {
    name: 'note',
    usage: 'note <text>',
    what: 'add a note to the timeline only',
    where: 'incident',
    run: 'record',
    parse: needsText('Say what to note, e.g. `/incident note Gateway dashboard shows 401s since 08:12`.'),
    timeline: 'note',
    describe: (ev, f) => `${phrases(ev, f).text || 'Note'}${phrases(ev, f).paren()}`,
  },
  {
    name: 'task',
    usage: 'task <text>',
    what: 'a follow-up for the postmortem',
    where: 'incident',
    run: 'record',
    parse: needsText('Say what needs doing, e.g. `/incident task Alert on gateway 401s`.'),
    timeline: 'task',
    describe: (ev, f) => `Follow-up task: ${phrases(ev, f).text}${phrases(ev, f).paren()}`,
  },
  { name: 'runbook', usage: 'runbook [name]', what: 'show or attach a runbook', where: 'incident', run: 'job' },
  { name: 'summary', usage: 'summary', what: 'summarize the incident so far', where: 'incident', run: 'job' },
  {
    name: 'mitigate',
    usage: 'mitigate [what was done]',
    what: 'impact is stopped',
    where: 'incident',
    run: 'change',
    parse: anyText,
    apply: (i, c) => mitigate(i, c.user, optionalText(c.args), c.now),
    timeline: 'mitigated',
    entry: leadTaken,
    announce: true,
    describe: (ev, f) => phrases(ev, f).withText(`Mitigated${phrases(ev, f).by()}`),
  },
  {
    name: 'resolve',
    usage: 'resolve [what fixed it]',
    what: 'resolve; the postmortem is drafted',
    where: 'incident',
    run: 'change',
    parse: anyText,
    apply: (i, c) => resolve(i, c.user, optionalText(c.args), c.now),
    timeline: 'resolved',
    entry: leadTaken,
    announce: true,
    followUps: ['resolved'],
    describe: (ev, f) => phrases(ev, f).withText(`Resolved${phrases(ev, f).by()}`),
  },
  {
    name: 'reopen',
    usage: 'reopen',
    what: 'take a resolved incident back',
    where: 'incident',
    run: 'change',
    parse: anyText,
    apply: (i, c) => reopen(i, c.user, c.now),
    timeline: 'reopened',
    entry: leadTaken,
    announce: true,
    followUps: ['reopened', 'restart-reminder'],
    describe: (ev, f) => phrases(ev, f).withText(`Reopened${phrases(ev, f).by()}`),
  },
  { name: 'postmortem', usage: 'postmortem', what: 'the postmortem draft as a file', where: 'incident', run: 'job' },
  { name: 'drill', usage: 'drill [scenario]', what: 'practise: list the drill scenarios, or run one in a channel of its own', where: 'anywhere', run: 'job' },
];

export function findVerb(name: string): Verb | undefined {
  return VERBS.find((v) => v.name === name);
}

/** Verbs the worker carries out on an incident (`change` and `record`). */
export function isIncidentCommand(verb: Verb | undefined): verb is Verb & { run: 'change' | 'record'; timeline: TimelineKind } {
  return !!verb && (verb.run === 'change' || verb.run === 'record') && !!verb.timeline;
}

/**
 * Checks a verb's arguments; `args` comes back normalized (`sev2`, a bare user id, trimmed text).
 * (It answers `args` rather than Result's `value`: the listener and older callers read `args`.)
 */
export function checkArgs(verb: Verb | string, raw: string, setup?: VerbSetup): { ok: true; args: string } | Refusal {
  const v = typeof verb === 'string' ? findVerb(verb) : verb;
  if (!v) return refuse(`\`/incident ${verb}\` is not a verb Beacon knows.`);
  const res = v.parse ? v.parse(raw, setup) : ok(raw.trim());
  return res.ok ? { ok: true, args: res.value } : res;
}

/** The verb whose timeline entries are of this kind, for describing them. */
export function verbOfKind(kind: string): Verb | undefined {
  return VERBS.find((v) => v.timeline === kind);
}
