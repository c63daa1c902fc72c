import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogLevel, WebClient, type Logger } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import type { ChangeEvent } from '../../src/domain.js';
import type { Runbook } from '../../src/runbooks/format.js';
import {
  checklistBlockId,
  checklistToggles,
  parseChecklistBlockId,
  parseStepValue,
  renderChecklist,
  renderRecentChanges,
  type ChecklistRenderState,
} from '../../src/slack/blocks/checklist.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import type { Block, SlackMessage } from '../../src/slack/blocks/types.js';

const NOW = new Date('2024-06-03T08:45:00Z');
const START = new Date('2024-06-03T08:30:00Z');
const EMPTY: ChecklistRenderState = { ticks: {}, checks: {} };

function runbook(steps: number, over: Partial<Runbook> = {}): Runbook {
  return {
    name: 'checkout-payments',
    title: 'Checkout cannot take payments',
    description: 'Payments failing at checkout. Credentials and the gateway first.',
    default: false,
    match: { service: ['checkout'], alertname: [], labels: {} },
    responders: [],
    escalation: [],
    checks: { 'gateway-auth': { type: 'http', url: 'https://gw.example/v1/me', method: 'GET', expect: [200], timeout_ms: 5000, headers: {} } },
    steps: Array.from({ length: steps }, (_, i) => ({ id: `s${i + 1}`, text: `Step number ${i + 1}`, ...(i === 0 ? { check: 'gateway-auth' } : {}) })),
    file: 'checkout-payments.md',
    ...over,
  };
}

const checkboxBlocks = (m: SlackMessage) => m.blocks.filter((b) => b.type === 'actions' && String(b.block_id).startsWith('checklist:'));
const checkboxes = (b: Block) => (b.elements as Block[])[0] as { action_id: string; options: Block[]; initial_options?: Block[] };
const optionText = (o: Block) => (o.text as { text: string }).text;
const optionDescription = (o: Block) => (o.description as { text: string } | undefined)?.text;
/** Every string anywhere in the message. */
const allText = (m: SlackMessage) => JSON.stringify(m);

