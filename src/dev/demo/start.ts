import { randomBytes } from 'node:crypto';
import { loadConfig, secretValues } from '../../config.js';
import { jobIds } from '../../ids.js';
import { Queues } from '../../jobs/queues.js';
import { Keys } from '../../keys.js';
import { createLogger } from '../../log.js';
import { ProbeStore } from '../../probes/store.js';
import { closeRedis, connect, type Redis } from '../../redis.js';
import { startWeb, startWorker, type Running } from '../../wiring.js';
import { NO_REDIS_HINT, haveRedisServer, startRedisServer, type RedisHandle } from '../local-redis.js';
import { SlackSimulator } from '../slack-simulator.js';
import { DemoClock, storyDay } from './clock.js';
import { OLD_KEY, startGateway, type StandInGateway } from './gateway.js';
import { PROBE, writeDemoRunbooks } from './runbooks.js';

const BOT_TOKEN = 'xoxb-demo-0000-beacon';
const SIGNING_SECRET = 'demo-signing-secret';
const WEBHOOK_TOKEN = 'demo-webhook-token-0123456789';

export interface DemoOptions {
  /** A Redis to use instead of a private redis-server (the demo uses its own key prefix). */
  redisUrl?: string;
  /** Where Beacon's own log goes (stderr by default), so stdout shows only what people see. */
  logOut?: NodeJS.WritableStream;
  logLevel?: string;
}

/** What the demo started, to drive and to stop. */
export interface Demo {
  sim: SlackSimulator;
  gateway: StandInGateway;
  clock: DemoClock;
  /** The demo's own producer side of Beacon's queues, to run the probe on the demo's clock. */
  queues: Queues;
  probes: ProbeStore;
  redis: Redis;
  keys: Keys;
  openAfter: number;
  closeAfter: number;
  /** POSTs JSON to one of Beacon's webhooks, with the webhook token. */
  post(path: string, body: unknown): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}

/**
 * A private Redis (unless a URL is given), the Slack simulator, the stand-in gateway, a copy of
 * the runbooks with the gateway probe, and Beacon's web and worker on the demo's clock, the
 * worker with checkout's (old) gateway key in PAYMENT_GATEWAY_TOKEN.
 */
export async function startDemo(opts: DemoOptions = {}): Promise<Demo> {
  const redisUrl = opts.redisUrl ?? process.env.REDIS_URL;
  if (!redisUrl && !haveRedisServer()) throw new Error(NO_REDIS_HINT);
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const server: RedisHandle | undefined = redisUrl ? undefined : await startRedisServer();
    if (server) stops.push(() => server.stop());
    const gateway = await startGateway();
    stops.push(() => gateway.close());
    const runbooks = writeDemoRunbooks(gateway.url);
    stops.push(() => runbooks.remove());
    const sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    const apiUrl = await sim.start();
    stops.push(() => sim.stop());
    const clock = new DemoClock(storyDay(), '08:17:00');
    const config = demoConfig({ apiUrl, redisUrl: redisUrl ?? server!.url, runbooksDir: runbooks.dir, logLevel: opts.logLevel ?? 'warn' });
    const log = createLogger({ level: config.logLevel, secrets: [...secretValues(config), OLD_KEY], out: opts.logOut ?? process.stderr });
    // The worker reads check headers from its environment: the key checkout runs with.
    const before = process.env.PAYMENT_GATEWAY_TOKEN;
    process.env.PAYMENT_GATEWAY_TOKEN = OLD_KEY;
    stops.push(() => void (before === undefined ? delete process.env.PAYMENT_GATEWAY_TOKEN : (process.env.PAYMENT_GATEWAY_TOKEN = before)));
    const web = await startWeb({ config, log, now: clock.now });
    stops.push(() => web.close());
    const worker: Running = await startWorker({ config, log, now: clock.now });
    stops.push(() => worker.close());
    const keys = new Keys(config.redis.prefix);
    const redis = connect(config.redis, 'blocking', 'demo');
    stops.push(() => closeRedis(redis));
    const queues = new Queues(redis, keys);
    stops.push(() => queues.close());
    await takeOverSchedule(queues);
    const base = `http://127.0.0.1:${web.port}`;
    sim.setRequestUrl(`${base}/slack/events`);
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.text() };
    };
    const { openAfter, closeAfter } = runbooks.probe.settings;
    return { sim, gateway, clock, queues, probes: new ProbeStore(redis, keys), redis, keys, openAfter, closeAfter, post, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Beacon's configuration for the demo: the simulator's Slack, the demo's runbooks and Redis prefix. */
function demoConfig(p: { apiUrl: string; redisUrl: string; runbooksDir: string; logLevel: string }) {
  return loadConfig(
    {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      WEBHOOK_TOKEN,
      SLACK_API_URL: p.apiUrl,
      REDIS_URL: p.redisUrl,
      REDIS_KEY_PREFIX: `demo-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
      RUNBOOKS_DIR: p.runbooksDir,
      PORT: '0',
      INCIDENT_RESPONDERS: 'U0000001,U0000002',
      LOG_LEVEL: p.logLevel,
    },
    'all',
  );
}

/**
 * The worker put the probe on a BullMQ job scheduler, every 30 s of wall time. The demo removes
 * it (with its next job) and runs the probe itself at the demo clock's 30-second marks.
 */
async function takeOverSchedule(queues: Queues): Promise<void> {
  const q = queues.queueOf('probe.run');
  await q.removeJobScheduler(jobIds.probeScheduler(`${PROBE.runbook}:${PROBE.check}`));
  const deadline = Date.now() + 5000;
  while ((await q.getJobs(['waiting', 'active', 'delayed'])).some((j) => j.name === 'probe.run')) {
    if (Date.now() > deadline) throw new Error('demo: a scheduled probe run did not finish');
    await new Promise((r) => setTimeout(r, 50));
  }
}
