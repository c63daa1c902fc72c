import { describe, expect, it } from 'vitest';
import {
  PD_ERRORS,
  changeKindOf,
  madeDedupKey,
  normalizePagerDutyChange,
  normalizePagerDutyEvent,
  parsePagerDutyChange,
  parsePagerDutyEvent,
  routingScope,
  type PagerDutyChange,
  type PagerDutyEvent,
} from '../../src/intake/pagerduty-events.js';
import { sourceFixture } from '../support/builders.js';

/**
 * The PagerDuty Events API v2 intake, pure: PagerDuty's own example bodies (its developer docs and
 * OpenAPI document, in test/fixtures/pagerduty-events/) and what Alertmanager 0.25 sends.
 */

type Body = Record<string, unknown> & { payload?: Record<string, unknown> };
const fixture = (name: string): Body => sourceFixture<Body>('pagerduty-events', name);
const now = new Date('2026-03-04T10:00:00Z');
const noService = routingScope('samplekeyhere', undefined);
const checkout = routingScope('checkout-key', 'checkout');

function event(body: unknown): PagerDutyEvent {
  const parsed = parsePagerDutyEvent(body as Record<string, unknown>);
  if (!parsed.success) throw new Error(parsed.errors.join('; '));
  return parsed.data;
}

function errors(body: unknown): string[] {
  const parsed = parsePagerDutyEvent(body as Record<string, unknown>);
  expect(parsed.success).toBe(false);
  return parsed.success ? [] : parsed.errors;
}

function alertOf(body: unknown, scope = noService, raw = Buffer.from(JSON.stringify(body))) {
  const e = event(body);
  return normalizePagerDutyEvent(e, { ...scope, dedupKey: e.dedupKey ?? madeDedupKey(scope.scope, raw), now });
}

const trigger = (payload: Record<string, unknown> = {}, over: Record<string, unknown> = {}) => ({
  routing_key: 'k',
  event_action: 'trigger',
  payload: { summary: 'Checkout failing', source: 'checkout-1', severity: 'critical', ...payload },
  ...over,
});

