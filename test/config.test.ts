import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const ok = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'sss', WEBHOOK_TOKEN: 'w'.repeat(20) };

describe('config', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(ok, 'web');
    expect(c.slack.apiUrl).toBe('https://slack.com/api/');
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.http.port).toBe(3000);
    expect(c.incidents).toEqual({ responders: [], channelPrefix: 'inc', summaryIntervalMinutes: 30, escalationMinutes: 10 });
    expect(c.runbooksDir).toBe('./runbooks');
    expect(c.logLevel).toBe('info');
  });

  it('parses decimals, lists and URLs', () => {
    const c = loadConfig({ ...ok, ESCALATION_MINUTES: '0.02', SUMMARY_INTERVAL_MINUTES: '0', INCIDENT_RESPONDERS: 'U01, U02', SLACK_API_URL: 'http://127.0.0.1:9/api' }, 'web');
    expect(c.incidents.escalationMinutes).toBe(0.02);
    expect(c.incidents.summaryIntervalMinutes).toBe(0);
    expect(c.incidents.responders).toEqual(['U01', 'U02']);
    expect(c.slack.apiUrl).toBe('http://127.0.0.1:9/api/');
  });

  it.each([
    [{ ...ok, SLACK_BOT_TOKEN: undefined }, 'web', /^config: SLACK_BOT_TOKEN is required/],
    [{ ...ok, SLACK_BOT_TOKEN: '' }, 'worker', /^config: SLACK_BOT_TOKEN is required/],
    [{ ...ok, SLACK_BOT_TOKEN: 'xoxp-user' }, 'web', /^config: SLACK_BOT_TOKEN must be a bot token/],
    [{ ...ok, SLACK_SIGNING_SECRET: undefined }, 'web', /^config: SLACK_SIGNING_SECRET is required/],
    [{ ...ok, WEBHOOK_TOKEN: undefined }, 'web', /^config: WEBHOOK_TOKEN is required/],
    [{ ...ok, PORT: 'eighty' }, 'web', /^config: PORT /],
    [{ ...ok, ESCALATION_MINUTES: 'soon' }, 'web', /^config: ESCALATION_MINUTES /],
    [{ ...ok, INCIDENT_RESPONDERS: 'alice' }, 'web', /^config: INCIDENT_RESPONDERS /],
    [{ ...ok, REDIS_URL: 'localhost:6379' }, 'web', /^config: REDIS_URL /],
  ] as const)('refuses %o for %s with one line naming the variable', (env, role, re) => {
    let err: unknown;
    try {
      loadConfig(env as NodeJS.ProcessEnv, role);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(re);
    expect((err as Error).message).not.toContain('\n');
  });

  it('needs no signing secret in Socket Mode, and the worker needs no webhook token', () => {
    expect(() => loadConfig({ ...ok, SLACK_SIGNING_SECRET: undefined, SLACK_APP_TOKEN: 'xapp-1' }, 'web')).not.toThrow();
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' }, 'worker')).not.toThrow();
  });
});
