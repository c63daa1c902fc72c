import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/http/body.js';
import { WEBHOOK_TOKEN, startBeacon, type TestBeacon } from '../support/beacon.js';
import { sourceFixture } from '../support/builders.js';
import { FUZZ_RUNS, aroundBodyLimit, aroundBodyLimitKind, counted, expectPrototypeUntouched, keepAliveAgent, newestJobsProblems, postRaw, type Answer } from '../support/fuzz.js';

/**
 * Issue 11, "hostile input", for `POST /webhooks/vault`: 1,000 generated bodies (mutated
 * documented entries as NDJSON, arrays and single objects, broken lines, random JSON and bytes,
 * wrong types, bodies around the 1 MiB limit) over real HTTP. Never a 5xx; a 4xx queues nothing;
 * a 202 queues at most what it counts as accepted, exactly that for entries never seen before,
 * and only jobs the worker takes; over 1 MiB is a 413.
 */

type Json = Record<string, unknown>;
const FIXTURES = readdirSync(new URL('../fixtures/vault/', import.meta.url))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => sourceFixture<Json>('vault', f));

// ---------------------------------------------------------------------------------------------
// Values and mutations

/** Stands for `d` nested arrays, spliced into the body's text (JSON.stringify cannot write them). */
const DEEP = '\u0001deep';
const DEEP_RE = /"\\u0001deep(\d+)\\u0001deep"/g;
const expand = (s: string) => s.replace(DEEP_RE, (_m, d: string) => '['.repeat(Number(d)) + ']'.repeat(Number(d)));

const WORDS = ['', ' ', 'request', 'response', 'create', 'update', 'delete', 'patch', 'read', 'list', 'CREATE', 'secret/', 'secret/data/x', 'secret/destroy/x', 'transit/keys/k/rotate', '/', '//', 'kv', 'hmac-sha256:x', '2026-03-04T10:00:00Z', '2026-13-45T99:99:99Z', '9999-12-31T23:59:59Z', 'yesterday', '__proto__', 'constructor', 'toString', 'null', '\u0000', '\u202e', '😀', '\n', '{"type":"response"}'];

const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.constantFrom(0, -1, 1.5, 1e308, true, false, null, [], {}, [1], { a: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(64, 200, 4096, 4097, 100_000).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom(10, 1000, 100_000).map((d) => `${DEEP}${d}${DEEP}`) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(JSON.parse('{"__proto__":{"polluted":"yes","type":"response"}}'), JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}')) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

type Mutation = { op: 'drop' | 'retype'; at: number } | { op: 'replace'; at: number; value: unknown } | { op: 'add'; at: number; key: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom('drop' as const, 'retype' as const), at: fc.nat() }),
  { weight: 3, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: hostile }) },
  fc.record({ op: fc.constant('add' as const), at: fc.nat(), key: fc.constantFrom('__proto__', 'constructor', 'error', 'message', 'log', 'mount_point', 'namespace', 'x'), value: hostile }),
);

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const setOwn = (o: Json, k: string, value: unknown) => Object.defineProperty(o, k, { value, enumerable: true, writable: true, configurable: true });
const clone = (v: unknown): unknown => (Array.isArray(v) ? v.map(clone) : isObj(v) ? Object.fromEntries(Object.keys(v).map((k) => [k, clone(v[k])])) : v);

/** Every (object, key) pair in a value, depth first. */
function slots(root: unknown): { o: Json; k: string }[] {
  const out: { o: Json; k: string }[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObj(v)) for (const k of Object.keys(v)) out.push({ o: v, k }), walk(v[k]);
  };
  walk(root);
  return out;
}

function mutate(base: Json, ms: Mutation[]): unknown {
  const root = clone(base) as Json;
  for (const m of ms) {
    const all = slots(root);
    if (m.op === 'add') {
      const objs = [root, ...all.map((s) => s.o[s.k]).filter(isObj)];
      setOwn(objs[m.at % objs.length]!, m.key, clone(m.value));
      continue;
    }
    const s = all[m.at % Math.max(1, all.length)];
    if (!s) continue;
    if (m.op === 'drop') delete s.o[s.k];
    else if (m.op === 'replace') setOwn(s.o, s.k, clone(m.value));
    else {
      const v = s.o[s.k];
      setOwn(s.o, s.k, typeof v === 'string' ? v.length : typeof v === 'number' ? String(v) : isObj(v) ? Object.values(v) : Array.isArray(v) ? { ...v } : 'x');
    }
  }
  return root;
}

/** A documented entry with a request id of its own, recent enough to matter. */
const freshEntry = fc.constantFrom(...FIXTURES).map((e) => ({ ...e, request: { ...(e.request as Json), id: randomUUID() } }));

// ---------------------------------------------------------------------------------------------
// Bodies

interface Delivery {
  kind: string;
  body: Buffer;
  /** Every entry is a documented one with a request id never sent before: the count is exact. */
  exact?: boolean;
}

const text = (kind: string, s: string, exact = false): Delivery => ({ kind, body: Buffer.from(expand(s), 'utf8'), ...(exact ? { exact } : {}) });
const lines = (entries: unknown[]) => entries.map((e) => JSON.stringify(e) ?? 'undefined').join('\n');

