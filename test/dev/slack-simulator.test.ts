import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, LogLevel, WebClient, type Logger, type WebAPIPlatformError } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';

const TOKEN = 'xoxb-test-token';
const SECRET = 'test-signing-secret';

let sim: SlackSimulator;
let client: WebClient;

/**
 * WebClient logs Slack's `response_metadata.messages` at error level; the tests provoke those on
 * purpose, so the clients here log nothing.
 */
const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

function webClient(url: string, extra: Partial<ConstructorParameters<typeof WebClient>[1]> = {}): WebClient {
  return new WebClient(TOKEN, { slackApiUrl: url, retryConfig: { retries: 0 }, logger: quiet, ...extra });
}

beforeEach(async () => {
  sim = new SlackSimulator({ botToken: TOKEN, signingSecret: SECRET });
  await sim.start();
  client = webClient(sim.url);
});

afterEach(async () => {
  await sim.stop();
});

/** The `data` of the WebAPIPlatformError a call rejects with (Slack's `{ ok: false, ... }` body). */
async function slackError(call: Promise<unknown>): Promise<WebAPIPlatformError['data'] & Record<string, unknown>> {
  try {
    await call;
  } catch (err) {
    const e = err as WebAPIPlatformError;
    if (e.code === ErrorCode.PlatformError) return e.data as WebAPIPlatformError['data'] & Record<string, unknown>;
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** A raw form POST, for what WebClient would not send. */
async function rawCall(method: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${sim.url}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function newChannel(name = 'inc-test'): Promise<string> {
  const res = await client.conversations.create({ name });
  return res.channel!.id!;
}

describe('authentication and routing', () => {
  it('answers not_authed without a token and invalid_auth with a wrong one', async () => {
    expect(JSON.parse((await rawCall('auth.test', '')).text)).toEqual({ ok: false, error: 'not_authed' });
    expect(JSON.parse((await rawCall('auth.test', 'token=xoxb-wrong')).text)).toEqual({ ok: false, error: 'invalid_auth' });
    expect(JSON.parse((await rawCall('auth.test', `token=${TOKEN}`)).text)).toMatchObject({ ok: true, user_id: 'UBEACONBOT' });
  });

  it('takes the token from a Bearer header with a JSON body, but never from a JSON body', async () => {
    const json = (body: object, headers: Record<string, string> = {}) =>
      fetch(`${sim.url}conversations.create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
        body: JSON.stringify(body),
      }).then((r) => r.json());
    expect(await json({ token: TOKEN, name: 'x' })).toEqual({ ok: false, error: 'not_authed' });
    expect(await json({ name: 'from-json', is_private: true }, { authorization: `Bearer ${TOKEN}` })).toMatchObject({
      ok: true,
      channel: { name: 'from-json', is_private: true },
    });
  });

  it('answers unknown_method for a method Slack does not have', async () => {
    const data = await slackError(client.apiCall('incidents.declare'));
    expect(data.error).toBe('unknown_method');
  });

  it('records every call with decoded arguments and without the token', async () => {
    await client.auth.test();
    const ch = await newChannel();
    await client.chat.postMessage({ channel: ch, text: 'hi', blocks: [{ type: 'divider' }] });
    expect(sim.calls.map((c) => c.method)).toEqual(['auth.test', 'conversations.create', 'chat.postMessage']);
    const post = sim.callsTo('chat.postMessage')[0]!;
    expect(post).toMatchObject({ status: 200, ok: true, params: { channel: ch, text: 'hi', blocks: [{ type: 'divider' }] } });
    expect(post.params).not.toHaveProperty('token');
  });
});

describe('conversations.create', () => {
  it.each([
    ['', 'invalid_name_required'],
    ['Inc-Upper', 'invalid_name_specials'],
    ['inc payments', 'invalid_name_specials'],
    ['inc.payments', 'invalid_name_specials'],
    ['a'.repeat(81), 'invalid_name_maxlength'],
    ['--', 'invalid_name_punctuation'],
  ])('refuses %j with %s', async (name, error) => {
    expect((await slackError(client.conversations.create({ name }))).error).toBe(error);
    expect(sim.channels().map((c) => c.name)).toEqual(['general']);
  });

  it('accepts 80 characters of lower case letters, digits, hyphens and underscores', async () => {
    const name = `inc-20240101_${'x'.repeat(67)}`;
    expect(name).toHaveLength(80);
    const res = await client.conversations.create({ name });
    expect(res.channel).toMatchObject({ name, is_member: true, is_private: false, is_channel: true });
  });

  it('answers name_taken for a name in use, archived channels included', async () => {
    const id = await newChannel('inc-db');
    expect((await slackError(client.conversations.create({ name: 'inc-db' }))).error).toBe('name_taken');
    await client.conversations.archive({ channel: id });
    expect((await slackError(client.conversations.create({ name: 'inc-db' }))).error).toBe('name_taken');
    expect((await slackError(client.conversations.create({ name: 'general' }))).error).toBe('name_taken');
  });

  it('makes the bot a member, with the channel_join notice Slack writes', async () => {
    const id = await newChannel('inc-join');
    expect(id).toMatch(/^C[A-Z0-9]{10}$/);
    expect(sim.channel(id)).toMatchObject({ creator: 'UBEACONBOT', members: ['UBEACONBOT'], is_private: false });
    const history = await client.conversations.history({ channel: id });
    expect(history.messages).toEqual([expect.objectContaining({ subtype: 'channel_join', user: 'UBEACONBOT' })]);
    expect(sim.messages(id)).toEqual([]);
  });

  it('creates private channels that only members can see', async () => {
    const priv = await client.conversations.create({ name: 'inc-secret', is_private: true });
    expect(priv.channel).toMatchObject({ is_private: true });
    const listed = await client.conversations.list({ types: 'private_channel' });
    expect(listed.channels?.map((c) => c.name)).toEqual(['inc-secret']);
  });
});

describe('conversations.invite and membership', () => {
  it('invites users, then answers already_in_channel with an errors array', async () => {
    const ch = await newChannel();
    const res = await client.conversations.invite({ channel: ch, users: 'U0000001,U0000002' });
    expect(res.ok).toBe(true);
    expect(sim.channel(ch)?.members).toEqual(['UBEACONBOT', 'U0000001', 'U0000002']);

    const again = await slackError(client.conversations.invite({ channel: ch, users: 'U0000001,U0000002' }));
    expect(again).toMatchObject({
      error: 'already_in_channel',
      errors: [
        { user: 'U0000001', ok: false, error: 'already_in_channel' },
        { user: 'U0000002', ok: false, error: 'already_in_channel' },
      ],
    });
    // Members already in do not stop others from being invited.
    const mixed = await client.conversations.invite({ channel: ch, users: 'U0000001,U0000003' });
    expect(mixed.ok).toBe(true);
    expect(sim.channel(ch)?.members).toContain('U0000003');
  });

  it('refuses unknown users and the bot itself, inviting nobody', async () => {
    const ch = await newChannel();
    expect((await slackError(client.conversations.invite({ channel: ch, users: 'U0000001,UNOBODY' }))).error).toBe('user_not_found');
    expect((await slackError(client.conversations.invite({ channel: ch, users: 'UBEACONBOT' }))).error).toBe('cant_invite_self');
    expect(sim.channel(ch)?.members).toEqual(['UBEACONBOT']);
    // force invites the valid ones and reports the rest.
    const forced = await client.conversations.invite({ channel: ch, users: 'U0000001,UNOBODY', force: true });
    expect(forced.errors).toEqual([{ user: 'UNOBODY', ok: false, error: 'user_not_found' }]);
    expect(sim.channel(ch)?.members).toContain('U0000001');
  });

  it('answers not_in_channel when the bot is not a member, channel_not_found for unknown ids', async () => {
    const general = sim.channelByName('general')!;
    expect((await slackError(client.conversations.invite({ channel: general.id, users: 'U0000001' }))).error).toBe('not_in_channel');
    expect((await slackError(client.conversations.invite({ channel: 'CNOPE000000', users: 'U0000001' }))).error).toBe('channel_not_found');
  });

  it('joins public channels and lists members', async () => {
    const general = sim.channelByName('general')!;
    await client.conversations.join({ channel: general.id });
    const again = await client.conversations.join({ channel: general.id });
    expect(again.warning).toBe('already_in_channel');
    const members = await client.conversations.members({ channel: general.id, limit: 4 });
    expect(members.members).toHaveLength(4);
    const rest = await client.conversations.members({ channel: general.id, cursor: members.response_metadata!.next_cursor! });
    expect([...members.members!, ...rest.members!]).toContain('UBEACONBOT');
  });
});

describe('conversations.list, info, topic, purpose', () => {
  it('pages with cursors and can leave archived channels out', async () => {
    for (const n of ['inc-a', 'inc-b', 'inc-c']) await newChannel(n);
    await client.conversations.archive({ channel: sim.channelByName('inc-b')!.id });
    const first = await client.conversations.list({ limit: 2 });
    expect(first.channels?.map((c) => c.name)).toEqual(['general', 'inc-a']);
    const second = await client.conversations.list({ limit: 2, cursor: first.response_metadata!.next_cursor! });
    expect(second.channels?.map((c) => c.name)).toEqual(['inc-b', 'inc-c']);
    expect(second.response_metadata?.next_cursor).toBe('');
    const live = await client.conversations.list({ exclude_archived: true });
    expect(live.channels?.map((c) => c.name)).toEqual(['general', 'inc-a', 'inc-c']);
    expect((await slackError(client.conversations.list({ cursor: 'bm9wZQ==' }))).error).toBe('invalid_cursor');
  });

  it('sets topic and purpose, refusing more than 250 characters', async () => {
    const ch = await newChannel();
    await client.conversations.setTopic({ channel: ch, topic: 'sev2 · payments · investigating' });
    await client.conversations.setPurpose({ channel: ch, purpose: 'Incident channel' });
    expect((await slackError(client.conversations.setTopic({ channel: ch, topic: 'x'.repeat(251) }))).error).toBe('too_long');
    const info = await client.conversations.info({ channel: ch, include_num_members: true });
    expect(info.channel).toMatchObject({ topic: { value: 'sev2 · payments · investigating', creator: 'UBEACONBOT' }, purpose: { value: 'Incident channel' }, num_members: 1 });
    const general = sim.channelByName('general')!;
    expect((await slackError(client.conversations.setTopic({ channel: general.id, topic: 'x' }))).error).toBe('not_in_channel');
  });
});

describe('chat.postMessage and chat.update', () => {
  it('posts and answers with channel, ts and the stored message', async () => {
    const ch = await newChannel();
    const res = await client.chat.postMessage({ channel: ch, text: 'hello <@U0000001>' });
    expect(res).toMatchObject({ ok: true, channel: ch, message: { text: 'hello <@U0000001>', user: 'UBEACONBOT', bot_id: 'B0BEACONBOT', type: 'message' } });
    expect(res.ts).toMatch(/^\d{10}\.\d{6}$/);
    const second = await client.chat.postMessage({ channel: ch, text: 'again' });
    expect(Number(second.ts)).toBeGreaterThan(Number(res.ts));
    expect(sim.messages(ch).map((m) => m.text)).toEqual(['hello <@U0000001>', 'again']);
  });

  it('answers not_in_channel, channel_not_found, no_text and msg_too_long as Slack does', async () => {
    const general = sim.channelByName('general')!;
    expect((await slackError(client.chat.postMessage({ channel: general.id, text: 'hi' }))).error).toBe('not_in_channel');
    expect((await slackError(client.chat.postMessage({ channel: 'C0000000000', text: 'hi' }))).error).toBe('channel_not_found');
    const ch = await newChannel();
    expect((await slackError(client.chat.postMessage({ channel: ch, text: '' }))).error).toBe('no_text');
    expect((await slackError(client.chat.postMessage({ channel: ch, text: 'x'.repeat(40001) }))).error).toBe('msg_too_long');
    await client.chat.postMessage({ channel: ch, text: 'x'.repeat(40000) });
    expect(sim.messages(ch)).toHaveLength(1);
  });

  it('refuses malformed blocks and metadata', async () => {
    const ch = await newChannel();
    const form = (extra: string) => rawCall('chat.postMessage', `token=${TOKEN}&channel=${ch}&text=t&${extra}`).then((r) => JSON.parse(r.text));
    expect(await form('blocks=not-json')).toMatchObject({ ok: false, error: 'invalid_blocks_format' });
    expect(await form('blocks=%7B%7D')).toMatchObject({ ok: false, error: 'invalid_blocks_format' });
    expect(await form('metadata=nope')).toMatchObject({ ok: false, error: 'invalid_metadata_format' });
    expect(await form(`metadata=${encodeURIComponent('{"event_type":"x"}')}`)).toMatchObject({ ok: false, error: 'invalid_metadata_schema' });
    expect(sim.messages(ch)).toEqual([]);
  });

  it('updates only the bot’s own messages, keeping metadata unless replaced', async () => {
    const ch = await newChannel();
    const metadata = { event_type: 'incident_card', event_payload: { incident: 'inc-1' } };
    const posted = await client.chat.postMessage({ channel: ch, text: 'v1', metadata });
    await client.chat.update({ channel: ch, ts: posted.ts!, text: 'v2', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*v2*' } }] });
    const [msg] = sim.messages(ch);
    expect(msg).toMatchObject({ ts: posted.ts, text: 'v2', metadata, edited: { user: 'UBEACONBOT' } });
    expect(msg?.blocks?.[0]).toMatchObject({ type: 'section', block_id: expect.any(String) });

    await client.chat.update({ channel: ch, ts: posted.ts!, text: 'v3' });
    expect(sim.messages(ch)[0]?.blocks).toBeUndefined();

    expect((await slackError(client.chat.update({ channel: ch, ts: '1.000001', text: 'x' }))).error).toBe('message_not_found');
    const human = sim.userMessage({ userId: 'U0000001', channelId: ch, text: 'mine' });
    expect((await slackError(client.chat.update({ channel: ch, ts: human.ts, text: 'x' }))).error).toBe('cant_update_message');
    const bad = await slackError(client.chat.update({ channel: ch, ts: posted.ts!, text: 'x', blocks: [{ type: 'bogus' }] as never }));
    expect(bad.error).toBe('invalid_blocks');
  });

  it('sends ephemerals only to members and makes permalinks', async () => {
    const ch = await newChannel();
    await client.conversations.invite({ channel: ch, users: 'U0000001' });
    await client.chat.postEphemeral({ channel: ch, user: 'U0000001', text: 'only you' });
    expect(sim.ephemerals).toEqual([expect.objectContaining({ channel: ch, user: 'U0000001', text: 'only you', source: 'chat.postEphemeral' })]);
    expect((await slackError(client.chat.postEphemeral({ channel: ch, user: 'U0000002', text: 'x' }))).error).toBe('user_not_in_channel');
    const posted = await client.chat.postMessage({ channel: ch, text: 'card' });
    const link = await client.chat.getPermalink({ channel: ch, message_ts: posted.ts! });
    expect(link.permalink).toBe(`https://beacon-sim.slack.com/archives/${ch}/p${posted.ts!.replace('.', '')}`);
  });
});

describe('Block Kit validation', () => {
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
  const button = (over: Record<string, unknown> = {}) => ({ type: 'button', text: { type: 'plain_text', text: 'Go' }, action_id: 'go', ...over });
  const option = (i: number, text = `option ${i}`) => ({ text: { type: 'plain_text', text }, value: `v${i}` });

  const cases: [string, unknown[], string][] = [
    ['more than 50 blocks', Array.from({ length: 51 }, () => ({ type: 'divider' })), 'no more than 50 items allowed [json-pointer:/blocks]'],
    ['an unknown block type', [{ type: 'sections' }], 'unsupported type: sections [json-pointer:/blocks/0/type]'],
    ['section text over 3000', [section('x'.repeat(3001))], 'must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
    ['more than 10 fields', [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }], 'no more than 10 items allowed [json-pointer:/blocks/0/fields]'],
    ['a field over 2000', [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'x'.repeat(2001) }] }], 'must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]'],
    ['a section without text or fields', [{ type: 'section' }], 'must define either `text` or `fields` [json-pointer:/blocks/0/type]'],
    ['header over 150', [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }], 'must be less than 151 characters [json-pointer:/blocks/0/text/text]'],
    ['a header without text', [{ type: 'header' }], 'missing required field: text [json-pointer:/blocks/0]'],
    ['an empty text', [section('')], 'must be more than 0 characters [json-pointer:/blocks/0/text/text]'],
    ['more than 10 context elements', [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }], 'no more than 10 items allowed [json-pointer:/blocks/0/elements]'],
    ['more than 25 actions elements', [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button({ action_id: `a${i}` })) }], 'no more than 25 items allowed [json-pointer:/blocks/0/elements]'],
    ['button text over 75', [{ type: 'actions', elements: [button({ text: { type: 'plain_text', text: 'x'.repeat(76) } })] }], 'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]'],
    ['button value over 2000', [{ type: 'actions', elements: [button({ value: 'x'.repeat(2001) })] }], 'must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]'],
    ['button url over 3000', [{ type: 'actions', elements: [button({ url: `https://x.test/${'x'.repeat(2990)}` })] }], 'must be less than 3001 characters [json-pointer:/blocks/0/elements/0/url]'],
    ['a button without text', [{ type: 'actions', elements: [{ type: 'button', action_id: 'b' }] }], 'missing required field: text [json-pointer:/blocks/0/elements/0]'],
    ['action_id over 255', [{ type: 'actions', elements: [button({ action_id: 'a'.repeat(256) })] }], 'must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]'],
    ['a repeated action_id in a block', [{ type: 'actions', elements: [button(), button()] }], '`action_id` "go" already exists [json-pointer:/blocks/0/elements/1/action_id]'],
    ['block_id over 255', [{ type: 'divider', block_id: 'b'.repeat(256) }], 'must be less than 256 characters [json-pointer:/blocks/0/block_id]'],
    ['a repeated block_id', [{ type: 'divider', block_id: 'd' }, { type: 'divider', block_id: 'd' }], '`block_id` "d" already exists [json-pointer:/blocks/1/block_id]'],
    ['more than 10 checkboxes', [{ type: 'actions', elements: [{ type: 'checkboxes', action_id: 'c', options: Array.from({ length: 11 }, (_, i) => option(i)) }] }], 'no more than 10 items allowed [json-pointer:/blocks/0/elements/0/options]'],
    ['more than 100 select options', [{ type: 'actions', elements: [{ type: 'static_select', action_id: 's', options: Array.from({ length: 101 }, (_, i) => option(i)) }] }], 'no more than 100 items allowed [json-pointer:/blocks/0/elements/0/options]'],
    ['option text over 75', [{ type: 'actions', elements: [{ type: 'static_select', action_id: 's', options: [option(0, 'x'.repeat(76))] }] }], 'must be less than 76 characters [json-pointer:/blocks/0/elements/0/options/0/text/text]'],
    ['a header in mrkdwn', [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }], 'must be a valid enum value [json-pointer:/blocks/0/text/type]'],
  ];

  it.each(cases)('refuses %s with invalid_blocks', async (_what, blocks, problem) => {
    const ch = await newChannel();
    const data = await slackError(client.chat.postMessage({ channel: ch, text: 'fallback', blocks: blocks as never }));
    expect(data.error).toBe('invalid_blocks');
    expect(data.errors).toContain(problem);
    expect(data.response_metadata?.messages).toContain(`[ERROR] ${problem}`);
    expect(sim.messages(ch)).toEqual([]);
  });

  it('accepts blocks exactly at every limit', async () => {
    const ch = await newChannel();
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(150) } },
      section('s'.repeat(3000)),
      { type: 'section', fields: Array.from({ length: 10 }, () => ({ type: 'mrkdwn', text: 'f'.repeat(2000) })) },
      { type: 'context', elements: Array.from({ length: 10 }, () => ({ type: 'plain_text', text: 'c' })) },
      { type: 'actions', block_id: 'b'.repeat(255), elements: Array.from({ length: 25 }, (_, i) => button({ action_id: `${i}`.padEnd(255, 'a'), text: { type: 'plain_text', text: 't'.repeat(75) }, value: 'v'.repeat(2000) })) },
      { type: 'actions', elements: [{ type: 'checkboxes', action_id: 'c', options: Array.from({ length: 10 }, (_, i) => option(i, 'o'.repeat(75))) }] },
      { type: 'actions', elements: [{ type: 'static_select', action_id: 's', options: Array.from({ length: 100 }, (_, i) => option(i)) }] },
      ...Array.from({ length: 43 }, () => ({ type: 'divider' })),
    ];
    expect(blocks).toHaveLength(50);
    const res = await client.chat.postMessage({ channel: ch, text: 'max', blocks: blocks as never });
    expect(res.ok).toBe(true);
  });

  it('stores blocks the way Slack does: generated block_ids and action_ids, emoji flags', async () => {
    const ch = await newChannel();
    const res = await client.chat.postMessage({
      channel: ch,
      blocks: [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Ack' } }] }],
    });
    expect(res.message?.text).toBe("This content can't be displayed.");
    const block = sim.messages(ch)[0]!.blocks![0]!;
    expect(block.block_id).toEqual(expect.any(String));
    expect(block.elements).toEqual([{ type: 'button', text: { type: 'plain_text', text: 'Ack', emoji: true }, action_id: expect.any(String) }]);
  });
});

