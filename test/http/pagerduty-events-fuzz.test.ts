import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/http/body.js';
import { startBeacon, type TestBeacon } from '../support/beacon.js';
import { sourceFixture } from '../support/builders.js';
import { FUZZ_RUNS, aroundBodyLimit, aroundBodyLimitKind, counted, expectPrototypeUntouched, keepAliveAgent, newestJobsProblems, postRaw, queuedJobs, type Answer } from '../support/fuzz.js';

/**
 * Issue 11, "Hostile input", for the PagerDuty-compatible routes: 1,000 generated bodies per route
 * (mutations of PagerDuty's own examples, random JSON, wrong types, broken bytes, bodies around
 * the 1 MiB limit) over real HTTP. Never a 5xx; every answer is PagerDuty-shaped JSON; a 4xx queues
 * nothing; a 202 queues at most one job, exactly one for a body never sent before, and one the
 * worker takes; an unknown routing key never queues; over 1 MiB is a 413.
 *
 * No worker runs, so the intake queue's length before and after a request is that request's doing.
 */

const KEY = 'R0fuzzfuzzfuzzfuzz000000000000d4';
type Route = { path: string; kind: 'event' | 'change' };
const ROUTES: Route[] = [
  { path: '/pagerduty/v2/enqueue', kind: 'event' },
  { path: '/pagerduty/v2/change/enqueue', kind: 'change' },
];

type Obj = Record<string, unknown>;
const withKey = (name: string): Obj => ({ ...sourceFixture<Obj>('pagerduty-events', name), routing_key: KEY });
const BASES: Record<Route['kind'], Obj[]> = {
  event: ['trigger.json', 'trigger-disk.json', 'acknowledge.json', 'resolve.json', 'alertmanager-trigger.json'].map(withKey).concat([
    { routing_key: KEY, event_action: 'trigger', payload: { summary: 'Disk full', source: 'db-1', severity: 'warning' } },
  ]),
  change: [withKey('change.json'), { routing_key: KEY, payload: { summary: 'Deploy checkout v2.14.1' } }],
};

// ---------------------------------------------------------------------------------------------
// Generators

const LIMITS = [255, 256, 1024, 1025, 4000, 100_000];
const nearLimit = fc.tuple(fc.constantFrom(...LIMITS), fc.constantFrom('x', '😀', ' ', '\n', 'é')).map(([n, c]) => c.repeat(n));

const WORDS = ['', ' ', 'trigger', 'acknowledge', 'resolve', 'TRIGGER', 'critical', 'error', 'warning', 'info', 'sev1', 'page',
  KEY, `${KEY} `, KEY.toLowerCase(), 'routingkeyhere', 'javascript:alert(1)', 'https://example.com/x', '2015-07-17T08:42:58.315+0000',
  '9999-12-31T23:59:59Z', 'not a time', '__proto__', 'constructor', 'toString', 'null', '<!channel>', '*bold* `code`'];

/** Deep nesting, spliced in as text when the body is written (a JS value that deep would overflow the test itself). */
const deep = fc.constantFrom(10, 1000, 50_000).map((d) => `\u0001deep:${d}\u0001`);
const DEEP = /"\\u0001deep:(\d+)\\u0001"/g;
const enc = (v: unknown) => Buffer.from((JSON.stringify(v) ?? '').replace(DEEP, (_m, d: string) => '['.repeat(Number(d)) + ']'.repeat(Number(d))), 'utf8');
const proto = fc.constantFrom<unknown>(JSON.parse('{"__proto__":{"polluted":"yes"}}'), JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}'));

const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 2, arbitrary: nearLimit },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 3, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({})) },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: proto },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Obj, k: string, v: unknown) => Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
const clone = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(clone);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const k of Object.keys(v)) own(out, k, clone(v[k]));
  return out;
};

/** Every object in the body with each of its keys: where a mutation may strike. */
function places(root: unknown): [Obj | unknown[], string | number][] {
  const out: [Obj | unknown[], string | number][] = [];
  const walk = (v: unknown, depth: number) => {
    if (depth > 6) return;
    if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), walk(x, depth + 1)));
    else if (isObj(v)) for (const k of Object.keys(v)) out.push([v, k]), walk(v[k], depth + 1);
  };
  walk(root, 0);
  return out;
}

