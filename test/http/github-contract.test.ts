import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import { BOT_TOKEN, SIGNING_SECRET, WEBHOOK_TOKEN, checkoutAlert, sleep, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf } from '../support/builders.js';
import { doc, opened } from '../e2e/lifecycle-helpers.js';
import { GITHUB_SECRET, delivery, example, type GithubDelivery, type Payload } from '../fixtures/github/examples.js';

/**
 * `POST /webhooks/github` as GitHub calls it, with GitHub's published example payloads
 * (`@octokit/webhooks-examples`) signed with a known secret: what it answers, what it queues, and
 * a deploy showing in "what changed" of the incident that follows it.
 */

const SERVICE = 'storefront-gh';
const SERVICES = `codertocat/hello-world=${SERVICE}`;

const post = (b: TestBeacon, d: GithubDelivery, auth: string | null = null) => b.post('/webhooks/github', null, { raw: d.raw, headers: d.headers, auth });

/** Jobs waiting in the intake queue (no worker takes them in the Beacons that count). */
async function queued(b: TestBeacon): Promise<number> {
  return b.redis.llen(`${keysOf(b).queuePrefix}:intake:wait`);
}

/** The newest queued change job's change. */
async function newestChange(b: TestBeacon): Promise<Record<string, unknown>> {
  const q = `${keysOf(b).queuePrefix}:intake`;
  const [id] = await b.redis.lrange(`${q}:wait`, 0, 0);
  const [name, data] = await b.redis.hmget(`${q}:${id}`, 'name', 'data');
  expect(name).toBe('change.received');
  return (JSON.parse(data ?? '{}') as { change: Record<string, unknown> }).change;
}

async function outcomes(b: TestBeacon): Promise<Record<string, number>> {
  const m = await b.metrics.changesReceived.get();
  return Object.fromEntries(m.values.filter((v) => v.labels.source === 'github').map((v) => [String(v.labels.outcome), v.value]));
}

const success = (): Payload => example('deployment_status', (e) => e.deployment_status.state === 'success');

let sim: SlackSimulator;
beforeAll(async () => {
  sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
  await sim.start();
});
afterAll(async () => {
  await sim?.stop();
});

describe('github webhooks: a deploy in "what changed"', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon({ sim, env: { GITHUB_WEBHOOK_SECRET: GITHUB_SECRET, GITHUB_SERVICES: SERVICES } });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('a deployment_status success is in "what changed" of an incident of that service opened after it', async () => {
    const status = success();
    const at = new Date(Date.now() - 10 * 60_000).toISOString();
    status.deployment_status.created_at = at;
    status.deployment_status.updated_at = at;
    const res = await post(b, await delivery('deployment_status', status));
    expect(res.status).toBe(202);
    expect(res.body).toStrictEqual({ accepted: 1 });
    await waitFor(async () => (await b.redis.hlen(keysOf(b).changeIds(SERVICE))) === 1, { what: 'the change stored' });

    const alert = await b.post('/webhooks/generic', checkoutAlert({ title: 'Storefront GH payments failing', service: SERVICE, fingerprint: 'gh-contract', group: 'gh-contract' }));
    expect(alert.status).toBe(202);
    const o = await opened(b, /storefront-gh-payments-failing$/);
    const ts = await waitFor(async () => (await doc(b, o.incidentId)).slack.messages.changes, { what: 'what changed message' });
    const message = b.sim.messages(o.channelId).find((m) => m.ts === ts)!;
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('What changed before this started');
    expect(text).toContain('Deploy of storefront-gh master to production succeeded');
    expect(text).toContain('by Codertocat');
    expect(text).toContain('f95f852bd8fca8fcc58a9a2d6c842781e32a215e');
    expect(text).toContain('• *Deploy* 10 min before the incident: <https://github.com/Codertocat/Hello-World/deployments|Deploy of storefront-gh master to production succeeded>');
    expect(message.text).toBe('1 change to storefront-gh in the 6 h before this started');
    expect(await outcomes(b)).toMatchObject({ accepted: 1 });
    expect(b.logs()).not.toContain(GITHUB_SECRET);
  });

  it('the same deployment_status from another hook (another delivery id) is no second change', async () => {
    const res = await post(b, await delivery('deployment_status', success(), { id: randomUUID() }));
    expect(res).toMatchObject({ status: 202, body: { accepted: 1 } });
    await sleep(500);
    expect(await b.redis.hlen(keysOf(b).changeIds(SERVICE))).toBe(1);
  });
});

