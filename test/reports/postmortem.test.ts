import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../src/domain.js';
import type { Incident } from '../../src/incidents/model.js';
import type { AlertRecord } from '../../src/incidents/store.js';
import { renderPostmortem, type PostmortemInput } from '../../src/reports/postmortem.js';
import type { TimelineEvent } from '../../src/timeline/events.js';

const T = (hhmm: string, day = '2024-06-03') => `${day}T${hhmm}:00.000Z`;
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const TITLE = 'Checkout: successful payment transactions dropped 60%';

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 'inc-seed',
    number: 7,
    title: TITLE,
    severity: 'sev1',
    status: 'resolved',
    service: 'checkout',
    links: [],
    labels: {},
    group: 'generic:checkout',
    origin: 'alert',
    createdAt: T('08:30'),
    detectedAt: T('08:30'),
    acknowledgedAt: T('08:33'),
    acknowledgedBy: ALICE,
    lead: ALICE,
    mitigatedAt: T('10:05'),
    mitigation: 'Correct credentials restored',
    resolvedAt: T('10:15'),
    resolvedBy: BOB,
    resolution: 'Reverted to the correct payment gateway API credentials; transactions back to normal levels',
    slack: { messages: {}, pending: {} },
    version: 9,
    ...over,
  };
}

let n = 0;
const ev = (kind: TimelineEvent['kind'], at: string, text: string, actor?: string, data?: Record<string, unknown>): TimelineEvent => ({
  id: `e${n++}`,
  kind,
  at,
  text,
  ...(actor ? { actor } : {}),
  ...(data ? { data } : {}),
});

const FP = 'checkout-payment-success-rate';

/** The seed postmortem's incident, replayed as the data Beacon would have recorded. */
function seed(): PostmortemInput {
  const timeline: TimelineEvent[] = [
    // Shuffled on purpose: the renderer orders by time.
    ev('resolved', T('10:15'), 'Reverted to the correct payment gateway API credentials; transactions back to normal levels', BOB),
    ev('incident.opened', T('08:30'), TITLE, 'generic', { severity: 'sev1', service: 'checkout' }),
    ev('alert.firing', T('08:30'), TITLE, 'generic', { fingerprint: FP, severity: 'sev1' }),
    ev('acknowledged', T('08:33'), '', ALICE),
    ev('note', T('08:35'), 'Checking server health and logs', ALICE),
    ev('severity', T('08:40'), '', ALICE, { from: 'sev2', to: 'sev1' }),
    ev('note', T('08:45'), 'Customer complaints via support confirm checkout failures', ALICE),
    ev('summary', T('09:00'), 'summary posted', 'beacon'),
    ev('note', T('09:00'), 'Assumption: server overload or database issues from high traffic', ALICE),
    ev('note', T('09:15'), 'Restarted the database and web servers: no improvement', ALICE),
    ev('update', T('09:20'), 'About 60% of payments fail; investigating the database', ALICE),
    ev('lead', T('09:30'), '', ALICE, { to: BOB }),
    ev('note', T('09:45'), 'The update may have affected external integrations; looking at the payment gateway', BOB),
    ev('checklist.tick', T('09:50'), 'Are the payment gateway credentials valid?', BOB, { stepId: 'credentials' }),
    ev('task', T('09:58'), 'Alert on payment gateway authentication failures', BOB),
    ev('note', T('10:00'), 'Confirmed: gateway API credentials were changed during the update', BOB),
    ev('mitigated', T('10:05'), 'Correct credentials restored', BOB),
    ev('alert.resolved', T('10:12'), TITLE, 'generic', { fingerprint: FP, severity: 'sev1' }),
    ev('pinned', T('10:10'), 'Gateway answers 200 again', BOB),
    ev('task', T('10:20'), 'Move gateway credentials into the vault', ALICE),
  ];
  const alerts: AlertRecord[] = [
    { fingerprint: FP, title: TITLE, status: 'resolved', severity: 'sev1', startsAt: T('08:30'), endsAt: T('10:12'), count: 14, firstSeen: 0, lastSeen: 0 },
  ];
  const changes: ChangeEvent[] = [
    { id: 'c-old', service: 'checkout', kind: 'deploy', summary: 'Nightly deploy', at: T('01:00'), author: 'ci' },
    { id: 'c-cred', service: 'checkout', kind: 'credentials', summary: 'Rotate payment gateway API key', author: 'deploy-bot', version: 'v1.2', at: T('08:18') },
    { id: 'c-scale', service: 'checkout', kind: 'infra', summary: 'Scale web tier to 12 nodes', author: 'carol', at: T('09:10') },
  ];
  return {
    incident: incident(),
    timeline,
    alerts,
    changes,
    checklist: {
      runbook: 'checkout-payments',
      steps: [
        { id: 'deploys', text: 'What was deployed or changed in the last hours?', done: true, by: ALICE, at: T('08:38') },
        { id: 'credentials', text: 'Are the payment gateway credentials valid?', done: true, by: BOB, at: T('09:50') },
        { id: 'integrations', text: 'Are the external integrations answering?', done: false },
        { id: 'rollback', text: 'Roll back the last deploy if needed', done: false },
      ],
    },
    users: { [ALICE]: 'alice', [BOB]: 'bob' },
    now: new Date(T('10:30')),
  };
}