type Mutation = { op: 'drop' | 'replace' | 'retype' | 'add' | 'key'; at: number; value: unknown; name: string };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('drop', 'replace', 'replace', 'retype', 'add', 'key'),
  at: fc.nat(),
  value: hostile,
  name: fc.oneof(fc.constantFrom('routing_key', 'event_action', 'dedup_key', 'payload', 'summary', 'severity', 'links', 'custom_details', '__proto__'), fc.string({ maxLength: 8 })),
});

const retype = (v: unknown): unknown => (typeof v === 'string' ? v.length : typeof v === 'number' ? String(v) : Array.isArray(v) ? { 0: v[0] } : isObj(v) ? Object.values(v) : 'x');

function mutate(base: Obj, ms: Mutation[]): unknown {
  const root = clone(base) as Obj;
  for (const m of ms) {
    if (m.op === 'key') {
      root.routing_key = m.value;
      continue;
    }
    const all = places(root);
    if (m.op === 'add') {
      const objs = [root, ...all.map(([p, k]) => (p as Obj)[k as string]).filter(isObj)];
      own(objs[m.at % objs.length]!, m.name, clone(m.value));
      continue;
    }
    if (!all.length) continue;
    const [parent, k] = all[m.at % all.length]!;
    if (m.op === 'drop') Array.isArray(parent) ? parent.splice(k as number, 1) : delete (parent as Obj)[k as string];
    else if (Array.isArray(parent)) parent[k as number] = m.op === 'retype' ? retype(parent[k as number]) : clone(m.value);
    else own(parent as Obj, k as string, m.op === 'retype' ? retype(parent[k as string]) : clone(m.value));
  }
  return root;
}

interface Delivery {
  kind: string;
  body: Buffer;
  chunks?: number;
}

