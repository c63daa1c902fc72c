import type { DrillView } from '../../drills/ports.js';
import type { IncidentView, PrivateView } from '../../incidents/ports.js';
import type { ReportView } from '../../reports/ports.js';
import { spell } from '../../result.js';
import type { RunbookView } from '../../runbooks/ports.js';
import { renderAlerts } from './alerts.js';
import { renderAnnouncement, renderEscalation, renderRecorded, renderReminder } from './announce.js';
import { renderCard } from './card.js';
import { renderChangeDuring } from './change-during.js';
import { renderChecklist, renderRecentChanges } from './checklist.js';
import { renderDeclared } from './declared.js';
import { renderDrillView } from './drill.js';
import { renderSummary } from './summary.js';
import { section, type SlackMessage } from './types.js';
import { renderAnnounceMessage } from './announce-channel.js';
import { mentions, type Who } from './people.js';

/** Every view a domain port can ask to show. */
export type ChatView = IncidentView | RunbookView | ReportView | DrillView;

/**
 * The one switch from a domain view to its Slack renderer. `who` names people without notifying
 * them (the adapter passes their display names); the messages that ask someone to act (escalation,
 * reminder, an assignment) mention them whatever `who` is. With `links.publicUrl` (PUBLIC_URL) the
 * card and summaries link to the incident's web page.
 */
export function renderView(v: ChatView, who: Who = mentions, links: { publicUrl?: string } = {}): SlackMessage {
  switch (v.kind) {
    case 'card':
      return renderCard(v.incident, v.now, { who, ...(v.roles ? { roles: v.roles } : {}), ...links });
    case 'announce':
      return renderAnnounceMessage(v.incident, v.now, who);
    case 'alerts':
      return renderAlerts(v.incident, v.alerts);
    case 'declared':
      return renderDeclared(v.incident, who);
    case 'announcement':
      return renderAnnouncement(v, who);
    case 'escalation':
      return renderEscalation(v.incident, v.targets, v.n, v.max, v.now);
    case 'reminder':
      return renderReminder(v.incident, v.quietMs, v.fallback);
    case 'change-during':
      return renderChangeDuring(v.change);
    case 'changes':
      return renderRecentChanges(v.changes, { ...(v.service ? { service: v.service } : {}), since: v.since, incidentStart: v.incidentStart });
    case 'checklist':
      return renderChecklist({ incidentId: v.incidentId, runbook: v.runbook, state: v.state, now: v.now });
    case 'drill-started':
    case 'drill-hint':
    case 'drill-scorecard':
      return renderDrillView(v, who);
    case 'summary': {
      const msg = renderSummary(v.summary, links);
      // The domain skips a summary with nothing new before asking; an empty one still says so.
      return msg ?? { text: 'Nothing new since the last summary.', blocks: [section('Nothing new since the last summary.')] };
    }
  }
}

/** What only the person who asked sees. */
export function renderPrivate(v: PrivateView, who: Who = mentions): SlackMessage {
  if (v.kind === 'recorded') return renderRecorded(v.verb, v.text);
  const text = spell(v.refusal, (id) => who(id));
  return { text, blocks: [section(text)] };
}

const USER = /^[UW][A-Z0-9]{2,}$/;
const TYPED = /<@([UW][A-Z0-9]{2,})>/g;

/** The people a view names (so the adapter can look up their names before rendering it). */
export function peopleOf(v: ChatView | PrivateView): string[] {
  const ids: (string | undefined)[] = [];
  if ('incident' in v) {
    const i = v.incident;
    ids.push(i.lead, i.declaredBy, i.lastUpdateBy, i.resolvedBy, i.acknowledgedBy, ...Object.values(i.roles ?? {}));
    for (const m of (i.lastUpdate ?? '').matchAll(TYPED)) ids.push(m[1]);
  }
  if (v.kind === 'announcement') ids.push(v.by, ...(v.text ?? '').split(' '));
  if (v.kind === 'refusal') ids.push(v.refusal.user);
  if (v.kind === 'drill-started') ids.push(v.starter);
  if (v.kind === 'drill-scorecard') ids.push(v.scorecard.cause.by, ...v.scorecard.misleading.drill.map((m) => m.by));
  return [...new Set(ids.filter((id): id is string => !!id && USER.test(id)))];
}