describe('injected faults', () => {
  it('answers 429 with Retry-After, which WebClient turns into a rate-limit error', async () => {
    const limited = webClient(sim.url, { rejectRateLimitedCalls: true });
    sim.failNext('conversations.create', { status: 429, retryAfter: 7 });
    const err = await limited.conversations.create({ name: 'inc-limited' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    expect(sim.channelByName('inc-limited')).toBeUndefined(); // a refused call changes nothing

    sim.failNext('auth.test', { status: 429, retryAfter: 3 });
    const raw = await rawCall('auth.test', `token=${TOKEN}`);
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('3');
    expect(JSON.parse(raw.text)).toEqual({ ok: false, error: 'ratelimited' });

    await limited.conversations.create({ name: 'inc-limited' });
    expect(sim.callsTo('conversations.create').map((c) => [c.status, c.ok, c.error])).toEqual([
      [429, false, 'ratelimited'],
      [200, true, undefined],
    ]);
  });

  it('answers 5xx with a gateway page, which WebClient reports as an HTTP error', async () => {
    sim.failNext('chat.postMessage', { status: 500 }, 2);
    const ch = await newChannel();
    const err = await client.chat.postMessage({ channel: ch, text: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
    const raw = await rawCall('chat.postMessage', `token=${TOKEN}&channel=${ch}&text=x`);
    expect(raw.status).toBe(500);
    expect(raw.headers.get('content-type')).toContain('text/html');
    expect(raw.text).toContain('500 Internal Server Error');
    await client.chat.postMessage({ channel: ch, text: 'third time' });
    expect(sim.messages(ch).map((m) => m.text)).toEqual(['third time']);
  });

  it('answers an injected Slack error as HTTP 200 { ok: false }', async () => {
    sim.failNext('pins.add', { error: 'internal_error' });
    const ch = await newChannel();
    const posted = await client.chat.postMessage({ channel: ch, text: 'card' });
    expect((await slackError(client.pins.add({ channel: ch, timestamp: posted.ts! }))).error).toBe('internal_error');
    expect(sim.channel(ch)?.pins).toEqual([]);
  });

  it('holds a call after its effect until released', async () => {
    const held = sim.hold('conversations.create');
    let answered = false;
    const pending = client.conversations.create({ name: 'inc-held' }).then((r) => {
      answered = true;
      return r;
    });
    const call = await held.reached;
    expect(call).toMatchObject({ method: 'conversations.create', ok: true });
    expect(sim.channelByName('inc-held')).toBeDefined(); // the effect happened
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false); // but the client has not heard
    held.release();
    expect((await pending).channel?.name).toBe('inc-held');
  });

  it('drops a held call whose client went away, and keeps serving', async () => {
    const held = sim.hold('chat.postMessage');
    const ch = await newChannel();
    const abort = new AbortController();
    const pending = fetch(`${sim.url}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${TOKEN}` },
      body: `channel=${ch}&text=lost`,
      signal: abort.signal,
    }).catch((e: unknown) => e);
    await held.reached;
    abort.abort();
    expect(await pending).toBeInstanceOf(Error);
    held.release();
    expect(sim.messages(ch).map((m) => m.text)).toEqual(['lost']);
    await client.chat.postMessage({ channel: ch, text: 'next' });
    expect(sim.messages(ch)).toHaveLength(2);
  });
});

describe('conversations.history', () => {
  it('returns newest first, with metadata only when include_all_metadata is set', async () => {
    const ch = await newChannel();
    const metadata = { event_type: 'incident_update', event_payload: { n: 1 } };
    const a = await client.chat.postMessage({ channel: ch, text: 'a', metadata });
    const b = await client.chat.postMessage({ channel: ch, text: 'b' });
    const plain = await client.conversations.history({ channel: ch });
    expect(plain.messages?.map((m) => m.text)).toEqual(['b', 'a', '<@UBEACONBOT> has joined the channel']);
    expect(plain.messages?.[1]).not.toHaveProperty('metadata');
    const full = await client.conversations.history({ channel: ch, include_all_metadata: true });
    expect(full.messages?.[1]).toMatchObject({ ts: a.ts, metadata });
    expect(full.messages?.[0]).toMatchObject({ ts: b.ts });
    expect(full.messages?.[0]).not.toHaveProperty('metadata');
  });

  it('pages with limit and cursor, and filters by oldest/latest/inclusive', async () => {
    const ch = await newChannel();
    const ts: string[] = [];
    for (const text of ['1', '2', '3', '4', '5']) ts.push((await client.chat.postMessage({ channel: ch, text })).ts!);
    const first = await client.conversations.history({ channel: ch, limit: 2 });
    expect(first.messages?.map((m) => m.text)).toEqual(['5', '4']);
    expect(first.has_more).toBe(true);
    const second = await client.conversations.history({ channel: ch, limit: 2, cursor: first.response_metadata!.next_cursor! });
    expect(second.messages?.map((m) => m.text)).toEqual(['3', '2']);

    const between = await client.conversations.history({ channel: ch, oldest: ts[1], latest: ts[3] });
    expect(between.messages?.map((m) => m.text)).toEqual(['3']);
    const inclusive = await client.conversations.history({ channel: ch, oldest: ts[1], latest: ts[3], inclusive: true });
    expect(inclusive.messages?.map((m) => m.text)).toEqual(['4', '3', '2']);
    expect((await slackError(client.conversations.history({ channel: ch, latest: 'yesterday' }))).error).toBe('invalid_ts_latest');
  });

  it('keeps thread replies out of history and in conversations.replies', async () => {
    const ch = await newChannel();
    const parent = await client.chat.postMessage({ channel: ch, text: 'parent' });
    await client.chat.postMessage({ channel: ch, text: 'reply', thread_ts: parent.ts! });
    const history = await client.conversations.history({ channel: ch });
    expect(history.messages?.map((m) => m.text)).not.toContain('reply');
    expect(history.messages?.[0]).toMatchObject({ text: 'parent', reply_count: 1, thread_ts: parent.ts });
    const replies = await client.conversations.replies({ channel: ch, ts: parent.ts! });
    expect(replies.messages?.map((m) => m.text)).toEqual(['parent', 'reply']);
  });

  it('answers not_in_channel for a public channel the bot has not joined', async () => {
    expect((await slackError(client.conversations.history({ channel: sim.channelByName('general')!.id }))).error).toBe('not_in_channel');
  });
});

describe('pins, reactions, users', () => {
  it('pins once, lists pins, and refuses what cannot be pinned', async () => {
    const ch = await newChannel();
    const card = await client.chat.postMessage({ channel: ch, text: 'card' });
    await client.pins.add({ channel: ch, timestamp: card.ts! });
    expect(sim.channel(ch)?.pins).toEqual([card.ts]);
    expect((await slackError(client.pins.add({ channel: ch, timestamp: card.ts! }))).error).toBe('already_pinned');
    expect((await slackError(client.pins.add({ channel: ch, timestamp: '1700000000.000001' }))).error).toBe('message_not_found');
    expect((await slackError(client.apiCall('pins.add', { channel: ch }))).error).toBe('no_item_specified');
    const list = await client.pins.list({ channel: ch });
    expect(list.items).toEqual([expect.objectContaining({ type: 'message', channel: ch, message: expect.objectContaining({ ts: card.ts, text: 'card' }) })]);
    const history = await client.conversations.history({ channel: ch });
    expect(history.messages?.[0]).toMatchObject({ subtype: 'pinned_item' });
    expect(history.messages?.find((m) => m.ts === card.ts)).toMatchObject({ pinned_to: [ch] });
  });

  it('adds reactions once per user', async () => {
    const ch = await newChannel();
    const msg = await client.chat.postMessage({ channel: ch, text: 'm' });
    await client.reactions.add({ channel: ch, timestamp: msg.ts!, name: 'eyes' });
    expect((await slackError(client.reactions.add({ channel: ch, timestamp: msg.ts!, name: 'eyes' }))).error).toBe('already_reacted');
    expect(sim.messages(ch)[0]?.reactions).toEqual([{ name: 'eyes', users: ['UBEACONBOT'], count: 1 }]);
  });

  it('looks up users and user groups', async () => {
    const info = await client.users.info({ user: 'U0000002' });
    expect(info.user).toMatchObject({ id: 'U0000002', name: 'bob', real_name: 'Bob Brown', is_bot: false });
    sim.addUser({ id: 'U0000099', name: 'zed' });
    expect((await client.users.info({ user: 'U0000099' })).user?.name).toBe('zed');
    expect((await slackError(client.users.info({ user: 'UNOBODY' }))).error).toBe('user_not_found');
    sim.addUsergroup('S0ONCALL', ['U0000001', 'U0000003']);
    expect((await client.usergroups.users.list({ usergroup: 'S0ONCALL' })).users).toEqual(['U0000001', 'U0000003']);
    expect((await slackError(client.usergroups.users.list({ usergroup: 'S0NOPE' }))).error).toBe('no_such_subteam');
  });
});

describe('file uploads (files.uploadV2)', () => {
  it('runs getUploadURLExternal, the upload URL and completeUploadExternal end to end', async () => {
    const ch = await newChannel();
    const content = '# Postmortem\n\nThe payment gateway credentials changed.\n';
    const res = await client.files.uploadV2({ channel_id: ch, filename: 'postmortem.md', content, initial_comment: 'Postmortem draft', title: 'Postmortem' });
    expect(res.ok).toBe(true);
    const [msg] = sim.messages(ch);
    expect(msg).toMatchObject({ text: 'Postmortem draft', user: 'UBEACONBOT', files: [{ name: 'postmortem.md', title: 'Postmortem', mimetype: 'text/markdown' }] });
    const fileId = msg!.files![0]!.id;
    expect(sim.fileContent(fileId)?.toString('utf8')).toBe(content);
    expect(sim.transcript(ch)).toContain('📎 postmortem.md');
    expect(sim.calls.map((c) => c.method)).toEqual(['conversations.create', 'files.getUploadURLExternal', 'files.completeUploadExternal']);
  });

  it('accepts raw bytes at the upload URL and refuses unknown or never-uploaded files', async () => {
    const ch = await newChannel();
    const ticket = await client.files.getUploadURLExternal({ filename: 'log.txt', length: 5 });
    const upload = await fetch(ticket.upload_url!, { method: 'POST', body: 'hello' });
    expect(await upload.text()).toBe('OK - 5');
    const unknown = await slackError(client.files.completeUploadExternal({ files: [{ id: 'F0NOPE00000' }], channel_id: ch }));
    expect(unknown.error).toBe('file_not_found');
    const other = await client.files.getUploadURLExternal({ filename: 'never.txt', length: 5 });
    expect((await slackError(client.files.completeUploadExternal({ files: [{ id: other.file_id! }] }))).error).toBe('file_not_found');
    await client.files.completeUploadExternal({ files: [{ id: ticket.file_id!, title: 'Log' }], channel_id: ch });
    expect(sim.fileContent(ticket.file_id!)?.toString()).toBe('hello');
    expect((await slackError(client.files.getUploadURLExternal({ filename: 'x.txt', length: 0 }))).error).toBe('missing_argument');
  });
});

/** A stand-in for Beacon's POST /slack/events that checks signatures on its own. */
describe('requests into Beacon', () => {
  interface Received {
    headers: IncomingHttpHeaders;
    body: string;
    signatureValid: boolean;
  }
  let receiver: Server;
  let received: Received[];
  let answer: { status: number; body: string; contentType?: string };

  /** Independent of the simulator's code: Slack's documented v0 check, with the 5-minute window. */
  function verify(headers: IncomingHttpHeaders, body: string): boolean {
    const ts = Number(headers['x-slack-request-timestamp']);
    const sig = String(headers['x-slack-signature'] ?? '');
    if (!Number.isFinite(ts) || Math.abs(Date.now() / 1000 - ts) > 300) return false;
    const expected = Buffer.from(`v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`);
    return sig.length === expected.length && timingSafeEqual(Buffer.from(sig), expected);
  }

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const signatureValid = verify(req.headers, body);
        received.push({ headers: req.headers, body, signatureValid });
        if (!signatureValid) {
          res.writeHead(401).end();
          return;
        }
        res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });
  beforeEach(() => {
    received = [];
    answer = { status: 200, body: '' };
    sim.setRequestUrl(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/slack/events`);
  });

  it('sends a slash command form-encoded, signed, with a working response_url', async () => {
    const general = sim.channelByName('general')!;
    const delivery = await sim.slashCommand({ text: 'declare Payments down sev2', channelId: general.id, userId: 'U0000001' });
    expect(delivery.status).toBe(200);
    const [req] = received;
    expect(req?.signatureValid).toBe(true);
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(req!.body);
    expect([...form.keys()]).toEqual([
      'token', 'team_id', 'team_domain', 'channel_id', 'channel_name', 'user_id', 'user_name', 'command', 'text',
      'api_app_id', 'is_enterprise_install', 'response_url', 'trigger_id',
    ]);
    expect(Object.fromEntries(form)).toMatchObject({ channel_id: general.id, channel_name: 'general', user_id: 'U0000001', user_name: 'alice', command: '/incident', text: 'declare Payments down sev2' });

    const responseUrl = form.get('response_url')!;
    await fetch(responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Declaring…' }) });
    await fetch(responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ response_type: 'in_channel', text: 'Incident declared' }) });
    expect(sim.responses.map((r) => r.body)).toEqual([{ text: 'Declaring…' }, { response_type: 'in_channel', text: 'Incident declared' }]);
    expect(sim.ephemerals).toEqual([expect.objectContaining({ user: 'U0000001', text: 'Declaring…', source: 'response_url' })]);
    expect(sim.messages(general.id).map((m) => m.text)).toEqual(['Incident declared']);

    // Slack honours a response_url five times; the sixth post is refused.
    const post = () => fetch(responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'more' }) });
    for (let i = 0; i < 3; i++) expect((await post()).status).toBe(200);
    const sixth = await post();
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: 'used_url' });
  });

  it('shows a command’s ack body to the user, as Slack does', async () => {
    answer = { status: 200, body: JSON.stringify({ text: 'Usage: /incident declare <title>' }) };
    const general = sim.channelByName('general')!;
    await sim.slashCommand({ text: 'help', channelId: general.id, userId: 'U0000002' });
    expect(sim.ephemerals).toEqual([expect.objectContaining({ user: 'U0000002', text: 'Usage: /incident declare <title>', source: 'command_ack' })]);
  });

  it('gets 401 from the receiver for a wrong or stale signature', async () => {
    expect((await sim.signedPost('a=b', 'application/x-www-form-urlencoded', { signature: 'v0=deadbeef' })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 301;
    expect((await sim.signedPost('a=b', 'application/x-www-form-urlencoded', { timestamp: stale })).status).toBe(401);
    expect((await sim.signedPost('a=b', 'application/x-www-form-urlencoded')).status).toBe(200);
  });

  it('sends block_actions built from the current message, and reflects replace_original', async () => {
    const ch = await newChannel();
    const posted = await client.chat.postMessage({
      channel: ch,
      text: 'Incident card',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: '*Payments down*' } },
        {
          type: 'actions',
          elements: [
            { type: 'button', text: { type: 'plain_text', text: 'Acknowledge' }, action_id: 'incident_ack', value: 'inc-1' },
            { type: 'static_select', action_id: 'incident_sev', placeholder: { type: 'plain_text', text: 'Severity' }, options: [{ text: { type: 'plain_text', text: 'sev1' }, value: 'sev1' }] },
          ],
        },
      ],
    });
    await sim.blockAction({ userId: 'U0000003', channelId: ch, messageTs: posted.ts!, actionId: 'incident_ack' });
    await sim.blockAction({ userId: 'U0000003', channelId: ch, messageTs: posted.ts!, actionId: 'incident_sev', selectedOption: { value: 'sev1' } });
    expect(received.every((r) => r.signatureValid)).toBe(true);
    const payloads = received.map((r) => JSON.parse(new URLSearchParams(r.body).get('payload')!) as Record<string, any>);
    const click = payloads[0]!;
    const pick = payloads[1]!;
    const actionsBlockId = String(sim.messages(ch)[0]!.blocks![1]!.block_id);
    expect(click).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0000003', username: 'carol' },
      container: { type: 'message', message_ts: posted.ts, channel_id: ch, is_ephemeral: false },
      channel: { id: ch, name: 'inc-test' },
      message: { ts: posted.ts, text: 'Incident card', blocks: expect.any(Array) },
      actions: [{ type: 'button', action_id: 'incident_ack', block_id: actionsBlockId, value: 'inc-1', text: { type: 'plain_text', text: 'Acknowledge', emoji: true }, action_ts: expect.any(String) }],
    });
    expect(click.trigger_id).toEqual(expect.any(String));
    expect(pick.actions[0]).toMatchObject({ type: 'static_select', selected_option: { value: 'sev1', text: { text: 'sev1' } } });
    expect(pick.state.values[actionsBlockId].incident_sev.selected_option.value).toBe('sev1');

    await fetch(click.response_url as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, text: 'Acknowledged by carol' }),
    });
    expect(sim.messages(ch)[0]).toMatchObject({ ts: posted.ts, text: 'Acknowledged by carol' });
    expect(sim.messages(ch)[0]?.blocks).toBeUndefined();
  });

  it('delivers events in the event_callback envelope, retries with the same event_id', async () => {
    const event = { type: 'reaction_added', user: 'U0000001', reaction: 'pushpin', item: { type: 'message', channel: 'C1', ts: '1.000001' } };
    await sim.event({ event, eventId: 'Ev0123456789' });
    await sim.event({ event, eventId: 'Ev0123456789', retryNum: 1, retryReason: 'http_timeout' });
    const [first, retry] = received;
    expect(first?.headers['content-type']).toBe('application/json');
    expect(first?.headers['x-slack-retry-num']).toBeUndefined();
    expect(retry?.headers['x-slack-retry-num']).toBe('1');
    expect(retry?.headers['x-slack-retry-reason']).toBe('http_timeout');
    const envelope = JSON.parse(first!.body) as Record<string, unknown>;
    expect(envelope).toMatchObject({ type: 'event_callback', event_id: 'Ev0123456789', team_id: sim.teamId, api_app_id: sim.appId, event: { ...event, event_ts: expect.any(String) } });
    expect(JSON.parse(retry!.body)).toMatchObject({ event_id: 'Ev0123456789' });
  });

  it('records a person’s reaction and sends reaction_added', async () => {
    const ch = await newChannel();
    const posted = await client.chat.postMessage({ channel: ch, text: 'Rolled back deploy 1234' });
    await sim.reactionAdded({ userId: 'U0000002', channelId: ch, messageTs: posted.ts!, reaction: 'pushpin' });
    expect(sim.messages(ch)[0]?.reactions).toEqual([{ name: 'pushpin', users: ['U0000002'], count: 1 }]);
    expect(JSON.parse(received[0]!.body).event).toMatchObject({ type: 'reaction_added', reaction: 'pushpin', item: { channel: ch, ts: posted.ts }, item_user: 'UBEACONBOT' });
  });

  it('opens modals only with a fresh trigger_id and submits them with their callback_id', async () => {
    const general = sim.channelByName('general')!;
    await sim.slashCommand({ text: 'declare', channelId: general.id, userId: 'U0000004' });
    const triggerId = new URLSearchParams(received[0]!.body).get('trigger_id')!;
    const view = {
      type: 'modal' as const,
      callback_id: 'declare_incident',
      private_metadata: '{"channel":"x"}',
      title: { type: 'plain_text' as const, text: 'Declare incident' },
      submit: { type: 'plain_text' as const, text: 'Declare' },
      blocks: [{ type: 'input', block_id: 'title', label: { type: 'plain_text', text: 'Title' }, element: { type: 'plain_text_input', action_id: 'value' } }],
    };
    expect((await slackError(client.views.open({ trigger_id: '', view: view as never }))).error).toBe('invalid_trigger_id');
    const opened = await client.views.open({ trigger_id: triggerId, view: view as never });
    expect(opened.view).toMatchObject({ id: expect.stringMatching(/^V/), callback_id: 'declare_incident', hash: expect.any(String) });
    expect((await slackError(client.views.open({ trigger_id: triggerId, view: view as never }))).error).toBe('exchanged_trigger_id');
    expect(sim.openedViews()).toEqual([expect.objectContaining({ userId: 'U0000004' })]);

    await sim.viewSubmission({ userId: 'U0000004', callbackId: 'declare_incident', values: { title: { value: { type: 'plain_text_input', value: 'DB down' } } } });
    const payload = JSON.parse(new URLSearchParams(received[1]!.body).get('payload')!) as Record<string, any>;
    expect(payload).toMatchObject({
      type: 'view_submission',
      user: { id: 'U0000004' },
      view: { id: opened.view!.id, callback_id: 'declare_incident', private_metadata: '{"channel":"x"}', state: { values: { title: { value: { value: 'DB down' } } } } },
    });
  });

  it('lets a trigger_id expire after its window', async () => {
    const quick = new SlackSimulator({ botToken: TOKEN, signingSecret: SECRET, triggerTtlMs: 10 });
    const url = await quick.start();
    try {
      quick.setRequestUrl(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/slack/events`);
      await quick.slashCommand({ text: 'declare', channelId: quick.channelByName('general')!.id, userId: 'U0000001' });
      const triggerId = new URLSearchParams(received[0]!.body).get('trigger_id')!;
      await new Promise((r) => setTimeout(r, 30));
      const c = webClient(url);
      const view = { type: 'modal', title: { type: 'plain_text', text: 'T' }, blocks: [] };
      expect((await slackError(c.views.open({ trigger_id: triggerId, view: view as never }))).error).toBe('expired_trigger_id');
    } finally {
      await quick.stop();
    }
  });
});

