import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { loadConfig, secretValues, type Config } from '../../src/config.js';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import { createLogger } from '../../src/log.js';
import { connect } from '../../src/redis.js';
import type { Metrics } from '../../src/metrics.js';
import { startWeb, startWorker, type RunningWeb, type RunningWorker } from '../../src/wiring.js';

export const BOT_TOKEN = 'xoxb-test-0000000000-beacon-bot-token';
export const SIGNING_SECRET = 'test-signing-secret-8f2b1c9d7e6a';
export const WEBHOOK_TOKEN = 'test-webhook-token-5a4b3c2d1e0f';
export const RESPONDERS = ['U0000001', 'U0000002'];

export function testRedisUrl(): string {
  const url = process.env.BEACON_TEST_REDIS_URL ?? process.env.REDIS_URL;
  if (!url) throw new Error('no test Redis: run the tests through vitest (global setup starts one)');
  return url;
}

/** A key prefix no other test file uses. */
export function uniquePrefix(name = 't'): string {
  return `${name}-${randomBytes(4).toString('hex')}`;
}

export function baseEnv(over: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    WEBHOOK_TOKEN,
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: uniquePrefix(),
    PORT: '0',
    INCIDENT_RESPONDERS: RESPONDERS.join(','),
    JOB_LOCK_SECONDS: '5',
    // Beacon paces itself by Slack's tiers; against a simulator that does not limit, a minute's
    // allowance passes in a second (test/e2e/mass-outage.test.ts runs both at one scale).
    SLACK_RATE_SCALE: '60',
    LOG_LEVEL: 'debug',
    ...over,
  };
}

export interface TestBeacon {
  sim: SlackSimulator;
  config: Config;
  web: RunningWeb;
  worker?: RunningWorker;
  /** The web process's metrics (job and Slack counters come from every worker via Redis). */
  metrics: Metrics;
  url: string;
  /** Everything Beacon logged, as written (after secret scrubbing). */
  logs(): string;
  /** A Redis connection for inspecting state (same server and prefix). */
  redis: Redis;
  post(path: string, body: unknown, opts?: { auth?: string | null; headers?: Record<string, string>; raw?: string | Buffer }): Promise<{ status: number; body: any; text: string }>;
  close(): Promise<void>;
}

/** Web and worker in this process against the simulator and the test Redis, on a fresh prefix. */
export async function startBeacon(opts: { env?: Record<string, string>; worker?: boolean; sim?: SlackSimulator } = {}): Promise<TestBeacon> {
  const sim = opts.sim ?? new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
  const apiUrl = opts.sim ? sim.url : await sim.start();
  const env = baseEnv({ SLACK_API_URL: apiUrl, ...opts.env });
  const config = loadConfig(env, 'all');
  let captured = '';
  const out = new Writable({
    write(chunk, _enc, cb) {
      captured += chunk.toString();
      cb();
    },
  });
  const log = createLogger({ level: config.logLevel, secrets: secretValues(config), out });
  const web = await startWeb({ config, log });
  const worker = opts.worker === false ? undefined : await startWorker({ config, log });
  const url = `http://127.0.0.1:${web.port}`;
  sim.setRequestUrl(`${url}/slack/events`);
  // Under Sentinel or Cluster (test/ha/), the same kind of connection Beacon's worker has; a Cluster
  // offers the same commands, so the tests' helpers read through it unchanged.
  const ha = !!(config.redis.sentinels || config.redis.cluster);
  const redis = ha ? (connect(config.redis, 'blocking', 'test') as unknown as Redis) : new Redis(config.redis.url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  return {
    sim,
    config,
    web,
    ...(worker ? { worker } : {}),
    url,
    metrics: web.metrics,
    redis,
    logs: () => captured,
    async post(path, body, o = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(o.headers ?? {}) };
      const auth = o.auth === undefined ? `Bearer ${WEBHOOK_TOKEN}` : o.auth;
      if (auth) headers.authorization = auth;
      const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: o.raw ?? JSON.stringify(body) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed, text };
    },
    async close() {
      await worker?.close();
      await web.close();
      // The HA tests' Redis processes are thrown away with their data.
      if (!ha) await cleanup(redis, config.redis.prefix);
      redis.disconnect();
      if (!opts.sim) await sim.stop();
    },
  };
}

/** Deletes this test's keys (never anything else: the server may be shared). */
export async function cleanup(redis: Redis, prefix: string): Promise<void> {
  for (const pattern of [`${prefix}:*`, `{${prefix}}:*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  }
}

/** Polls until `fn` returns a truthy value, or fails with the last value seen. */
export async function waitFor<T>(fn: () => T | Promise<T>, opts: { timeout?: number; interval?: number; what?: string } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeout ?? 20_000);
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, opts.interval ?? 50));
  }
  throw new Error(`timed out waiting for ${opts.what ?? 'condition'}; last value: ${JSON.stringify(last)}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A generic alert like the seed's: checkout payments failing. */
export function checkoutAlert(over: Record<string, unknown> = {}) {
  return {
    title: 'Checkout: successful payment transactions dropped 60%',
    severity: 'critical',
    service: 'checkout',
    fingerprint: 'checkout-payment-success-rate',
    description: 'payment_success_rate fell from 99% to 38% in 5 minutes',
    link: 'https://grafana.example.com/d/checkout',
    labels: { team: 'payments', env: 'prod' },
    ...over,
  };
}
