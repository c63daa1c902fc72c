import { durations, type Incident } from '../../incidents/model.js';
import type { IncidentView } from '../../incidents/ports.js';
import { publicUpdate } from '../../incidents/verbs.js';
import { formatDuration, SEVERITY_ICON, SEVERITY_LABEL, STATUS_LABEL } from '../../words.js';
import { cut, esc, mention } from '../escape.js';
import { context, section, type SlackMessage } from './types.js';
import { mentions, type Who } from './people.js';
import { mentionTarget, userText } from './user-text.js';

/**
 * What Beacon says in the incident channel when something changes, and the short private answers
 * to the one who asked. Pure: incident and actor in, message out; typed text goes through `userText`.
 */
const msg = (text: string): SlackMessage => ({ text, blocks: [section(cut(text, 2990))] });
const said = (text: string | undefined) => (text ? `: ${cut(userText(text), 2500)}` : '.');

type Announcement = Extract<IncidentView, { kind: 'announcement' }>;

/**
 * One renderer per verb of the verb table that announces; a verb without one here gets a plain
 * sentence (`@alice ran /incident <verb>: text`), so a new verb works before it has its own words.
 * `who` names people without notifying them; only someone asked to act (given the lead or a role
 * by another person) is mentioned.
 */
export const ANNOUNCERS: Record<string, (a: Announcement, who: Who) => SlackMessage> = {
  ack: (a, who) => announce.acknowledged(a.incident, a.by, who),
  mitigate: (a, who) => announce.mitigated(a.incident, a.by, a.text, who),
  resolve: (a, who) => announce.resolved(a.incident, a.by, a.text, a.now, who),
  reopen: (a, who) => announce.reopened(a.incident, a.by, who),
  sev: (a, who) => announce.severity(a.incident, a.by, a.before.severity, who),
  lead: (a, who) => announce.lead(a.incident, a.by, who),
  role: (a, who) => announce.role(a.text ?? '', a.by, who),
  update: (a, who) => {
    const u = publicUpdate(a.text ?? '');
    return announce.update(a.incident, a.by, u.text, who, u.public);
  },
};

export function renderAnnouncement(a: Announcement, who: Who = mentions): SlackMessage {
  const own = ANNOUNCERS[a.verb];
  return own ? own(a, who) : msg(`${who(a.by)} ran \`/incident ${esc(a.verb)}\`${said(a.text)}`);
}

/** Someone given the lead or a role by another person is asked to act: mentioned. Oneself: named. */
const assignee = (user: string | undefined, by: string, who: Who) => (user && user !== by ? mention(user) : who(user));

/**
 * The words of each announcement. `who` shows the people in it; it defaults to mentions for
 * callers that render without names (the channel adapter always passes names).
 */
