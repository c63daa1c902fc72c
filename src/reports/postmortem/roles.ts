import { isSlackUser, type TimelineEvent } from '../../timeline/events.js';
import { mdLine } from '../describe.js';
import { sortedEvents, stamp, type Draft } from './draft.js';

/** Who held one role from when, in order. */
type Tenures = Map<string, { who: string; at?: string }[]>;

/**
 * `**Roles:**` of the Issue Summary: who held which role from when, from the timeline (the lead
 * and role entries, and who took the lead by acknowledging first), then whoever holds a role now
 * that the timeline does not show. Nothing when nobody held one.
 */
export function rolesLines(dr: Draft): string[] {
  const { inc, fmt } = dr;
  const tenures = tenuresOf(sortedEvents(dr.input.timeline));
  const now: Record<string, string> = { ...(inc.lead ? { lead: inc.lead } : {}), ...(inc.roles ?? {}) };
  for (const [role, who] of Object.entries(now)) {
    const list = tenures.get(role) ?? [];
    if (list.at(-1)?.who !== who) list.push({ who });
    tenures.set(role, list);
  }
  if (tenures.size === 0) return [];
  const order = ['lead', ...[...tenures.keys()].filter((r) => r !== 'lead')].filter((r) => tenures.has(r));
  const parts = order.map((role) => {
    const held = tenures.get(role)!.map((t) => `${fmt.who(t.who)}${t.at ? ` from ${stamp(t.at, inc.detectedAt)}` : ''}`);
    return `${mdLine(role)} ${held.join(', then ')}`;
  });
  return [`**Roles:** ${parts.join(' · ')}.`, ''];
}

function tenuresOf(events: TimelineEvent[]): Tenures {
  const out: Tenures = new Map();
  const give = (role: string, who: unknown, at: string) => {
    if (!isSlackUser(typeof who === 'string' ? who : undefined)) return;
    const list = out.get(role) ?? [];
    if (list.at(-1)?.who !== who) list.push({ who: who as string, at });
    out.set(role, list);
  };
  for (const ev of events) {
    const data = ev.data ?? {};
    if (ev.kind === 'lead') give('lead', data.to ?? ev.text, ev.at);
    else if (ev.kind === 'role' && typeof data.role === 'string') give(data.role, data.to, ev.at);
    else if (data.lead) give('lead', data.lead, ev.at);
    // An older entry without `data.lead`: the first to acknowledge led, when nobody led before.
    else if (ev.kind === 'acknowledged' && !ev.data && !out.has('lead')) give('lead', ev.actor, ev.at);
  }
  return out;
}
