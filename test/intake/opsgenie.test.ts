import { describe, expect, it } from 'vitest';
import { alertSchema } from '../../src/domain.js';
import {
  normalizeOpsgenieCreate,
  opsgenieIdentifierType,
  opsgenieStatusAlert,
  parseOpsgenieAction,
  parseOpsgenieCreate,
  type OpsgenieCreate,
} from '../../src/intake/opsgenie.js';
import { sourceFixture } from '../support/builders.js';

const now = new Date('2026-03-04T10:00:00Z');
const fixture = (name: string) => sourceFixture<Record<string, unknown>>('opsgenie', name);

function create(body: unknown) {
  const parsed = parseOpsgenieCreate(body);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const alert = normalizeOpsgenieCreate(parsed.value, now);
  // Whatever comes out is a job the worker takes.
  expect(alertSchema.safeParse(alert).success).toBe(true);
  return alert;
}

function errors(body: unknown): Record<string, string> {
  const parsed = parseOpsgenieCreate(body);
  expect(parsed.ok).toBe(false);
  return parsed.ok ? {} : parsed.errors;
}

const RESPONDERS = [
  'team 4513b7ea-3b91-438f-b7e4-e3e54af9147c',
  'team NOC',
  'user bb4d9938-c3c2-455d-aaab-727aa701c0d8',
  'user trinity@opsgenie.com',
  'escalation aee8a0de-c80f-4515-a232-501c0bc9d715',
  'escalation Nightwatch Escalation',
  'schedule 80564037-1984-4f38-b98e-8a1f662df552',
  'schedule First Responders Schedule',
].join(', ');

describe('opsgenie intake: create', () => {
  it('normalizes what Alertmanager sends (captured from prometheus-alertmanager 0.25)', () => {
    const body = fixture('alertmanager-create.json');
    expect(create(body)).toStrictEqual({
      source: 'opsgenie',
      fingerprint: '2202a327e8ba6d6bd6a7b90f92e1cb18aeb337215d0f4a73e3e40752a161cdb9',
      group: 'opsgenie:2202a327e8ba6d6bd6a7b90f92e1cb18aeb337215d0f4a73e3e40752a161cdb9',
      status: 'firing',
      title: '[FIRING:1] PaymentSuccessRateLow checkout (pay-1 critical)',
      severity: 'sev3',
      service: 'checkout',
      description: `Details: alertname=PaymentSuccessRateLow, instance=pay-1, service=checkout, severity=critical\n\n${(body.description as string).trim()}`,
      link: 'http://alertmanager.example.com:9093/#/alerts?receiver=og',
      labels: {
        alertname: 'PaymentSuccessRateLow',
        instance: 'pay-1',
        service: 'checkout',
        severity: 'critical',
        alias: '2202a327e8ba6d6bd6a7b90f92e1cb18aeb337215d0f4a73e3e40752a161cdb9',
        source: 'http://alertmanager.example.com:9093/#/alerts?receiver=og',
      },
      startsAt: '2026-03-04T10:00:00.000Z',
    });
  });

  it('keeps tags, details, entity and responders of the documentation’s example on the alert', () => {
    const alert = create(fixture('docs-create.json'));
    expect(alert).toMatchObject({
      fingerprint: 'Life is too short for no alias',
      group: 'opsgenie:Life is too short for no alias',
      title: 'An example alert message',
      severity: 'sev1',
      service: 'An example entity',
      labels: {
        key1: 'value1',
        key2: 'value2',
        alias: 'Life is too short for no alias',
        entity: 'An example entity',
        priority: 'P1',
        tags: 'OverwriteQuietHours,Critical',
        responders: RESPONDERS,
      },
    });
    // On the card: the description, after the fields Opsgenie shows beside it.
    expect(alert.description).toBe(
      [
        'Entity: An example entity',
        'Tags: OverwriteQuietHours, Critical',
        `Responders: ${RESPONDERS}`,
        'Details: key1=value1, key2=value2',
        '',
        'Every alert needs a description',
      ].join('\n'),
    );
    expect(alert.link).toBeUndefined();
  });

  it('maps P1..P5 to sev1..sev4, P3 when absent', () => {
    const sev = (priority?: string) => create({ message: 'x', ...(priority ? { priority } : {}) }).severity;
    expect([sev('P1'), sev('P2'), sev('P3'), sev('P4'), sev('P5'), sev()]).toEqual(['sev1', 'sev2', 'sev3', 'sev4', 'sev4', 'sev3']);
  });

  it('without an alias, the message is the alias: the same message is the same alert', () => {
    const a = create(fixture('minimal-create.json'));
    expect(a).toStrictEqual({
      source: 'opsgenie',
      fingerprint: 'Disk almost full on db-1',
      group: 'opsgenie:Disk almost full on db-1',
      status: 'firing',
      title: 'Disk almost full on db-1',
      severity: 'sev3',
      labels: { alias: 'Disk almost full on db-1' },
      startsAt: '2026-03-04T10:00:00.000Z',
    });
    expect(create({ message: '  Disk almost full on db-1 ', alias: '   ' }).group).toBe(a.group);
  });

  it('picks the service from details.service, then entity, then details.app, then details.job', () => {
    expect(create({ message: 'x', entity: 'api', details: { service: 'checkout', app: 'a', job: 'j' } }).service).toBe('checkout');
    expect(create({ message: 'x', entity: 'api', details: { app: 'a' } }).service).toBe('api');
    expect(create({ message: 'x', details: { app: 'a', job: 'j' } }).service).toBe('a');
    expect(create({ message: 'x', details: { job: 'j' } }).service).toBe('j');
    expect(create({ message: 'x' }).service).toBeUndefined();
  });

  it('keeps text bounded and on one line; only an http(s) source becomes a link', () => {
    const a = create({ message: '\n  Checkout down\nsecond line', source: 'javascript:alert(1)', note: 'n'.repeat(25_000), user: 'ops' });
    expect(a.title).toBe('Checkout down');
    expect(a.link).toBeUndefined();
    expect(a.labels.source).toBe('javascript:alert(1)');
    expect(a.description!.length).toBeLessThan(1100);
    expect(a.description).toMatch(/^Note \(ops\): n+…$/);
    // 130 emoji are 260 UTF-16 units: kept whole, never cut inside a surrogate pair.
    expect(create({ message: '😀'.repeat(130) }).title).toBe('😀'.repeat(130));
  });

  it('takes a number or boolean where a string goes, and null as absent', () => {
    const a = create({ message: 42, alias: null, details: { attempt: 3, flaky: true, gone: null }, tags: [1] });
    expect(a.title).toBe('42');
    expect(a.labels).toMatchObject({ attempt: '3', flaky: 'true', tags: '1' });
    expect(a.labels).not.toHaveProperty('gone');
  });
});

