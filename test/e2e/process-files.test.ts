import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/local-redis.js';
import { baseEnv, checkoutAlert } from '../support/beacon.js';
import { runEntry, waitForOutput, type Child } from '../support/processes.js';

/**
 * Issue #12, secrets from files, as a real process: `web` started with `WEBHOOK_TOKEN_FILE` and
 * `SLACK_BOT_TOKEN_FILE` (as a Kubernetes secret volume mounts them: one value per file, a
 * trailing newline) takes webhooks with the file's token and never logs either value.
 */
describe('web with its secrets in files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-secret-files-'));
  const webhookToken = 'webhook-token-from-a-file-4f9c2a7e1b';
  const botToken = 'xoxb-from-a-file-7731-5520-d0c3a9';
  let child: Child;
  let url: string;

  beforeAll(async () => {
    writeFileSync(join(dir, 'webhook-token'), `${webhookToken}\n`);
    writeFileSync(join(dir, 'bot-token'), `${botToken}\r\n`);
    const port = await freePort();
    const env = baseEnv({ PORT: String(port), LOG_LEVEL: 'trace', WEBHOOK_TOKEN_FILE: join(dir, 'webhook-token'), SLACK_BOT_TOKEN_FILE: join(dir, 'bot-token') });
    delete (env as Record<string, string | undefined>).WEBHOOK_TOKEN;
    delete (env as Record<string, string | undefined>).SLACK_BOT_TOKEN;
    child = runEntry('src/web.ts', env);
    await waitForOutput(child, /web listening/);
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a webhook with the token from the file, refuses others, and logs neither value', async () => {
    const post = (authorization: string) =>
      fetch(`${url}/webhooks/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify(checkoutAlert()),
      }).then((r) => r.status);
    expect(await post(`Bearer ${webhookToken}`)).toBe(202);
    expect(await post(`Bearer ${webhookToken}x`)).toBe(401);
    expect(await post(`Bearer ${baseEnv().WEBHOOK_TOKEN}`)).toBe(401);
    const basic = Buffer.from(`alertmanager:${webhookToken}`).toString('base64');
    expect(await post(`Basic ${basic}`)).toBe(202);
    await child.kill('SIGTERM');
    const out = child.output();
    expect(out).toMatch(/web listening/);
    expect(out.length).toBeGreaterThan(500); // it did log, at trace level
    expect(out.includes(webhookToken), 'the webhook token leaked into the log').toBe(false);
    expect(out.includes(botToken), 'the bot token leaked into the log').toBe(false);
  });
});

describe('web refusing its secret files', () => {
  it('stops with one line naming both when WEBHOOK_TOKEN and WEBHOOK_TOKEN_FILE are set', async () => {
    const env = baseEnv({ WEBHOOK_TOKEN_FILE: '/nonexistent/beacon/webhook-token' });
    const child = runEntry('src/web.ts', env);
    const { code } = await child.exited;
    expect(code).not.toBe(0);
    const lines = child.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^config: both WEBHOOK_TOKEN and WEBHOOK_TOKEN_FILE are set/);
  });

  it('stops with one line naming the variable and the path when the file is missing', async () => {
    const env = baseEnv({ SLACK_BOT_TOKEN_FILE: '/nonexistent/beacon/bot-token' });
    delete (env as Record<string, string | undefined>).SLACK_BOT_TOKEN;
    const child = runEntry('src/web.ts', env);
    const { code } = await child.exited;
    expect(code).not.toBe(0);
    expect(child.output().trim()).toBe('config: SLACK_BOT_TOKEN_FILE names a file that cannot be read: /nonexistent/beacon/bot-token (ENOENT)');
  });
});
