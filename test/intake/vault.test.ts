import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseVaultBatch, splitVaultBody, VAULT_MAX_ENTRIES, vaultOutcome, type VaultBatch, type VaultPrefix } from '../../src/intake/vault.js';
import { sourceFixture } from '../support/builders.js';

type Json = Record<string, any>;
const fixture = (name: string): Json => sourceFixture<Json>('vault', name);
const FIXTURES = readdirSync(new URL('../fixtures/vault/', import.meta.url)).filter((f) => f.endsWith('.json')).sort();

const NOW = new Date('2026-03-04T10:00:00Z');

/** As `VAULT_SECRET_SERVICES=secret/data/payment-gateway=checkout,secret/=platform,…` gives them. */
const PREFIXES: VaultPrefix[] = [
  { prefix: 'secret/', service: 'platform' },
  { prefix: 'secret/data/payment-gateway', service: 'checkout' },
  { prefix: 'transit/keys/payment-gateway', service: 'checkout' },
  { prefix: 'auth/userpass/users/', service: 'login' },
];

const outcome = (entry: unknown, prefixes = PREFIXES) => vaultOutcome(entry, prefixes, NOW);

function change(entry: unknown, prefixes = PREFIXES) {
  const out = outcome(entry, prefixes);
  if (out.kind !== 'change') throw new Error(`expected a change, got ${JSON.stringify(out)}`);
  return out.change;
}

function batch(text: string, prefixes = PREFIXES): VaultBatch {
  const res = parseVaultBatch(text, prefixes, NOW);
  if (!res.ok) throw new Error(res.error);
  return res.batch;
}

const ndjson = (...entries: unknown[]) => entries.map((e) => JSON.stringify(e)).join('\n') + '\n';
const withPath = (e: Json, path: string): Json => ({ ...e, request: { ...e.request, path } });

/** What must never leave the intake: data values, HMACed fields, error texts (they quote requests). */
const FORBIDDEN = ['VAULTDATAMARKER', 'hmac-sha256', 'invalid request', 'permission denied', 'deletion is not allowed', 'missing client token', 'remote_address', '127.0.0.1', '192.168.105.22'];

