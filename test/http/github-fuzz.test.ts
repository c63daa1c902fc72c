import { randomBytes, randomUUID } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/http/body.js';
import { GITHUB_DELIVERY_ID } from '../../src/http/github.js';
import { startBeacon, type TestBeacon } from '../support/beacon.js';
import { FUZZ_RUNS, counted, expectPrototypeUntouched, keepAliveAgent, newestJobsProblems, postRaw, queuedJobs, type Answer } from '../support/fuzz.js';
import { GITHUB_SECRET, example, examples, type Payload } from '../fixtures/github/examples.js';

/**
 * `POST /webhooks/github` against whatever a sender (or an attacker holding the secret) throws at
 * it: 1,000 generated deliveries built from GitHub's published examples, mutated, replaced by
 * random JSON or bytes, form-encoded or not; most signed correctly so they get past the signature
 * and reach the parser, some unsigned or signed with another secret; delivery ids GitHub's GUIDs
 * (repeats included), absent, or not GUIDs (400). Never a 5xx; a 4xx queues nothing; a 202 queues
 * at most the one change it reports; over 1 MiB is 413.
 */

const EVENTS = ['deployment', 'deployment_status', 'release', 'ping'] as const;

const failure = () => {
  const p = example('deployment_status', (e) => e.deployment_status.state === 'success');
  p.deployment_status.state = 'failure';
  return p;
};

/** Published examples, each with the event GitHub sends it under. */
const BASES: { event: string; payload: Payload }[] = [
  ...examples('deployment').map((payload) => ({ event: 'deployment', payload })),
  ...examples('deployment_status').map((payload) => ({ event: 'deployment_status', payload })),
  { event: 'deployment_status', payload: failure() },
  ...examples('release').map((payload) => ({ event: 'release', payload })),
  { event: 'ping', payload: example('ping') },
  { event: 'push', payload: example('push') },
  { event: 'workflow_run', payload: example('workflow_run') },
];

// ---------------------------------------------------------------------------------------------
// Hostile values; raw JSON text (deep nesting, odd numbers) spliced in where JSON.stringify cannot.

class Raw {
  constructor(readonly text: string) {}
}
const MARK = `\u0001raw-${randomBytes(4).toString('hex')}-`;

function encode(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => (v instanceof Raw ? `${MARK}${raws.push(v.text) - 1}` : v)) ?? '';
  return text.replace(new RegExp(`"${MARK}(\\d+)"`, 'g'), (_m, i: string) => raws[Number(i)]!);
}

const WORDS = [
  '', ' ', 'created', 'published', 'edited', 'released', 'success', 'failure', 'error', 'pending', 'queued', 'in_progress', 'inactive', 'waiting',
  'deploy', 'production', 'master', 'v2.14.1', '0', '-1', 'null', '__proto__', 'constructor', 'toString', 'https://example.com/x', 'http://',
  'javascript:alert(1)', 'data:text/html,<script>', '2019-05-15T15:20:53Z', '2026-13-45T99:99:99Z', '+275760-09-13T00:00:00Z', '9999999999999999999999',
  '<!channel>', '*bold* `code`', 'line\nbreak', '\u202e\u0000\ud800',
];
const LIMITS = [60, 100, 200, 300, 500, 3000, 10_000, 100_000];

const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...LIMITS), fc.integer({ min: -1, max: 1 }), fc.constantFrom('x', 'é', '😀', '\n')).map(([n, d, c]) => c.repeat(n + d)) },
  { weight: 3, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({})) },
  { weight: 1, arbitrary: fc.constantFrom(10, 1000, 100_000).map((d) => new Raw('['.repeat(d) + ']'.repeat(d))) },
  { weight: 1, arbitrary: fc.constantFrom('1e400', '-0', '123456789012345678901234567890', '4.0').map((t) => new Raw(t)) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(JSON.parse('{"__proto__":{"polluted":"yes"}}'), JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}')) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Raw);

/** Every [container, key] in the value, depth first. */
function slots(root: unknown): [Obj | unknown[], string | number][] {
  const out: [Obj | unknown[], string | number][] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), walk(x)));
    else if (isObj(v)) for (const k of Object.keys(v)) out.push([v, k]), walk(v[k]);
  };
  walk(root);
  return out;
}

type Mutation = { op: 'drop' | 'replace' | 'retype' | 'add'; at: number; value: unknown; key: string };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('drop' as const, 'replace' as const, 'replace' as const, 'retype' as const, 'add' as const),
  at: fc.nat(),
  value: hostile,
  key: fc.oneof(fc.constantFrom('action', 'state', 'id', 'ref', 'sha', '__proto__', 'constructor'), fc.string({ maxLength: 8 })),
});

