import { describe, expect, it } from 'vitest';
import { INCIDENT_STATUSES } from '../../src/domain.js';
import { checkArgs, parseSeverityArg, parseUserArg } from '../../src/incidents/verbs.js';
import {
  acknowledge,
  mitigate,
  newDeclaredIncident,
  postUpdate,
  reminderAnchor,
  reopen,
  resolve,
  setLead,
  setSeverity,
  type Incident,
} from '../../src/incidents/model.js';

const T0 = new Date('2024-06-03T08:30:00Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);
const fresh = (): Incident => newDeclaredIncident('inc1', 1, { title: 'Checkout down', severity: 'sev2', declaredBy: 'U0000003' }, T0);
const ok = <T>(o: { ok: true; value: T } | { ok: false; reason: string }): T => {
  if (!o.ok) throw new Error(o.reason);
  return o.value;
};
const inState = (status: Incident['status']): Incident => ({ ...fresh(), status, ...(status !== 'triggered' ? { acknowledgedAt: at(1).toISOString(), acknowledgedBy: 'U0000001', lead: 'U0000001' } : {}) });

describe('incident transitions', () => {
  it('triggered -> acknowledged -> mitigated -> resolved -> (reopen) acknowledged', () => {
    let i = ok(acknowledge(fresh(), 'U0000001', at(2)));
    expect(i).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'U0000001', lead: 'U0000001' });
    i = ok(mitigate(i, 'U0000002', 'rolled back', at(10)));
    expect(i).toMatchObject({ status: 'mitigated', mitigation: 'rolled back', lead: 'U0000001' });
    i = ok(resolve(i, 'U0000002', 'key restored', at(20)));
    expect(i).toMatchObject({ status: 'resolved', resolvedBy: 'U0000002', resolution: 'key restored' });
    i = ok(reopen(i, 'U0000003', at(30)));
    expect(i).toMatchObject({ status: 'acknowledged', reopenedBy: 'U0000003', reopenedAt: at(30).toISOString(), lead: 'U0000001' });
    expect(i.resolvedAt).toBeUndefined();
    expect(i.resolution).toBeUndefined();
  });

  it('refuses what the state machine forbids, with a reason for the person', () => {
    const table: [string, (i: Incident) => { ok: boolean; reason?: string }, Incident['status'][]][] = [
      ['ack', (i) => acknowledge(i, 'U0000002', at(5)), ['acknowledged', 'mitigated', 'resolved']],
      ['mitigate', (i) => mitigate(i, 'U0000002', undefined, at(5)), ['mitigated', 'resolved']],
      ['resolve', (i) => resolve(i, 'U0000002', undefined, at(5)), ['resolved']],
      ['reopen', (i) => reopen(i, 'U0000002', at(5)), ['triggered', 'acknowledged', 'mitigated']],
    ];
    for (const [verb, apply, forbidden] of table) {
      for (const status of INCIDENT_STATUSES) {
        const out = apply(inState(status));
        expect(out.ok, `${verb} from ${status}`).toBe(!forbidden.includes(status));
        if (!out.ok) expect(out.reason!.length).toBeGreaterThan(5);
      }
    }
    expect(acknowledge(inState('resolved'), 'U0000002', at(5))).toEqual({ ok: false, reason: expect.stringContaining('/incident reopen') });
  });

  it('the first to acknowledge leads, unless a lead was set', () => {
    const led = ok(setLead(fresh(), 'U0000002'));
    expect(ok(acknowledge(led, 'U0000001', at(2))).lead).toBe('U0000002');
    expect(ok(mitigate(fresh(), 'U0000004', undefined, at(2)))).toMatchObject({ lead: 'U0000004', acknowledgedBy: 'U0000004' });
    expect(setLead(led, 'U0000002').ok).toBe(false);
    expect(setLead(led, 'bob').ok).toBe(false);
  });

  it('severity and updates', () => {
    expect(ok(setSeverity(fresh(), 'sev1')).severity).toBe('sev1');
    expect(setSeverity(fresh(), 'sev2')).toEqual({ ok: false, reason: 'Severity is already sev2.' });
    const u = ok(postUpdate(fresh(), 'U0000001', ' rolled back ', at(7)));
    expect(u).toMatchObject({ lastUpdate: 'rolled back', lastUpdateBy: 'U0000001', lastUpdateAt: at(7).toISOString() });
    expect(postUpdate(fresh(), 'U0000001', '  ', at(7)).ok).toBe(false);
  });

  it('the reminder clock starts at opening, then at the latest update or reopening', () => {
    const i = fresh();
    expect(reminderAnchor(i)).toBe(T0.toISOString());
    const updated = ok(postUpdate(i, 'U0000001', 'x', at(12)));
    expect(reminderAnchor(updated)).toBe(at(12).toISOString());
    const reopened = { ...updated, status: 'resolved' as const };
    expect(reminderAnchor(ok(reopen(reopened, 'U0000001', at(40))))).toBe(at(40).toISOString());
  });
});

describe('/incident arguments', () => {
  it('severities', () => {
    expect(['1', 'sev1', 'SEV1', 'sev 1', 'sev-1'].map(parseSeverityArg)).toEqual(['sev1', 'sev1', 'sev1', 'sev1', 'sev1']);
    expect(['0', '5', 'sev', 'critical', '', '12'].map(parseSeverityArg)).toEqual([null, null, null, null, null, null]);
  });

  it('people, as Slack sends mentions', () => {
    expect(parseUserArg('<@U0000002|bob>')).toBe('U0000002');
    expect(parseUserArg('<@W0000002>')).toBe('W0000002');
    expect(parseUserArg('U0000002')).toBe('U0000002');
    expect(parseUserArg('@bob')).toBeNull();
    expect(parseUserArg('<!channel>')).toBeNull();
    expect(parseUserArg('<@U1|a> <@U2|b>')).toBeNull();
  });

  it('each state verb checks its arguments', () => {
    expect(checkArgs('sev', ' 3 ')).toEqual({ ok: true, args: 'sev3' });
    expect(checkArgs('lead', '<@U0000002|bob>')).toEqual({ ok: true, args: 'U0000002' });
    expect(checkArgs('update', '  all good ')).toEqual({ ok: true, args: 'all good' });
    for (const [verb, args] of [['sev', 'x'], ['lead', 'bob'], ['update', ''], ['note', ' '], ['task', '']] as const) {
      expect(checkArgs(verb, args).ok, verb).toBe(false);
    }
    expect(checkArgs('resolve', '')).toEqual({ ok: true, args: '' });
  });
});