describe('PagerDuty Events v2: normalizing', () => {
  it("PagerDuty's trigger example becomes one firing alert with every field kept", () => {
    expect(alertOf(fixture('trigger.json'))).toStrictEqual({
      source: 'pagerduty-events',
      fingerprint: 'samplekeyhere',
      group: `pagerduty-events:${noService.scope}:samplekeyhere`,
      status: 'firing',
      title: 'Example alert on host1.example.com',
      severity: 'sev4',
      service: 'monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003',
      description: [
        'Source: monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003 · Component: postgres · Group: prod-datapipe · Class: deploy',
        'ping time: 1500ms',
        'load avg: 0.75',
      ].join('\n'),
      link: 'https://monitoring.example.com',
      links: [
        { label: 'Link text', url: 'https://example.com/' },
        { label: 'Example text', url: 'https://example.com/' },
      ],
      labels: {
        source: 'monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003',
        component: 'postgres',
        group: 'prod-datapipe',
        class: 'deploy',
        client: 'Sample Monitoring Service',
        severity: 'info',
        dedup_key: 'samplekeyhere',
      },
      startsAt: '2015-07-17T08:42:58.315Z',
    });
  });

  it('the service is the one the routing key names, and the group is of that service, never of the key', () => {
    const a = alertOf(fixture('trigger-disk.json'), checkout);
    expect(a.service).toBe('checkout');
    expect(a.group).toBe('pagerduty-events:service:checkout:srv01/mysql');
    expect(a.severity).toBe('sev1');
    expect(a.labels.source).toBe('prod-datapipe03.example.com');
    // Without a service, a hash of the key scopes the group: the key itself is nowhere.
    const b = alertOf({ ...fixture('trigger-disk.json'), routing_key: 'e93facc04764012d7bfb002500d5d1a6' }, routingScope('e93facc04764012d7bfb002500d5d1a6', undefined));
    expect(b.group).toMatch(/^pagerduty-events:key:[0-9a-f]{16}:srv01\/mysql$/);
    expect(JSON.stringify(b)).not.toContain('e93facc04764012d7bfb002500d5d1a6');
    expect(routingScope('other-key', undefined).scope).not.toBe(routingScope('e93facc04764012d7bfb002500d5d1a6', undefined).scope);
  });

  it('maps payload.severity like every other source', () => {
    const sev = (severity: string) => alertOf(trigger({ severity })).severity;
    expect([sev('critical'), sev('error'), sev('warning'), sev('info')]).toEqual(['sev1', 'sev2', 'sev3', 'sev4']);
  });

  it('makes a dedup_key when a trigger has none: 32 hex, the same for the same body, another for another body or key', () => {
    const body = trigger();
    const raw = Buffer.from(JSON.stringify(body));
    const a = alertOf(body, checkout, raw);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(alertOf(body, checkout, raw).fingerprint).toBe(a.fingerprint);
    expect(a.group).toBe(`pagerduty-events:service:checkout:${a.fingerprint}`);
    expect(madeDedupKey(checkout.scope, Buffer.from(JSON.stringify(trigger({ summary: 'Other' }))))).not.toBe(a.fingerprint);
    expect(madeDedupKey(noService.scope, raw)).not.toBe(a.fingerprint);
    // A blank dedup_key on a trigger counts as none.
    expect(event({ ...body, dedup_key: '  ' }).dedupKey).toBeUndefined();
  });

  it('acknowledge and resolve are status-only alerts of the same group and fingerprint', () => {
    const fired = alertOf({ ...fixture('trigger-disk.json'), dedup_key: 'dedupkeyhere' }, checkout);
    const ack = alertOf(fixture('acknowledge.json'), checkout);
    const res = alertOf(fixture('resolve.json'), checkout);
    for (const a of [ack, res]) {
      expect(a.group).toBe(fired.group);
      expect(a.fingerprint).toBe(fired.fingerprint);
      expect(a.title).toBe('');
      expect(a.service).toBe('checkout');
    }
    expect(ack).toMatchObject({ status: 'acknowledged', labels: { dedup_key: 'dedupkeyhere' } });
    expect(ack.endsAt).toBeUndefined();
    expect(res).toMatchObject({ status: 'resolved', endsAt: now.toISOString() });
    // Alertmanager sends its payload with a resolve too: it is not an alert of its own.
    const amResolve = alertOf({ ...fixture('alertmanager-trigger.json'), event_action: 'resolve', payload: { summary: '[RESOLVED] x', source: 'Alertmanager', severity: 'error' } });
    expect(amResolve.title).toBe('');
  });

  it('takes what Alertmanager sends: client link, custom details as lines, empty links and images', () => {
    const a = alertOf(fixture('alertmanager-trigger.json'), checkout);
    expect(a.title).toBe('[FIRING:1] PaymentSuccessRateLow checkout (critical pay-1)');
    expect(a.severity).toBe('sev2');
    expect(a.link).toBe('http://alertmanager.example.com/#/alerts?receiver=beacon-pagerduty');
    expect(a.links).toBeUndefined();
    expect(a.description).toContain('firing: Labels:\n - alertname = PaymentSuccessRateLow');
    expect(a.description).toContain('num_firing: 1');
    expect(a.description).not.toContain('resolved: \n');
    expect(a.labels).toMatchObject({ source: 'Alertmanager', client: 'Alertmanager', severity: 'error' });
  });

  it('keeps links http(s) only, labelled by their text, and bounds odd custom details', () => {
    const a = alertOf(
      trigger(
        { custom_details: { deep: JSON.parse('['.repeat(50) + ']'.repeat(50)), long: 'x'.repeat(5000), n: null, obj: { a: 1, b: [true, 'y'] } } },
        {
          links: [{ href: 'javascript:alert(1)', text: 'bad' }, { href: 'https://ok.example.com/a', text: '' }, 'not a link', { text: 'no href' }],
          images: [{ src: 'https://img.example.com/p.png' }, { src: 'data:image/png;base64,AAAA', href: 'ftp://x' }],
        },
      ),
    );
    expect(a.links).toEqual([
      { label: 'Link', url: 'https://ok.example.com/a' },
      { label: 'Image', url: 'https://img.example.com/p.png' },
    ]);
    expect(a.description).toContain('deep: [[[…]]]');
    expect(a.description).toContain('n: null');
    expect(a.description).toContain('obj: {a: 1, b: [true, "y"]}');
    expect(a.description!.length).toBeLessThanOrEqual(4000);
    // A string custom_details is shown as sent; a bad timestamp is the arrival time.
    const s = alertOf(trigger({ custom_details: 'free text\nsecond line', timestamp: 'yesterday' }));
    expect(s.description).toContain('free text\nsecond line');
    expect(s.startsAt).toBe(now.toISOString());
    // A summary starting with a blank line still has a title.
    expect(alertOf(trigger({ summary: '\n  Disk full\nmore' })).title).toBe('Disk full');
  });
});