function mutate(base: Payload, ms: Mutation[]): unknown {
  const root: unknown = structuredClone(base);
  for (const m of ms) {
    const all = slots(root);
    if (!all.length) break;
    const [parent, key] = all[m.at % all.length]!;
    const set = (v: unknown) => Object.defineProperty(parent, key, { value: v, enumerable: true, writable: true, configurable: true });
    if (m.op === 'drop') Array.isArray(parent) ? parent.splice(key as number, 1) : delete (parent as Obj)[key as string];
    else if (m.op === 'replace') set(m.value);
    else if (m.op === 'retype') {
      const v = (parent as Obj)[key as string];
      set(typeof v === 'string' ? v.length : typeof v === 'number' ? String(v) : v === null ? {} : Array.isArray(v) ? { ...v } : isObj(v) ? Object.values(v) : null);
    } else if (isObj(parent)) Object.defineProperty(parent, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
  }
  return root;
}

// ---------------------------------------------------------------------------------------------
// Deliveries

type Signing = 'signed' | 'unsigned' | 'wrong-secret';
interface Delivery {
  kind: string;
  event?: string;
  body: Buffer;
  contentType?: string;
  signing: Signing;
  id?: string;
}

const JUNK = ['null', '[]', '{}', '"x"', '{"a":1,}', 'payload=', 'payload=%7B', 'payload=null', 'ref=main', '{"a":1}{"b":2}', '\u0000'];

const deliveryArb: fc.Arbitrary<Delivery> = fc
  .tuple(
    fc.constantFrom(...BASES),
    fc.oneof(
      { weight: 55, arbitrary: fc.array(mutation, { maxLength: 4 }).map((ms) => ({ kind: `mutated(${ms.map((m) => m.op).join(',') || 'none'})`, ms })) },
      { weight: 15, arbitrary: fc.jsonValue().map((v) => ({ kind: 'jsonValue', json: encode(v) })) },
      { weight: 10, arbitrary: fc.oneof(fc.constantFrom(...JUNK), fc.string({ unit: 'binary', maxLength: 80 })).map((t) => ({ kind: 'junk', text: t })) },
      { weight: 2, arbitrary: fc.constantFrom(-1, 0, 1, 64).map((d) => ({ kind: `size ${d} around the limit`, pad: d })) },
    ),
    fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.constantFrom(...EVENTS, 'push', '', 'PING', 'deployment_status ', '__proto__') }),
    fc.constantFrom('application/json', 'application/json', 'form', 'form', 'text/plain', undefined),
    fc.constantFrom<Signing>('signed', 'signed', 'signed', 'signed', 'signed', 'signed', 'signed', 'signed', 'unsigned', 'wrong-secret'),
    fc.oneof(
      { weight: 6, arbitrary: fc.uuid() },
      { weight: 3, arbitrary: fc.constant(undefined) },
      // Not GitHub's: refused before the body is read (a blank one is no header).
      { weight: 1, arbitrary: fc.constantFrom(' ', 'not-a-guid', '<!channel>', 'a'.repeat(65), '../x', '1234567', '{"a":1}') },
    ),
  )
  .map(([base, shape, eventOverride, ct, signing, id]) => {
    let text: string;
    if ('ms' in shape) text = encode(mutate(base.payload, shape.ms));
    else if ('json' in shape) text = shape.json;
    else if ('text' in shape) text = shape.text;
    else {
      const valid = encode(base.payload);
      text = valid + ' '.repeat(Math.max(0, MAX_BODY_BYTES + shape.pad - Buffer.byteLength(valid) - (ct === 'form' ? 8 : 0)));
    }
    const form = ct === 'form' && !('text' in shape);
    const body = Buffer.from(form ? `payload=${'pad' in shape ? text : encodeURIComponent(text)}` : text, 'utf8');
    const event = eventOverride === undefined ? base.event : eventOverride || undefined;
    const d: Delivery = { kind: shape.kind, body, signing, ...(event ? { event } : {}), ...(ct ? { contentType: ct === 'form' ? 'application/x-www-form-urlencoded' : ct } : {}), ...(id ? { id } : {}) };
    Object.defineProperty(d, fc.toStringMethod, { value: () => `${d.kind} ${d.event ?? '(no event)'} ${d.signing} ${d.contentType ?? ''} (${body.length} bytes): ${JSON.stringify(body.subarray(0, 300).toString())}` });
    return d;
  });

