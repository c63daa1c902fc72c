import { describe, expect, it } from 'vitest';
import { describeIssues, shortHash } from '../../src/intake/common.js';
import { DATADOG_TEMPLATE, datadogIntake } from '../../src/intake/datadog.js';
import type { IntakeContext } from '../../src/intake/index.js';
import { sourceFixture } from '../support/builders.js';

const fixture = (name: string): Record<string, unknown> => sourceFixture<Record<string, unknown>>('datadog', name);

const ctx: IntakeContext = { now: new Date('2026-01-01T15:00:00Z'), headers: {} };

function run(body: unknown) {
  const parsed = datadogIntake.parse(body);
  if (!parsed.success) throw new Error(JSON.stringify(describeIssues(parsed.error)));
  return datadogIntake.normalize(parsed.data, ctx);
}

function fields(body: unknown): string[] {
  const parsed = datadogIntake.parse(body);
  expect(parsed.success).toBe(false);
  return parsed.success ? [] : describeIssues(parsed.error).map((i) => i.field);
}

const searchLabels = { env: 'prod', host: 'web-03', service: 'search', team: 'discovery' };

describe('DATADOG_TEMPLATE', () => {
  // The key list of the public interface (interface.md, "Datadog payload template"): operators paste this template,
  // so a key may be added, never renamed or removed.
  const INTERFACE_KEYS: Record<string, unknown> = {
    id: '$ID',
    title: '$EVENT_TITLE',
    body: '$EVENT_MSG',
    date: '$DATE',
    last_updated: '$LAST_UPDATED',
    event_type: '$EVENT_TYPE',
    org: { id: '$ORG_ID', name: '$ORG_NAME' },
    alert_id: '$ALERT_ID',
    alert_title: '$ALERT_TITLE',
    alert_transition: '$ALERT_TRANSITION',
    alert_status: '$ALERT_STATUS',
    alert_type: '$ALERT_TYPE',
    alert_priority: '$ALERT_PRIORITY',
    alert_metric: '$ALERT_METRIC',
    alert_query: '$ALERT_QUERY',
    alert_scope: '$ALERT_SCOPE',
    alert_cycle_key: '$ALERT_CYCLE_KEY',
    aggregate: '$AGGREG_KEY',
    priority: '$PRIORITY',
    hostname: '$HOSTNAME',
    link: '$LINK',
    tags: '$TAGS',
    user: '$USER',
  };

  it('has every key of the interface, each the Datadog variable of that name', () => {
    for (const [key, value] of Object.entries(INTERFACE_KEYS)) {
      expect(DATADOG_TEMPLATE, key).toHaveProperty([key]);
      expect(DATADOG_TEMPLATE[key], key).toEqual(value);
    }
    for (const [key, value] of Object.entries(DATADOG_TEMPLATE)) {
      if (key === 'org' || key === 'title' || key === 'body' || key === 'aggregate') continue;
      expect(value, key).toBe(`$${key.toUpperCase()}`);
    }
  });

  it('is valid JSON to paste, and as pasted (never substituted) is refused, not half-taken', () => {
    const pasted = JSON.parse(JSON.stringify(DATADOG_TEMPLATE, null, 2)) as unknown;
    expect(fields(pasted)).toEqual(['alert_title']);
  });
});

