import { describe, expect, it } from 'vitest';
import type { Runbook } from '../../src/runbooks/format.js';
import { loadRunbooks } from '../../src/runbooks/load.js';
import { findRunbook, matchRunbook, rankRunbooks } from '../../src/runbooks/match.js';

function rb(name: string, match: Partial<Runbook['match']> = {}, isDefault = false): Runbook {
  return {
    name,
    title: name,
    default: isDefault,
    match: { service: [], alertname: [], labels: {}, ...match },
    responders: [],
    escalation: [],
    checks: {},
    steps: [{ id: 's1', text: 'Look' }],
    file: `${name}.md`,
  };
}

const runbooks = [
  rb('default', {}, true),
  rb('by-service', { service: ['api', 'web'] }),
  rb('by-alertname', { alertname: ['ApiDown'] }),
  rb('by-label', { labels: { team: 'payments' } }),
  rb('by-two-labels', { labels: { team: 'payments', region: 'eu' } }),
  rb('by-service-and-alertname', { service: ['api'], alertname: ['HighLatency'] }),
  rb('manual-only'),
];
const names = (alert: Parameters<typeof rankRunbooks>[1]) => rankRunbooks(runbooks, alert).map((m) => `${m.runbook.name}:${m.matchedOn}`);

describe('matchRunbook', () => {
  it('prefers labels over alertname over service over the default', () => {
    expect(names({ service: 'api', alertname: 'ApiDown', labels: { team: 'payments' } })).toEqual([
      'by-label:labels',
      'by-alertname:alertname',
      'by-service:service',
      'default:default',
    ]);
    expect(matchRunbook(runbooks, { service: 'web', labels: {} })?.name).toBe('by-service');
    expect(matchRunbook(runbooks, { service: 'nothing-matches', labels: {} })?.name).toBe('default');
  });

  it('needs every label, with equal values, and breaks ties by more labels', () => {
    expect(matchRunbook(runbooks, { labels: { team: 'payments', region: 'eu', extra: 'x' } })?.name).toBe('by-two-labels');
    expect(matchRunbook(runbooks, { labels: { team: 'payments', region: 'us' } })?.name).toBe('by-label');
    expect(matchRunbook(runbooks, { labels: { team: 'Payments' } })?.name).toBe('default');
  });

  it('needs every field of match to hold, and a runbook needing more fields beats one needing fewer', () => {
    expect(matchRunbook(runbooks, { service: 'api', alertname: 'HighLatency', labels: {} })?.name).toBe('by-service-and-alertname');
    expect(matchRunbook(runbooks, { service: 'web', alertname: 'HighLatency', labels: {} })?.name).toBe('by-service');
  });

  it('breaks full ties by name', () => {
    const tied = [rb('zeta', { service: ['api'] }), rb('alpha', { service: ['api'] })];
    expect(matchRunbook(tied, { service: 'api', labels: {} })?.name).toBe('alpha');
  });

  it('reads alertname and service from labels when the alert has no such field', () => {
    expect(matchRunbook(runbooks, { labels: { alertname: 'ApiDown' } })?.name).toBe('by-alertname');
    expect(matchRunbook(runbooks, { labels: { service: 'web' } })?.name).toBe('by-service');
  });

  it('returns nothing without a default, and never picks a runbook without match', () => {
    const noDefault = runbooks.filter((r) => !r.default);
    expect(matchRunbook(noDefault, { service: 'other', labels: {} })).toBeUndefined();
    expect(names({ labels: {} })).toEqual(['default:default']);
  });
});

describe('findRunbook', () => {
  it('finds by name as typed after /incident runbook', () => {
    expect(findRunbook(runbooks, '  By-Label ')?.name).toBe('by-label');
    expect(findRunbook(runbooks, 'manual-only')?.name).toBe('manual-only');
    expect(findRunbook(runbooks, 'nope')).toBeUndefined();
  });
});

describe('the shipped runbooks', () => {
  const shipped = loadRunbooks('runbooks').runbooks;

  it("open the seed's checkout incident with credentials first", () => {
    const rbk = matchRunbook(shipped, { service: 'checkout', alertname: 'TransactionSuccessDrop', labels: {} });
    expect(rbk?.name).toBe('checkout-payments');
    const first = rbk?.steps[0];
    expect(first?.check).toBe('gateway-auth');
    const check = first?.check ? rbk?.checks[first.check] : undefined;
    expect(check).toMatchObject({ type: 'http', headers: { Authorization: { env: 'PAYMENT_GATEWAY_TOKEN' } } });
  });

  it('open anything else with recent changes, credentials and integrations first', () => {
    const rbk = matchRunbook(shipped, { service: 'search', labels: {} });
    expect(rbk?.name).toBe('default');
    const [changes, credentials, integrations] = rbk?.steps ?? [];
    expect(changes?.check && rbk?.checks[changes.check]?.type).toBe('recent_changes');
    expect(credentials?.text).toMatch(/credentials/i);
    expect(integrations?.text).toMatch(/integration/i);
  });

  it('route database, saturation and third-party alerts', () => {
    expect(matchRunbook(shipped, { service: 'postgres', labels: {} })?.name).toBe('database');
    expect(matchRunbook(shipped, { labels: { alertname: 'HighRequestLatency' } })?.name).toBe('latency-saturation');
    expect(matchRunbook(shipped, { service: 'checkout', labels: { dependency: 'external' } })?.name).toBe('third-party-outage');
  });
});
