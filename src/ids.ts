import { createHash } from 'node:crypto';

/**
 * Every deterministic id Beacon derives: incident ids from what created them, delivery ids from
 * what Slack sent, and the BullMQ job ids built from those. A retried request or job derives the
 * same id again, which is how a redelivery changes nothing.
 */

/** The sha256 of `parts` joined by NUL (a Buffer part as its bytes), as `length` hex digits. */
function digestOf(parts: readonly (string | Buffer)[], length: number): string {
  const h = createHash('sha256');
  parts.forEach((p, i) => (i ? h.update('\u0000').update(p) : h.update(p)));
  return h.digest('hex').slice(0, length);
}

/** A 40-hex id from the parts of a delivery (trigger id, action ts, user...). */
export function deliveryId(...parts: (string | undefined)[]): string {
  return digestOf(parts.map((p) => p ?? ''), 40);
}

/**
 * A 24-hex id of content (each part followed by NUL): alert fingerprints and change ids that
 * senders leave out, so the same alert or change sent again gets the same one.
 */
export function contentHash(...parts: string[]): string {
  return digestOf([...parts, ''], 24);
}

/** PagerDuty Events v2: the dedup_key made for a trigger sent without one (32 hex, of the raw body). */
export function madeDedupKey(scope: string, raw: Buffer): string {
  return digestOf(['pagerduty-events', scope, raw], 32);
}

/** A short stable digest for an id's variable part (an ISO anchor, a source id). */
export function shortHash(s: string, length = 12): string {
  return createHash('sha1').update(s).digest('hex').slice(0, length);
}

/** Incident ids derive from what created them, so a retried job finds the id it made before. */
export function incidentIdFor(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').replace(/[-_]/g, '').slice(0, 10).toLowerCase();
}

/** The id part of a `scope:<id>` source id (`command:<40 hex>` -> the hex). */
const tail = (sourceId: string) => sourceId.slice(sourceId.indexOf(':') + 1);

/** BullMQ job ids, one builder per job that has a deterministic id. */
export const jobIds = {
  open: (incidentId: string) => `open-${incidentId}`,
  escalate: (incidentId: string, n: number) => `escalate-${incidentId}-${n}`,
  remind: (incidentId: string, anchor: string, n: number) => `remind-${incidentId}-${shortHash(anchor)}-${n}`,
  /** A command or a card click: its source id is `command:<delivery>` or `action:<delivery>`. */
  command: (sourceId: string) => `cmd-${tail(sourceId)}`,
  declare: (sourceId: string) => `declare-${tail(sourceId)}`,
  tick: (delivery: string) => `tick-${delivery}`,
  checks: (incidentId: string, runbook: string, runId: string) => `checks-${shortHash(`${incidentId}\u0000${runbook}\u0000${runId}`, 32)}`,
  runbook: (runId: string) => `rb-${runId}`,
  summary: (runId: string) => `sum-${tail(runId)}`,
  postmortem: (runId: string) => `pm-${shortHash(runId, 32)}`,
  pin: (delivery: string) => `pin-${delivery}`,
  /** Alert `i` of a webhook delivery. */
  alert: (delivery: string, i: number) => `al-${delivery}-${i}`,
  change: (changeId: string) => `ch-${changeId}`,
  summaryScheduler: (incidentId: string) => `summary-${incidentId}`,
  probeScheduler: (probeId: string) => `probe-${probeId}`,
  /**
   * A probe's alert, one per transition: `firing` or `resolved` of the run of failures starting at
   * `startsAtMs`; `raise` n > 0 is its n-th raise after the incident it opened was resolved.
   */
  probeAlert: (probeId: string, startsAtMs: number, status: 'firing' | 'resolved', raise = 0) =>
    `probe-${probeId}-${startsAtMs}-${status}${raise > 0 ? `-r${raise}` : ''}`.replace(/[^A-Za-z0-9_.-]/g, '-'),
  /** `/incident drill <name>`: its source id is `drill:<delivery>`. */
  drillStart: (sourceId: string) => `drill-${tail(sourceId)}`,
  /** A drill's events from `index` on (the drill's clock). */
  drillEvents: (incidentId: string, index: number) => `drill-ev-${incidentId}-${index}`,
  /** Alert event `index` of a drill, as its `alert.received` job. */
  drillAlert: (incidentId: string, index: number) => `drill-al-${incidentId}-${index}`,
  drillScore: (incidentId: string, runId: string) => `drill-score-${shortHash(`${incidentId}\u0000${runId}`, 32)}`,
  alertsDedup: (incidentId: string) => `alerts-${incidentId}`,
  cardDedup: (incidentId: string) => `card-${incidentId}`,
  topicDedup: (incidentId: string) => `topic-${incidentId}`,
} as const;

/** One id per webhook delivery: of the sender's delivery id when it sends one, else of the body. */
export function webhookDelivery(source: string, senderDeliveryId: string | undefined, raw: Buffer): string {
  return digestOf([source, senderDeliveryId ? `webhook-id:${senderDeliveryId}` : raw], 40);
}

/** Whether a job scheduler's key is a probe's (`jobIds.probeScheduler`). */
export const isProbeScheduler = (key: string): boolean => key.startsWith(jobIds.probeScheduler(''));

/** Where in its period a probe's slots fall, from its id: 500 probes of 10 s spread over the 10 s. */
export const probeOffset = (probeId: string, everyMs: number): number => parseInt(shortHash(probeId, 8), 16) % everyMs;
