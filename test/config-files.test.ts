import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, FILE_SECRETS, loadConfig, resolveSecretFiles, secretValues } from '../src/config.js';
import { createLogger } from '../src/log.js';

/** Issue #12, "secrets from files": every secret may also be given as `<NAME>_FILE`. */
const dir = mkdtempSync(join(tmpdir(), 'beacon-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A secret file in the temp dir, as a vault agent or a Kubernetes secret volume leaves it. */
function secretFile(content: string): string {
  const path = join(dir, `secret-${++n}`);
  writeFileSync(path, content);
  return path;
}

/** A value each secret's own parsing accepts. */
const VALUES: Record<(typeof FILE_SECRETS)[number], string> = {
  SLACK_BOT_TOKEN: 'xoxb-file-1111-bot-token',
  SLACK_SIGNING_SECRET: 'file-signing-secret-2222',
  SLACK_APP_TOKEN: 'xapp-file-3333-app-token',
  SLACK_CLIENT_SECRET: 'file-client-secret-4444',
  WEBHOOK_TOKEN: 'file-webhook-token-5555-abcdef',
  PAGERDUTY_WEBHOOK_SECRET: 'file-pd-secret-6666',
  GRAFANA_WEBHOOK_SECRET: 'file-grafana-secret-7777',
  GITHUB_WEBHOOK_SECRET: 'file-github-secret-8888',
  PAGERDUTY_ROUTING_KEYS: 'routekey9999=checkout,routekeyaaaa',
  OPSGENIE_API_KEYS: 'genie-bbbb,genie-cccc',
  SESSION_SECRET: 'file-session-secret-dddd-0123456789abcdef',
};

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a ConfigError');
}

describe('<SECRET>_FILE', () => {
  it.each(FILE_SECRETS)('reads %s from the file %s_FILE names', (name) => {
    const { env, fromFiles } = resolveSecretFiles({ [`${name}_FILE`]: secretFile(`${VALUES[name]}\n`), LOG_LEVEL: 'info' });
    expect(env[name]).toBe(VALUES[name]);
    expect(env[`${name}_FILE`]).toBeUndefined();
    expect(env.LOG_LEVEL).toBe('info');
    expect(fromFiles).toEqual([VALUES[name]]);
  });

  it('gives the config the values from files, and every one to the log scrubber', () => {
    const env = Object.fromEntries(FILE_SECRETS.map((name) => [`${name}_FILE`, secretFile(`${VALUES[name]}\n`)]));
    const config = loadConfig(env, 'web');
    expect(config.slack).toMatchObject({ botToken: VALUES.SLACK_BOT_TOKEN, signingSecret: VALUES.SLACK_SIGNING_SECRET, appToken: VALUES.SLACK_APP_TOKEN });
    expect(config.webhooks).toMatchObject({ token: VALUES.WEBHOOK_TOKEN, pagerdutySecret: VALUES.PAGERDUTY_WEBHOOK_SECRET, grafanaSecret: VALUES.GRAFANA_WEBHOOK_SECRET });
    expect(config.senders.githubSecret).toBe(VALUES.GITHUB_WEBHOOK_SECRET);
    expect(config.senders.pagerdutyRoutingKeys).toEqual([{ key: 'routekey9999', service: 'checkout' }, { key: 'routekeyaaaa' }]);
    expect(config.senders.opsgenieApiKeys).toEqual(['genie-bbbb', 'genie-cccc']);
    const scrubbed = secretValues(config);
    // Those without a config field of their own yet (SLACK_CLIENT_SECRET, SESSION_SECRET) too.
    for (const name of FILE_SECRETS) expect(scrubbed, name).toContain(VALUES[name]);
  });

  it('scrubs a value read from a file out of log lines, also one without a config field', async () => {
    const session = 'session-secret-from-file-0123456789abcdef';
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SESSION_SECRET_FILE: secretFile(`${session}\n`) }, 'worker');
    let written = '';
    const out = new Writable({
      write(chunk, _enc, cb) {
        written += chunk.toString();
        cb();
      },
    });
    const log = createLogger({ level: 'info', secrets: secretValues(config), out });
    log.info({ note: `cookie signed with ${session}` }, `a library printed ${session}`);
    await new Promise((r) => setImmediate(r));
    expect(written).toContain('[REDACTED]');
    expect(written).not.toContain(session);
  });

  it('drops one trailing newline, \\n or \\r\\n, and nothing else', () => {
    const read = (content: string) => resolveSecretFiles({ WEBHOOK_TOKEN_FILE: secretFile(content) }).env.WEBHOOK_TOKEN;
    expect(read('token-without-newline')).toBe('token-without-newline');
    expect(read('token-with-lf\n')).toBe('token-with-lf');
    expect(read('token-with-crlf\r\n')).toBe('token-with-crlf');
    expect(read('two-newlines\n\n')).toBe('two-newlines\n');
    expect(read('  spaced  \n')).toBe('  spaced  ');
  });

  it('stops with one line naming both when X and X_FILE are set', () => {
    const path = secretFile(VALUES.SLACK_BOT_TOKEN);
    const message = refusal(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-direct', SLACK_BOT_TOKEN_FILE: path, SLACK_SIGNING_SECRET: 's', WEBHOOK_TOKEN: 'w'.repeat(20) }, 'web'));
    expect(message).toMatch(/^config: /);
    expect(message).toContain('SLACK_BOT_TOKEN ');
    expect(message).toContain('SLACK_BOT_TOKEN_FILE');
    expect(message).not.toContain(VALUES.SLACK_BOT_TOKEN);
    expect(message).not.toContain('xoxb-direct');
  });

  it('treats an empty X or X_FILE as unset, as for every variable', () => {
    expect(resolveSecretFiles({ WEBHOOK_TOKEN: '', WEBHOOK_TOKEN_FILE: secretFile('from-file-value\n') }).env.WEBHOOK_TOKEN).toBe('from-file-value');
    expect(resolveSecretFiles({ WEBHOOK_TOKEN: 'direct-value', WEBHOOK_TOKEN_FILE: '' }).env.WEBHOOK_TOKEN).toBe('direct-value');
  });

  it('stops naming the variable and the path when the file is missing, unreadable or empty', () => {
    const missing = join(dir, 'no-such-secret');
    const m1 = refusal(() => resolveSecretFiles({ WEBHOOK_TOKEN_FILE: missing }));
    expect(m1).toMatch(/^config: WEBHOOK_TOKEN_FILE /);
    expect(m1).toContain(missing);
    expect(m1).toContain('ENOENT');

    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    const m2 = refusal(() => resolveSecretFiles({ SESSION_SECRET_FILE: folder }));
    expect(m2).toContain('SESSION_SECRET_FILE');
    expect(m2).toContain(folder);

    const empty = secretFile('\n');
    expect(refusal(() => resolveSecretFiles({ GRAFANA_WEBHOOK_SECRET_FILE: empty }))).toMatch(/GRAFANA_WEBHOOK_SECRET_FILE .*empty.*secret-\d+$/);
  });

  it('never puts what the file holds in a message (a reader that fails after reading)', () => {
    const message = refusal(() =>
      resolveSecretFiles({ WEBHOOK_TOKEN_FILE: '/vault/webhook' }, () => {
        throw Object.assign(new Error('EACCES: permission denied, open /vault/webhook: the-secret-itself'), { code: 'EACCES' });
      }),
    );
    expect(message).toBe('config: WEBHOOK_TOKEN_FILE names a file that cannot be read: /vault/webhook (EACCES)');
  });

  it('checks a value from a file like one given directly', () => {
    const message = refusal(() => loadConfig({ SLACK_BOT_TOKEN_FILE: secretFile('xoxp-user-token\n'), SLACK_SIGNING_SECRET: 's', WEBHOOK_TOKEN: 'w'.repeat(20) }, 'web'));
    expect(message).toMatch(/^config: SLACK_BOT_TOKEN must be a bot token.* \(read from SLACK_BOT_TOKEN_FILE\)$/);
    expect(message).not.toContain('xoxp-user-token');
  });
});