describe('github webhooks: answers, with GITHUB_WEBHOOK_SECRET', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon({ sim, worker: false, env: { GITHUB_WEBHOOK_SECRET: GITHUB_SECRET, GITHUB_SERVICES: SERVICES } });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('a bad, missing or stale signature is 401 and queues nothing, even with WEBHOOK_TOKEN', async () => {
    const before = await queued(b);
    const wrong = await post(b, await delivery('deployment_status', success(), { secret: 'not-the-secret' }));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toStrictEqual({ error: 'invalid signature: X-Hub-Signature-256 does not match the body signed with GITHUB_WEBHOOK_SECRET' });

    const missing = await post(b, await delivery('deployment_status', success(), { secret: null }), `Bearer ${WEBHOOK_TOKEN}`);
    expect(missing.status).toBe(401);
    expect(missing.body).toStrictEqual({ error: 'missing X-Hub-Signature-256: set the webhook secret in GitHub to the value of GITHUB_WEBHOOK_SECRET' });

    // Signed, then the body changed on the way.
    const signed = await delivery('deployment_status', success());
    const tampered = await post(b, { ...signed, raw: signed.raw.replace('"success"', '"failure"') });
    expect(tampered.status).toBe(401);
    // The old SHA-1 header alone is not enough.
    const sha1Only = await delivery('deployment_status', success());
    const { 'x-hub-signature-256': sig, ...rest } = sha1Only.headers;
    const legacy = await post(b, { raw: sha1Only.raw, headers: { ...rest, 'x-hub-signature': sig!.replace('sha256=', 'sha1=') } });
    expect(legacy.status).toBe(401);

    expect(await queued(b)).toBe(before);
    expect(await outcomes(b)).toMatchObject({ unauthorized: 4 });
  });

  it('JSON and form-encoded deliveries of one event queue the same change', async () => {
    const before = await queued(b);
    const json = await post(b, await delivery('deployment', example('deployment')));
    expect(json).toMatchObject({ status: 202, body: { accepted: 1 } });
    const viaJson = await newestChange(b);
    expect(viaJson).toMatchObject({ service: SERVICE, kind: 'deploy', summary: 'Deploy of storefront-gh master to production started', version: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e' });

    const release = example('release', (e) => e.action === 'published');
    const form = await post(b, await delivery('release', release, { form: true }));
    expect(form).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect(await newestChange(b)).toMatchObject({ service: SERVICE, summary: 'Release 0.0.1 of storefront-gh published', version: '0.0.1' });
    expect(await queued(b)).toBe(before + 2);

    // The same deployment form-encoded (another hook, another delivery id) is the same change: nothing new.
    const again = await post(b, await delivery('deployment', example('deployment'), { form: true }));
    expect(again).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect(await queued(b)).toBe(before + 2);
  });

  it('the same X-GitHub-Delivery twice (a redelivery from GitHub) makes one change', async () => {
    const before = await queued(b);
    const counts = await outcomes(b);
    const status = success();
    status.deployment_status.id = 990001;
    const d = await delivery('deployment_status', status, { id: randomUUID() });
    expect((await post(b, d)).status).toBe(202);
    expect((await post(b, d)).status).toBe(202);
    expect(await queued(b)).toBe(before + 1);
    // The delivery id, not the body, told Beacon: the repeat is counted as a duplicate, not taken.
    const after = await outcomes(b);
    expect((after.accepted ?? 0) - (counts.accepted ?? 0)).toBe(1);
    expect((after.duplicate ?? 0) - (counts.duplicate ?? 0)).toBe(1);
  });

  it('a redelivery is answered 202 ignored; the same status under another delivery id is still one change', async () => {
    const before = await queued(b);
    const counts = await outcomes(b);
    const status = success();
    status.deployment_status.id = 990002;
    const id = randomUUID();
    const first = await post(b, await delivery('deployment_status', status, { id }));
    expect(first).toMatchObject({ status: 202, body: { accepted: 1 } });
    // GitHub's "Redeliver" button: same GUID, same body (here form-encoded: the GUID decides, not the bytes).
    const again = await post(b, await delivery('deployment_status', status, { id: id.toUpperCase(), form: true }));
    expect(again.status).toBe(202);
    expect(again.body).toStrictEqual({ ignored: `delivery ${id.toUpperCase()} was already received: a redelivery changes nothing` });
    // An organization hook delivering the same status: another GUID, the same change (one job).
    const otherHook = await post(b, await delivery('deployment_status', status, { id: randomUUID() }));
    expect(otherHook).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect(await queued(b)).toBe(before + 1);
    const after = await outcomes(b);
    expect((after.duplicate ?? 0) - (counts.duplicate ?? 0)).toBe(1);
    expect((after.accepted ?? 0) - (counts.accepted ?? 0)).toBe(2);
  });

  it('without X-GitHub-Delivery the object ids de-duplicate; a delivery id that is no GUID is 400', async () => {
    const before = await queued(b);
    const status = success();
    status.deployment_status.id = 990003;
    const d = await delivery('deployment_status', status);
    delete d.headers['x-github-delivery'];
    expect(await post(b, d)).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect(await post(b, d)).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect(await queued(b)).toBe(before + 1);
    const rejected = (await outcomes(b)).rejected ?? 0;
    for (const id of ['not-a-guid', '<!channel>', `${'a'.repeat(65)}`, '1234567', '../../x']) {
      const res = await post(b, await delivery('deployment_status', status, { id }));
      expect(res.status, id).toBe(400);
      expect(res.body.error).toMatch(/^X-GitHub-Delivery is not a delivery GUID/);
    }
    expect(await queued(b)).toBe(before + 1);
    expect((await outcomes(b)).rejected).toBe(rejected + 5);
  });

  it('ping is answered 200 with the hook and its zen, and queues nothing', async () => {
    const before = await queued(b);
    const res = await post(b, await delivery('ping', example('ping')));
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ pong: true, hook_id: 109948940, zen: 'Anything added dilutes everything else.' });
    expect(await queued(b)).toBe(before);
  });

  it('an unrelated event, an unrecorded action or state is 202 ignored, counted, and queues nothing', async () => {
    const before = await queued(b);
    const ignoredBefore = (await outcomes(b)).ignored ?? 0;
    const push = await post(b, await delivery('push', example('push')));
    expect(push.status).toBe(202);
    expect(push.body).toStrictEqual({ ignored: 'event push: Beacon records deployment, deployment_status and release (published)' });
    const inProgress = await post(b, await delivery('deployment_status', example('deployment_status', (e) => e.deployment_status.state === 'in_progress')));
    expect(inProgress).toMatchObject({ status: 202, body: { ignored: 'deployment_status in_progress: only success, failure, error are recorded' } });
    const edited = await post(b, await delivery('release', example('release', (e) => e.action === 'edited')));
    expect(edited).toMatchObject({ status: 202, body: { ignored: 'release edited: only published releases are recorded' } });
    expect(await queued(b)).toBe(before);
    expect((await outcomes(b)).ignored).toBe(ignoredBefore + 3);
  });

  it('400 for a delivery that is not GitHub JSON, naming what is wrong', async () => {
    const before = await queued(b);
    const noEvent = await delivery('deployment', example('deployment'));
    delete noEvent.headers['x-github-event'];
    expect(await post(b, noEvent)).toMatchObject({ status: 400, body: { error: 'missing X-GitHub-Event header: this route takes GitHub webhook deliveries' } });
    expect(await post(b, await delivery('deployment', null, { raw: '{"action":' }))).toMatchObject({ status: 400, body: { error: 'body is not valid JSON' } });
    const noRepo = example('deployment');
    delete noRepo.repository;
    const res = await post(b, await delivery('deployment', noRepo));
    expect(res.status).toBe(400);
    expect(res.body).toStrictEqual({ error: 'invalid payload', fields: [{ field: 'repository', message: expect.any(String) }] });
    const formWithout = await post(b, await delivery('deployment', null, { form: true, body: 'ref=main' }));
    expect(formWithout).toMatchObject({ status: 400, body: { error: 'form-encoded body without a payload field (GitHub sends payload=<JSON>)' } });
    // An empty body cannot carry a signature GitHub made.
    expect((await post(b, await delivery('deployment', null, { body: '' }))).status).toBe(401);
    expect(await queued(b)).toBe(before);
  });
});

