import type { Incident } from '../../incidents/model.js';
import type { AlertRecord } from '../../incidents/store.js';
import { cut, esc, link, slackDate } from '../escape.js';
import { ACTIONS } from './ids.js';
import { context, plain, section, type Block, type SlackMessage } from './types.js';

const SHOWN = 12;

/**
 * The one "Alerts" message of an incident, kept current with `chat.update` however many alerts
 * arrive: counts, then the latest distinct alerts with their repeat counts.
 */
export function renderAlerts(inc: Incident, alerts: AlertRecord[]): SlackMessage {
  const firing = alerts.filter((a) => a.status !== 'resolved');
  const resolved = alerts.length - firing.length;
  const notifications = alerts.reduce((n, a) => n + a.count, 0);
  const latest = [...alerts].sort((a, b) => b.lastSeen - a.lastSeen || a.title.localeCompare(b.title));
  const head =
    alerts.length === 0
      ? '*Alerts*: none recorded yet'
      : `*Alerts*: ${firing.length} firing, ${resolved} resolved · ${alerts.length} distinct · ${notifications} notification${notifications === 1 ? '' : 's'}`;
  const lines = latest.slice(0, SHOWN).map((a) => {
    const icon = a.status === 'resolved' ? '✅' : '🔥';
    const title = a.link ? link(a.link, cut(a.title, 150)) : esc(cut(a.title, 150));
    const repeats = a.count > 1 ? ` ×${a.count}` : '';
    return `${icon} ${title}${repeats} · since ${slackDate(a.startsAt, '{time}')}`;
  });
  const blocks: Block[] = [section(head)];
  if (lines.length) blocks.push(section(cut(lines.join('\n'), 2900)));
  const notes: string[] = [];
  if (alerts.length > SHOWN) notes.push(`${alerts.length - SHOWN} more distinct alerts not shown`);
  if (inc.truncatedAlerts) notes.push(`The sender cut ${inc.truncatedAlerts} more alert${inc.truncatedAlerts === 1 ? '' : 's'} from its notification (max_alerts)`);
  if (notes.length) blocks.push(context(notes.join(' · ')));
  const allResolved = alerts.length > 0 && firing.length === 0;
  if (allResolved && inc.status !== 'resolved') {
    blocks.push(section('✅ *Every alert of this incident has resolved.* Resolve the incident when you are satisfied it is over.'));
    blocks.push({
      type: 'actions',
      block_id: 'alerts_resolved',
      elements: [{ type: 'button', action_id: ACTIONS.resolveFromAlerts, text: plain('Resolve incident'), style: 'primary', value: inc.id }],
    });
  }
  return { text: `Alerts: ${firing.length} firing, ${resolved} resolved`, blocks };
}
