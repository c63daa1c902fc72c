/**
 * What `npm run playground` runs behind its page: a private Redis (unless a URL is given), the
 * Slack simulator and Beacon's web and worker in this process, as the demo starts them, but on
 * the wall clock and with the runbooks and drills of RUNBOOKS_DIR and DRILLS_DIR (the shipped
 * ones by default), so that a runbook being edited is the one the page shows.
 *
 * Beacon runs on the wall clock on purpose: the simulator stamps message ts and a click's
 * action_ts on the wall clock, and a checklist tick is dated by its action_ts. On the demo's
 * clock (behind the wall) every tick would be dated after everything else Beacon recorded.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig, secretValues, type Config } from '../../config.js';
import { Keys } from '../../keys.js';
import { createLogger } from '../../log.js';
import { startWeb, startWorker } from '../../wiring.js';
import { NO_REDIS_HINT, haveRedisServer, startRedisServer } from '../local-redis.js';
import { SlackSimulator } from '../slack-simulator.js';

/** The people the page lets you be: the simulator's first three (Alice, Bob, Carol). */
export const PEOPLE = ['U0000001', 'U0000002', 'U0000003'] as const;

/** Beacon settings a playground user may set in the environment; everything Slack-side is the simulator's. */
const PASSED_THROUGH = [
  'RUNBOOKS_DIR',
  'DRILLS_DIR',
  'DRILL_SPEED',
  'INCIDENT_CHANNEL_PREFIX',
  'INCIDENT_ROLES',
  'SUMMARY_INTERVAL_MINUTES',
  'ESCALATION_MINUTES',
  'ANNOUNCE_SEVERITIES',
] as const;

export interface BeaconOptions {
  /** A Redis to use instead of a private redis-server (a fresh key prefix is used in it). */
  redisUrl?: string;
  /** Where Beacon's settings (RUNBOOKS_DIR...) are read from; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
  /** Where Beacon's log goes (stderr by default). */
  logOut?: NodeJS.WritableStream;
}

/** Beacon and its simulated Slack, running. */
export interface RunningBeacon {
  sim: SlackSimulator;
  config: Config;
  keys: Keys;
  /** Beacon's own base URL (`http://127.0.0.1:PORT`). */
  url: string;
  /** POSTs JSON to one of Beacon's webhooks, with the webhook token. */
  post(path: string, body: unknown): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}

export async function startBeacon(opts: BeaconOptions = {}): Promise<RunningBeacon> {
  const env = opts.env ?? process.env;
  const redisUrl = opts.redisUrl ?? (env.REDIS_URL || undefined);
  if (!redisUrl && !haveRedisServer()) throw new Error(NO_REDIS_HINT);
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const server = redisUrl ? undefined : await startRedisServer();
    if (server) stops.push(() => server.stop());
    const botToken = `xoxb-playground-${randomBytes(8).toString('hex')}`;
    const sim = new SlackSimulator({ botToken, signingSecret: randomBytes(16).toString('hex') });
    const apiUrl = await sim.start();
    stops.push(() => sim.stop());
    const webhookToken = randomBytes(16).toString('hex');
    const config = playgroundConfig(env, { botToken, signingSecret: sim.signingSecret, webhookToken, apiUrl, redisUrl: redisUrl ?? server!.url });
    const log = createLogger({ level: config.logLevel, secrets: secretValues(config), out: opts.logOut ?? process.stderr });
    const web = await startWeb({ config, log });
    stops.push(() => web.close());
    const worker = await startWorker({ config, log });
    stops.push(() => worker.close());
    const url = `http://127.0.0.1:${web.port}`;
    sim.setRequestUrl(`${url}/slack/events`);
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${webhookToken}` },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.text() };
    };
    return { sim, config, keys: new Keys(config.redis.prefix), url, post, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function playgroundConfig(
  env: NodeJS.ProcessEnv,
  p: { botToken: string; signingSecret: string; webhookToken: string; apiUrl: string; redisUrl: string },
): Config {
  const passed: Record<string, string> = {};
  for (const name of PASSED_THROUGH) {
    const v = env[name];
    if (v !== undefined && v !== '') passed[name] = v;
  }
  return loadConfig(
    {
      ...passed,
      SLACK_BOT_TOKEN: p.botToken,
      SLACK_SIGNING_SECRET: p.signingSecret,
      WEBHOOK_TOKEN: p.webhookToken,
      SLACK_API_URL: p.apiUrl,
      REDIS_URL: p.redisUrl,
      REDIS_KEY_PREFIX: `playground-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
      PORT: '0',
      // Alice and Bob are on call: invited to every incident channel. Carol is not.
      INCIDENT_RESPONDERS: `${PEOPLE[0]},${PEOPLE[1]}`,
      LOG_LEVEL: env.LOG_LEVEL || 'warn',
    },
    'all',
  );
}
