import { CHANGE_KINDS, type ChangeKind } from '../domain.js';
import { verbOfKind } from '../incidents/verbs.js';
import { phrases, type EventFormat, type TimelineEvent } from '../timeline/events.js';
import { capitalize, changeKindLabel } from '../words.js';

export type { EventFormat } from '../timeline/events.js';

/**
 * The words for each kind of timeline event, once, for every report: the postmortem's Markdown
 * and the channel summary say the same thing about the same event. Pure text; the output format
 * comes in through an {@link EventFormat}.
 */

/**
 * One line of Markdown: untrusted text keeps its words but loses the line breaks that would let it
 * end a list item or start a heading of its own.
 */
export function mdLine(s: string | undefined): string {
  if (!s) return '';
  return s.replace(/[\r\n\u2028\u2029\u0085]+/g, ' ').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim();
}

const KNOWN_KINDS: ReadonlySet<string> = new Set(CHANGE_KINDS);

/** `Credentials change`, `Deploy`; plain `Change` for a kind Beacon does not know (or none). */
export function changeHeading(kind: ChangeKind | string | undefined): string {
  return kind !== undefined && KNOWN_KINDS.has(kind) ? capitalize(changeKindLabel(kind)) : 'Change';
}

/**
 * One line describing a timeline event, or null for events a reader does not need (summaries
 * Beacon posted itself). Alert events are described one by one here; callers summarize repeats.
 * The entries a verb records are described by that verb (incidents/verbs.ts); Beacon's own kinds
 * here.
 *
 * The `data` keys read are the ones the writers record: a change's `{ kind, service }` (runbook
 * runtime), a severity's and a lead's `{ from, to }` (verb table), a check result's
 * `{ check, status }` (runbook runtime).
 */
export function describeEvent(ev: TimelineEvent, f: EventFormat): string | null {
  const verb = verbOfKind(ev.kind);
  if (verb?.describe) return verb.describe(ev, f);
  const { by, paren, text, withText, str } = phrases(ev, f);
  switch (ev.kind) {
    case 'incident.opened':
      return `Detected: ${text}${ev.actor ? ` (alert from ${f.who(ev.actor)})` : ''}`;
    case 'incident.declared':
      return withText(`Declared${by()}`);
    case 'alert.firing':
      return `Alert firing: ${text}`;
    case 'alert.resolved':
      return `Alert cleared: ${text}`;
    case 'change': {
      const service = str('service');
      return `${changeHeading(str('kind'))}${service ? ` to ${f.text(service)}` : ''}: ${text}${paren()}`;
    }
    case 'checklist.tick':
      return `Runbook step done: ${text}${paren()}`;
    case 'checklist.untick':
      return `Runbook step unticked: ${text}${paren()}`;
    case 'check.result': {
      const name = str('check');
      const status = str('status');
      return `Check${name ? ` ${f.text(name)}` : ''}${status ? ` ${f.text(status)}` : ''}${text ? `: ${text}` : ''}`;
    }
    case 'runbook.attached':
      return withText(`Runbook attached${by()}`);
    case 'escalation':
      return withText('Escalated');
    case 'pinned':
      return `Pinned message${ev.actor ? ` from ${f.who(ev.actor)}` : ''}: ${text}`;
    case 'summary':
      return null;
    default:
      // A kind added later whose verb says nothing of its own: its name and text.
      return withText(`${capitalize(String(ev.kind))}${by()}`);
  }
}
