import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SlackSimulator, type SimulatorOptions } from '../../src/dev/slack-simulator.js';
import { METHODS } from '../../src/dev/slack-sim/methods/index.js';
import { METHOD_TIERS, SLACK_POST_PER_CHANNEL, SLACK_TIERS } from '../../src/dev/slack-sim/tiers.js';
import { BEACON_METHOD_TIERS, DEFAULT_POST_PER_CHANNEL, DEFAULT_TIERS } from '../../src/slack/pacing.js';

/**
 * Issue 15, "Slack's real limits": the simulator's `tiers` mode, `missing_scope` from the
 * manifest, conversations.invite's 100-user cap and `force`, and the block_id warning of
 * chat.update. The tiers and scopes are read from Slack's own method pages in the shared specs
 * (data, not copied): every method the simulator serves, and every method Beacon paces, has the
 * tier its page names.
 */
const SPECS = '/work/shared/slack-specs';
const TOKEN = 'xoxb-tiers-test';

interface MethodPage {
  rate_limit?: { label?: string };
  scopes?: { bot?: { name: string }[] };
}
const page = (method: string): MethodPage => JSON.parse(readFileSync(`${SPECS}/docs-methods/${method}.json`, 'utf8')) as MethodPage;
/** `Tier 2: 20+ per minute` -> 2; `Special rate limits apply.` -> 'special'. */
function pageTier(method: string): number | 'special' {
  const label = page(method).rate_limit?.label ?? '';
  const m = /^Tier (\d)/.exec(label);
  if (m) return Number(m[1]);
  if (/special/i.test(label)) return 'special';
  throw new Error(`${method}: no tier on its page (${label})`);
}
/** `Tier 3: 50+ per minute` -> 50. */
function pagePerMinute(method: string): number {
  return Number(/(\d+)\+ per minute/.exec(page(method).rate_limit?.label ?? '')?.[1]);
}

let sim: SlackSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function start(opts: Partial<SimulatorOptions> = {}): Promise<SlackSimulator> {
  sim = new SlackSimulator({ botToken: TOKEN, ...opts });
  await sim.start();
  return sim;
}

/** A raw form call, to see the HTTP status and headers WebClient hides. */
async function call(s: SlackSimulator, method: string, args: Record<string, string>) {
  const res = await fetch(`${s.url}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${TOKEN}` },
    body: new URLSearchParams(args).toString(),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
}

describe('tiers as Slack publishes them', () => {
  it('every method the simulator serves has the tier of its reference page', () => {
    const served = Object.keys(METHODS).sort();
    expect(Object.keys(METHOD_TIERS).sort()).toEqual(served);
    for (const m of served) expect([m, METHOD_TIERS[m] === 'post' ? 'special' : METHOD_TIERS[m]]).toEqual([m, pageTier(m)]);
    // The page's "N+ per minute" is the simulator's rate for that tier.
    for (const m of served.filter((x) => typeof METHOD_TIERS[x] === 'number')) expect(SLACK_TIERS[METHOD_TIERS[m] as 1 | 2 | 3 | 4].perMinute).toBe(pagePerMinute(m));
    expect(SLACK_POST_PER_CHANNEL.perMinute).toBe(60);
  });

  it("Beacon paces each method it calls at its page's tier, within the simulator's bursts", () => {
    const pages = new Set(readdirSync(`${SPECS}/docs-methods`).map((f) => f.replace(/\.json$/, '')));
    for (const [m, tier] of Object.entries(BEACON_METHOD_TIERS)) {
      expect(pages.has(m)).toBe(true);
      expect([m, tier === 'post' ? 'special' : tier]).toEqual([m, pageTier(m)]);
      if (tier !== 'post') expect(DEFAULT_TIERS[tier].perMinute).toBe(pagePerMinute(m));
    }
    for (const t of [1, 2, 3, 4] as const) {
      expect(DEFAULT_TIERS[t].perMinute).toBe(SLACK_TIERS[t].perMinute);
      expect(DEFAULT_TIERS[t].burst).toBeLessThanOrEqual(SLACK_TIERS[t].burst);
    }
    expect(DEFAULT_POST_PER_CHANNEL.perMinute).toBe(SLACK_POST_PER_CHANNEL.perMinute);
    expect(DEFAULT_POST_PER_CHANNEL.burst).toBeLessThan(SLACK_POST_PER_CHANNEL.burst);
  });
});

