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
import { renderSummary } from './summary.js';
import { section, type SlackMessage } from './types.js';
import { mention } from '../escape.js';

/** Every view a domain port can ask to show. */
export type ChatView = IncidentView | RunbookView | ReportView;

/** The one switch from a domain view to its Slack renderer. */
export function renderView(v: ChatView): SlackMessage {
  switch (v.kind) {
    case 'card':
      return renderCard(v.incident, v.now);
    case 'alerts':
      return renderAlerts(v.incident, v.alerts);
    case 'declared':
      return renderDeclared(v.incident);
    case 'announcement':
      return renderAnnouncement(v);
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
    case 'summary': {
      const msg = renderSummary(v.summary);
      // The domain skips a summary with nothing new before asking; an empty one still says so.
      return msg ?? { text: 'Nothing new since the last summary.', blocks: [section('Nothing new since the last summary.')] };
    }
  }
}

/** What only the person who asked sees. */
export function renderPrivate(v: PrivateView): SlackMessage {
  if (v.kind === 'recorded') return renderRecorded(v.verb, v.text);
  const text = spell(v.refusal, mention);
  return { text, blocks: [section(text)] };
}