function sectionOf(md: string, heading: string): string {
  const start = md.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThan(-1);
  const rest = md.slice(start + heading.length + 2);
  const next = rest.indexOf('\n## ');
  return next === -1 ? rest : rest.slice(0, next);
}

const bullets = (s: string) => s.split('\n').filter((l) => l.startsWith('- '));

describe('renderPostmortem: the seed incident replayed', () => {
  const md = renderPostmortem(seed());

  it('has the seed structure, in order', () => {
    expect(md.startsWith(`# Postmortem: ${TITLE}\n`)).toBe(true);
    const headings = md.split('\n').filter((l) => l.startsWith('#'));
    expect(headings).toEqual([
      `# Postmortem: ${TITLE}`,
      '## Issue Summary',
      '## Timeline',
      '## Root Cause and Resolution',
      '## Corrective and Preventative Measures',
      '## Task List',
    ]);
  });

  it('gives the duration in UTC with start, end and length', () => {
    const summary = sectionOf(md, '## Issue Summary');
    expect(summary).toContain('**Duration:** June 3, 2024, 08:30 - 10:15 UTC (1 h 45 min)');
    expect(summary).toContain('**Impact:**');
    expect(summary).toContain('**Root Cause:**');
  });

  it('gives time to acknowledge, mitigate and resolve', () => {
    expect(md).toContain('time to acknowledge 3 min · time to mitigate 1 h 35 min · time to resolve 1 h 45 min');
    expect(md).toContain('**Alerts:** 1 distinct, 14 notifications');
  });

  it('leaves what Beacon cannot know as marked prompts for the team', () => {
    const summary = sectionOf(md, '## Issue Summary');
    expect(summary).toContain('> _TODO (team): describe the impact on users: who, how many, for how long._');
    expect(summary).toMatch(/\*\*Root Cause:\*\*\n\n> _TODO \(team\): state the root cause/);
    expect(sectionOf(md, '## Root Cause and Resolution')).toContain('> _TODO (team): explain the root cause');
    expect(sectionOf(md, '## Corrective and Preventative Measures')).toMatch(/^\n> _TODO \(team\): /);
    // Nothing about users or the cause is asserted as fact.
    expect(md).not.toMatch(/\*\*Impact:\*\* [^\n>]/);
  });

  it('names the credentials change before detection as a root-cause candidate', () => {
    for (const heading of ['## Issue Summary', '## Root Cause and Resolution']) {
      const s = sectionOf(md, heading);
      expect(s).toContain('Changes in the 6 hours before detection');
      expect(s).toContain('08:18 UTC: Rotate payment gateway API key (checkout, deploy-bot, v1.2) (credentials)');
      expect(s).toContain('changed credentials or configuration: "Rotate payment gateway API key" (credentials)');
      // 7.5 hours before detection: outside the window.
      expect(s).not.toContain('Nightly deploy');
    }
    expect(sectionOf(md, '## Root Cause and Resolution')).toContain('Changes made while the incident was open:\n\n- 09:10 UTC: Scale web tier to 12 nodes (checkout, carol) (infra)');
  });

  it('lists the timeline in order with HH:MM times, one line per meaningful event', () => {
    const tl = sectionOf(md, '## Timeline');
    expect(tl).toContain('All times UTC, on June 3, 2024.');
    const lines = bullets(tl);
    const times = lines.map((l) => l.slice(2, 7));
    for (const t of times) expect(t).toMatch(/^\d\d:\d\d$/);
    expect([...times].sort()).toEqual(times);
    expect(lines).toEqual([
      '- 08:18 Credentials change to checkout: Rotate payment gateway API key (deploy-bot, v1.2)',
      `- 08:30 Detected: ${TITLE} (alert from generic) (14 notifications)`,
      '- 08:33 Acknowledged by @alice',
      '- 08:35 Checking server health and logs (@alice)',
      '- 08:38 Runbook step done: What was deployed or changed in the last hours? (@alice)',
      '- 08:40 Severity sev2 → sev1 by @alice',
      '- 08:45 Customer complaints via support confirm checkout failures (@alice)',
      '- 09:00 Assumption: server overload or database issues from high traffic (@alice)',
      '- 09:10 Infrastructure change to checkout: Scale web tier to 12 nodes (carol)',
      '- 09:15 Restarted the database and web servers: no improvement (@alice)',
      '- 09:20 Status update: About 60% of payments fail; investigating the database (@alice)',
      '- 09:30 Lead: @bob (set by @alice)',
      '- 09:45 The update may have affected external integrations; looking at the payment gateway (@bob)',
      '- 09:50 Runbook step done: Are the payment gateway credentials valid? (@bob)',
      '- 09:58 Follow-up task: Alert on payment gateway authentication failures (@bob)',
      '- 10:00 Confirmed: gateway API credentials were changed during the update (@bob)',
      '- 10:05 Mitigated by @bob: Correct credentials restored',
      '- 10:10 Pinned message from @bob: Gateway answers 200 again',
      `- 10:12 Alert cleared: ${TITLE}`,
      '- 10:15 Resolved by @bob: Reverted to the correct payment gateway API credentials; transactions back to normal levels',
      '- 10:20 Follow-up task: Move gateway credentials into the vault (@alice)',
    ]);
  });

  it('takes mitigation and resolution from what the team recorded', () => {
    const s = sectionOf(md, '## Root Cause and Resolution');
    expect(s).toContain('**Mitigation:**\n\nCorrect credentials restored (10:05 UTC by @bob)');
    expect(s).toContain('**Resolution:**\n\nReverted to the correct payment gateway API credentials; transactions back to normal levels (10:15 UTC by @bob)');
    expect(sectionOf(md, '## Issue Summary')).toContain('What fixed it, as recorded at resolution: "Reverted to the correct payment gateway API credentials');
  });

  it('puts every task and every unticked runbook step in the task list', () => {
    expect(bullets(sectionOf(md, '## Task List'))).toEqual([
      '- [ ] Alert on payment gateway authentication failures (by @bob)',
      '- [ ] Move gateway credentials into the vault (by @alice)',
      '- [ ] Are the external integrations answering? (runbook checkout-payments, not done during the incident)',
      '- [ ] Roll back the last deploy if needed (runbook checkout-payments, not done during the incident)',
    ]);
  });
});