function deliveries(route: Route): fc.Arbitrary<Delivery> {
  const base = fc.constantFrom(...BASES[route.kind]);
  const body = fc.oneof(
    { weight: 60, arbitrary: fc.tuple(base, fc.array(mutation, { maxLength: 4 })).map(([b, ms]) => ({ kind: `mutated(${ms.map((m) => m.op)})`, body: enc(mutate(b, ms)) })) },
    { weight: 12, arbitrary: fc.jsonValue().map((v) => ({ kind: 'json', body: enc(v) })) },
    { weight: 10, arbitrary: fc.uint8Array({ maxLength: 200 }).map((a) => ({ kind: 'bytes', body: Buffer.from(a) })) },
    {
      weight: 10,
      arbitrary: fc.tuple(base, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 6 })).map(([b, at, junk]) => {
        const valid = enc(b);
        const i = at % (valid.length + 1);
        return { kind: 'corrupted', body: Buffer.concat([valid.subarray(0, i), Buffer.from(junk), valid.subarray(i)]) };
      }),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(base, fc.constantFrom(-1, 0, 1, 100)).map(([b, d]) => {
        return { kind: aroundBodyLimitKind(d), body: aroundBodyLimit(enc(b), d) };
      }),
    },
  );
  const chunks = fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 4 }) });
  return fc.tuple(body, chunks).map(([d, n]) => {
    const out: Delivery = { ...d, ...(n ? { chunks: n } : {}) };
    Object.defineProperty(out, fc.toStringMethod, { value: () => `${d.kind} (${d.body.length} bytes): ${JSON.stringify(d.body.subarray(0, 300).toString('utf8'))}` });
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// HTTP and queue

const agent = keepAliveAgent(4);

const send = (b: TestBeacon, path: string, d: Delivery): Promise<Answer> =>
  postRaw(b, { path, headers: { 'content-type': 'application/json' }, body: d.body, agent, unparsed: 'undefined', ...(d.chunks ? { chunks: d.chunks } : {}) });

const waiting = (b: TestBeacon) => queuedJobs(b, ['wait']);

/** What the body says its routing key is, when it is a JSON object with one. */
function presentedKey(body: Buffer): unknown {
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    return isObj(v) ? v.routing_key : undefined;
  } catch {
    return undefined;
  }
}

function checkAnswer(route: Route, res: Answer): void {
  expect(res.status, res.text.slice(0, 300)).toBeLessThan(500);
  expect([202, 400, 413], res.text.slice(0, 300)).toContain(res.status);
  expect(isObj(res.body), `not a JSON object: ${res.text.slice(0, 200)}`).toBe(true);
  if (res.status === 202) {
    expect(res.body.status).toBe('success');
    if (route.kind === 'change') expect(res.body).toStrictEqual({ status: 'success', message: 'Change event processed' });
    else {
      expect(res.body.message).toBe('Event processed');
      expect(typeof res.body.dedup_key === 'string' && [...res.body.dedup_key].length <= 255 && res.body.dedup_key.trim() !== '').toBe(true);
    }
  } else if (res.status === 400) {
    expect(['invalid event', 'Unrecognized object']).toContain(res.body.status);
    expect(res.body.errors.length).toBeGreaterThan(0);
    for (const e of res.body.errors) expect(typeof e).toBe('string');
    expect(res.text.length, 'an error answer echoes no body back').toBeLessThan(2000);
  }
}

/** The statuses answered, and how many bodies were over the limit (each of which must be a 413). */
async function fuzz(b: TestBeacon, route: Route): Promise<{ statuses: Record<string, number>; oversized: number }> {
  const seen = new Set<string>();
  const statuses: Record<string, number> = {};
  let oversized = 0;
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  await fc.assert(
    fc.asyncProperty(deliveries(route), async (d) => {
      const sha = createHash('sha256').update(d.body).digest('hex');
      const fresh = !seen.has(sha);
      seen.add(sha);
      const { res, added } = await counted(b, statuses, () => send(b, route.path, d), ['wait']);

      if (d.body.length > MAX_BODY_BYTES) {
        oversized++;
        expect(res.status).toBe(413);
        expect(res.body).toStrictEqual({ error: `body larger than ${MAX_BODY_BYTES} bytes` });
      } else checkAnswer(route, res);
      if (res.status !== 202) expect(added, `a ${res.status} queued ${added} job(s)`).toBe(0);
      else {
        expect(added).toBeLessThanOrEqual(1);
        if (fresh && route.kind === 'event') expect(added, 'a new event queues its one job').toBe(1);
        expect(await newestJobsProblems(b, added)).toEqual([]);
      }
      const key = presentedKey(d.body);
      if (d.body.length <= MAX_BODY_BYTES && typeof key === 'string' && key.trim() !== '' && key !== KEY) {
        expect(res.body).toStrictEqual({ status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key'] });
      }
      expectPrototypeUntouched(prototypeKeys);
    }),
    { numRuns: FUZZ_RUNS },
  );
  return { statuses, oversized };
}

describe('PagerDuty Events API v2 fuzzing: 1,000 generated bodies per route over HTTP', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon({ worker: false, env: { LOG_LEVEL: 'info', PAGERDUTY_ROUTING_KEYS: `${KEY}=checkout` } });
  });
  afterAll(async () => {
    await b?.close();
  });

  for (const route of ROUTES) {
    it(`${route.path}: never a 5xx, PagerDuty's bodies, a 4xx queues nothing, an unknown key never queues`, { timeout: 300_000 }, async () => {
      const { statuses, oversized } = await fuzz(b, route);
      expect(statuses['202'] ?? 0).toBeGreaterThan(0);
      expect(statuses['400'] ?? 0).toBeGreaterThan(0);
      // Bodies over 1 MiB were generated, and every one of them (and nothing else) was a 413.
      expect(oversized).toBeGreaterThan(0);
      expect(statuses['413'] ?? 0).toBe(oversized);
      // Still up and taking a good body.
      const fresh: Obj = { ...BASES[route.kind][0]!, dedup_key: randomBytes(6).toString('hex') };
      if (route.kind === 'change') fresh.payload = { summary: `Deploy ${randomBytes(4).toString('hex')}` };
      expect((await send(b, route.path, { kind: 'valid', body: Buffer.from(JSON.stringify(fresh)) })).status).toBe(202);
      expect(b.logs()).not.toContain('request failed');
    });
  }

  it('unknown routing keys never queue, whatever the rest of the body', { timeout: 120_000 }, async () => {
    const otherKey = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }), fc.constantFrom(KEY.toUpperCase(), `${KEY}x`, KEY.slice(1)));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), fc.constantFrom(...BASES.event, ...BASES.change), otherKey, async (route, base, key) => {
        fc.pre(key.trim() !== '' && key !== KEY);
        const before = await waiting(b);
        const res = await send(b, route.path, { kind: 'wrong key', body: Buffer.from(JSON.stringify({ ...base, routing_key: key })) });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual(['Invalid routing key']);
        expect(await waiting(b)).toBe(before);
      }),
      { numRuns: 300 },
    );
  });
});
