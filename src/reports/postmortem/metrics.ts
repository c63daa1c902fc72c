import { formatDuration } from '../../words.js';
import { utcClock, utcDay, utcRange } from '../time.js';
import type { Draft } from './draft.js';

/**
 * The numbers of the Issue Summary: how long it lasted, time to acknowledge, mitigate and resolve,
 * and how many alerts. Lengths are in words (`1 h 45 min`), which a reader will not misread.
 */

/** `**Duration:** June 3, 2024, 08:30 - 10:15 UTC (1 h 45 min)`, or how long it has been open. */
export function durationLines(dr: Draft): string[] {
  const { inc, now, d, resolved } = dr;
  const duration =
    resolved !== undefined
      ? `${utcRange(inc.detectedAt, new Date(resolved))} (${formatDuration(d.toResolve, 'words')})`
      : `${utcDay(inc.detectedAt)}, ${utcClock(inc.detectedAt)} UTC - ongoing (${formatDuration(d.elapsed, 'words')} so far, as of ${utcDay(now)}, ${utcClock(now)} UTC)`;
  return [`**Duration:** ${duration}`, ''];
}

/** The response times, then the alert count when there were alerts. */
export function metricsLines(dr: Draft): string[] {
  const { inc, d, input } = dr;
  const metrics = [
    `time to acknowledge ${inc.acknowledgedAt ? formatDuration(d.toAcknowledge, 'words') : 'n/a (not acknowledged)'}`,
    `time to mitigate ${inc.mitigatedAt ? formatDuration(d.toMitigate, 'words') : 'n/a (not marked mitigated)'}`,
    `time to resolve ${inc.status === 'resolved' && inc.resolvedAt ? formatDuration(d.toResolve, 'words') : 'n/a (ongoing)'}`,
  ].join(' · ');
  const out = [`**Metrics:** ${metrics} (from detection at ${utcClock(inc.detectedAt)} UTC).`, ''];
  if (input.alerts.length) {
    const notifications = input.alerts.reduce((n, a) => n + a.count, 0);
    out.push(
      `**Alerts:** ${input.alerts.length} distinct, ${notifications} notification${notifications === 1 ? '' : 's'} in all; repeats are counted, not listed, in the timeline.`,
      '',
    );
  }
  return out;
}