describe('renderChecklist', () => {
  it('shows the title, a progress line, and the steps as checkboxes with who ticked and when', () => {
    const m = renderChecklist({
      incidentId: 'inc-1',
      runbook: runbook(7),
      state: {
        ticks: {
          s1: { done: true, by: 'U0000001', at: '2024-06-03T08:42:00Z' },
          s2: { done: true, by: 'U0000002', at: '2024-06-02T23:10:00Z' },
          s3: { done: true, by: 'U0000001', at: '2024-06-03T08:43:00Z' },
          s4: { done: false, by: 'U0000002', at: '2024-06-03T08:44:00Z' },
        },
        checks: {},
      },
      now: NOW,
    });
    expect(m.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: '📋 Checkout cannot take payments' } });
    expect(JSON.stringify(m.blocks[1])).toContain('*3/7 done*');
    expect(m.text).toContain('3/7 done');
    const [block] = checkboxBlocks(m);
    const el = checkboxes(block!);
    expect(el.action_id).toBe(ACTIONS.checklist);
    expect(el.options.map((o) => o.value)).toEqual(Array.from({ length: 7 }, (_, i) => `checkout-payments:s${i + 1}`));
    expect(el.initial_options?.map((o) => o.value)).toEqual(['checkout-payments:s1', 'checkout-payments:s2', 'checkout-payments:s3']);
    // initial_options are the very options, descriptions included.
    expect(el.initial_options?.[0]).toEqual(el.options[0]);
    expect(optionDescription(el.options[0]!)).toBe('Done by <@U0000001> at 08:42 UTC');
    expect(optionDescription(el.options[1]!)).toBe('Done by <@U0000002> at Jun 2 23:10 UTC');
    expect(optionDescription(el.options[3]!)).toBeUndefined();
  });

  it('says when everything is done, and leaves initial_options out when nothing is', () => {
    const rb = runbook(2);
    const all = renderChecklist({
      incidentId: 'i',
      runbook: rb,
      state: { ticks: { s1: { done: true, by: 'U0000001' }, s2: { done: true, by: 'beacon' } }, checks: {} },
      now: NOW,
    });
    expect(JSON.stringify(all.blocks[1])).toContain('✅ *2/2 done*');
    expect(optionDescription(checkboxes(checkboxBlocks(all)[0]!).options[1]!)).toBe('Done by beacon');
    const none = renderChecklist({ incidentId: 'i', runbook: rb, state: EMPTY, now: NOW });
    expect(checkboxes(checkboxBlocks(none)[0]!)).not.toHaveProperty('initial_options');
    expect(JSON.stringify(none.blocks[1])).toContain('*0/2 done*');
  });

  it('splits the steps ten to a checkboxes element, each block_id naming the runbook and chunk', () => {
    const m = renderChecklist({ incidentId: 'i', runbook: runbook(23), state: EMPTY, now: NOW });
    const blocks = checkboxBlocks(m);
    expect(blocks.map((b) => b.block_id)).toEqual(['checklist:checkout-payments:0', 'checklist:checkout-payments:1', 'checklist:checkout-payments:2']);
    expect(blocks.map((b) => checkboxes(b).options.length)).toEqual([10, 10, 3]);
    expect(blocks.map((b) => parseChecklistBlockId(String(b.block_id)))).toEqual([0, 1, 2].map((chunk) => ({ runbook: 'checkout-payments', chunk })));
    expect(checkboxes(blocks[2]!).options[2]!.value).toBe('checkout-payments:s23');
    expect(parseStepValue('checkout-payments:s23')).toEqual({ runbook: 'checkout-payments', stepId: 's23' });
    expect(parseStepValue('nope')).toBeUndefined();
  });

  it('stays within 50 blocks with 50 steps that all have check results', () => {
    const rb = runbook(50);
    rb.steps = rb.steps.map((s) => ({ ...s, check: 'gateway-auth' }));
    const checks = Object.fromEntries(
      rb.steps.map((s) => [s.id, { status: 'fail' as const, summary: 'credentials rejected (HTTP 401)', details: ['GET https://gw.example/v1/me answered HTTP 401 in 80 ms'], at: '2024-06-03T08:44:00Z' }]),
    );
    const m = renderChecklist({ incidentId: 'i', runbook: rb, state: { ticks: {}, checks }, now: NOW });
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    expect(checkboxBlocks(m)).toHaveLength(5);
    // Every result is still shown, and the Run checks button survived.
    expect(allText(m).match(/credentials rejected \(HTTP 401\) ·/g)).toHaveLength(50);
    expect(m.blocks.at(-1)).toMatchObject({ type: 'actions', elements: [{ action_id: ACTIONS.runCheck, value: 'i' }] });
  });

  it('cuts long step text to 75 characters and continues it in the description', () => {
    const long = `Verify the payment gateway accepts our credentials: the authenticated call must answer 200, not 401/403`;
    const rb = runbook(1, { steps: [{ id: 's1', text: long }] });
    const o = checkboxes(checkboxBlocks(renderChecklist({ incidentId: 'i', runbook: rb, state: EMPTY, now: NOW }))[0]!).options[0]!;
    expect(optionText(o).length).toBeLessThanOrEqual(75);
    expect(optionText(o).endsWith('…')).toBe(true);
    const description = optionDescription(o)!;
    expect(description.length).toBeLessThanOrEqual(75);
    expect(description.startsWith('…')).toBe(true);
    expect(optionText(o).slice(0, -1) + description.slice(1)).toContain('must answer 200');
  });

  it('shows the first detail line of an untouched step', () => {
    const rb = runbook(1, { steps: [{ id: 's1', text: 'Check locks', detail: '\nRun `SELECT * FROM pg_locks WHERE NOT granted`\nmore' }] });
    const o = checkboxes(checkboxBlocks(renderChecklist({ incidentId: 'i', runbook: rb, state: EMPTY, now: NOW }))[0]!).options[0]!;
    expect(optionDescription(o)).toBe('Run `SELECT * FROM pg_locks WHERE NOT granted`');
  });

  it('escapes untrusted text everywhere: runbook text, check summaries, tickers', () => {
    const rb = runbook(2, {
      title: 'Pay <!channel> now',
      description: '<!here> & <@U999>',
      steps: [
        { id: 's1', text: 'Ping <!channel> & <https://evil.example|click>', check: 'gateway-auth' },
        { id: 's2', text: 'Other', check: 'gateway-auth' },
      ],
    });
    const m = renderChecklist({
      incidentId: 'i',
      runbook: rb,
      state: {
        ticks: { s2: { done: true, by: '<!everyone>' } },
        checks: { s1: { status: 'fail', summary: 'unexpected <!channel> reply', details: ['<!subteam^S123>'], at: '2024-06-03T08:44:00Z' } },
      },
      now: NOW,
    });
    const text = allText(m);
    for (const raw of ['<!channel>', '<!here>', '<@U999>', '<!everyone>', '<https://evil', '<!subteam']) expect(text).not.toContain(raw);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&amp;');
    expect(m.text).not.toContain('<!channel>');
  });

  it('shows a check result with its icon in the description and a context line under the step', () => {
    const m = renderChecklist({
      incidentId: 'inc-7',
      runbook: runbook(3),
      state: { ticks: {}, checks: { s1: { status: 'fail', summary: 'credentials rejected (HTTP 401)', httpStatus: 401, details: ['compare $TOKEN'], at: '2024-06-03T08:44:00Z' } } },
      now: NOW,
    });
    const [block] = checkboxBlocks(m);
    expect(optionDescription(checkboxes(block!).options[0]!)).toBe('⚠️ credentials rejected (HTTP 401)');
    const i = m.blocks.indexOf(block!);
    expect(m.blocks[i + 1]).toMatchObject({ type: 'context' });
    const line = JSON.stringify(m.blocks[i + 1]);
    expect(line).toContain('⚠️ *Step 1*: credentials rejected (HTTP 401) · 08:44 UTC');
    expect(line).toContain('compare $TOKEN');
    expect(m.blocks.at(-1)).toMatchObject({
      type: 'actions',
      block_id: 'checklist-controls:checkout-payments',
      elements: [{ type: 'button', action_id: ACTIONS.runCheck, value: 'inc-7', text: { text: 'Run checks again' } }],
    });
    expect(parseChecklistBlockId('checklist-controls:checkout-payments')).toEqual({ runbook: 'checkout-payments' });
  });

  it('does not double a ⚠️ the summary starts with, and has no Run checks button without checks', () => {
    const rb = runbook(2, { checks: {}, steps: [{ id: 's1', text: 'a' }, { id: 's2', text: 'b' }] });
    const m = renderChecklist({
      incidentId: 'i',
      runbook: rb,
      state: { ticks: {}, checks: { s1: { status: 'fail', summary: '⚠️ credentials change 12 min before the incident: key rotated', at: '2024-06-03T08:44:00Z' } } },
      now: NOW,
    });
    expect(allText(m)).toContain('⚠️ credentials change 12 min');
    expect(allText(m)).not.toContain('⚠️ ⚠️');
    expect(m.blocks.some((b) => JSON.stringify(b).includes(ACTIONS.runCheck))).toBe(false);
  });
});

