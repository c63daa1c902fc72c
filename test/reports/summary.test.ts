import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import type { Incident } from '../../src/incidents/model.js';
import type { AlertRecord } from '../../src/incidents/store.js';
import type { Block } from '../../src/slack/blocks/types.js';
import { renderSummary, type SummaryInput } from '../../src/slack/blocks/summary.js';
import type { TimelineEvent } from '../../src/timeline/events.js';

const T = (hhmm: string) => `2024-06-03T${hhmm}:00.000Z`;
const ALICE = 'U0ALICE';
const EVIL = '<!channel> <@U123> & >';
const EVIL_ESCAPED = '&lt;!channel&gt; &lt;@U123&gt; &amp; &gt;';

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 'inc-1',
    number: 7,
    title: 'Checkout payments failing',
    severity: 'sev1',
    status: 'acknowledged',
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
    slack: { messages: {}, pending: {} },
    version: 3,
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

const alert = (i: number, over: Partial<AlertRecord> = {}): AlertRecord => ({
  fingerprint: `fp${i}`,
  title: `alert ${i}`,
  status: 'firing',
  severity: 'sev2',
  startsAt: T('08:30'),
  count: 1,
  firstSeen: 0,
  lastSeen: 0,
  ...over,
});

function base(over: Partial<SummaryInput> = {}): SummaryInput {
  return {
    incident: incident(),
    timeline: [
      ev('incident.opened', T('08:30'), 'Checkout payments failing', 'generic'),
      ev('acknowledged', T('08:33'), '', ALICE),
      ev('note', T('08:35'), 'Checking server health', ALICE),
      ev('summary', T('09:00'), 'summary', 'beacon'),
      ev('update', T('09:20'), 'About 60% of payments fail', ALICE),
      ev('note', T('09:45'), 'Looking at the payment gateway', ALICE),
    ],
    alerts: [alert(1, { title: 'Payment success rate low', severity: 'sev1', count: 14 }), alert(2, { status: 'resolved' })],
    openSteps: [{ text: 'Are the external integrations answering?' }],
    now: new Date(T('09:50')),
    ...over,
  };
}

/** Every piece of mrkdwn or plain text in the blocks. */
function texts(blocks: Block[]): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') out.push(o.text);
      else Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return out;
}

/** Slack control sequences Beacon itself may emit: date tokens and mentions of real user ids. */
const allowedControls = (s: string) => s.replace(/<!date\^\d+\^[^|>]+\|[^>]+>/g, '').replace(/<@U0[A-Z0-9]+>/g, '');

const TOKEN = 'xoxb-summary-test';
let sim: SlackSimulator;
let channelId: string;

beforeAll(async () => {
  sim = new SlackSimulator({ botToken: TOKEN });
  await sim.start();
  channelId = sim.addChannel({ name: 'inc-summary', members: [sim.botUserId] }).id;
});
afterAll(async () => {
  await sim.stop();
});

