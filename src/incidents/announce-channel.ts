import type { Severity } from '../domain.js';
import type { IncidentDeps } from './deps.js';
import type { Incident } from './model.js';
import { ensurePosted } from './slots.js';

/** ANNOUNCE_SEVERITIES when it is not set. */
export const DEFAULT_ANNOUNCE_SEVERITIES: readonly Severity[] = ['sev1', 'sev2'];

/**
 * The incident's one message in INCIDENT_ANNOUNCE_CHANNEL, where the rest of the company sees
 * what is burning: posted once (the `announce` slot, through the post-once mechanism) when a
 * non-private incident is of an announced severity, at opening or when raised into one later,
 * then edited on every change until it says resolved. Never one message per change, never for a
 * private incident. Called with the incident's lock held (opening, card refresh).
 */
export async function syncAnnouncement(d: Pick<IncidentDeps, 'store' | 'chat' | 'settings' | 'now'>, inc: Incident): Promise<Incident> {
  const channel = d.settings.announceChannel;
  // A drill is never announced: it is practice.
  if (!channel || inc.private || inc.drill) return inc;
  const ts = inc.slack.messages.announce;
  if (ts) {
    await d.chat.update(channel, ts, { kind: 'announce', incident: inc, now: d.now() });
    return inc;
  }
  const severities = d.settings.announceSeverities ?? DEFAULT_ANNOUNCE_SEVERITIES;
  if (!severities.includes(inc.severity) || !inc.slack.channelId) return inc;
  return ensurePosted(d, inc, 'announce', (cur) => ({ kind: 'announce', incident: cur, now: d.now() }), channel);
}