describe('vault audit intake: entries as the documentation prints them', () => {
  it('a KV v2 write under a mapped prefix is a credentials change of that service', () => {
    expect(change(fixture('kv-put.response.json'))).toStrictEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      service: 'checkout',
      kind: 'credentials',
      // The display name is in the summary only: renderers add a change's author ("· by …").
      summary: 'Vault: secret/data/payment-gateway updated by token',
      at: '2020-02-07T17:44:17.392Z',
    });
  });

  it('reads each write sensibly: created, updated, deleted, destroyed, rotated', () => {
    const cases: [string, string, string][] = [
      ['kv-delete.response.json', 'checkout', 'Vault: secret/data/payment-gateway deleted by token'],
      ['kv-metadata-delete.response.json', 'checkout', 'Vault: secret/data/payment-gateway deleted with all its versions by token'],
      ['kv-destroy.response.json', 'checkout', 'Vault: secret/data/payment-gateway versions destroyed by token'],
      ['userpass-create.response.json', 'login', 'Vault: auth/userpass/users/mitchellh created by token'],
      ['transit-delete.response.json', 'checkout', 'Vault: transit/keys/payment-gateway deleted by oidc-user@email.com'],
      ['transit-rotate.response.json', 'checkout', 'Vault: transit/keys/payment-gateway/rotate rotated by oidc-user@email.com'],
    ];
    for (const [file, service, summary] of cases) {
      expect(change(fixture(file)), file).toMatchObject({ service, summary, kind: 'credentials' });
    }
    // The other KV v2 families of the same secret read as that secret.
    const put = fixture('kv-put.response.json');
    expect(change(withPath(put, 'secret/delete/payment-gateway')).summary).toBe('Vault: secret/data/payment-gateway versions deleted by token');
    expect(change(withPath(put, 'secret/undelete/payment-gateway')).summary).toBe('Vault: secret/data/payment-gateway versions restored by token');
    expect(change(withPath(put, 'secret/metadata/payment-gateway')).summary).toBe('Vault: secret/data/payment-gateway metadata updated by token');
  });

  it('ignores request entries, reads, lists, failed requests and unmapped paths', () => {
    const cases: [string, string][] = [
      ['kv-delete.request.json', 'request entry'],
      ['userpass-login-failed.request.json', 'request entry'],
      ['kv-read.response.json', 'not a write'],
      ['kv-list.response.json', 'not a write'],
      ['userpass-login-failed.response.json', 'failed request'],
      ['permission-denied.response.json', 'failed request'],
      ['transit-delete-failed.response.json', 'failed request'],
      ['approle-role.response.json', 'unmapped path'],
    ];
    for (const [file, reason] of cases) expect(outcome(fixture(file)), file).toEqual({ kind: 'ignored', reason });
    // A type Vault does not document is no response either.
    expect(outcome({ ...fixture('kv-put.response.json'), type: 'Response' })).toEqual({ kind: 'ignored', reason: 'not a response' });
    // Without any prefix configured, every write is unmapped.
    expect(outcome(fixture('kv-put.response.json'), [])).toEqual({ kind: 'ignored', reason: 'unmapped path' });
  });

  it('the longest prefix wins', () => {
    const put = fixture('kv-put.response.json');
    expect(change(put).service).toBe('checkout');
    expect(change(withPath(put, 'secret/data/ledger')).service).toBe('platform');
    expect(change(withPath(put, 'secret/data/payment-gateway-eu')).service).toBe('checkout');
  });

  it('a namespace is part of the path; mount_point says where a KV v2 mount ends', () => {
    const put = fixture('kv-put.response.json');
    const inTeam = { ...put, request: { ...put.request, namespace: { id: 'zNXXD', path: 'team-a/' } } };
    expect(outcome(inTeam)).toEqual({ kind: 'ignored', reason: 'unmapped path' });
    expect(change(inTeam, [{ prefix: 'team-a/secret/', service: 'team-a' }])).toMatchObject({ service: 'team-a', summary: 'Vault: team-a/secret/data/payment-gateway updated by token' });
    const nested = { ...put, request: { ...put.request, mount_type: 'kv', mount_point: 'kv/team/', path: 'kv/team/destroy/db' } };
    expect(change(nested, [{ prefix: 'kv/team/data/db', service: 'db' }]).summary).toBe('Vault: kv/team/data/db versions destroyed by token');
    // Another engine's paths are not read as KV v2.
    const transit = fixture('transit-rotate.response.json');
    expect(change(withPath(transit, 'transit/keys/payment-gateway/config')).summary).toBe('Vault: transit/keys/payment-gateway/config updated by oidc-user@email.com');
  });

  it('keeps a display name that is not an HMAC, one line, and omits "by" without one', () => {
    const put = fixture('kv-put.response.json');
    expect(change({ ...put, auth: { ...put.auth, display_name: 'approle' } }).summary).toBe('Vault: secret/data/payment-gateway updated by approle');
    const hashed = change({ ...put, auth: { ...put.auth, display_name: 'hmac-sha256:abc' } });
    expect(hashed.summary).toBe('Vault: secret/data/payment-gateway updated');
    expect(hashed).not.toHaveProperty('author');
    const noAuth = change({ ...put, auth: { token_type: 'default' } });
    expect(noAuth.summary).toBe('Vault: secret/data/payment-gateway updated');
    const odd = change(withPath(put, 'secret/data/payment-gateway\n<!channel>\u202e'));
    expect(odd.summary).not.toMatch(/[\n\u202e]/);
    expect(odd.summary.length).toBeLessThanOrEqual(500);
  });

  it('the change id derives from request.id: the same request is the same change', () => {
    const put = fixture('kv-put.response.json');
    expect(change(put).id).toBe(change({ ...put, time: '2020-02-07T17:44:18Z' }).id);
    expect(change(put).id).not.toBe(change({ ...put, request: { ...put.request, id: 'another-request' } }).id);
  });
});

