import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSimulator, type RecordedCall } from '../../src/dev/slack-simulator.js';
import type { Recording } from '../../src/dev/slack-sim/recordings.js';
import type { TestBeacon } from '../support/beacon.js';
import { SPECS, granted, methodPage, startRepresentative, scopesNeeded } from './representative-run.js';

/**
 * Issue 15, "Conformance with Slack's published specifications": every Web API call the simulator
 * receives during a representative run (public and private incidents, the announce channel, card
 * buttons, commands, checklist ticks, a pin, a summary, postmortems, the declare form, the crash
 * path that finds a channel again) is checked against Slack's OpenAPI spec of the Web API
 * (slack_web_openapi_v2.json, 2020) and, for what is newer than it, the method's current
 * reference page (docs-methods/, 2026): the method exists, every argument is known, the required
 * ones are present, a limit the page states holds, and the method's scope is granted by
 * manifest.yml. And no chat.update kept the block_id of an input whose value changed.
 */
interface OpenApiParam {
  name: string;
  in: string;
  required?: boolean;
}
const openApi = JSON.parse(readFileSync(`${SPECS}/slack_web_openapi_v2.json`, 'utf8')) as { paths: Record<string, Record<string, { parameters?: OpenApiParam[] }>> };

/** The spec's arguments of a method (the token aside: WebClient sends it as a header). */
function specArgs(method: string): { known: Set<string>; required: Set<string> } | undefined {
  const path = openApi.paths[`/${method}`];
  const page = methodPage(method);
  if (!path && !page) return undefined;
  const params = Object.values(path ?? {}).flatMap((op) => op.parameters ?? []).filter((p) => p.name !== 'token');
  const pageArgs = Object.entries(page?.args ?? {}).filter(([n]) => n !== 'token');
  return {
    known: new Set([...params.map((p) => p.name), ...pageArgs.map(([n]) => n)]),
    // The current page says what is required today; the 2020 spec where there is no page.
    required: new Set(page ? pageArgs.filter(([, a]) => a.required).map(([n]) => n) : params.filter((p) => p.required).map((p) => p.name)),
  };
}

/** The limits a page states in words: "Must be an integer under 1000", "Maximum of 999", "Up to 100 users". */
function limitProblems(c: RecordedCall): string[] {
  const out: string[] = [];
  for (const [name, arg] of Object.entries(methodPage(c.method)?.args ?? {})) {
    const v = c.params[name];
    if (v === undefined) continue;
    const desc = arg.desc ?? '';
    const under = /integer under (\d+)/i.exec(desc)?.[1];
    const max = (/Maximum of (\d+)/i.exec(desc) ?? /no larger than (\d+)/i.exec(desc))?.[1];
    const items = /Up to (\d+) \w+ may be listed/i.exec(desc)?.[1];
    if (under && Number(v) >= Number(under)) out.push(`${c.method} ${name}=${String(v)}: the page says under ${under}`);
    if (max && Number(v) > Number(max)) out.push(`${c.method} ${name}=${String(v)}: the page says at most ${max}`);
    if (items && String(v).split(',').length > Number(items)) out.push(`${c.method} ${name}: ${String(v).split(',').length} listed, the page says up to ${items}`);
  }
  return out;
}

/** Every call's departures from the specs, by kind; empty lists when it conforms. */
function problemsOf(calls: RecordedCall[], channels: Parameters<typeof scopesNeeded>[1], teamId?: string) {
  const args = new Set<string>();
  const scopes = new Set<string>();
  for (const c of calls) {
    const spec = specArgs(c.method);
    if (!spec) {
      args.add(`${c.method}: no such method`);
      continue;
    }
    for (const name of Object.keys(c.params)) {
      // Bolt's per-event client adds team_id (the event's workspace) to every call: see below.
      if (!spec.known.has(name) && !(name === 'team_id' && (teamId === undefined || c.params.team_id === teamId))) args.add(`${c.method}: unknown argument ${name}`);
    }
    for (const name of spec.required) if (c.params[name] === undefined) args.add(`${c.method}: missing ${name}`);
    for (const p of limitProblems(c)) args.add(p);
    if (c.error === 'missing_scope') scopes.add(`${c.method} refused: missing_scope`);
    for (const anyOf of scopesNeeded(c, channels)) if (!anyOf.some((s) => granted.includes(s))) scopes.add(`${c.method} needs one of ${anyOf.join(', ')}`);
  }
  return { args: [...args], scopes: [...scopes] };
}