export const announce = {
  acknowledged(inc: Incident, by: string, who: Who = mentions): SlackMessage {
    const lead = inc.lead === by ? ' and leads it' : inc.lead ? `; ${who(inc.lead)} leads it` : '';
    return msg(`👀 ${who(by)} acknowledged the incident${lead}.`);
  },
  mitigated(inc: Incident, by: string, text: string | undefined, who: Who = mentions): SlackMessage {
    void inc;
    return msg(`🩹 ${who(by)} marked the incident mitigated${said(text)}`);
  },
  resolved(inc: Incident, by: string, text: string | undefined, now: Date, who: Who = mentions): SlackMessage {
    const took = formatDuration(durations(inc, now).toResolve);
    return msg(`✅ ${who(by)} resolved the incident after ${took}${said(text)}`);
  },
  reopened(inc: Incident, by: string, who: Who = mentions): SlackMessage {
    return msg(`🔁 ${who(by)} reopened the incident. It is acknowledged again; ${who(inc.lead)} leads it.`);
  },
  severity(inc: Incident, by: string, from: Incident['severity'] | undefined, who: Who = mentions): SlackMessage {
    const was = from ? ` from ${from}` : '';
    return msg(`${SEVERITY_ICON[inc.severity]} ${who(by)} changed the severity${was} to *${SEVERITY_LABEL[inc.severity]}*.`);
  },
  lead(inc: Incident, by: string, who: Who = mentions): SlackMessage {
    if (inc.lead === by) return msg(`🧭 ${who(by)} now leads the incident.`);
    return msg(`🧭 ${who(by)} handed the lead to ${assignee(inc.lead, by, who)}.`);
  },
  /** `args` as the role verb normalized them: `comms U123`. */
  role(args: string, by: string, who: Who = mentions): SlackMessage {
    const [role = '', user = ''] = args.split(' ');
    const name = esc(role);
    if (user === by) return msg(`🎙️ ${who(by)} is now ${name} of the incident.`);
    return msg(`🎙️ ${who(by)} made ${assignee(user, by, who)} ${name} of the incident.`);
  },
  /** A status update, posted to the channel as its own message; a public one is also on the status page. */
  update(inc: Incident, by: string, text: string, who: Who = mentions, isPublic = false): SlackMessage {
    const body = cut(userText(text), 2900);
    const head = isPublic ? '📣 *Public update* · also on the status page' : '📣 *Status update*';
    return {
      text: `${isPublic ? 'Public update' : 'Status update'} from ${who(by)}: ${cut(userText(text), 300)}`,
      blocks: [
        section(`${head}\n${body}`),
        context(`${who(by)} · #${inc.number} ${esc(cut(inc.title, 150))} · ${inc.severity} · ${STATUS_LABEL[inc.status]}`),
      ],
    };
  },
};

/** Answers only the one who typed sees, per `record` verb; others get a plain confirmation. */
export const reply = {
  noted: (): SlackMessage => msg('📝 Noted in the timeline (not posted to the channel).'),
  task: (text: string): SlackMessage => msg(`☑️ Follow-up recorded for the postmortem: ${cut(userText(text), 2500)}`),
};

const RECORDED: Record<string, (text: string) => SlackMessage> = { note: reply.noted, task: reply.task };

export function renderRecorded(verb: string, text: string): SlackMessage {
  const own = RECORDED[verb];
  return own ? own(text) : msg(`📝 Recorded in the timeline (\`/incident ${esc(verb)}\`).`);
}

/** The escalation of an incident nobody acknowledged: mentions everyone it should reach. */
export function renderEscalation(inc: Incident, targets: string[], n: number, max: number, now: Date): SlackMessage {
  const who = [...new Set(targets)].map(mentionTarget).filter((m): m is string => !!m);
  const waited = formatDuration(durations(inc, now).elapsed);
  const call = who.length ? `${who.join(' ')} please take a look` : 'Nobody is set to be paged (INCIDENT_RESPONDERS is empty): whoever reads this, please take a look';
  const text =
    `🚨 *Escalation ${n} of ${max}*: nobody has acknowledged *#${inc.number} ${esc(cut(inc.title, 200))}* (${inc.severity}) after ${waited}. ` +
    `${call}: press *Acknowledge* on the pinned card or type \`/incident ack\`.`;
  return { text: `Escalation ${n} of ${max}: #${inc.number} is not acknowledged`, blocks: [section(text)] };
}

/** The nudge to the lead when no update was posted for a while. */
export function renderReminder(inc: Incident, quietMs: number, fallback: string[]): SlackMessage {
  const who = inc.lead ? mention(inc.lead) : [...new Set(fallback)].map(mentionTarget).filter(Boolean).join(' ');
  const text =
    `⏰ ${who ? `${who}, ` : ''}no status update for ${formatDuration(quietMs)}. ` +
    'Tell the channel where things stand with `/incident update &lt;text&gt;`' +
    (inc.lead ? '.' : ', and take the lead with `/incident ack` or `/incident lead @someone`.');
  return { text: `No status update for ${formatDuration(quietMs)}`, blocks: [section(text)] };
}