describe('views validation', () => {
  it('answers invalid_arguments with json-pointers under /view', async () => {
    const tooMany = { type: 'modal', title: { type: 'plain_text', text: 'T' }, blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) };
    const data = await slackError(client.views.open({ trigger_id: 'whatever', view: tooMany as never }));
    expect(data).toMatchObject({ error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]'] } });
    const noSubmit = { type: 'modal', title: { type: 'plain_text', text: 'T' }, blocks: [{ type: 'input', label: { type: 'plain_text', text: 'L' }, element: { type: 'plain_text_input' } }] };
    const data2 = await slackError(client.views.open({ trigger_id: 'whatever', view: noSubmit as never }));
    expect(data2.response_metadata?.messages).toContain('[ERROR] must define `submit` to use an `input` block in modals [json-pointer:/view/blocks/0/input]');
    const longTitle = { type: 'modal', title: { type: 'plain_text', text: 'x'.repeat(25) }, blocks: [] };
    const data3 = await slackError(client.views.open({ trigger_id: 'whatever', view: longTitle as never }));
    expect(data3.response_metadata?.messages).toContain('[ERROR] must be less than 25 characters [json-pointer:/view/title/text]');
  });
});

describe('transcript', () => {
  it('renders what a person would see, from blocks', async () => {
    const ch = await newChannel('inc-20240101-payments');
    await client.conversations.invite({ channel: ch, users: 'U0000001,U0000002' });
    await client.conversations.setTopic({ channel: ch, topic: 'sev2 · triggered' });
    const card = await client.chat.postMessage({
      channel: ch,
      text: 'Payments down',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '🔥 Payments down' } },
        { type: 'section', text: { type: 'mrkdwn', text: 'Lead: <@U0000001> in <#' + ch + '>' }, fields: [{ type: 'mrkdwn', text: '*Severity*\nsev2' }, { type: 'mrkdwn', text: '*Status*\ntriggered' }] },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'Runbook: <https://runbooks.test/payments|payments>' }] },
        { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Acknowledge' }, action_id: 'ack' }, { type: 'button', text: { type: 'plain_text', text: 'Resolve' }, action_id: 'resolve' }] },
        {
          type: 'actions',
          elements: [
            {
              type: 'checkboxes',
              action_id: 'check',
              options: [
                { text: { type: 'mrkdwn', text: 'What was deployed?' }, value: 'deploy' },
                { text: { type: 'mrkdwn', text: 'Are the credentials good?' }, value: 'creds' },
              ],
              initial_options: [{ text: { type: 'mrkdwn', text: 'What was deployed?' }, value: 'deploy' }],
            },
          ],
        },
      ],
    });
    await client.pins.add({ channel: ch, timestamp: card.ts! });
    const text = sim.transcript(ch);
    expect(text).toContain('· beacon, alice, bob joined');
    expect(text).toContain('· beacon set the channel topic: sev2 · triggered');
    expect(text).toMatch(/\[\d\d:\d\d:\d\d\] beacon 📌\n━━ 🔥 Payments down ━━\nLead: @alice in #inc-20240101-payments\n\*Severity\* sev2\n\*Status\* triggered\nRunbook: payments \(https:\/\/runbooks.test\/payments\)\n\[Acknowledge\] \[Resolve\]\n\[x\] What was deployed\?\n\[ \] Are the credentials good\?/);
    expect(text).toContain('· 📌 beacon pinned a message to this channel');
  });
});
