import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doc, opened } from '../e2e/lifecycle-helpers.js';
import { delivery, example, GITHUB_SECRET } from '../fixtures/github/examples.js';
import { startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';

/**
 * Issue 11, "Hostile input": text from the new senders is escaped like every other alert text
 * (test/security/security.test.ts does it for /webhooks/generic). Hostile text goes in through
 * every field of PagerDuty Events v2 (summary, custom_details, links' text), an Opsgenie create
 * (message, description, tags, details, entity), a signed GitHub deployment_status (description,
 * environment) and a Vault audit entry (path, display name). No Slack call may carry a raw
 * `<!channel>`, `<@U123>`, `<https://…|…>` or `&`; each field's text must arrive, escaped.
 *
 * What escapes it: the card and alerts renderers (`esc` in src/slack/blocks/) for the two alert
 * APIs, and the "what changed" renderer (`changeBody`, `link`, `esc` in
 * src/slack/blocks/checklist.ts) for the two change sources; the intakes keep the text as sent
 * (one line, bounded). Remove either escaping and a raw `<!channel>` reaches Slack, failing the
 * first assertion; lose a field on the way and its tag is missing, failing the second.
 */

const PD_KEY = 'R0escapingescapingescaping0000a1';
const OG_KEY = 'og-escaping-key-7d1e';
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

/** `tag` first, so each field's text can be found; then what Slack would act on. */
const hostile = (tag: string) => `${tag} <!channel> <@U123> <https://evil.example|click> *bold* AT&T`;
/** Opsgenie tags are at most 50 characters: the same, in two halves. */
const shortHostile = (tag: string) => [`${tag} <!channel> <@U123> *bold* AT&T`, `${tag}2 <https://evil.example|click>`];
/** How the escaped text starts wherever a field is shown. */
const escapedStart = (tag: string) => `${tag} &lt;!channel&gt; &lt;@U123&gt;`;

const RAW = ['<!channel>', '<@U123>', '<https://evil.example', 'AT&T'];
const FIELDS = {
  pagerduty: ['pd-summary', 'pd-detail', 'pd-link'],
  opsgenie: ['og-message', 'og-description', 'og-tag', 'og-detail', 'og-entity'],
  github: ['gh-description', 'gh-environment'],
  vault: ['vault-path', 'vault-name'],
};

describe('text from the PagerDuty, Opsgenie, GitHub and Vault senders is escaped in every Slack call', () => {
  let b: TestBeacon;
  let firstCall: number;
  beforeAll(async () => {
    b = await startBeacon({
      env: {
        PAGERDUTY_ROUTING_KEYS: `${PD_KEY}=checkout`,
        OPSGENIE_API_KEYS: OG_KEY,
        GITHUB_WEBHOOK_SECRET: GITHUB_SECRET,
        GITHUB_SERVICES: 'Codertocat/Hello-World=checkout',
        VAULT_SECRET_SERVICES: 'secret/data/payment-gateway=checkout',
      },
    });
    firstCall = b.sim.calls.length;
  });
  afterAll(async () => {
    await b?.close();
  });

  /** Every Slack call since the test began, as the text Slack would read. */
  const sent = () => JSON.stringify(b.sim.calls.slice(firstCall).map((c) => c.params));

  async function sendChanges(): Promise<void> {
    const status = example('deployment_status', (p) => p.deployment_status?.state === 'success');
    status.deployment_status.description = hostile('gh-description');
    status.deployment_status.environment = hostile('gh-environment');
    status.deployment_status.created_at = minutesAgo(20);
    const gh = await delivery('deployment_status', status);
    expect((await b.post('/webhooks/github', null, { raw: gh.raw, headers: gh.headers, auth: null })).status).toBe(202);

    const entry = {
      time: minutesAgo(12),
      type: 'response',
      auth: { display_name: hostile('vault-name'), policies: ['default'] },
      request: { id: 'e5c2b7a0-1f3d-4c8e-9a6b-escaping0001', operation: 'update', mount_type: 'kv', path: `secret/data/payment-gateway/${hostile('vault-path')}` },
      response: { data: { version: 3 } },
    };
    const vault = await b.post('/webhooks/vault', null, { raw: `${JSON.stringify(entry)}\n`, headers: { 'content-type': 'application/x-ndjson' } });
    expect(vault.body).toEqual({ accepted: 1, ignored: 0, rejected: 0 });
    await waitFor(async () => ((await b.redis.keys(`${b.config.redis.prefix}:{changes:*}`)).length > 0 ? true : undefined), { what: 'changes stored' });
  }

  async function pagerdutyIncident() {
    const event = {
      routing_key: PD_KEY,
      event_action: 'trigger',
      dedup_key: 'escaping-pd',
      payload: { summary: hostile('pd-summary'), source: 'prometheus', severity: 'critical', custom_details: { note: hostile('pd-detail') } },
      links: [{ href: 'https://runbooks.example.com/checkout', text: hostile('pd-link') }],
    };
    const res = await b.post('/pagerduty/v2/enqueue', event, { auth: null });
    expect(res.status).toBe(202);
    const o = await opened(b, /pd-summary/);
    await waitFor(async () => (await doc(b, o.incidentId)).slack.messages.changes, { what: 'what changed message' });
    return o;
  }

  async function opsgenieIncident() {
    const [tag, tag2] = shortHostile('og-tag');
    const create = {
      message: hostile('og-message'),
      alias: 'escaping-og',
      description: hostile('og-description'),
      tags: [tag, tag2],
      details: { service: 'ledger', note: hostile('og-detail') },
      entity: hostile('og-entity'),
      priority: 'P2',
    };
    const res = await fetch(`${b.url}/opsgenie/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `GenieKey ${OG_KEY}` }, body: JSON.stringify(create) });
    expect(res.status).toBe(202);
    return opened(b, /og-message/);
  }

  it('reaches Slack escaped, field by field, and pings nobody', { timeout: 60_000 }, async () => {
    await sendChanges();
    const pd = await pagerdutyIncident();
    const og = await opsgenieIncident();
    for (const o of [pd, og]) {
      await waitFor(() => b.sim.callsTo('conversations.setTopic').some((c) => c.params.channel === o.channelId), { what: 'topic' });
      await waitFor(() => b.sim.messages(o.channelId).length >= 2, { what: 'card and alerts message' });
    }

    const text = sent();
    for (const needle of RAW) expect(text.includes(needle), `${needle} reached Slack unescaped`).toBe(false);
    for (const [source, tags] of Object.entries(FIELDS)) {
      for (const tag of tags) expect(text, `${source} ${tag}: not in any Slack call, escaped`).toContain(escapedStart(tag));
    }
    expect(text).toContain('AT&amp;T');
    // The link text of a real link is escaped too: the label cannot close the link or open another.
    expect(text).toMatch(/<https:\/\/runbooks\.example\.com\/checkout\|pd-link &lt;!channel&gt;[^>]*&lt;https:\/\/evil\.example¦click&gt;/);
    // As a person reads it: the literal text, not a mention.
    expect(b.sim.transcript(pd.channelId)).toContain('<!channel>');
    expect(b.sim.transcript(og.channelId)).toContain('<!channel>');
  });
});