const JUNK = ['null', 'true', '0', '"x"', '[]', '{}', '[{}]', '[null]', 'NaN', '{"a":1,}', "{'a':1}", '{"a":1}{"b":2}', '\u0000', '{"type":"response"}', '{"request":{}}', '<xml/>', 'type=response&request=x'];

const mutatedEntries = fc.array(fc.tuple(freshEntry, fc.array(mutation, { maxLength: 4 })), { minLength: 1, maxLength: 6 }).map((xs) => xs.map(([e, ms]) => mutate(e, ms)));

const deliveries: fc.Arbitrary<Delivery> = fc.oneof(
  { weight: 10, arbitrary: fc.array(freshEntry, { minLength: 1, maxLength: 8 }).map((es) => text('valid ndjson', lines(es), true)) },
  { weight: 3, arbitrary: fc.array(freshEntry, { minLength: 1, maxLength: 8 }).map((es) => text('valid array', JSON.stringify(es), true)) },
  { weight: 2, arbitrary: freshEntry.map((e) => text('valid object', JSON.stringify(e, null, 2), true)) },
  { weight: 25, arbitrary: mutatedEntries.map((es) => text('mutated ndjson', lines(es))) },
  { weight: 8, arbitrary: mutatedEntries.map((es) => text('mutated array', JSON.stringify(es))) },
  {
    weight: 10,
    arbitrary: fc
      .tuple(fc.array(freshEntry, { minLength: 1, maxLength: 5 }), fc.array(fc.oneof(fc.constantFrom(...JUNK), fc.string({ unit: 'binary', maxLength: 40 })), { minLength: 1, maxLength: 3 }), fc.nat())
      .map(([es, junk, at]) => {
        const ls = es.map((e) => JSON.stringify(e));
        ls.splice(at % (ls.length + 1), 0, ...junk);
        return text('lines with junk', ls.join(at % 2 ? '\r\n' : '\n'));
      }),
  },
  { weight: 5, arbitrary: freshEntry.map((e) => text('wrapped', lines([{ message: JSON.stringify(e), file: '/var/log/vault/audit.log' }, { log: JSON.stringify(e), date: 1.5 }]))) },
  { weight: 3, arbitrary: freshEntry.chain((e) => fc.nat({ max: JSON.stringify(e).length }).map((n) => text('truncated', JSON.stringify(e).slice(0, n)))) },
  { weight: 10, arbitrary: fc.jsonValue().map((v) => text('jsonValue', JSON.stringify(v) ?? '')) },
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => ({ kind: 'random bytes', body: Buffer.from(a) })) },
  { weight: 5, arbitrary: fc.constantFrom(...JUNK, '', ' ', '\n\n', '\r\n').map((s) => text('junk', s)) },
  {
    weight: 2,
    arbitrary: fc.tuple(freshEntry, fc.constantFrom(-1, 0, 1, 2, 4096)).map(([e, d]) => {
      return { kind: aroundBodyLimitKind(d), body: aroundBodyLimit(Buffer.from(JSON.stringify(e)), d, 0x0a) };
    }),
  },
);

// ---------------------------------------------------------------------------------------------
// HTTP and queue

const agent = keepAliveAgent(4);

const send = (b: TestBeacon, body: Buffer): Promise<Answer> =>
  postRaw(b, { path: '/webhooks/vault', headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/x-ndjson' }, body, agent });

describe('POST /webhooks/vault: 1,000 generated bodies', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon({ worker: false, env: { LOG_LEVEL: 'info', VAULT_SECRET_SERVICES: 'secret/=platform,transit/=checkout,auth/=login' } });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('never a 5xx; a 4xx queues nothing; a 202 queues what it accepted; over 1 MiB is a 413', { timeout: 300_000 }, async () => {
    const statuses: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(deliveries, async (d) => {
        // No worker runs in this file: the jobs a request added are still waiting.
        const { res, added } = await counted(b, statuses, () => send(b, d.body), ['wait']);
        const what = `${d.kind} → ${res.status} ${res.text.slice(0, 300)}`;
        expect([202, 400, 413], what).toContain(res.status);
        expect(typeof res.body === 'object' && res.body !== null, what).toBe(true);
        if (res.status === 202) {
          const { accepted, ignored, rejected } = res.body as { accepted: number; ignored: number; rejected: number };
          for (const n of [accepted, ignored, rejected]) expect(Number.isInteger(n) && n >= 0, what).toBe(true);
          expect(accepted + ignored, what).toBeGreaterThan(0);
          expect(added, what).toBeLessThanOrEqual(accepted);
          if (d.exact) expect(added, what).toBe(accepted);
          expect(await newestJobsProblems(b, added, ['change.received']), what).toEqual([]);
        } else {
          expect(typeof res.body.error, what).toBe('string');
          expect(added, `${what}: a ${res.status} queued ${added}`).toBe(0);
        }
        if (d.body.length > MAX_BODY_BYTES) expect(res.status, what).toBe(413);
        expectPrototypeUntouched();
      }),
      { numRuns: FUZZ_RUNS },
    );
    // The generators reach every answer.
    for (const s of ['202', '400', '413']) expect(statuses[s] ?? 0, JSON.stringify(statuses)).toBeGreaterThan(0);
    expect(b.logs()).not.toContain('request failed');
    expect(b.logs()).not.toContain('VAULTDATAMARKER');
    expect((await fetch(`${b.url}/readyz`)).status).toBe(200);
  });
});
