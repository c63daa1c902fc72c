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
    // A dead worker's jobs are taken over within 15 s (src/jobs/workers.ts, lockSettings).
    expect(c.worker.lockSeconds).toBe(6);
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

describe('config: Redis high availability (REDIS_SENTINELS, REDIS_CLUSTER_NODES, REDIS_MIN_REPLICAS)', () => {
  const refusal = (env: Record<string, string | undefined>): string => {
    try {
      loadConfig({ ...ok, ...env } as NodeJS.ProcessEnv, 'all');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).not.toContain('\n');
      return (e as Error).message;
    }
    throw new Error('accepted');
  };

  it('without any: one server at REDIS_URL, no replicas awaited', () => {
    const c = loadConfig(ok, 'all');
    expect(c.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'beacon', minReplicas: 0 });
  });

  it('REDIS_SENTINELS: the sentinels (IPv6 too) and the master name, mymaster by default', () => {
    const c = loadConfig({ ...ok, REDIS_SENTINELS: '10.0.0.1:26379, sentinel-b.internal:26380,[::1]:26381' }, 'all');
    expect(c.redis.sentinels).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-b.internal', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      name: 'mymaster',
    });
    expect(c.redis.cluster).toBeUndefined();
    expect(loadConfig({ ...ok, REDIS_SENTINELS: '10.0.0.1:26379', REDIS_SENTINEL_NAME: 'beacon-prod' }, 'all').redis.sentinels?.name).toBe('beacon-prod');
  });

  it('REDIS_CLUSTER_NODES: the seed nodes; REDIS_MIN_REPLICAS a whole number', () => {
    const c = loadConfig({ ...ok, REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001', REDIS_MIN_REPLICAS: '1' }, 'all');
    expect(c.redis.cluster).toEqual([
      { host: '127.0.0.1', port: 7000 },
      { host: '127.0.0.1', port: 7001 },
    ]);
    expect(c.redis.sentinels).toBeUndefined();
    expect(c.redis.minReplicas).toBe(1);
  });

  it('an empty REDIS_URL counts as unset beside REDIS_SENTINELS or REDIS_CLUSTER_NODES', () => {
    expect(() => loadConfig({ ...ok, REDIS_URL: '', REDIS_SENTINELS: '127.0.0.1:26379' }, 'all')).not.toThrow();
    expect(() => loadConfig({ ...ok, REDIS_URL: '', REDIS_CLUSTER_NODES: '127.0.0.1:7000' }, 'all')).not.toThrow();
  });

  it.each([
    [{ REDIS_URL: 'redis://10.0.0.5:6379', REDIS_SENTINELS: '10.0.0.1:26379' }, /at most one of REDIS_URL, REDIS_SENTINELS and REDIS_CLUSTER_NODES/],
    [{ REDIS_URL: 'redis://10.0.0.5:6379', REDIS_CLUSTER_NODES: '10.0.0.1:7000' }, /at most one of/],
    [{ REDIS_SENTINELS: '10.0.0.1:26379', REDIS_CLUSTER_NODES: '10.0.0.1:7000' }, /at most one of/],
    [{ REDIS_SENTINELS: '10.0.0.1' }, /^config: REDIS_SENTINELS must be comma-separated host:port/],
    [{ REDIS_CLUSTER_NODES: 'redis://10.0.0.1:7000' }, /^config: REDIS_CLUSTER_NODES must be comma-separated host:port/],
    [{ REDIS_SENTINELS: '10.0.0.1:26379', REDIS_SENTINEL_NAME: 'my master' }, /^config: REDIS_SENTINEL_NAME /],
    [{ REDIS_MIN_REPLICAS: 'two' }, /^config: REDIS_MIN_REPLICAS must be a whole number/],
    [{ REDIS_MIN_REPLICAS: '11' }, /^config: REDIS_MIN_REPLICAS must be 0..10/],
  ])('refuses %o with one line naming the variable', (env, re) => {
    expect(refusal(env)).toMatch(re);
  });
});