describe('renderPostmortem: other shapes', () => {
  it('dates every timeline line when the incident crosses midnight UTC', () => {
    const D1 = '2024-06-03';
    const D2 = '2024-06-04';
    const md = renderPostmortem({
      incident: incident({
        detectedAt: T('23:40', D1),
        createdAt: T('23:40', D1),
        acknowledgedAt: T('23:50', D1),
        mitigatedAt: undefined,
        mitigation: undefined,
        resolvedAt: T('01:10', D2),
        resolution: undefined,
      }),
      timeline: [
        ev('incident.opened', T('23:40', D1), TITLE, 'alertmanager'),
        ev('acknowledged', T('23:50', D1), '', ALICE),
        ev('resolved', T('01:10', D2), '', BOB),
      ],
      alerts: [],
      changes: [{ id: 'c1', service: 'checkout', kind: 'config', summary: 'Raise pool size', at: T('22:00', D1) }],
      now: new Date(T('02:00', D2)),
    });
    expect(md).toContain('**Duration:** June 3, 2024, 23:40 - June 4, 2024, 01:10 UTC (1 h 30 min)');
    expect(bullets(sectionOf(md, '## Timeline'))).toEqual([
      '- 2024-06-03 22:00 Config change to checkout: Raise pool size',
      `- 2024-06-03 23:40 Detected: ${TITLE} (alert from alertmanager)`,
      '- 2024-06-03 23:50 Acknowledged by @U0ALICE',
      '- 2024-06-04 01:10 Resolved by @U0BOB',
    ]);
    expect(md).toContain('22:00 UTC: Raise pool size (checkout) (config)');
    expect(md).toContain('**Resolution:**\n\nResolved June 4, 2024, 01:10 UTC by @U0BOB.\n\n> _TODO (team): describe what fixed it');
    expect(md).toContain('time to mitigate n/a (not marked mitigated)');
  });

  it('says "ongoing" for an open incident and invents no resolution', () => {
    const md = renderPostmortem({
      incident: incident({ status: 'acknowledged', mitigatedAt: undefined, mitigation: undefined, resolvedAt: undefined, resolvedBy: undefined, resolution: undefined }),
      timeline: [ev('incident.opened', T('08:30'), TITLE, 'generic')],
      alerts: [],
      changes: [],
      now: new Date(T('10:35')),
    });
    expect(md).toContain('**Duration:** June 3, 2024, 08:30 UTC - ongoing (2 h 5 min so far, as of June 3, 2024, 10:35 UTC)');
    expect(md).toContain('time to resolve n/a (ongoing)');
    expect(md).toContain('_The incident is not resolved yet._');
    expect(md).toContain('Beacon recorded no changes to checkout in the 6 hours before detection.');
    expect(md).not.toContain('What fixed it');
    // The acknowledgement is on the incident but not the timeline: still shown.
    expect(bullets(sectionOf(md, '## Timeline'))).toEqual([
      `- 08:30 Detected: ${TITLE} (alert from generic)`,
      '- 08:33 Acknowledged by @U0ALICE',
      '- 10:35 Still open when this draft was written.',
    ]);
    expect(sectionOf(md, '## Task List')).toContain('> _TODO (team): no follow-up tasks were recorded');
  });

  it('counts alert repeats and storms instead of listing them', () => {
    const timeline: TimelineEvent[] = [ev('incident.opened', T('08:30'), 'alert 0', 'alertmanager')];
    const alerts: AlertRecord[] = [];
    for (let i = 0; i < 30; i++) {
      timeline.push(ev('alert.firing', T('08:30'), `alert ${i}`, 'alertmanager', { fingerprint: `fp${i}` }));
      alerts.push({ fingerprint: `fp${i}`, title: `alert ${i}`, status: 'firing', severity: 'sev2', startsAt: T('08:30'), count: 100, firstSeen: 0, lastSeen: 0 });
    }
    // fp1 flaps: resolved then fired again.
    timeline.push(ev('alert.resolved', T('08:40'), 'alert 1', 'alertmanager', { fingerprint: 'fp1' }));
    timeline.push(ev('alert.firing', T('08:50'), 'alert 1', 'alertmanager', { fingerprint: 'fp1' }));
    const md = renderPostmortem({
      incident: incident({ status: 'triggered', acknowledgedAt: undefined, mitigatedAt: undefined, resolvedAt: undefined, resolution: undefined, mitigation: undefined }),
      timeline,
      alerts,
      changes: [],
      now: new Date(T('09:00')),
    });
    const lines = bullets(sectionOf(md, '## Timeline'));
    expect(lines[0]).toBe('- 08:30 Detected: alert 0 (alert from alertmanager) (100 notifications)');
    expect(lines).toContain('- 08:30 Alert firing: alert 1 (fired 2 times, 100 notifications)');
    expect(lines.filter((l) => l.includes('Alert firing'))).toHaveLength(15);
    expect(lines).toContain('- 08:30 14 more distinct alerts fired from here on (not listed; see the incident\'s alerts message).');
    expect(lines.some((l) => l.includes('Alert cleared'))).toBe(false);
    expect(md).toContain('**Alerts:** 30 distinct, 3000 notifications in all');
    expect(md).toContain('time to acknowledge n/a (not acknowledged)');
  });

  it('keeps untrusted one-line text on its line', () => {
    const md = renderPostmortem({
      incident: incident({ title: 'Bad\n## Injected heading', resolution: 'fixed\n\n# not a heading' }),
      timeline: [ev('note', T('08:40'), 'line one\n- [ ] fake task\r\nline two', ALICE)],
      alerts: [],
      changes: [],
      users: { [ALICE]: 'ali\nce' },
      now: new Date(T('10:30')),
    });
    expect(md.split('\n').filter((l) => l.startsWith('#'))).toHaveLength(6);
    expect(md).toContain('# Postmortem: Bad ## Injected heading\n');
    expect(md).toContain('- 08:40 line one - [ ] fake task line two (@ali ce)');
    expect(bullets(sectionOf(md, '## Task List'))).toEqual([]);
    // Otherwise verbatim: Markdown characters are the team's to use.
    expect(md).toContain('fixed # not a heading');
  });

  it('opens a declared incident with who declared it', () => {
    const md = renderPostmortem({
      incident: incident({ origin: 'declared', declaredBy: ALICE, status: 'resolved', group: 'declared:x' }),
      timeline: [ev('incident.declared', T('08:30'), TITLE, ALICE)],
      alerts: [],
      changes: [],
      users: { [ALICE]: 'alice' },
      now: new Date(T('10:30')),
    });
    expect(bullets(sectionOf(md, '## Timeline'))[0]).toBe(`- 08:30 Declared by @alice: ${TITLE}`);
    expect(md).not.toContain('**Alerts:**');
  });
});