describe('datadog intake', () => {
  it('normalizes a triggered monitor sent with Beacon\'s template', () => {
    expect(run(fixture('triggered.json'))).toStrictEqual({
      alerts: [
        {
          source: 'datadog',
          fingerprint: '6911843902417563041',
          group: 'datadog:48213055',
          status: 'firing',
          title: '[Triggered on {host:web-03,service:search}] Search latency is high',
          severity: 'sev2',
          service: 'search',
          description:
            'Search p95 latency is above 2s on web-03.\n\n@webhook-beacon\n\n[[Monitor Status](https://app.datadoghq.com/monitors/48213055)]',
          link: 'https://app.datadoghq.com/event/event?id=7843209461228370112',
          labels: searchLabels,
          startsAt: '2026-01-01T12:00:00.000Z',
        },
      ],
    });
  });

  it('resolves the same alert on "Recovered": the cycle key ties it to the trigger', () => {
    expect(run(fixture('recovered.json'))).toStrictEqual({
      alerts: [
        {
          source: 'datadog',
          fingerprint: '6911843902417563041',
          group: 'datadog:48213055',
          status: 'resolved',
          title: '[Recovered on {host:web-03,service:search}] Search latency is high',
          severity: 'sev2',
          service: 'search',
          description: 'Search p95 latency is back under 2s on web-03.',
          link: 'https://app.datadoghq.com/event/event?id=7843221170042991875',
          labels: searchLabels,
          startsAt: '2026-01-01T12:30:00.000Z',
          endsAt: '2026-01-01T12:30:00.000Z',
        },
      ],
    });
  });

  it('falls back: no cycle key, no priority, empty body, epoch seconds, bad link, unsubstituted values', () => {
    expect(run(fixture('warn-no-priority.json'))).toStrictEqual({
      alerts: [
        {
          source: 'datadog',
          // Monitor id, plus the scope so the groups of a multi-alert monitor stay apart.
          fingerprint: `50017731:${shortHash('queue:emails')}`,
          group: 'datadog:50017731',
          status: 'firing',
          title: '[Warn on {queue:emails}] Email queue is growing',
          // alert_type "warning".
          severity: 'sev3',
          description: 'max(last_10m):avg:queue.depth{queue:emails} > 5000',
          labels: { queue: 'emails' },
          startsAt: '2026-01-01T13:00:00.000Z',
        },
      ],
    });
  });

  it('takes Datadog\'s default payload, reading state and priority from the event title', () => {
    const fingerprint = shortHash('datadog', 'Disk almost full', '');
    const triggered = run(fixture('default-triggered.json'));
    expect(triggered).toStrictEqual({
      alerts: [
        {
          source: 'datadog',
          fingerprint,
          group: `datadog:${fingerprint}`,
          status: 'firing',
          title: '[P1] [Triggered on {host:db-01}] Disk almost full',
          severity: 'sev1',
          description: 'Disk usage on db-01 is above 90%.',
          labels: {},
          startsAt: '2026-01-01T13:30:00.000Z',
        },
      ],
    });
    expect(run(fixture('default-recovered.json'))).toStrictEqual({
      alerts: [
        {
          source: 'datadog',
          fingerprint,
          group: `datadog:${fingerprint}`,
          status: 'resolved',
          title: '[P1] [Recovered on {host:db-01}] Disk almost full',
          severity: 'sev1',
          description: 'Disk usage on db-01 is back under 90%.',
          labels: {},
          startsAt: '2026-01-01T14:00:00.000Z',
          endsAt: '2026-01-01T14:00:00.000Z',
        },
      ],
    });
  });

  it('fires on every transition but Recovered', () => {
    for (const t of ['Triggered', 'Re-Triggered', 'Warn', 'Re-Warn', 'No Data', 'Re-No Data', 'Renotify', 'Re-Notify']) {
      expect(run({ ...fixture('triggered.json'), alert_transition: t }).alerts[0]!.status, t).toBe('firing');
    }
    expect(run({ ...fixture('triggered.json'), alert_transition: 'recovered' }).alerts[0]!.status).toBe('resolved');
  });

  it('maps severity from alert_priority, then alert_type', () => {
    const sev = (over: Record<string, unknown>) => run({ ...fixture('triggered.json'), ...over }).alerts[0]!.severity;
    expect(sev({ alert_priority: 'P1' })).toBe('sev1');
    expect(sev({ alert_priority: 'P3' })).toBe('sev3');
    expect(sev({ alert_priority: 'P4' })).toBe('sev4');
    expect(sev({ alert_priority: 'P5' })).toBe('sev4');
    expect(sev({ alert_priority: '', alert_type: 'error' })).toBe('sev2');
    expect(sev({ alert_priority: '$ALERT_PRIORITY', alert_type: 'info' })).toBe('sev4');
    expect(sev({ alert_priority: '', alert_type: '' })).toBe('sev3');
  });

  it('uses title when alert_title is missing, groups by aggregate without alert_id, accepts numbers', () => {
    const body = fixture('triggered.json');
    delete body.alert_title;
    delete body.alert_id;
    const alert = run(body).alerts[0]!;
    expect(alert.title).toBe('[P2] [Triggered on {host:web-03,service:search}] Search latency is high');
    expect(alert.group).toBe('datadog:e7a1c3b90df24a6c8b5f1d2e0a9b7c64');

    const numeric = run({ ...fixture('triggered.json'), alert_id: 48213055, alert_cycle_key: '' }).alerts[0]!;
    expect(numeric.group).toBe('datadog:48213055');
    expect(numeric.fingerprint).toBe(`48213055:${shortHash('host:web-03,service:search')}`);
  });

  it('is not fooled by Object.prototype names in alert_type or tags', () => {
    const alert = run({ ...fixture('triggered.json'), alert_priority: '', alert_type: 'constructor', tags: 'constructor:1,__proto__:2,toString:3' })
      .alerts[0]!;
    expect(alert.severity).toBe('sev3');
    expect(alert.labels).toStrictEqual({ constructor: '1', toString: '3', host: 'web-03' });
  });

  it('names each bad field', () => {
    expect(fields({})).toEqual(['alert_title']);
    expect(fields({ ...fixture('triggered.json'), alert_title: { text: 'x' } })).toEqual(['alert_title']);
    expect(fields({ ...fixture('triggered.json'), tags: 7 })).toEqual(['tags']);
    expect(fields({ ...fixture('triggered.json'), org: 'Example Corp' })).toEqual(['org']);
    expect(fields({ ...fixture('triggered.json'), link: 'x'.repeat(3001) })).toEqual(['link']);
    expect(fields([fixture('triggered.json')])).toEqual(['(body)']);
  });
});