describe('opsgenie intake: what Opsgenie refuses (422 errors)', () => {
  const tooLong = (n: number) => 'x'.repeat(n + 1);
  it('names each field with its reason', () => {
    expect(errors({})).toEqual({ message: 'should not be empty' });
    expect(errors({ message: '   ' })).toEqual({ message: 'should not be empty' });
    expect(errors({ message: { a: 1 } })).toEqual({ message: 'should be a string' });
    expect(errors({ message: tooLong(130) })).toEqual({ message: 'should be at most 130 characters' });
    expect(errors({ message: 'x', alias: tooLong(512) })).toEqual({ alias: 'should be at most 512 characters' });
    expect(errors({ message: 'x', description: tooLong(15_000) })).toEqual({ description: 'should be at most 15000 characters' });
    expect(errors({ message: 'x', priority: 'P6' })).toEqual({ priority: 'should be one of [ P1, P2, P3, P4, P5 ]' });
    expect(errors({ message: 'x', priority: 'p1' })).toEqual({ priority: 'should be one of [ P1, P2, P3, P4, P5 ]' });
    expect(errors({ message: 'x', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) })).toEqual({ tags: 'should contain at most 20 tags' });
    expect(errors({ message: 'x', tags: ['ok', tooLong(50)] })).toEqual({ 'tags[1]': 'should be at most 50 characters' });
    expect(errors({ message: 'x', tags: 'a,b' })).toEqual({ tags: 'should be an array' });
    expect(errors({ message: 'x', actions: Array.from({ length: 11 }, (_, i) => `a${i}`) })).toEqual({ actions: 'should contain at most 10 actions' });
    expect(errors({ message: 'x', details: { big: 'v'.repeat(7998) } })).toEqual({ details: 'should be at most 8000 characters in total' });
    expect(errors({ message: 'x', details: { nested: { a: 1 } } })).toEqual({ 'details.nested': 'should be a string' });
    expect(errors({ message: 'x', responders: [{ type: 'team' }, { name: 'x', type: 'squad' }, { name: 'ops', type: 'user' }] })).toEqual({
      'responders[0]': 'id or name should be provided',
      'responders[1].type': 'should be one of [ team, user, escalation, schedule ]',
      'responders[2]': 'id or username should be provided',
    });
    expect(errors({ message: 'x', visibleTo: [{ name: 'x', type: 'schedule' }] })).toEqual({ 'visibleTo[0].type': 'should be one of [ team, user ]' });
  });

  it('cuts entity, source, user and note at their limits instead of refusing the alert', () => {
    const parsed = parseOpsgenieCreate({ message: 'x', entity: 'e'.repeat(600), source: `https://alertmanager.example.com/${'p'.repeat(200)}`, user: '😀'.repeat(101), note: 'n'.repeat(25_001) });
    expect(parsed.ok).toBe(true);
    const v = (parsed as { value: OpsgenieCreate }).value;
    expect([v.entity!.length, v.source!.length, [...v.user!].length, v.note!.length]).toEqual([512, 100, 100, 25_000]);
    expect(v.user).toBe('😀'.repeat(100));
  });

  it('counts characters as code points, as Alertmanager truncates (130 runes)', () => {
    expect(parseOpsgenieCreate({ message: '😀'.repeat(130) }).ok).toBe(true);
    expect(errors({ message: '😀'.repeat(131) })).toEqual({ message: 'should be at most 130 characters' });
  });

  it('ignores responders past the first 50, as Opsgenie does', () => {
    const responders = [...Array.from({ length: 50 }, (_, i) => ({ name: `t${i}`, type: 'team' })), { type: 'nonsense' }];
    expect(parseOpsgenieCreate({ message: 'x', responders }).ok).toBe(true);
  });
});