describe('checklistToggles', () => {
  const rb = runbook(12);
  const ticked = renderChecklist({
    incidentId: 'i',
    runbook: rb,
    state: { ticks: { s1: { done: true, by: 'U0000001' }, s3: { done: true, by: 'U0000001' } }, checks: {} },
    now: NOW,
  });
  const id0 = checklistBlockId(rb.name, 0);

  it('finds the one step a click changed, comparing with the message as it was', () => {
    expect(checklistToggles({ blockId: id0, selected: ['checkout-payments:s1', 'checkout-payments:s3', 'checkout-payments:s5'], messageBlocks: ticked.blocks })).toEqual([
      { runbook: 'checkout-payments', stepId: 's5', done: true },
    ]);
    expect(checklistToggles({ blockId: id0, selected: ['checkout-payments:s3'], messageBlocks: ticked.blocks })).toEqual([
      { runbook: 'checkout-payments', stepId: 's1', done: false },
    ]);
    // The second chunk knows nothing of the first one's ticks.
    expect(checklistToggles({ blockId: checklistBlockId(rb.name, 1), selected: ['checkout-payments:s11'], messageBlocks: ticked.blocks })).toEqual([
      { runbook: 'checkout-payments', stepId: 's11', done: true },
    ]);
  });

  it('infers only ticks without the message, and ignores foreign values and blocks', () => {
    expect(checklistToggles({ blockId: id0, selected: ['checkout-payments:s2', 'other-runbook:s1', 'junk'] })).toEqual([
      { runbook: 'checkout-payments', stepId: 's2', done: true },
    ]);
    expect(checklistToggles({ blockId: 'incident_controls', selected: ['checkout-payments:s2'], messageBlocks: ticked.blocks })).toEqual([]);
  });
});

