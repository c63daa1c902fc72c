import { describe, expect, it } from 'vitest';
import { ALERT_SOURCES } from '../../src/domain.js';
import { alertmanagerIntake } from '../../src/intake/alertmanager.js';
import { describeIssues, shortHash } from '../../src/intake/common.js';
import type { IntakeContext } from '../../src/intake/index.js';
import { intakeModules } from '../../src/intake/sources.js';
import { sourceFixture } from '../support/builders.js';

const fixture = (name: string): unknown => sourceFixture('alertmanager', name);

const ctx: IntakeContext = { now: new Date('2026-03-04T10:00:00Z'), headers: {} };
const GROUP = 'alertmanager:{}/{team="payments"}:{alertname="CheckoutErrors"}';

function run(body: unknown) {
  const parsed = alertmanagerIntake.parse(body);
  if (!parsed.success) throw new Error(JSON.stringify(describeIssues(parsed.error)));
  return alertmanagerIntake.normalize(parsed.data, ctx);
}

function fields(body: unknown): string[] {
  const parsed = alertmanagerIntake.parse(body);
  expect(parsed.success).toBe(false);
  return parsed.success ? [] : describeIssues(parsed.error).map((i) => i.field);
}

const firstLabels = {
  alertname: 'CheckoutErrors',
  team: 'payments',
  service: 'checkout',
  severity: 'critical',
  instance: 'checkout-7d9f:8080',
  job: 'checkout-api',
};
const secondLabels = {
  alertname: 'CheckoutErrors',
  team: 'payments',
  severity: 'warning',
  instance: 'checkout-b21c:8080',
  job: 'checkout-api',
};
const first = {
  source: 'alertmanager',
  fingerprint: '5c1e0b7a9d2f4e61',
  group: GROUP,
  title: 'Checkout 5xx rate above 5% for 10 minutes',
  severity: 'sev1',
  service: 'checkout',
  description: 'checkout-7d9f:8080 is answering 7.2% of requests with a 5xx.',
  link: 'http://prometheus.example.internal:9090/graph?g0.expr=checkout_5xx_ratio+%3E+0.05&g0.tab=1',
  runbookUrl: 'https://runbooks.example.com/checkout/5xx',
  labels: firstLabels,
  startsAt: '2026-03-04T09:15:30.123Z',
};
const second = {
  source: 'alertmanager',
  fingerprint: 'a04f33c2b9e8d710',
  group: GROUP,
  status: 'firing',
  title: 'CheckoutErrors',
  severity: 'sev3',
  service: 'checkout-api',
  link: 'https://prometheus.example.com/graph?g0.expr=checkout_5xx_ratio',
  labels: secondLabels,
  startsAt: '2026-03-04T09:20:00.000Z',
};