describe('github webhooks: without a secret, WEBHOOK_TOKEN only', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon({ sim, worker: false });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('takes WEBHOOK_TOKEN as Bearer, or as Basic password (a payload URL with user:token@)', async () => {
    const before = await queued(b);
    const bearer = await post(b, await delivery('deployment', example('deployment'), { secret: null }), `Bearer ${WEBHOOK_TOKEN}`);
    expect(bearer).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect(await newestChange(b)).toMatchObject({ service: 'Hello-World' });
    // What GitHub sends for https://beacon:<token>@beacon.example.com/webhooks/github.
    const basic = `Basic ${Buffer.from(`beacon:${WEBHOOK_TOKEN}`).toString('base64')}`;
    const viaUrl = await post(b, await delivery('release', example('release', (e) => e.action === 'published'), { secret: null }), basic);
    expect(viaUrl).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect(await queued(b)).toBe(before + 2);
  });

  it('no credentials, a wrong token, or only a signature is 401 and queues nothing', async () => {
    const before = await queued(b);
    const none = await post(b, await delivery('deployment', example('deployment'), { secret: null }));
    expect(none.status).toBe(401);
    expect(none.body.error).toMatch(/^missing credentials/);
    const wrong = await post(b, await delivery('deployment', example('deployment'), { secret: null }), 'Bearer not-the-token');
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid credentials' } });
    // A signature is no credential when Beacon has no secret to check it with.
    const signedOnly = await post(b, await delivery('deployment', example('deployment')));
    expect(signedOnly.status).toBe(401);
    expect(await queued(b)).toBe(before);
    expect(await outcomes(b)).toMatchObject({ unauthorized: 3 });
  });
});
