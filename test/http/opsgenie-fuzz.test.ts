import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import { MAX_BODY_BYTES } from '../../src/http/body.js';
import { alertSchema } from '../../src/domain.js';
import { BOT_TOKEN, SIGNING_SECRET, WEBHOOK_TOKEN, startBeacon, type TestBeacon } from '../support/beacon.js';
import { sourceFixture } from '../support/builders.js';
import { FUZZ_RUNS, aroundBodyLimit, counted, expectPrototypeUntouched, keepAliveAgent, newestJobs, postRaw, queuedJobs, type Answer, type QueueList } from '../support/fuzz.js';

/**
 * Issue 11, "Hostile input", for the Opsgenie Alert API: 1,000 generated requests for each route
 * (create, close, acknowledge, notes, message, description: each its own 1,000) over real HTTP (bodies, identifiers, identifier types), never a 5xx; a refusal queues nothing; a
 * 202 queues exactly what the call means (one alert for a create, one for a close or acknowledge
 * by alias, none otherwise), and every queued job is one the worker takes; over 1 MiB is 413;
 * a key Beacon does not accept never queues anything.
 *
 * Each route gets its own Beacon without a worker, so the intake queue's length before and
 * after one request belongs to that request alone.
 */

const KEY = 'og-fuzz-key-0123456789';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const fixture = (name: string) => sourceFixture<Record<string, unknown>>('opsgenie', name);

/** Every route of the API, each fuzzed on its own (1,000 requests each, its own Beacon). */
type Route = 'create' | 'close' | 'acknowledge' | 'notes' | 'message' | 'description';
const ROUTES: Route[] = ['create', 'close', 'acknowledge', 'notes', 'message', 'description'];

const BASES: Record<Route, Record<string, unknown>[]> = {
  create: [fixture('alertmanager-create.json'), fixture('docs-create.json'), fixture('minimal-create.json'), { message: 'x', priority: 'P5', tags: ['a'], details: { service: 'checkout' } }],
  close: [fixture('alertmanager-close.json'), fixture('docs-close.json'), {}],
  acknowledge: [fixture('docs-acknowledge.json'), {}],
  notes: [fixture('docs-note.json'), { note: 'x' }],
  message: [fixture('docs-update-message.json'), fixture('alertmanager-update-message.json')],
  description: [fixture('docs-update-description.json'), fixture('alertmanager-update-description.json'), {}],
};

// ---------------------------------------------------------------------------------------------
// Values, bodies and paths

const near = (n: number) => fc.tuple(fc.integer({ min: -1, max: 1 }), fc.constantFrom('x', '😀', ' ', '\n', '\u0000', 'é')).map(([d, c]) => c.repeat(n + d));
const LIMITS = [50, 100, 130, 512, 8000, 15_000, 25_000];

const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>('', ' ', 'P1', 'P3', 'P5', 'p1', 'P6', 'team', 'user', 'escalation', 'schedule', 'teams', 'alias', 'id', '__proto__', 'javascript:alert(1)', 'https://example.com/x', '<!channel>', '*bold* _x_'),
  fc.constantFrom(...LIMITS).chain(near),
  fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({})),
  fc.constantFrom<unknown>(
    JSON.parse('{"__proto__":{"polluted":"yes"}}'),
    JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}'),
    [{ type: 'team' }],
    [{ name: 'ops', type: 'team' }],
    Array.from({ length: 60 }, (_, i) => ({ name: `t${i}`, type: 'team' })),
    Array.from({ length: 21 }, (_, i) => `tag${i}`),
    { service: 'checkout', nested: { a: 1 } },
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.jsonValue({ maxDepth: 3 }),
);

const KEYS = ['message', 'alias', 'description', 'responders', 'visibleTo', 'actions', 'tags', 'details', 'entity', 'source', 'priority', 'user', 'note', '__proto__', 'constructor'];

type Obj = Record<string, unknown>;
/** A deep copy that keeps an own `__proto__` key (JSON.parse defines it as a plain property). */
const copy = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const own = (o: Obj, k: string, v: unknown) => Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });

/** A base with some fields replaced, dropped or added, then maybe wrapped. */
const mutatedBody = (route: Route) =>
  fc
    .tuple(
      fc.constantFrom(...BASES[route]),
      fc.array(fc.tuple(fc.constantFrom('set', 'drop', 'inner'), fc.constantFrom(...KEYS), hostile), { maxLength: 4 }),
      fc.constantFrom('none', 'none', 'none', 'array', 'nested'),
    )
    .map(([base, edits, wrap]) => {
      const o = copy(base) as Obj;
      for (const [op, key, shared] of edits) {
        const value = copy(shared);
        // Own properties only: `o.__proto__` of a plain object is Object.prototype itself.
        const inner = Object.hasOwn(o, key) ? o[key] : undefined;
        if (op === 'drop') delete o[key];
        else if (op === 'set') own(o, key, value);
        else if (Array.isArray(inner) && inner.length) inner[0] = value;
        else if (inner && typeof inner === 'object') own(inner as Obj, key, value);
      }
      const body = wrap === 'array' ? [o] : wrap === 'nested' ? { alert: o } : o;
      return Buffer.from(JSON.stringify(body));
    });