describe('vault audit intake: bodies', () => {
  const entries = FIXTURES.map(fixture);

  it('NDJSON, a JSON array and one object give the same entries', () => {
    const lines = batch(ndjson(...entries));
    const array = batch(JSON.stringify(entries));
    expect(lines.entries).toBe(FIXTURES.length);
    // 7 writes, but kv-delete / kv-metadata-delete and kv-put / kv-destroy share a documented request id.
    expect(lines.changes).toHaveLength(5);
    expect(lines.ignored).toEqual({ 'request entry': 2, 'not a write': 2, 'failed request': 3, 'unmapped path': 1, 'repeated in this batch': 2 });
    expect(lines.rejected).toEqual([]);
    expect(array).toEqual(lines);
    const one = batch(JSON.stringify(fixture('kv-put.response.json'), null, 2));
    expect(one.changes.map((c) => c.summary)).toEqual(['Vault: secret/data/payment-gateway updated by token']);
    // CRLF line ends and blank lines are fine.
    expect(batch(ndjson(...entries).replace(/\n/g, '\r\n\r\n'))).toEqual(lines);
  });

  it('the request and the response of one write make one change', () => {
    const put = fixture('kv-put.response.json');
    const request: Json = { ...put, type: 'request' };
    delete request.response;
    const b = batch(ndjson(request, put, put));
    expect(b.changes).toHaveLength(1);
    expect(b.ignored).toEqual({ 'request entry': 1, 'repeated in this batch': 1 });
  });

  it('a broken line is rejected by its line number; the good entries around it are taken', () => {
    const put = ndjson(fixture('kv-put.response.json')).trim();
    const text = [put.slice(0, 80), ndjson(fixture('transit-rotate.response.json')).trim(), '', '"just a string"', '{"type":"response","request":{"path":"secret/data/x","data":{"k":"VAULTDATAMARKER-bad"}}}', ndjson(fixture('kv-read.response.json'))].join('\n');
    const b = batch(text);
    expect(b.changes.map((c) => c.summary)).toEqual(['Vault: transit/keys/payment-gateway/rotate rotated by oidc-user@email.com']);
    expect(b.ignored).toEqual({ 'not a write': 1 });
    expect(b.rejected.map((r) => r.line)).toEqual([1, 4, 5]);
    expect(b.rejected[0]!.message).toBe('not valid JSON');
    expect(b.rejected[1]!.message).toBe('not a JSON object');
    expect(b.rejected[2]!.message).toMatch(/^not a Vault audit entry: /);
    expect(JSON.stringify(b.rejected)).not.toMatch(/VAULTDATAMARKER|payment-gateway|secret\/data/);
    // In an array, by index.
    expect(batch(JSON.stringify([fixture('kv-put.response.json'), 7])).rejected).toEqual([{ index: 1, message: 'not a JSON object' }]);
  });

  it('takes the line a shipper wrapped in its own record (Vector `message`, Fluent Bit `log`)', () => {
    const line = JSON.stringify(fixture('kv-put.response.json'));
    const vector = { file: '/var/log/vault/audit.log', host: 'vault-1', message: line, source_type: 'file', timestamp: '2026-03-04T10:00:00Z' };
    const fluent = { date: 1772618400.0, log: line };
    const b = batch(ndjson(vector, fluent));
    expect(b.changes.map((c) => c.summary)).toEqual(['Vault: secret/data/payment-gateway updated by token']);
    expect(b.ignored).toEqual({ 'repeated in this batch': 1 });
    // Fluent Bit's json_lines with a parser: the entry itself plus its `date` key.
    expect(batch(ndjson({ ...fixture('kv-put.response.json'), date: 1772618400.0 })).changes).toHaveLength(1);
  });

  it('an empty body has no entries; too many entries is refused whole', () => {
    expect(splitVaultBody(' \n\r\n')).toEqual({ ok: true, items: [] });
    const many = Array.from({ length: VAULT_MAX_ENTRIES + 1 }, () => '{}').join('\n');
    expect(parseVaultBatch(many, PREFIXES, NOW)).toEqual({ ok: false, error: expect.stringMatching(/at most 5000/) });
    expect(parseVaultBatch(`[${many.split('\n').join(',')}]`, PREFIXES, NOW)).toEqual({ ok: false, error: expect.stringMatching(/at most 5000/) });
  });

  it('no value from data, no HMACed field and no error text appears anywhere in what the intake gives', () => {
    const outputs = [
      ...entries.map((e) => outcome(e)),
      ...entries.map((e) => outcome(e, [{ prefix: '', service: 'everything' }])),
      batch(ndjson(...entries)),
      batch(JSON.stringify(entries)),
      // Broken entries carrying the same data: their rejections name fields, never values.
      ...entries.map((e) => outcome({ ...e, time: 12, request: { ...e.request, path: ['x'] } })),
    ];
    const text = JSON.stringify(outputs);
    for (const s of FORBIDDEN) expect(text, s).not.toContain(s);
    // And the fixtures did carry them, so the check checks something.
    const raw = JSON.stringify(entries);
    for (const s of ['VAULTDATAMARKER', 'hmac-sha256', 'invalid request', 'permission denied']) expect(raw).toContain(s);
  });
});
