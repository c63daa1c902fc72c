import { describe, expect, it } from 'vitest';
import { newDeclaredIncident, type Incident } from '../../src/incidents/model.js';
import { checkArgs, findVerb, NOT_PUBLIC, publicUpdate } from '../../src/incidents/verbs.js';
import { buildStatus, NO_SERVICE, STATUS_RETENTION_MS, shownAt, type PublicUpdate } from '../../src/status/model.js';
import { phrases, type TimelineEvent } from '../../src/timeline/events.js';

const T0 = new Date('2026-06-03T08:30:00Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);
let n = 0;
function inc(over: Partial<Incident> = {}): Incident {
  n++;
  return { ...newDeclaredIncident(`inc${n}`, n, { title: `Incident ${n}`, severity: 'sev2', service: 'checkout', declaredBy: 'U0000001' }, T0), ...over };
}
const upd = (min: number, text: string, status: PublicUpdate['status'] = 'triggered'): PublicUpdate => ({ id: `command:${min}:${text}`, at: at(min).toISOString(), text, status });

describe('the status model', () => {
  it('says "All systems operational" with nothing on the page, and when everything shown is resolved', () => {
    expect(buildStatus([], at(0))).toEqual({ generatedAt: at(0).toISOString(), health: 'operational', summary: 'All systems operational', services: [] });
    const done = inc({ status: 'resolved', resolvedAt: at(30).toISOString() });
    const r = buildStatus([{ incident: done, updates: [upd(5, 'Looking into it'), upd(25, 'Fixed', 'mitigated')] }], at(60));
    expect(r.summary).toBe('All systems operational');
    expect(r.services).toHaveLength(1);
    expect(r.services[0]).toMatchObject({ name: 'checkout', health: 'operational' });
    expect(r.services[0]!.incidents[0]).toMatchObject({ state: 'resolved', resolvedAt: at(30).toISOString(), updatedAt: at(25).toISOString() });
  });

  it('names states in customer words, newest update first, each with the state it was written in', () => {
    const i = inc({ status: 'acknowledged', severity: 'sev1' });
    const r = buildStatus([{ incident: i, updates: [upd(1, 'first'), upd(9, 'second', 'acknowledged')] }], at(10));
    expect(r.health).toBe('major_outage');
    expect(r.summary).toBe('Major outage: checkout');
    const shown = r.services[0]!.incidents[0]!;
    expect(shown).toMatchObject({ id: i.id, number: i.number, title: i.title, severity: 'sev1', state: 'identified', startedAt: i.detectedAt, resolvedAt: null });
    expect(shown.updates).toEqual([
      { at: at(9).toISOString(), state: 'identified', text: 'second' },
      { at: at(1).toISOString(), state: 'investigating', text: 'first' },
    ]);
    const states = (['triggered', 'acknowledged', 'mitigated', 'resolved'] as const).map((status) => buildStatus([{ incident: inc({ status, resolvedAt: at(1).toISOString() }), updates: [upd(0, 'x')] }], at(2)).services[0]!.incidents[0]!.state);
    expect(states).toEqual(['investigating', 'identified', 'monitoring', 'resolved']);
  });

  it('orders services worst first, then by name; open incidents first; no service goes under "Other"', () => {
    const minor = inc({ service: 'search', severity: 'sev3' });
    const major = inc({ service: 'payments', severity: 'sev2' });
    const calm = inc({ service: 'api', status: 'resolved', resolvedAt: at(3).toISOString() });
    const watched = inc({ service: 'api', status: 'mitigated', severity: 'sev1' });
    const noService = inc({ service: undefined, severity: 'sev4' });
    const r = buildStatus(
      [minor, major, calm, watched, noService].map((incident, k) => ({ incident, updates: [upd(k, `u${k}`)] })),
      at(10),
    );
    expect(r.services.map((s) => [s.name, s.health])).toEqual([
      ['payments', 'partial_outage'],
      // A mitigated incident is being watched: still open, at most degraded performance.
      ['api', 'degraded_performance'],
      [NO_SERVICE, 'degraded_performance'],
      ['search', 'degraded_performance'],
    ]);
    expect(r.services[1]!.incidents.map((i) => i.id)).toEqual([watched.id, calm.id]);
    expect(r.summary).toBe('Partial outage: payments, api, Other, search');
  });

  it('keeps a resolved incident 7 days after it was resolved, then drops it; never a private incident or a drill', () => {
    const resolvedAt = at(0);
    const done = inc({ status: 'resolved', resolvedAt: resolvedAt.toISOString() });
    const justBefore = new Date(resolvedAt.getTime() + STATUS_RETENTION_MS - 1);
    const sevenDays = new Date(resolvedAt.getTime() + STATUS_RETENTION_MS);
    expect(shownAt(done, justBefore)).toBe(true);
    expect(shownAt(done, sevenDays)).toBe(false);
    expect(buildStatus([{ incident: done, updates: [upd(-5, 'x')] }], sevenDays).services).toEqual([]);
    const secret = inc({ private: true });
    const drill = inc({ drill: { scenario: 'checkout-credentials', startedAt: T0.toISOString(), speed: 1 } });
    expect(shownAt(secret, at(1))).toBe(false);
    expect(shownAt(drill, at(1))).toBe(false);
    expect(buildStatus([secret, drill].map((incident) => ({ incident, updates: [upd(0, 'should never show')] })), at(1))).toMatchObject({ services: [], summary: 'All systems operational' });
    // An incident with no public update is not on the page either (nothing was said publicly).
    expect(buildStatus([{ incident: inc(), updates: [] }], at(1)).services).toEqual([]);
  });
});

describe('update --public in the verb table', () => {
  const update = findVerb('update')!;
  const input = (args: string) => ({ user: 'U0000001', args, now: at(5) });

  it('takes the flag first only, and wants text after it', () => {
    expect(publicUpdate('--public We are on it')).toEqual({ public: true, text: 'We are on it' });
    expect(publicUpdate('--PUBLIC   We are on it ')).toEqual({ public: true, text: 'We are on it' });
    // Never picked out of the text: these stay channel-only updates.
    expect(publicUpdate('Removed the --public flag')).toEqual({ public: false, text: 'Removed the --public flag' });
    expect(publicUpdate('--publicity')).toEqual({ public: false, text: '--publicity' });
    expect(checkArgs('update', '--public  We are on it')).toEqual({ ok: true, args: '--public We are on it' });
    const empty = checkArgs('update', '--public  ');
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.reason).toMatch(/Say what customers should read, e\.g\. `\/incident update --public /);
    expect(checkArgs('update', '').ok).toBe(false);
    expect(update.usage).toBe('update [--public] <text>');
    expect(update.what).toContain('public status page');
  });

  it('refuses a public update of a private incident or a drill; posts the text without the flag', () => {
    const refused = [inc({ private: true }), inc({ drill: { scenario: 's', startedAt: T0.toISOString(), speed: 1 } })].map((i) => update.apply!(i, input('--public Payments are failing')));
    expect(refused).toEqual([
      { ok: false, reason: NOT_PUBLIC },
      { ok: false, reason: NOT_PUBLIC },
    ]);
    expect(NOT_PUBLIC).toContain('Private incidents and drills never go on the status page');
    // A plain update of a private incident is fine.
    expect(update.apply!(inc({ private: true }), input('Rotating the key')).ok).toBe(true);
    const posted = update.apply!(inc(), input('--public Payments are failing'));
    expect(posted.ok && posted.value.lastUpdate).toBe('Payments are failing');
  });

  it('records the entry as public, and the postmortem and summaries say so', () => {
    const i = inc();
    expect(update.entry!(i, i, '--public Payments are failing')).toEqual({ text: 'Payments are failing', data: { public: true } });
    expect(update.entry!(i, i, 'Rolled back')).toEqual({ text: 'Rolled back' });
    const f = { text: (s: string | undefined) => s ?? '', who: (a: string | undefined) => `@${a}` };
    const ev = (data?: Record<string, unknown>): TimelineEvent => ({ id: 'x', kind: 'update', at: at(1).toISOString(), actor: 'alice', text: 'Payments are failing', ...(data ? { data } : {}) });
    expect(update.describe!(ev({ public: true }), f)).toBe('Public status update: Payments are failing (@alice)');
    expect(update.describe!(ev(), f)).toBe('Status update: Payments are failing (@alice)');
    expect(phrases(ev(), f).text).toBe('Payments are failing');
    expect(update.followUps).toContain('status-page');
  });
});