describe('PagerDuty Events v2: refusing, with PagerDuty’s error strings', () => {
  it('names each problem of an empty event', () => {
    expect(errors({})).toEqual([PD_ERRORS.routingKeyBlank, PD_ERRORS.eventActionMissing]);
    expect(errors({ routing_key: ' ', event_action: 'trigger' })).toEqual([
      "'routing_key' cannot be blank",
      "'payload.summary' is missing or blank",
      "'payload.source' is missing or blank",
      "'payload.severity' is missing or blank",
    ]);
  });

  it('an unknown event_action, a bad severity, a summary over 1,024 characters', () => {
    expect(errors(trigger({}, { event_action: 'explode' }))).toEqual([PD_ERRORS.eventActionInvalid]);
    expect(errors(trigger({ severity: 'page' }))).toEqual([
      "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
    ]);
    expect(errors(trigger({ summary: 'x'.repeat(1025) }))).toEqual(["'summary' is too long (maiximum is 1024 characters)"]);
    // Characters, not UTF-16 units: 1,024 emoji is exactly the limit (Alertmanager cuts at 1,024 runes).
    expect(event(trigger({ summary: '😀'.repeat(1024) })).payload?.summary).toHaveLength(2048);
    expect(errors(trigger({ summary: '   ' }))).toEqual(["'payload.summary' is missing or blank"]);
  });

  it('dedup_key: required to acknowledge or resolve, at most 255 characters, a string', () => {
    expect(errors({ routing_key: 'k', event_action: 'resolve' })).toEqual(["'dedup_key' is missing or blank"]);
    expect(errors({ routing_key: 'k', event_action: 'acknowledge', dedup_key: '' })).toEqual(["'dedup_key' is missing or blank"]);
    expect(errors(trigger({}, { dedup_key: 'k'.repeat(256) }))).toEqual(["'dedup_key' is too long (maiximum is 255 characters)"]);
    expect(event(trigger({}, { dedup_key: 'k'.repeat(255) })).dedupKey).toHaveLength(255);
    expect(errors({ routing_key: 'k', event_action: 'resolve', dedup_key: 7 })).toEqual(["'dedup_key' must be a string"]);
  });

  it('wrong types are named, each once', () => {
    expect(errors({ routing_key: 5, event_action: 'trigger', payload: 'x', links: {}, client_url: 3 })).toEqual([
      "'routing_key' must be a string",
      "'client_url' must be a string",
      "'links' must be an array",
      "'payload' must be an object",
    ]);
    expect(errors(trigger({ summary: 12, component: [], source: null }))).toEqual([
      "'payload.summary' must be a string",
      "'payload.source' is missing or blank",
      "'payload.component' must be a string",
    ]);
  });

  it('an acknowledge or resolve needs no payload; null optional fields are absent', () => {
    expect(event(fixture('acknowledge.json')).action).toBe('acknowledge');
    expect(event(trigger({ component: null, custom_details: null }, { links: null, images: null, client: null })).links).toEqual([]);
  });
});