describe('the simulator in tiers mode', () => {
  it("lets a Tier 2 method burst a minute's allowance, then answers 429 with Retry-After and changes nothing", async () => {
    const s = await start({ tiers: { scale: 1 } });
    const results = [];
    for (let i = 0; i < 21; i++) results.push(await call(s, 'conversations.create', { name: `tier2-${i}` }));
    expect(results.slice(0, 20).every((r) => r.status === 200 && r.body.ok === true)).toBe(true);
    // 20 a minute: the next slot about 3 s away.
    expect(results[20]).toMatchObject({ status: 429, retryAfter: '3', body: { ok: false, error: 'ratelimited' } });
    expect(s.channelByName('tier2-20')).toBeUndefined();
    expect(s.callsTo('conversations.create').at(-1)).toMatchObject({ status: 429, error: 'ratelimited' });
    // Another method has its own allowance.
    expect((await call(s, 'conversations.list', {})).status).toBe(200);
  });

  it('runs the allowances `scale` times faster: ×60, Tier 2 refills one call every 50 ms', async () => {
    const s = await start({ tiers: { scale: 60, tiers: { 2: { perMinute: 20, burst: 1 } } } });
    expect((await call(s, 'conversations.create', { name: 'fast-1' })).status).toBe(200);
    // Slack never says less than a second; the simulator neither.
    expect(await call(s, 'conversations.create', { name: 'fast-2' })).toMatchObject({ status: 429, retryAfter: '1' });
    await new Promise((r) => setTimeout(r, 80));
    expect((await call(s, 'conversations.create', { name: 'fast-2' })).status).toBe(200);
  });

  it('limits chat.postMessage per channel: a short burst, then about one a second', async () => {
    const s = await start({ tiers: { scale: 1 } });
    const a = s.addChannel({ name: 'tier-a', members: [s.botUserId] }).id;
    const b = s.addChannel({ name: 'tier-b', members: [s.botUserId] }).id;
    const inA = [];
    for (let i = 0; i < SLACK_POST_PER_CHANNEL.burst + 1; i++) inA.push(await call(s, 'chat.postMessage', { channel: a, text: `m${i}` }));
    expect(inA.slice(0, -1).map((r) => r.status)).toEqual(Array(SLACK_POST_PER_CHANNEL.burst).fill(200));
    expect(inA.at(-1)).toMatchObject({ status: 429, retryAfter: '1' });
    expect(s.messages(a)).toHaveLength(SLACK_POST_PER_CHANNEL.burst);
    // The other channel is not affected.
    expect((await call(s, 'chat.postMessage', { channel: b, text: 'hi' })).status).toBe(200);
  });

  it('answers Retry-After in scaled seconds: a Tier 1-sized wait at Slack pace says how long', async () => {
    const s = await start({ tiers: { scale: 1, tiers: { 2: { perMinute: 2, burst: 1 } } } });
    expect((await call(s, 'pins.list', { channel: 'C0NOPE' })).status).toBe(200);
    const r = await call(s, 'pins.list', { channel: 'C0NOPE' });
    expect(r.status).toBe(429);
    // 2 a minute: the next one in about 30 s.
    expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(29);
    expect(Number(r.retryAfter)).toBeLessThanOrEqual(30);
  });

  it('never limits without tiers mode', async () => {
    const s = await start();
    for (let i = 0; i < 30; i++) expect((await call(s, 'conversations.create', { name: `free-${i}` })).status).toBe(200);
  });
});

describe('scopes from manifest.yml', () => {
  const granted = (parse(readFileSync('manifest.yml', 'utf8')) as { oauth_config: { scopes: { bot: string[] } } }).oauth_config.scopes.bot;

  it('answers missing_scope, with needed and provided, for a method the manifest does not grant', async () => {
    const s = await start({ scopes: 'manifest' });
    const ch = s.addChannel({ name: 'scoped', members: [s.botUserId] }).id;
    const posted = await call(s, 'chat.postMessage', { channel: ch, text: 'hi' });
    expect(posted.body.ok).toBe(true);
    // reactions.add needs reactions:write (its page), which Beacon does not ask for.
    expect(page('reactions.add').scopes?.bot?.map((x) => x.name)).toEqual(['reactions:write']);
    expect(granted).not.toContain('reactions:write');
    const r = await call(s, 'reactions.add', { channel: ch, timestamp: String(posted.body.ts), name: 'eyes' });
    expect(r).toMatchObject({ status: 200, body: { ok: false, error: 'missing_scope', needed: 'reactions:write' } });
    expect(String(r.body.provided).split(',').sort()).toEqual([...granted].sort());
  });
});