const agent = keepAliveAgent(4);

async function send(b: TestBeacon, d: Delivery, chunked = false): Promise<Answer> {
  const headers: Record<string, string | number> = { 'user-agent': 'GitHub-Hookshot/fuzz' };
  if (d.contentType) headers['content-type'] = d.contentType;
  if (d.event) headers['x-github-event'] = d.event;
  if (d.id) headers['x-github-delivery'] = d.id;
  // GitHub signs the body as text; these bodies are what the route decodes as UTF-8 too.
  if (d.signing !== 'unsigned' && d.body.length > 0) headers['x-hub-signature-256'] = await sign(d.signing === 'signed' ? GITHUB_SECRET : 'another-secret', d.body.toString('utf8'));
  return postRaw(b, { path: '/webhooks/github', headers, body: d.body, agent, ...(chunked ? { chunkBytes: 256 * 1024 } : {}) });
}

const queued = (b: TestBeacon) => queuedJobs(b);

/** The newest job, when one was added, must be a change job its schema takes. */
const newestJobProblem = async (b: TestBeacon): Promise<string | undefined> => (await newestJobsProblems(b, 1, ['change.received']))[0];

describe('github webhook fuzzing: 1,000 generated deliveries over HTTP', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon({ worker: false, env: { GITHUB_WEBHOOK_SECRET: GITHUB_SECRET, GITHUB_SERVICES: 'codertocat/hello-world=checkout', LOG_LEVEL: 'info' } });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('always 2xx or 4xx, a 4xx queues nothing, a 202 queues at most its one change', { timeout: 300_000 }, async () => {
    const statuses: Record<string, number> = {};
    const start = await queued(b);
    await fc.assert(
      fc.asyncProperty(deliveryArb, async (d) => {
        const { res, added } = await counted(b, statuses, () => send(b, d));
        expect([200, 202, 400, 401, 413], `${res.status} ${res.text.slice(0, 300)}`).toContain(res.status);
        expect(typeof res.body === 'object' && res.body !== null, `not JSON: ${res.text.slice(0, 200)}`).toBe(true);
        if (d.body.length > MAX_BODY_BYTES) expect(res.status).toBe(413);
        else if (d.signing !== 'signed' || d.body.length === 0) expect(res.status).toBe(401);
        else if (d.id?.trim() && !GITHUB_DELIVERY_ID.test(d.id.trim())) expect(res.status).toBe(400);
        if (res.status === 202 && 'accepted' in res.body) {
          expect(res.body).toStrictEqual({ accepted: 1 });
          expect(added).toBeLessThanOrEqual(1);
          if (added === 1) expect(await newestJobProblem(b)).toBeUndefined();
        } else {
          if (res.status === 202) expect(typeof res.body.ignored).toBe('string');
          if (res.status === 200) expect(res.body.pong).toBe(true);
          if (res.status >= 400) expect(typeof res.body.error).toBe('string');
          expect(added, `a ${res.status} queued ${added} job(s)`).toBe(0);
        }
        expectPrototypeUntouched();
      }),
      { numRuns: FUZZ_RUNS },
    );
    // Both sides reached: changes taken, deliveries ignored, refused and unauthorized.
    for (const s of ['200', '202', '400', '401', '413']) expect(statuses[s] ?? 0, JSON.stringify(statuses)).toBeGreaterThan(0);
    expect(await queued(b)).toBeGreaterThan(start);
    expect((await fetch(`${b.url}/readyz`)).status).toBe(200);
    expect(b.logs()).not.toContain('request failed');
    expect(b.logs()).not.toContain(GITHUB_SECRET);
  });

  it('a signed delivery over 1 MiB is 413, declared or streamed, and queues nothing', async () => {
    const before = await queued(b);
    const status = failure();
    status.deployment_status.id = 770001;
    status.deployment_status.description = 'x'.repeat(MAX_BODY_BYTES);
    const d: Delivery = { kind: 'big', event: 'deployment_status', body: Buffer.from(JSON.stringify(status)), contentType: 'application/json', signing: 'signed', id: randomUUID() };
    expect((await send(b, d)).status).toBe(413);
    expect((await send(b, d, true)).status).toBe(413);
    // Under the limit it is read, and refused for its description's length, not its size.
    status.deployment_status.description = 'x'.repeat(20_000);
    expect((await send(b, { ...d, body: Buffer.from(JSON.stringify(status)) })).status).toBe(400);
    expect(await queued(b)).toBe(before);
  });
});
