/**
 * PagerDuty V3 webhooks (https://developer.pagerduty.com/docs/webhooks/v3-overview/).
 *
 * One event per body: `{ event: { id, event_type, resource_type, occurred_at, agent, client, data } }`.
 * For incident events `event.data` is the incident: `{ id, type, self, html_url, number, status,
 * incident_key, created_at, title, service, assignees, escalation_policy, teams, priority,
 * urgency, conference_bridge, resolve_reason }`.
 *
 * | `event.event_type`        | Beacon                                  |
 * | ------------------------- | --------------------------------------- |
 * | `incident.triggered`      | one alert, `firing`                     |
 * | `incident.acknowledged`   | one alert, `acknowledged`               |
 * | `incident.resolved`       | one alert, `resolved`                   |
 * | `pagey.ping` (test event) | no alert (accepted)                     |
 * | any other type            | no alert (accepted, ignored)            |
 *
 * Only the three incident types above have their `event.data` validated as an incident.
 *
 * - Identity and incident group: the PagerDuty incident id `event.data.id`
 *   (fingerprint `PGR0VU2`, group `pagerduty:PGR0VU2`).
 * - Title: `event.data.title`; service: `event.data.service.summary`;
 *   link: `event.data.html_url` (dropped when not http(s)).
 * - `startsAt`: `event.data.created_at`, else `event.occurred_at`; a resolution ends at
 *   `event.occurred_at`.
 *
 * Severity mapping, first match wins:
 *
 * | field                          | value         | Beacon |
 * | ------------------------------ | ------------- | ------ |
 * | `event.data.priority.summary`  | `P1`          | `sev1` |
 * |                                | `P2`          | `sev2` |
 * |                                | `P3`          | `sev3` |
 * |                                | `P4`, `P5`    | `sev4` |
 * | `event.data.urgency`           | `high`        | `sev2` |
 * |                                | `low`         | `sev4` |
 * | none of these                  |               | `sev3` |
 */
import { z } from 'zod';
import type { Alert, AlertStatus, IntakeResult, Severity } from '../domain.js';
import { severityFromWord } from '../domain.js';
import { isoTime, oneLine, toIso } from './common.js';
import { nonBlank, safeLink } from './alertmanager.js';
import type { IntakeModule, ParseResult } from './index.js';

const id = z.string().min(1).max(200);

/** A PagerDuty `*_reference` object; only `summary` and `html_url` are read. */
const reference = z
  .object({
    id: z.string().max(200).optional(),
    type: z.string().max(200).optional(),
    summary: z.string().max(2000).nullable().optional(),
    html_url: z.string().max(3000).nullable().optional(),
  })
  .nullable()
  .optional();

export const pagerdutyEnvelopeSchema = z.object({
  event: z.object({
    id,
    event_type: z.string().min(1).max(200),
    resource_type: z.string().max(200).optional(),
    occurred_at: isoTime,
    agent: z.record(z.string(), z.unknown()).nullable().optional(),
    client: z.record(z.string(), z.unknown()).nullable().optional(),
    /** Checked by `pagerdutyIncidentSchema` for the event types Beacon acts on. */
    data: z.unknown(),
  }),
});

export const pagerdutyIncidentSchema = z.object({
  id,
  type: z.string().max(200).optional(),
  html_url: z.string().max(3000).nullable().optional(),
  number: z.number().int().nullable().optional(),
  status: z.string().max(100).optional(),
  incident_key: z.string().max(1000).nullable().optional(),
  created_at: isoTime.nullable().optional(),
  title: z.string().max(2000).refine((s) => s.trim().length > 0, { message: 'must not be empty' }),
  service: reference,
  priority: reference,
  urgency: z.string().max(50).nullable().optional(),
});

export type PagerDutyEnvelope = z.infer<typeof pagerdutyEnvelopeSchema>;
export type PagerDutyIncident = z.infer<typeof pagerdutyIncidentSchema>;

/** The parsed body: the envelope, and the incident for the event types Beacon acts on. */
export interface PagerDutyBody {
  event: PagerDutyEnvelope['event'];
  incident?: PagerDutyIncident;
}

const STATUS_BY_EVENT_TYPE: Record<string, AlertStatus> = {
  'incident.triggered': 'firing',
  'incident.acknowledged': 'acknowledged',
  'incident.resolved': 'resolved',
};

export function parsePagerDuty(body: unknown): ParseResult<PagerDutyBody> {
  const envelope = pagerdutyEnvelopeSchema.safeParse(body);
  if (!envelope.success) return { success: false, error: envelope.error };
  const { event } = envelope.data;
  if (!Object.hasOwn(STATUS_BY_EVENT_TYPE, event.event_type)) return { success: true, data: { event } };
  const incident = pagerdutyIncidentSchema.safeParse(event.data);
  if (!incident.success) {
    // Name the field from the top of the body: `event.data.title`, not `title`.
    const issues = incident.error.issues.map((i) => ({ ...i, path: ['event', 'data', ...i.path] }));
    return { success: false, error: new z.ZodError(issues) };
  }
  return { success: true, data: { event, incident: incident.data } };
}

/** `severityFromWord` for the words it knows, undefined for the rest. */
function knownSeverity(word: string | undefined): Severity | undefined {
  if (!word) return undefined;
  const a = severityFromWord(word, 'sev1');
  return a === severityFromWord(word, 'sev4') ? a : undefined;
}

function severityOf(incident: PagerDutyIncident): Severity {
  const byPriority = knownSeverity(nonBlank(incident.priority?.summary));
  if (byPriority) return byPriority;
  const urgency = nonBlank(incident.urgency)?.toLowerCase();
  if (urgency === 'high') return 'sev2';
  if (urgency === 'low') return 'sev4';
  return 'sev3';
}

export function normalizePagerDuty(body: PagerDutyBody, now: Date): IntakeResult {
  const { event, incident } = body;
  const status = Object.hasOwn(STATUS_BY_EVENT_TYPE, event.event_type) ? STATUS_BY_EVENT_TYPE[event.event_type] : undefined;
  if (!status || !incident) return { alerts: [] };

  const service = nonBlank(incident.service?.summary)?.slice(0, 200);
  const link = safeLink(incident.html_url);
  const labels: Record<string, string> = {};
  const urgency = nonBlank(incident.urgency);
  const priority = nonBlank(incident.priority?.summary);
  const key = nonBlank(incident.incident_key);
  if (typeof incident.number === 'number') labels.incident_number = String(incident.number);
  if (urgency) labels.urgency = urgency;
  if (priority) labels.priority = priority.slice(0, 200);
  if (key) labels.incident_key = key;

  const alert: Alert = {
    source: 'pagerduty',
    fingerprint: incident.id,
    group: `pagerduty:${incident.id}`,
    status,
    title: oneLine(incident.title.trim()),
    severity: severityOf(incident),
    ...(service ? { service } : {}),
    ...(link ? { link } : {}),
    labels,
    startsAt: toIso(incident.created_at ?? event.occurred_at, now),
    ...(status === 'resolved' ? { endsAt: toIso(event.occurred_at, now) } : {}),
  };
  return { alerts: [alert] };
}

export const pagerdutyIntake: IntakeModule<PagerDutyBody> = {
  source: 'pagerduty',
  parse: parsePagerDuty,
  normalize: (body, ctx) => normalizePagerDuty(body, ctx.now),
};