describe('conversations.invite as documented', () => {
  const openApi = JSON.parse(readFileSync(`${SPECS}/slack_web_openapi_v2.json`, 'utf8')) as {
    paths: Record<string, { post: { responses: { default: { schema: { properties: { error: { enum: string[] } } } } } } }>;
  };

  it('takes at most 100 users ("Up to 100 users may be listed"), answering too_many_users beyond', async () => {
    expect(String((page('conversations.invite') as { args?: Record<string, { desc: string }> }).args?.users?.desc)).toContain('Up to 100 users');
    expect(openApi.paths['/conversations.invite']!.post.responses.default.schema.properties.error.enum).toContain('too_many_users');
    const s = await start();
    const ids = Array.from({ length: 101 }, (_, i) => `U9${String(i).padStart(7, '0')}`);
    for (const id of ids) s.addUser({ id, name: `u${id.toLowerCase()}` });
    const ch = (await call(s, 'conversations.create', { name: 'invite-cap' })).body.channel as { id: string };
    const r = await call(s, 'conversations.invite', { channel: ch.id, users: ids.join(',') });
    expect(r.body).toMatchObject({ ok: false, error: 'too_many_users' });
    expect(s.channel(ch.id)!.members).toEqual([s.botUserId]);
    expect((await call(s, 'conversations.invite', { channel: ch.id, users: ids.slice(0, 100).join(',') })).body.ok).toBe(true);
    expect(s.channel(ch.id)!.members).toHaveLength(101);
  });

  it('without force one invalid user fails the call; with force the valid ones are invited and the others listed', async () => {
    const s = await start();
    const ch = (await call(s, 'conversations.create', { name: 'invite-force' })).body.channel as { id: string };
    const strict = await call(s, 'conversations.invite', { channel: ch.id, users: 'U0000001,U0NOBODY1' });
    expect(strict.body).toMatchObject({ ok: false, error: 'user_not_found' });
    expect(s.channel(ch.id)!.members).toEqual([s.botUserId]);
    const forced = await call(s, 'conversations.invite', { channel: ch.id, users: 'U0000001,U0NOBODY1', force: 'true' });
    expect(forced.body).toMatchObject({ ok: true, errors: [{ user: 'U0NOBODY1', ok: false, error: 'user_not_found' }] });
    expect(s.channel(ch.id)!.members).toEqual([s.botUserId, 'U0000001']);
  });
});

describe('chat.update and block_id', () => {
  const boxes = (blockId: string, ticked: string[]) => [
    {
      type: 'actions',
      block_id: blockId,
      elements: [
        {
          type: 'checkboxes',
          action_id: 'steps',
          options: ['a', 'b'].map((v) => ({ text: { type: 'plain_text', text: v }, value: v })),
          ...(ticked.length ? { initial_options: ticked.map((v) => ({ text: { type: 'plain_text', text: v }, value: v })) } : {}),
        },
      ],
    },
  ];

  it('records a warning (not an error) when an update keeps the block_id of an input whose value changed', async () => {
    const s = await start();
    const ch = s.addChannel({ name: 'blocks', members: [s.botUserId] }).id;
    const posted = await call(s, 'chat.postMessage', { channel: ch, text: 'steps', blocks: JSON.stringify(boxes('steps', [])) });
    const ts = String(posted.body.ts);
    // Same value, same block_id: nothing to warn about.
    expect((await call(s, 'chat.update', { channel: ch, ts, text: 'steps', blocks: JSON.stringify(boxes('steps', [])) })).body.ok).toBe(true);
    expect(s.warnings).toEqual([]);
    // Ticked under the same block_id: accepted, and recorded.
    expect((await call(s, 'chat.update', { channel: ch, ts, text: 'steps', blocks: JSON.stringify(boxes('steps', ['a'])) })).body.ok).toBe(true);
    expect(s.warnings).toEqual([expect.objectContaining({ method: 'chat.update', channel: ch, ts, blockId: 'steps', actionId: 'steps' })]);
    expect(s.warnings[0]!.message).toMatch(/new block_id/);
    // A new block_id with the new value: as Slack asks.
    expect((await call(s, 'chat.update', { channel: ch, ts, text: 'steps', blocks: JSON.stringify(boxes('steps-2', ['a', 'b'])) })).body.ok).toBe(true);
    expect(s.warnings).toHaveLength(1);
  });
});