describe('alertmanager intake', () => {
  it('normalizes a firing group, one alert per fingerprint, state from each alert', () => {
    // The second alert carries a past, non-zero endsAt and is still firing: endsAt never decides.
    expect(run(fixture('firing.json'))).toStrictEqual({
      alerts: [{ ...first, status: 'firing' }, second],
      truncated: 0,
    });
  });

  it('resolves only the alert whose own status is resolved', () => {
    expect(run(fixture('resolved.json'))).toStrictEqual({
      alerts: [{ ...first, status: 'resolved', endsAt: '2026-03-04T09:48:02.500Z' }, second],
      truncated: 0,
    });
  });

  it('handles truncation, missing fingerprints, multi-line summaries and non-http links', () => {
    const result = run(fixture('truncated-odd-links.json'));
    expect(result.truncated).toBe(17);
    expect(result.alerts).toStrictEqual([
      {
        source: 'alertmanager',
        // No fingerprint sent: a hash of the sorted labels.
        fingerprint: shortHash('alertmanager', 'alertname=DiskFilling', 'app=ledger-db', 'device=/dev/nvme0n1', 'severity=page'),
        group: 'alertmanager:{}:{alertname="DiskFilling"}',
        status: 'firing',
        title: 'Disk on ledger-db fills within 4h',
        severity: 'sev1',
        service: 'ledger-db',
        labels: { alertname: 'DiskFilling', app: 'ledger-db', severity: 'page', device: '/dev/nvme0n1' },
        startsAt: '2026-03-04T08:00:00.000Z',
      },
      {
        source: 'alertmanager',
        fingerprint: '0f0f0f0f0f0f0f0f',
        group: 'alertmanager:{}:{alertname="DiskFilling"}',
        status: 'resolved',
        // Blank summary: alertname.
        title: 'DiskFilling',
        // Unknown severity word: the default.
        severity: 'sev3',
        labels: { alertname: 'DiskFilling', severity: 'unheard-of' },
        startsAt: '2026-03-04T07:00:00.000Z',
        // Resolved with the zero endsAt: ended when Beacon heard of it.
        endsAt: '2026-03-04T10:00:00.000Z',
      },
    ]);
  });

  it('rejects another payload version, naming the field and the version', () => {
    const parsed = alertmanagerIntake.parse(fixture('version-3.json'));
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(describeIssues(parsed.error)).toEqual([
      { field: 'version', message: 'unsupported Alertmanager webhook payload version "3": only "4" is accepted' },
    ]);
    const body = { ...(fixture('firing.json') as Record<string, unknown>) };
    delete body.version;
    expect(fields(body)).toEqual(['version']);
  });

  it('names each bad field', () => {
    const body = fixture('firing.json') as { alerts: Record<string, unknown>[]; groupKey?: unknown };
    const alert = body.alerts[0]!;
    alert.labels = { ...(alert.labels as object), severity: 3 };
    alert.status = 'pending';
    alert.startsAt = 'yesterday';
    delete body.groupKey;
    expect(fields(body).sort()).toEqual(['alerts.0.labels.severity', 'alerts.0.startsAt', 'alerts.0.status', 'groupKey']);
    expect(fields('not an object')).toEqual(['(body)']);
  });

  it('bounds the body: at most 1000 alerts, bounded strings and maps', () => {
    const body = fixture('firing.json') as { alerts: unknown[] };
    const one = body.alerts[0];
    expect(fields({ ...body, alerts: Array.from({ length: 1001 }, () => one) })).toEqual(['alerts']);
    expect(run({ ...body, alerts: Array.from({ length: 1000 }, () => one) }).alerts).toHaveLength(1000);

    const huge = JSON.parse(JSON.stringify(fixture('firing.json'))) as { alerts: { annotations: Record<string, string> }[] };
    huge.alerts[0]!.annotations.summary = 'x'.repeat(20_001);
    expect(fields(huge)).toEqual(['alerts.0.annotations.summary']);

    const many = JSON.parse(JSON.stringify(fixture('firing.json'))) as { alerts: { labels: Record<string, string> }[] };
    for (let i = 0; i < 300; i++) many.alerts[0]!.labels[`l${i}`] = 'v';
    expect(fields(many)).toEqual(['alerts.0.labels']);
  });

  it('cuts long titles to one line of at most 250 characters', () => {
    const body = JSON.parse(JSON.stringify(fixture('firing.json'))) as { alerts: { annotations: Record<string, string> }[] };
    body.alerts[0]!.annotations.summary = 'y'.repeat(400);
    const title = run(body).alerts[0]!.title;
    expect(title).toHaveLength(250);
    expect(title.endsWith('…')).toBe(true);
  });

  it('refuses a Grafana body (version "1")', () => {
    const grafana = sourceFixture('grafana', 'firing.json');
    expect(fields(grafana)).toEqual(['version']);
  });
});

describe('intakeModules', () => {
  it('has one module per alert source, under its own name', () => {
    expect(Object.keys(intakeModules).sort()).toEqual([...ALERT_SOURCES].sort());
    for (const source of ALERT_SOURCES) expect(intakeModules[source].source).toBe(source);
  });
});
