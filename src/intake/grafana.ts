/**
 * Grafana Alerting webhook contact point, payload `version` "1". Documented at
 * https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
 *
 * The body is Alertmanager's webhook body plus `orgId`, `title`, `state` ("alerting" or "ok"),
 * `message`, and per alert `silenceURL`, `dashboardURL`, `panelURL`, `imageURL`, `values`,
 * `valueString`. A contact point with a custom payload template sends something else, which
 * this module rejects.
 *
 * - Incident group: `grafana:` + `groupKey`.
 * - Identity: each alert's `fingerprint`; state: each alert's own `status` (never `endsAt`).
 * - Title: `annotations.summary`, else `labels.alertname`. The top-level `title`
 *   ("[FIRING:2] ...") names the notification group, not an alert, and is not used.
 * - Service: `labels.service`, else `labels.job`, else `labels.app`.
 * - Link: `generatorURL` (the alert rule); further links: Dashboard, Panel, Silence, Image.
 *   Empty or non-http(s) URLs are dropped (Grafana sends `""` for unset ones).
 *
 * Severity mapping (alert label `severity`, as for Alertmanager):
 *
 * | `labels.severity`                                                  | Beacon |
 * | ------------------------------------------------------------------ | ------ |
 * | `critical`, `crit`, `fatal`, `emergency`, `page`, `p1`, `sev1`, `1` | `sev1` |
 * | `high`, `error`, `major`, `p2`, `sev2`, `2`                         | `sev2` |
 * | `warning`, `warn`, `medium`, `moderate`, `minor`, `p3`, `sev3`, `3` | `sev3` |
 * | `info`, `low`, `notice`, `none`, `p4`, `p5`, `sev4`, `4`, `5`       | `sev4` |
 * | missing or anything else                                           | `sev3` |
 */
import { z } from 'zod';
import type { IntakeResult } from '../domain.js';
import {
  MAX_ALERTS,
  alertmanagerAlertFields,
  alertmanagerGroupFields,
  describeSentVersion,
  normalizeAlertmanagerStyleAlert,
  safeLinks,
  vendorUrl,
} from './alertmanager.js';
import type { IntakeModule } from './index.js';

const grafanaAlertSchema = z.object({
  ...alertmanagerAlertFields,
  silenceURL: vendorUrl.optional(),
  dashboardURL: vendorUrl.optional(),
  panelURL: vendorUrl.optional(),
  imageURL: vendorUrl.optional(),
  /** Not read: numbers keyed by query ref. Loosely typed so an odd value never drops the alert. */
  values: z.record(z.string().max(200), z.unknown()).nullable().optional(),
  valueString: z.string().max(20_000).optional(),
});

export const grafanaSchema = z.object({
  version: z.literal('1', {
    error: (issue) =>
      issue.input === undefined
        ? 'required: Grafana webhook payload version "1"'
        : `unsupported Grafana webhook payload version ${describeSentVersion(issue.input)}: only "1" is accepted`,
  }),
  ...alertmanagerGroupFields,
  orgId: z.number().int().optional(),
  title: z.string().max(20_000).optional(),
  state: z.string().max(100).optional(),
  message: z.string().max(1_000_000).optional(),
  alerts: z.array(grafanaAlertSchema).max(MAX_ALERTS),
});

export type GrafanaPayload = z.infer<typeof grafanaSchema>;

export function normalizeGrafana(body: GrafanaPayload, now: Date): IntakeResult {
  const group = `grafana:${body.groupKey}`;
  const alerts = body.alerts.map((a) =>
    normalizeAlertmanagerStyleAlert('grafana', group, a, now, {
      links: safeLinks([
        ['Dashboard', a.dashboardURL],
        ['Panel', a.panelURL],
        ['Silence', a.silenceURL],
        ['Image', a.imageURL],
      ]),
    }),
  );
  return { alerts, ...(body.truncatedAlerts !== undefined ? { truncated: body.truncatedAlerts } : {}) };
}

export function parseGrafana(body: unknown) {
  return grafanaSchema.safeParse(body);
}

export const grafanaIntake: IntakeModule<GrafanaPayload> = {
  source: 'grafana',
  parse: parseGrafana,
  normalize: (body, ctx) => normalizeGrafana(body, ctx.now),
};
