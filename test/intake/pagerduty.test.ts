import { describe, expect, it } from 'vitest';
import { describeIssues } from '../../src/intake/common.js';
import type { IntakeContext } from '../../src/intake/index.js';
import { pagerdutyIntake } from '../../src/intake/pagerduty.js';
import { sourceFixture } from '../support/builders.js';

type Body = { event: Record<string, unknown> & { data: Record<string, unknown> } };
const fixture = (name: string): Body => sourceFixture<Body>('pagerduty', name);

const ctx: IntakeContext = { now: new Date('2026-02-17T04:00:00Z'), headers: {} };

function run(body: unknown) {
  const parsed = pagerdutyIntake.parse(body);
  if (!parsed.success) throw new Error(JSON.stringify(describeIssues(parsed.error)));
  return pagerdutyIntake.normalize(parsed.data, ctx);
}

function fields(body: unknown): string[] {
  const parsed = pagerdutyIntake.parse(body);
  expect(parsed.success).toBe(false);
  return parsed.success ? [] : describeIssues(parsed.error).map((i) => i.field);
}

const incident = {
  source: 'pagerduty',
  fingerprint: 'Q2X9ABCD1EFGH',
  group: 'pagerduty:Q2X9ABCD1EFGH',
  title: 'Invoice generation failing for 12% of accounts',
  severity: 'sev1',
  service: 'Billing API',
  link: 'https://example.pagerduty.com/incidents/Q2X9ABCD1EFGH',
  labels: { incident_number: '4821', urgency: 'high', priority: 'P1', incident_key: 'billing-api/invoice-failures' },
  startsAt: '2026-02-17T03:12:44.000Z',
};

describe('pagerduty intake', () => {
  it('incident.triggered fires', () => {
    expect(run(fixture('triggered.json'))).toStrictEqual({ alerts: [{ ...incident, status: 'firing' }] });
  });

  it('incident.acknowledged acknowledges', () => {
    expect(run(fixture('acknowledged.json'))).toStrictEqual({ alerts: [{ ...incident, status: 'acknowledged' }] });
  });

  it('incident.resolved resolves, ending when the event occurred', () => {
    expect(run(fixture('resolved.json'))).toStrictEqual({
      alerts: [{ ...incident, status: 'resolved', endsAt: '2026-02-17T03:58:30.007Z' }],
    });
  });

  it('falls back to urgency without a priority, and to occurred_at without created_at', () => {
    expect(run(fixture('triggered-low-urgency.json'))).toStrictEqual({
      alerts: [
        {
          source: 'pagerduty',
          fingerprint: 'Q7LOWURG0000',
          group: 'pagerduty:Q7LOWURG0000',
          status: 'firing',
          title: 'Nightly export is late',
          severity: 'sev4',
          service: 'Billing API',
          link: 'https://example.pagerduty.com/incidents/Q7LOWURG0000',
          labels: { incident_number: '4822', urgency: 'low' },
          startsAt: '2026-02-17T03:12:45.502Z',
        },
      ],
    });
    const high = fixture('triggered-low-urgency.json');
    high.event.data.urgency = 'high';
    expect(run(high).alerts[0]!.severity).toBe('sev2');
    const neither = fixture('triggered-low-urgency.json');
    delete neither.event.data.urgency;
    expect(run(neither).alerts[0]!.severity).toBe('sev3');
    const unknownPriority = fixture('triggered.json');
    unknownPriority.event.data.priority = { summary: 'Whenever', type: 'priority_reference' };
    expect(run(unknownPriority).alerts[0]!.severity).toBe('sev2');
  });

  it('maps priorities P1..P5', () => {
    const sev = (p: string) => {
      const body = fixture('triggered.json');
      body.event.data.priority = { summary: p };
      return run(body).alerts[0]!.severity;
    };
    expect([sev('P1'), sev('P2'), sev('P3'), sev('P4'), sev('P5')]).toEqual(['sev1', 'sev2', 'sev3', 'sev4', 'sev4']);
  });

  it('accepts pagey.ping with no alert', () => {
    expect(run(fixture('ping.json'))).toStrictEqual({ alerts: [] });
  });

  it('accepts and ignores other event types, whose data is not an incident', () => {
    expect(run(fixture('annotated.json'))).toStrictEqual({ alerts: [] });
    for (const type of ['incident.escalated', 'incident.priority_updated', 'incident.reopened', 'service.updated']) {
      const body = fixture('triggered.json');
      body.event.event_type = type;
      expect(run(body), type).toStrictEqual({ alerts: [] });
    }
  });

  it('drops a non-http incident link, keeps the alert', () => {
    const body = fixture('triggered.json');
    body.event.data.html_url = 'javascript:alert(1)';
    const alert = run(body).alerts[0]!;
    expect(alert.link).toBeUndefined();
    expect(alert.title).toBe(incident.title);
  });

  it('names each bad field from the top of the body', () => {
    const noTitle = fixture('triggered.json');
    delete noTitle.event.data.title;
    expect(fields(noTitle)).toEqual(['event.data.title']);

    const blankTitle = fixture('resolved.json');
    blankTitle.event.data.title = '   ';
    expect(fields(blankTitle)).toEqual(['event.data.title']);

    const badId = fixture('acknowledged.json');
    badId.event.data.id = 12;
    badId.event.data.created_at = 'last tuesday';
    expect(fields(badId).sort()).toEqual(['event.data.created_at', 'event.data.id']);

    const badEnvelope = fixture('triggered.json');
    badEnvelope.event.occurred_at = 'now';
    delete badEnvelope.event.event_type;
    expect(fields(badEnvelope).sort()).toEqual(['event.event_type', 'event.occurred_at']);

    expect(fields({})).toEqual(['event']);
    expect(fields({ event: { ...fixture('triggered.json').event, data: 'x' } })).toEqual(['event.data']);
  });
});