describe('renderRecentChanges', () => {
  const since = new Date('2024-06-03T02:30:00Z');
  const change = (over: Partial<ChangeEvent>): ChangeEvent => ({ id: 'x', service: 'checkout', kind: 'deploy', summary: 's', at: '2024-06-03T08:00:00Z', ...over });

  it('says explicitly that nothing was recorded', () => {
    const m = renderRecentChanges([], { service: 'checkout', since, incidentStart: START });
    expect(allText(m)).toContain('No deploys or config changes recorded for *checkout* in the 6 h before this started — check your deploy tool too');
    expect(m.text).toBe('No deploys or config changes recorded for checkout in the 6 h before this started');
  });

  it('calls out credentials and config changes first, times relative to the start, with links', () => {
    const m = renderRecentChanges(
      [
        change({ kind: 'deploy', summary: 'checkout v2.14.0', at: '2024-06-03T08:25:00Z', version: 'v2.14.0', link: 'https://ci.example/run/1' }),
        change({ kind: 'credentials', summary: 'Payment gateway API key updated', at: '2024-06-03T08:18:00Z', author: 'deploy-bot' }),
        change({ kind: 'config', summary: 'gateway timeout 5s -> 1s', at: '2024-06-03T07:00:00Z' }),
      ],
      { service: 'checkout', since, incidentStart: START },
    );
    expect(m.text).toBe('⚠️ credentials change 12 min before the incident: Payment gateway API key updated');
    const sections = m.blocks.filter((b) => b.type === 'section').map((b) => (b.text as { text: string }).text);
    expect(sections[0]).toMatch(/^⚠️ \*Credentials change 12 min before the incident\*\nPayment gateway API key updated · by deploy-bot · at <!date\^\d+\^\{time\}\|[^>]+>$/u);
    expect(sections[1]).toContain('⚠️ *Config change 1 h 30 min before the incident*');
    expect(sections[2]).toContain('• *Deploy* 5 min before the incident: <https://ci.example/run/1|checkout v2.14.0> · `v2.14.0`');
    expect(allText(m)).toContain('*2 credentials/config*');
  });

  it('escapes change text and stays within the block limit with many changes', () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      change({ id: `c${i}`, kind: i % 2 ? 'config' : 'deploy', summary: `<!channel> change ${i}`, author: '<@U1>', at: new Date(START.getTime() - i * 60_000).toISOString() }),
    );
    const m = renderRecentChanges(many, { service: '<!here>', since, incidentStart: START });
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    expect(allText(m)).not.toContain('<!channel>');
    expect(allText(m)).not.toContain('<!here>');
    expect(allText(m)).not.toContain('<@U1>');
    expect(allText(m)).toContain('… and 30 more');
  });
});

// ---------------------------------------------------------------------------------------------
// Slack's own checks, through the simulator

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, setLevel: () => {}, getLevel: () => LogLevel.ERROR, setName: () => {} };