describe('PagerDuty change events', () => {
  const change = (body: unknown): PagerDutyChange => {
    const parsed = parsePagerDutyChange(body as Record<string, unknown>);
    if (!parsed.success) throw new Error(parsed.errors.join('; '));
    return parsed.data;
  };

  it("PagerDuty's change example becomes a deploy of its source, with its link and build number", () => {
    expect(normalizePagerDutyChange(change(fixture('change.json')), { now })).toStrictEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      service: 'acme-build-pipeline-tool-default-i-9999',
      kind: 'deploy',
      summary: 'Build Success: Increase snapshot create timeout to 30 seconds',
      link: 'https://acme.pagerduty.dev/build/2',
      version: '2',
      at: '2020-07-17T08:42:58.315Z',
    });
  });

  it('the routing key’s service wins over payload.source; without either there is nothing to attach it to', () => {
    expect(normalizePagerDutyChange(change(fixture('change.json')), { service: 'checkout', now })?.service).toBe('checkout');
    const { source: _source, ...payload } = fixture('change.json').payload!;
    expect(normalizePagerDutyChange(change({ ...fixture('change.json'), payload }), { now })).toBeUndefined();
  });

  it('the same change sent again has the same id; an undated one is dated on arrival', () => {
    const a = normalizePagerDutyChange(change(fixture('change.json')), { service: 'checkout', now })!;
    expect(normalizePagerDutyChange(change(fixture('change.json')), { service: 'checkout', now: new Date(now.getTime() + 3_600_000) })!.id).toBe(a.id);
    const undated = { routing_key: 'k', payload: { summary: 'Deploy v2' } };
    const b = normalizePagerDutyChange(change(undated), { service: 'checkout', now })!;
    expect(b.at).toBe(now.toISOString());
    expect(normalizePagerDutyChange(change(undated), { service: 'checkout', now: new Date(now.getTime() + 1000) })!.id).toBe(b.id);
  });

  it('is a config or credentials change when the summary or custom details say so', () => {
    expect(changeKindOf('Deploy checkout v2.14.1')).toBe('deploy');
    expect(changeKindOf('Update nginx configuration for checkout')).toBe('config');
    expect(changeKindOf('Flip feature flag new-checkout')).toBe('config');
    expect(changeKindOf('Rotate payment gateway API key')).toBe('credentials');
    expect(changeKindOf('Rotated DB password')).toBe('credentials');
    expect(changeKindOf('Renew TLS certificate')).toBe('credentials');
    expect(changeKindOf('Pipeline #44 passed', { change_type: 'config' })).toBe('config');
    expect(changeKindOf('Pipeline #44 passed', { rotated: 'vault secret payment-gateway' })).toBe('credentials');
    // A word inside a URL or another word says nothing.
    expect(changeKindOf('Pipeline #44 passed', { url: 'https://ci.example.com/config/44' })).toBe('deploy');
    expect(changeKindOf('Deploy tokenizer service')).toBe('deploy');
  });

  it('refuses with PagerDuty’s strings', () => {
    const refused = (body: unknown) => {
      const parsed = parsePagerDutyChange(body as Record<string, unknown>);
      return parsed.success ? [] : parsed.errors;
    };
    expect(refused({})).toEqual([PD_ERRORS.routingKeyBlank, "'payload.summary' is missing or blank"]);
    expect(refused({ routing_key: 'k', payload: { summary: 'y'.repeat(1025) } })).toEqual(["'summary' is too long (maiximum is 1024 characters)"]);
    expect(refused({ routing_key: 'k', payload: { summary: 'ok', source: 4 }, links: 'x' })).toEqual(["'links' must be an array", "'payload.source' must be a string"]);
  });
});