describe('opsgenie intake: the calls on one alert', () => {
  it('close and acknowledge by alias are status-only alerts of the alias group', () => {
    const alias = '2202a327e8ba6d6bd6a7b90f92e1cb18aeb337215d0f4a73e3e40752a161cdb9';
    const closed = opsgenieStatusAlert(alias, 'resolved', now);
    expect(closed).toStrictEqual({
      source: 'opsgenie',
      fingerprint: alias,
      group: `opsgenie:${alias}`,
      status: 'resolved',
      title: '',
      severity: 'sev3',
      labels: {},
      startsAt: '2026-03-04T10:00:00.000Z',
      endsAt: '2026-03-04T10:00:00.000Z',
    });
    expect(opsgenieStatusAlert(alias, 'acknowledged', now)).toMatchObject({ status: 'acknowledged', title: '', group: `opsgenie:${alias}` });
    expect(alertSchema.safeParse(closed).success).toBe(true);
    // The close of an alias-less create finds it by its message.
    const created = normalizeOpsgenieCreate({ message: 'Disk almost full' } satisfies OpsgenieCreate, now);
    expect(opsgenieStatusAlert('Disk almost full', 'resolved', now).group).toBe(created.group);
  });

  it('validates each call’s body as Opsgenie documents it', () => {
    for (const name of ['alertmanager-close.json', 'docs-close.json']) expect(parseOpsgenieAction('close', fixture(name)).ok).toBe(true);
    expect(parseOpsgenieAction('acknowledge', fixture('docs-acknowledge.json')).ok).toBe(true);
    expect(parseOpsgenieAction('notes', fixture('docs-note.json')).ok).toBe(true);
    expect(parseOpsgenieAction('message', fixture('alertmanager-update-message.json')).ok).toBe(true);
    expect(parseOpsgenieAction('message', fixture('docs-update-message.json')).ok).toBe(true);
    expect(parseOpsgenieAction('description', fixture('alertmanager-update-description.json')).ok).toBe(true);
    expect(parseOpsgenieAction('description', fixture('docs-update-description.json')).ok).toBe(true);
    expect(parseOpsgenieAction('close', {}).ok).toBe(true);
    expect(parseOpsgenieAction('description', {}).ok).toBe(true);

    expect(parseOpsgenieAction('notes', {})).toEqual({ ok: false, errors: { note: 'should not be empty' } });
    expect(parseOpsgenieAction('message', { message: 'x'.repeat(131) })).toEqual({ ok: false, errors: { message: 'should be at most 130 characters' } });
    // Alertmanager's close carries its own URL as `source`: a long one is cut, never refused.
    expect(parseOpsgenieAction('close', { source: `https://am.example.com/${'p'.repeat(200)}`, user: 'u'.repeat(101) })).toMatchObject({ ok: true });
    expect(parseOpsgenieAction('acknowledge', { note: ['x'] })).toEqual({ ok: false, errors: { note: 'should be a string' } });
    expect(parseOpsgenieAction('notes', { note: 'n'.repeat(25_001) })).toEqual({ ok: false, errors: { note: 'should be at most 25000 characters' } });
  });

  it('reads identifierType as Opsgenie does: id by default', () => {
    expect([null, 'alias', 'ALIAS', 'id', 'tiny'].map(opsgenieIdentifierType)).toEqual(['id', 'alias', 'alias', 'id', 'tiny']);
    expect(opsgenieIdentifierType('name')).toBeUndefined();
  });
});