describe('against the Slack simulator', () => {
  const TOKEN = 'xoxb-test-checklist';
  let sim: SlackSimulator;
  let client: WebClient;
  let channel: string;
  let receiver: Server;
  const payloads: Record<string, unknown>[] = [];

  beforeAll(async () => {
    sim = new SlackSimulator({ botToken: TOKEN, signingSecret: 'checklist-secret' });
    await sim.start();
    client = new WebClient(TOKEN, { slackApiUrl: sim.url, retryConfig: { retries: 0 }, logger: quiet });
    channel = (await client.conversations.create({ name: 'inc-20240603-checkout' })).channel!.id!;
    // Stands in for Beacon's /slack/events: keeps each block_actions payload.
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        payloads.push(JSON.parse(new URLSearchParams(body).get('payload') ?? '{}') as Record<string, unknown>);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    sim.setRequestUrl(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/slack/events`);
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await sim.stop();
  });

  const post = (m: SlackMessage) => client.chat.postMessage({ channel, text: m.text, blocks: m.blocks as never });

  it('accepts the largest checklist: 50 long steps, all ticked, all with results', async () => {
    const long = 'x'.repeat(140);
    const rb = runbook(50, { name: 'a'.repeat(64), title: 'T'.repeat(150), description: 'd'.repeat(500) });
    rb.steps = rb.steps.map((s) => ({ ...s, text: `${s.id} <&> ${long}`, check: 'gateway-auth' }));
    const state: ChecklistRenderState = {
      ticks: Object.fromEntries(rb.steps.map((s) => [s.id, { done: true, by: 'W0123456789AB', at: '2024-06-01T08:00:00Z' }])),
      checks: Object.fromEntries(
        rb.steps.map((s) => [s.id, { status: 'error' as const, summary: `<&> ${'e'.repeat(400)}`, details: ['d'.repeat(3000), 'x', 'y', 'z'], at: '2024-06-03T08:44:00Z' }]),
      ),
    };
    const res = await post(renderChecklist({ incidentId: 'inc-1', runbook: rb, state, now: NOW }));
    expect(res.ok).toBe(true);
  });

  it('accepts the largest changes message', async () => {
    const many = Array.from({ length: 80 }, (_, i) => ({
      id: `c${i}`,
      service: 'checkout',
      kind: (i % 3 ? 'config' : 'credentials') as ChangeEvent['kind'],
      summary: `<&> ${'s'.repeat(900)}`,
      author: 'a'.repeat(300),
      version: 'v'.repeat(200),
      link: `https://ci.example/${'p'.repeat(500)}`,
      at: '2024-06-03T08:00:00Z',
    }));
    expect((await post(renderRecentChanges(many, { service: 'checkout', since: new Date('2024-06-03T02:30:00Z'), incidentStart: START }))).ok).toBe(true);
    expect((await post(renderRecentChanges([], { since: new Date('2024-06-03T02:30:00Z'), incidentStart: START }))).ok).toBe(true);
  });

  it('round-trips a tick: the payload Slack sends gives exactly the clicked step', async () => {
    const rb = runbook(12);
    const state: ChecklistRenderState = { ticks: { s2: { done: true, by: 'U0000002', at: '2024-06-03T08:40:00Z' } }, checks: {} };
    const res = await post(renderChecklist({ incidentId: 'inc-2', runbook: rb, state, now: NOW }));
    expect(res.ok).toBe(true);
    // Alice ticks step 4 in the first block; Slack reports every option now selected there.
    await sim.blockAction({
      userId: 'U0000001',
      channelId: channel,
      messageTs: res.ts!,
      actionId: ACTIONS.checklist,
      // s2 is ticked: the block's id names its ticks.
      blockId: checklistBlockId(rb.name, 0, ['s2']),
      selectedOptions: [{ value: 'checkout-payments:s2' }, { value: 'checkout-payments:s4' }],
    });
    const payload = payloads.at(-1) as {
      actions: { block_id: string; selected_options: { value: string }[] }[];
      message: { blocks: unknown[] };
    };
    const action = payload.actions[0]!;
    expect(
      checklistToggles({ blockId: action.block_id, selected: action.selected_options.map((o) => o.value), messageBlocks: payload.message.blocks }),
    ).toEqual([{ runbook: 'checkout-payments', stepId: 's4', done: true }]);
    // The re-rendered message updates in place.
    const next = renderChecklist({
      incidentId: 'inc-2',
      runbook: rb,
      state: { ticks: { ...state.ticks, s4: { done: true, by: 'U0000001', at: '2024-06-03T08:46:00Z' } }, checks: {} },
      now: NOW,
    });
    expect((await client.chat.update({ channel, ts: res.ts!, text: next.text, blocks: next.blocks as never })).ok).toBe(true);
    expect(sim.transcript(channel)).toContain('2/12 done');
  });
});