describe('the conformance checks bite', () => {
  const call = (method: string, params: Record<string, unknown>): RecordedCall => ({ method, params, at: 0, status: 200, ok: true });
  it('on what the issue found: conversations.list with limit 1000, and on more than 100 users invited', () => {
    expect(limitProblems(call('conversations.list', { limit: 1000 }))).toEqual(['conversations.list limit=1000: the page says under 1000']);
    expect(limitProblems(call('conversations.list', { limit: 999 }))).toEqual([]);
    const users = Array.from({ length: 101 }, (_, i) => `U${i}`).join(',');
    expect(limitProblems(call('conversations.invite', { channel: 'C1', users }))).toEqual(['conversations.invite users: 101 listed, the page says up to 100']);
    expect(limitProblems(call('conversations.history', { channel: 'C1', limit: 1000 }))).toEqual(['conversations.history limit=1000: the page says at most 999']);
  });
  it('on an unknown method, an unknown argument, a missing required one', () => {
    expect(specArgs('chat.postMessages')).toBeUndefined();
    const spec = specArgs('chat.update')!;
    expect(spec.known.has('blocks')).toBe(true);
    expect(spec.known.has('block')).toBe(false);
    expect([...spec.required].sort()).toEqual(['channel', 'ts']);
    // Newer than the 2020 spec, known from its page.
    expect(specArgs('chat.postMessage')!.known.has('metadata')).toBe(true);
    expect(specArgs('conversations.invite')!.known.has('force')).toBe(true);
  });
});

describe("Beacon's Web API calls against Slack's published specifications", () => {
  let sim: SlackSimulator;
  let b: TestBeacon;
  let calls: RecordedCall[] = [];

  beforeAll(async () => {
    ({ sim, b } = await startRepresentative('manifest'));
    calls = sim.calls;
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await sim?.stop();
  });

  it('made a representative set of calls', () => {
    const methods = new Set(calls.map((c) => c.method));
    for (const m of ['conversations.create', 'conversations.invite', 'conversations.setTopic', 'conversations.join', 'conversations.list', 'conversations.history', 'chat.postMessage', 'chat.update', 'chat.postEphemeral', 'pins.add', 'users.info', 'views.open', 'files.getUploadURLExternal', 'files.completeUploadExternal']) {
      expect(methods, m).toContain(m);
    }
  });

  it('calls only methods Slack publishes; the ones newer than the 2020 spec have a current reference page', () => {
    const methods = [...new Set(calls.map((c) => c.method))].sort();
    expect(methods.filter((m) => !specArgs(m))).toEqual([]);
    // Named, so that a method Slack retired from both would show up here first.
    expect(methods.filter((m) => !openApi.paths[`/${m}`])).toEqual(['files.completeUploadExternal', 'files.getUploadURLExternal']);
  });

  it('sends only arguments the spec knows, every required one, within the limits the pages state', () => {
    expect(problemsOf(calls, sim, sim.teamId).args).toEqual([]);
  });

  it("sends team_id only as Bolt's per-event client adds it to every call: the event's own workspace", () => {
    // Bolt builds the client of an event with its team id, which WebClient adds to every call
    // (what an org-wide install needs to address a workspace); the gateway never sends it.
    const withTeam = calls.filter((c) => c.params.team_id !== undefined);
    expect(withTeam.every((c) => c.params.team_id === sim.teamId)).toBe(true);
    expect([...new Set(withTeam.map((c) => c.method))].sort()).toEqual(['conversations.members', 'views.open']);
  });

  it('needs for every call a scope manifest.yml grants, and the simulator refused none for one', () => {
    expect(problemsOf(calls, sim, sim.teamId).scopes).toEqual([]);
  });

  it('keeps no block_id of an input whose value changed: no warning over the run', () => {
    // The run did change inputs: the checklist ticked and unticked, the severity picker moved.
    const updates = calls.filter((c) => c.method === 'chat.update' && c.ok);
    expect(updates.some((c) => JSON.stringify(c.params.blocks).includes('"initial_options"'))).toBe(true);
    expect(sim.warnings).toEqual([]);
  });
});

/** The whole suite's calls, when it ran with SLACK_SIM_RECORD_DIR (src/dev/slack-sim/recordings.ts). */
const recordingsDir = process.env.SLACK_SIM_RECORDINGS;
describe.runIf(recordingsDir)('every call the simulators recorded over a test run (SLACK_SIM_RECORDINGS)', () => {
  const recordings = recordingsDir
    ? readdirSync(recordingsDir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(recordingsDir, f), 'utf8')) as Recording)
    : [];
  // Record the e2e suite (test/e2e): the simulator's own tests (test/dev) call it directly, on purpose wrongly.
  const beacons = recordings;

  it('conforms to the specs, with the manifest scopes, and kept no input block_id', () => {
    expect(beacons.length).toBeGreaterThan(0);
    const problems = beacons.map((r) => problemsOf(r.calls, r));
    expect([...new Set(problems.flatMap((p) => p.args))]).toEqual([]);
    expect([...new Set(problems.flatMap((p) => p.scopes))]).toEqual([]);
    expect(beacons.flatMap((r) => r.warnings)).toEqual([]);
  });
});