/** Posts the message to the Slack simulator, which validates Block Kit as Slack does. */
async function slackAccepts(msg: { text: string; blocks: Block[] }): Promise<unknown> {
  const res = await fetch(`${sim.url}chat.postMessage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ channel: channelId, text: msg.text, blocks: msg.blocks }),
  });
  return res.json();
}

describe('renderSummary', () => {
  it('returns null when nothing happened since the last summary', () => {
    const input = base({ since: T('09:46') });
    // Beacon's own summary events are not news.
    input.timeline.push(ev('summary', T('09:47'), 'summary', 'beacon'));
    expect(renderSummary(input)).toBeNull();
  });

  it('lists only what happened since the last summary, with the state of the incident', async () => {
    const msg = renderSummary(base({ since: T('09:00') }))!;
    expect(msg).not.toBeNull();
    const all = texts(msg.blocks).join('\n');
    expect(all).toContain('*Status*\n👀 Acknowledged');
    expect(all).toContain('*Severity*\nSEV1 · critical');
    expect(all).toContain(`*Lead*\n<@${ALICE}>`);
    expect(all).toContain('*Elapsed*\n1h 20m');
    expect(all).toContain('*Since the last summary*');
    expect(all).toContain('Status update: About 60% of payments fail');
    expect(all).toContain('Looking at the payment gateway');
    expect(all).not.toContain('Checking server health');
    expect(all).toContain('*Latest update*');
    expect(all).toContain('*Open checklist steps*: 1\n☐ Are the external integrations answering?');
    expect(all).toContain('*Alerts firing*: 1 of 2\n🔥 Payment success rate low ×14');
    expect(await slackAccepts(msg)).toMatchObject({ ok: true });
    expect(msg.text).toBe('Summary of incident #7 Checkout payments failing: acknowledged, sev1, 2 events since the last summary, 1 alert firing');
  });

  it('without `since`, summarizes the whole incident and names people when names are known', () => {
    const msg = renderSummary(base({ users: { [ALICE]: 'alice' } }))!;
    const all = texts(msg.blocks).join('\n');
    expect(all).toContain('*What happened*');
    expect(all).toContain('Checking server health (@alice)');
    expect(all).toContain('*Lead*\n@alice');
    expect(all).not.toContain('<@U0ALICE>');
  });

  it('escapes every untrusted string', async () => {
    const msg = renderSummary(
      base({
        since: T('09:00'),
        incident: incident({ title: EVIL, lastUpdate: EVIL }),
        timeline: [
          ev('note', T('09:10'), EVIL, ALICE),
          ev('update', T('09:20'), EVIL, ALICE),
          ev('alert.firing', T('09:30'), EVIL, 'generic', { fingerprint: 'evil' }),
          ev('pinned', T('09:31'), EVIL, EVIL),
        ],
        alerts: [alert(1, { title: EVIL })],
        openSteps: [{ text: EVIL }],
        users: { U0BOB: EVIL },
      }),
    )!;
    expect(msg.text).toContain(EVIL_ESCAPED);
    const all = texts(msg.blocks);
    for (const t of [msg.text, ...all]) {
      expect(t).not.toContain('<!channel>');
      expect(t).not.toContain('<@U123>');
      expect(allowedControls(t)).not.toMatch(/[<>]/);
    }
    const joined = all.join('\n');
    expect(joined).toContain(`Status update: ${EVIL_ESCAPED}`);
    expect(joined).toContain(`Alert firing: ${EVIL_ESCAPED}`);
    expect(joined).toContain(`☐ ${EVIL_ESCAPED}`);
    expect(joined).toContain(`🔥 ${EVIL_ESCAPED}`);
    expect(joined).toContain(`Pinned message from ${EVIL_ESCAPED}: ${EVIL_ESCAPED}`);
    expect(await slackAccepts(msg)).toMatchObject({ ok: true });
  });

  it('stays within Block Kit limits however long the incident', async () => {
    const long = 'x'.repeat(2500);
    const timeline: TimelineEvent[] = [];
    for (let i = 0; i < 500; i++) timeline.push(ev(i % 2 ? 'note' : 'update', new Date(Date.parse(T('08:30')) + i * 1000).toISOString(), `${i} ${long} & <`, ALICE));
    for (let i = 0; i < 200; i++) timeline.push(ev('alert.firing', T('08:31'), `storm ${i}`, 'alertmanager', { fingerprint: `s${i}` }));
    const alerts = Array.from({ length: 300 }, (_, i) => alert(i, { title: `${long} ${i}` }));
    const msg = renderSummary(
      base({
        incident: incident({ title: long, lastUpdate: long }),
        timeline,
        alerts,
        openSteps: Array.from({ length: 100 }, (_, i) => ({ text: `${i} ${long}` })),
        now: new Date(T('18:00')),
      }),
    )!;
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    for (const b of msg.blocks) {
      if (b.type === 'header') expect((b.text as { text: string }).text.length).toBeLessThanOrEqual(150);
      if (b.type === 'section' && b.text) expect((b.text as { text: string }).text.length).toBeLessThanOrEqual(3000);
      for (const f of (b.fields as { text: string }[] | undefined) ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
    }
    for (const t of texts(msg.blocks)) expect(allowedControls(t)).not.toMatch(/[<>]/);
    const all = texts(msg.blocks).join('\n');
    expect(all).toMatch(/_\d+ earlier events not shown_/);
    // The newest event is the one kept.
    expect(all).toContain('499 xxx');
    // An alert storm collapses into one line rather than crowding out people's notes.
    expect(all).toContain('200 alerts started firing, 0 cleared');
    expect(all).not.toContain('Alert firing: storm');
    expect(all).toContain('*Open checklist steps*: 100');
    expect(all).toContain('_…and 95 more_');
    expect(all).toContain('*Alerts firing*: 300 of 300');
    expect(all).toContain('_…and 295 more_');
    expect(msg.text.length).toBeLessThan(400);
    expect(await slackAccepts(msg)).toMatchObject({ ok: true });
  });

  it('shows the duration once resolved', () => {
    const msg = renderSummary(base({ incident: incident({ status: 'resolved', resolvedAt: T('10:15') }), now: new Date(T('11:00')) }))!;
    expect(texts(msg.blocks).join('\n')).toContain('*Duration*\n1h 45m');
  });
});
