import { describe, expect, it } from 'vitest';
import { describeIssues } from '../../src/intake/common.js';
import { grafanaIntake } from '../../src/intake/grafana.js';
import type { IntakeContext } from '../../src/intake/index.js';
import { sourceFixture } from '../support/builders.js';

const fixture = (name: string, source = 'grafana'): unknown => sourceFixture(source, name);

const ctx: IntakeContext = { now: new Date('2026-05-11T12:40:00Z'), headers: {} };
const GROUP = 'grafana:{}/{__grafana_receiver__="beacon"}:{grafana_folder="Platform"}';

function run(body: unknown) {
  const parsed = grafanaIntake.parse(body);
  if (!parsed.success) throw new Error(JSON.stringify(describeIssues(parsed.error)));
  return grafanaIntake.normalize(parsed.data, ctx);
}

function fields(body: unknown): string[] {
  const parsed = grafanaIntake.parse(body);
  expect(parsed.success).toBe(false);
  return parsed.success ? [] : describeIssues(parsed.error).map((i) => i.field);
}

const latency = {
  source: 'grafana',
  fingerprint: '7e3a90c15bd2f846',
  group: GROUP,
  title: 'p99 latency of api-gateway above 800ms in eu-west-1',
  severity: 'sev2',
  service: 'api-gateway',
  description: 'p99 has been 1.2s for 5 minutes.',
  link: 'https://grafana.example.com/alerting/grafana/bdx81kq/view?orgId=1',
  runbookUrl: 'https://runbooks.example.com/api-gateway/latency',
  links: [
    { label: 'Dashboard', url: 'https://grafana.example.com/d/gw01/api-gateway?orgId=1' },
    { label: 'Panel', url: 'https://grafana.example.com/d/gw01/api-gateway?orgId=1&viewPanel=4' },
    {
      label: 'Silence',
      url: 'https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DAPI+latency+p99%2Cregion%3Deu-west-1',
    },
  ],
  labels: {
    alertname: 'API latency p99',
    grafana_folder: 'Platform',
    service: 'api-gateway',
    severity: 'high',
    region: 'eu-west-1',
  },
  startsAt: '2026-05-11T12:02:10.345Z',
};

describe('grafana intake', () => {
  it('normalizes a firing notification: summary or alertname as title, never the group title', () => {
    expect(run(fixture('firing.json'))).toStrictEqual({
      alerts: [
        { ...latency, status: 'firing' },
        {
          source: 'grafana',
          fingerprint: 'c91d04e7a3b6f215',
          group: GROUP,
          status: 'firing',
          title: 'API error budget burn',
          severity: 'sev3',
          service: 'api-gateway',
          link: 'https://grafana.example.com/alerting/grafana/ck2p0aa/view?orgId=1',
          links: [
            {
              label: 'Silence',
              url: 'https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DAPI+error+budget+burn',
            },
          ],
          labels: { alertname: 'API error budget burn', grafana_folder: 'Platform', job: 'api-gateway', region: 'us-east-1' },
          startsAt: '2026-05-11T12:05:00.000Z',
        },
      ],
      truncated: 0,
    });
  });

  it('normalizes a resolved notification', () => {
    expect(run(fixture('resolved.json'))).toStrictEqual({
      alerts: [{ ...latency, status: 'resolved', endsAt: '2026-05-11T12:31:40.000Z' }],
      truncated: 0,
    });
  });

  it('drops non-http links, keeps the image link and the truncation count', () => {
    expect(run(fixture('image-and-bad-links.json'))).toStrictEqual({
      alerts: [
        {
          source: 'grafana',
          fingerprint: '1122334455667788',
          group: 'grafana:{}:{}',
          status: 'firing',
          title: 'Mail queue backlog over 10k',
          severity: 'sev4',
          service: 'mailer',
          links: [
            { label: 'Silence', url: 'https://grafana.example.com/alerting/silence/new?matchers=alertname%3DQueue+backlog' },
            { label: 'Image', url: 'https://grafana.example.com/public/img/attachments/queue.png' },
          ],
          labels: { alertname: 'Queue backlog', app: 'mailer', severity: 'info' },
          startsAt: '2026-05-11T08:00:00.000Z',
        },
      ],
      truncated: 2,
    });
  });

  it('rejects legacy (pre-unified) Grafana alert notifications, naming the missing fields', () => {
    expect(fields(fixture('legacy-alerting.json')).sort()).toEqual(['alerts', 'groupKey', 'version']);
    const parsed = grafanaIntake.parse(fixture('legacy-alerting.json'));
    if (parsed.success) throw new Error('expected failure');
    expect(describeIssues(parsed.error).find((i) => i.field === 'version')?.message).toBe(
      'required: Grafana webhook payload version "1"',
    );
  });

  it('refuses an Alertmanager body (version "4")', () => {
    expect(fields(fixture('firing.json', 'alertmanager'))).toEqual(['version']);
  });

  it('names each bad field', () => {
    const body = fixture('firing.json') as { alerts: Record<string, unknown>[]; orgId?: unknown };
    body.alerts[1]!.silenceURL = 42;
    body.alerts[0]!.annotations = { summary: ['not', 'a', 'string'] };
    body.orgId = 'one';
    expect(fields(body).sort()).toEqual(['alerts.0.annotations.summary', 'alerts.1.silenceURL', 'orgId']);
  });

  it('bounds the alert list at 1000', () => {
    const body = fixture('firing.json') as { alerts: unknown[] };
    expect(fields({ ...body, alerts: Array.from({ length: 1001 }, () => body.alerts[0]) })).toEqual(['alerts']);
  });
});
