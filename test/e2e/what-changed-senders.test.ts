import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delivery, example, GITHUB_SECRET } from '../fixtures/github/examples.js';
import { WEBHOOK_TOKEN, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { doc, opened } from './lifecycle-helpers.js';

/**
 * Issue 11, done when 3: a GitHub deployment and a Vault rotation, sent by the senders' own
 * formats, are both in "what changed" of the incident of their service opened after them and
 * among the postmortem's candidate causes; no secret (webhook secret, token, routing key, Vault
 * data) is in any Slack call or log line.
 */
const VAULT_DATA = 'VAULT-SECRET-VALUE-9f3a';
const ROUTING_KEY = 'routing-key-secret-5c2e8d1f';
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

describe('changes from GitHub and Vault in an incident', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon({
      env: {
        GITHUB_WEBHOOK_SECRET: GITHUB_SECRET,
        GITHUB_SERVICES: 'Codertocat/Hello-World=checkout',
        VAULT_SECRET_SERVICES: 'secret/data/payment-gateway=checkout',
        PAGERDUTY_ROUTING_KEYS: `${ROUTING_KEY}=checkout`,
      },
    });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('shows both in what changed and in the postmortem, and leaks no secret', async () => {
    // A successful deployment of the repository, 20 minutes before the incident.
    const status = example('deployment_status', (p) => p.deployment_status?.state === 'success');
    status.repository.full_name = 'Codertocat/Hello-World';
    status.deployment_status.created_at = minutesAgo(20);
    status.deployment.created_at = minutesAgo(21);
    const gh = await delivery('deployment_status', status);
    expect((await b.post('/webhooks/github', null, { raw: gh.raw, headers: gh.headers, auth: null })).status).toBe(202);

    // Vault rotates the gateway's credentials 12 minutes before (the seed incident's cause).
    const entry = {
      time: minutesAgo(12),
      type: 'response',
      auth: { display_name: 'approle', policies: ['default'], client_token: 'hmac-sha256:abc' },
      request: { id: 'c8a1c0a4-7d44-4b3a-9d1c-2f7d5e0b1a11', operation: 'update', mount_type: 'kv', path: 'secret/data/payment-gateway', data: { api_key: VAULT_DATA } },
      response: { data: { version: 7, secret: VAULT_DATA } },
    };
    const vault = await b.post('/webhooks/vault', null, { raw: `${JSON.stringify(entry)}\n`, headers: { 'content-type': 'application/x-ndjson' } });
    expect(vault.status).toBe(202);
    await waitFor(async () => ((await b.redis.keys(`${b.config.redis.prefix}:{changes:*}`)).length > 0 ? true : undefined), { what: 'changes stored' });
    await new Promise((r) => setTimeout(r, 500));

    // Then the checkout incident, through the PagerDuty Events API.
    const pd = await b.post(
      '/pagerduty/v2/enqueue',
      { routing_key: ROUTING_KEY, event_action: 'trigger', dedup_key: 'checkout-payments', payload: { summary: 'Checkout payments failing', source: 'prometheus', severity: 'critical' } },
      { auth: null },
    );
    expect(pd.status).toBe(202);
    const o = await opened(b, /checkout-payments-failing$/);
    const changes = await waitFor(async () => {
      const ts = (await doc(b, o.incidentId)).slack.messages.changes;
      return ts ? b.sim.messages(o.channelId).find((m) => m.ts === ts) : undefined;
    }, { what: 'what changed message' });
    const shown = JSON.stringify(changes.blocks);
    expect(shown).toContain('Vault: secret/data/payment-gateway updated by approle');
    expect(shown).toMatch(/Deploy of checkout .* succeeded/);

    const pm = await (await fetch(`${b.url}/incidents/${o.incidentId}/postmortem.md`, { headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` } })).text();
    const candidates = pm.slice(pm.indexOf('## Root Cause and Resolution'));
    expect(candidates.length).toBeGreaterThan(100);
    expect(candidates).toContain('Vault: secret/data/payment-gateway updated by approle');
    expect(candidates).toMatch(/Deploy of checkout .* succeeded/);

    // No secret anywhere Slack or the logs could show it.
    const everything = `${JSON.stringify(b.sim.calls)}\n${b.logs()}\n${pm}`;
    for (const secret of [VAULT_DATA, GITHUB_SECRET, ROUTING_KEY, WEBHOOK_TOKEN, 'hmac-sha256:abc']) expect(everything).not.toContain(secret);
  });
});