const rawBody = (route: Route): fc.Arbitrary<Buffer> =>
  fc.oneof(
    { weight: 6, arbitrary: mutatedBody(route) },
    { weight: 2, arbitrary: fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? '')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(mutatedBody(route), fc.nat(), fc.constantFrom('truncate', 'bom', 'trailing', 'utf16'))
        .map(([b, at, how]) =>
          how === 'truncate' ? b.subarray(0, at % (b.length + 1)) : how === 'bom' ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]) : how === 'trailing' ? Buffer.concat([b, Buffer.from('}x')]) : Buffer.from(b.toString(), 'utf16le'),
        ),
    },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '\n', '{', 'null', '[]', '"x"', '{"message":"x","message":{}}').map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: fc.constantFrom(1000, 100_000).map((d) => Buffer.from(`{"message":"deep","details":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`)) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...BASES[route]), fc.constantFrom(-1, 0, 1, 64)).map(([b, d]) => {
        return aroundBodyLimit(Buffer.from(JSON.stringify(b)), d);
      }),
    },
  );

/** A path segment: an encoded identifier, or one sent as is (malformed escapes included). */
const segment = fc.oneof(
  { weight: 9, arbitrary: fc
    .oneof(
      fc.constantFrom('2202a327e8ba6d6bd6a7b90f92e1cb18aeb337215d0f4a73e3e40752a161cdb9', 'x', 'Disk almost full on db-1', 'a'.repeat(512), 'a'.repeat(513), '😀'.repeat(512), '😀'.repeat(513), '%', '__proto__', 'a/b', 'a\\b'),
      fc.string({ minLength: 1, maxLength: 30 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
    )
    .map(encodeURIComponent)
    // A dot segment (`..`, `%2e`) is resolved by the URL parser before it is sent: another path.
    .filter((s) => !/^(\.|%2e)+$/i.test(s)) },
  { weight: 1, arbitrary: fc.constantFrom('%E0%A4%A', '%zz', 'a%2Fb', '%C0%AF') },
);
const identifierType = fc.constantFrom<string | undefined>(undefined, 'alias', 'alias', 'alias', 'id', 'tiny', 'ALIAS', '', 'name', 'alias&identifierType=id');

interface Call {
  method: 'POST' | 'PUT';
  path: string;
  body: Buffer;
  /** How many alert jobs a 202 must have queued. */
  queues: number;
}

/** The decoded identifier as the server reads it from the path. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const ACTIONS = { close: 'POST', acknowledge: 'POST', notes: 'POST', message: 'PUT', description: 'PUT' } as const;

function callArb(route: Route): fc.Arbitrary<Call> {
  if (route === 'create') return rawBody(route).map((body) => ({ method: 'POST' as const, path: '/opsgenie/v2/alerts', body, queues: 1 }));
  const act = route;
  return fc.tuple(segment, identifierType, rawBody(route)).map(([seg, type, body]) => {
    const query = type === undefined ? '' : `?identifierType=${type}`;
    const readType = new URLSearchParams(query).get('identifierType') ?? 'id';
    const byAlias = readType.trim().toLowerCase() === 'alias';
    const changes = (act === 'close' || act === 'acknowledge') && byAlias && [...decoded(seg)].length <= 512;
    return { method: ACTIONS[act], path: `/opsgenie/v2/alerts/${seg}/${act}${query}`, body, queues: changes ? 1 : 0 };
  });
}

// ---------------------------------------------------------------------------------------------
// HTTP and queue

/** Keep-alive sockets and node's http client: a third of fetch's cost per request, which 6,500 requests feel. */
const agent = keepAliveAgent(8);

function send(b: TestBeacon, c: { method: string; path: string; body: Buffer }, auth = `GenieKey ${KEY}`): Promise<Answer> {
  return postRaw(b, { path: c.path, method: c.method, headers: { 'content-type': 'application/json', authorization: auth }, body: c.body, agent, unparsed: 'undefined' });
}

/** No worker runs: waiting, delayed and prioritized jobs are what the requests queued. */
const QUEUED: QueueList[] = ['wait', 'delayed', 'prioritized'];
const queued = (b: TestBeacon) => queuedJobs(b, QUEUED);

/** The `n` newest jobs are alert jobs the worker's schema takes. */
async function newestJobsOk(b: TestBeacon, n: number): Promise<string[]> {
  const problems: string[] = [];
  for (const { id, name, data } of await newestJobs(b, n)) {
    const alert = (JSON.parse(data ?? 'null') as { alert?: unknown } | null)?.alert;
    if (name !== 'alert.received' || !alertSchema.safeParse(alert).success) problems.push(`${id}: ${name} ${String(data).slice(0, 300)}`);
  }
  return problems;
}

async function fuzz(b: TestBeacon, route: Route): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  await fc.assert(
    fc.asyncProperty(callArb(route), async (c) => {
      const { res, added } = await counted(b, statuses, () => send(b, c), QUEUED);
      const what = `${res.status} ${c.method} ${c.path.slice(0, 200)}: ${res.text.slice(0, 300)}`;
      expect([202, 400, 413, 422], what).toContain(res.status);
      if (c.body.length > MAX_BODY_BYTES) expect(res.status, what).toBe(413);
      if (res.status === 413) expect(added).toBe(0);
      else {
        expect(typeof res.body?.took, what).toBe('number');
        expect(res.body?.requestId, what).toMatch(UUID);
      }
      if (res.status === 202) {
        expect(res.body.result).toBe('Request will be processed');
        expect(added, what).toBe(c.queues);
        expect(await newestJobsOk(b, added)).toEqual([]);
      } else {
        expect(added, `${what} queued ${added}`).toBe(0);
        if (res.status === 422) expect(Object.keys(res.body.errors ?? {}).length, what).toBeGreaterThan(0);
      }
      expectPrototypeUntouched();
    }),
    { numRuns: FUZZ_RUNS },
  );
  return statuses;
}

describe.concurrent('Opsgenie Alert API fuzzing: 1,000 generated requests for each of the six routes', () => {
  let sim: SlackSimulator;
  const beacons = new Map<Route | 'keys', TestBeacon>();

  beforeAll(async () => {
    sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    await sim.start();
    for (const r of [...ROUTES, 'keys'] as const) beacons.set(r, await startBeacon({ worker: false, sim, env: { LOG_LEVEL: 'info', OPSGENIE_API_KEYS: KEY } }));
  });
  afterAll(async () => {
    for (const b of beacons.values()) await b.close();
    await sim?.stop();
  });

  for (const route of ROUTES) {
    it(`${route}: never a 5xx, a refusal queues nothing, a 202 queues what it means`, { timeout: 300_000 }, async () => {
      const b = beacons.get(route)!;
      const statuses = await fuzz(b, route);
      expect(statuses['202'] ?? 0).toBeGreaterThan(0);
      expect(statuses['422'] ?? 0).toBeGreaterThan(0);
      expect(statuses['400'] ?? 0).toBeGreaterThan(0);
      expect(statuses['413'] ?? 0).toBeGreaterThan(0);
      expect((await fetch(`${b.url}/readyz`)).status).toBe(200);
      expect(b.logs()).not.toContain('request failed');
      expect(b.logs()).not.toContain(KEY);
    });
  }

  it('a key Beacon does not accept never queues anything', { timeout: 120_000 }, async () => {
    const b = beacons.get('keys')!;
    const auth = fc.oneof(
      fc.constantFrom(`Bearer ${KEY}`, `GenieKey ${KEY}x`, `GenieKey ${KEY.slice(0, -1)}`, `GenieKey ${KEY.toUpperCase()}`, `GenieKey${KEY}`, KEY, `GenieKey ${WEBHOOK_TOKEN}`, `Bearer ${WEBHOOK_TOKEN}`, 'GenieKey ', ''),
      fc.string({ maxLength: 60 }).map((s) => `GenieKey ${s}`),
      fc.uuid().map((u) => `GenieKey ${u}`),
      fc.string({ unit: 'binary-ascii', maxLength: 40 }),
    );
    const call = fc.oneof(...ROUTES.map(callArb));
    await fc.assert(
      fc.asyncProperty(call, auth, async (c, a) => {
        if (/[^\t\x20-\x7e]/.test(a)) return; // not a header value fetch can send
        const before = await queued(b);
        const res = await send(b, c, a);
        expect([401, 403, 413], `${res.status} for ${JSON.stringify(a)}: ${res.text.slice(0, 200)}`).toContain(res.status);
        expect(await queued(b)).toBe(before);
      }),
      { numRuns: 500 },
    );
    const good = await send(b, { method: 'POST', path: '/opsgenie/v2/alerts', body: Buffer.from(JSON.stringify({ message: `still taken ${randomBytes(3).toString('hex')}` })) });
    expect(good.status).toBe(202);
  });
});
