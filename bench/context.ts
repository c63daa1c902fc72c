/**
 * What every figure shares: a private redis-server, the Slack simulator, a Redis connection for
 * INFO and Beacon's own keys, a queue watcher, the load client in its own process, and Beacon's
 * web + worker pair that the storm, the slash-command acks and alert -> card run against.
 */
import { Redis } from 'ioredis';
import { startRedisServer, type RedisHandle } from '../src/dev/local-redis.js';
import { SlackSimulator } from '../src/dev/slack-simulator.js';
import { Keys } from '../src/keys.js';
import { Child, prepareChildren } from './lib.js';
import { QueueWatch } from './queue-watch.js';

const BOT_TOKEN = 'xoxb-bench-0000000000-beacon-bot-token';
const SIGNING_SECRET = 'bench-signing-secret-8f2b1c9d7e6a';
const WEBHOOK_TOKEN = 'bench-webhook-token-5a4b3c2d1e0f';
/** Beacon's default (8) unless BENCH_WORKER_CONCURRENCY says otherwise; the baseline workers use the same. */
export const WORKER_CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 8);
export const HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` };

/** Beacon's web and worker, each in its own process, on one key prefix. */
export interface BeaconPair {
  web: Child;
  worker: Child;
  keys: Keys;
}

/** /incident help acks: on the idle web before the storm, and sampled while it runs. */
export interface AckSamples {
  idle: number[];
  storm: { ms: number; duringIngest: boolean }[];
  /** Storm acks that were not HTTP 200. */
  statusBad: number;
}

export class BenchContext {
  /** Peak RSS per process and phase, MB, in the order the phases ran. */
  readonly rss: { process: string; phase: string; mb: number }[] = [];
  /** Heap and RSS remarks for the peak-RSS section. */
  readonly memNotes: string[] = [];
  readonly acks: AckSamples = { idle: [], storm: [], statusBad: 0 };
  /** Set by the storm figure: later figures on the same pair run on a Beacon that took a storm. */
  stormRan = false;
  private pair: Promise<BeaconPair> | undefined;

  private constructor(
    readonly redis: RedisHandle,
    readonly sim: SlackSimulator,
    /** For INFO and Beacon's own keys (named by Keys). */
    readonly inspect: Redis,
    readonly watch: QueueWatch,
    /** The load client, in its own process. */
    readonly loader: Child,
    /** How the children run, for the report header. */
    readonly childMode: string,
    private readonly mainPeak: () => number,
  ) {}

  static async open(): Promise<BenchContext> {
    let peak = process.memoryUsage.rss();
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
    sampler.unref();
    const redis = await startRedisServer();
    const sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    await sim.start();
    const inspect = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    inspect.on('error', () => {});
    const childMode = await prepareChildren();
    const loader = await Child.start('load', { type: 'start', role: 'load', env: {} });
    return new BenchContext(redis, sim, inspect, new QueueWatch(redis.url), loader, childMode, () => peak);
  }

  /** Peak RSS of this process so far, bytes. */
  benchPeakRss(): number {
    return this.mainPeak();
  }

  /** The environment a web, worker or baseline child starts with, on key prefix `prefix`. */
  env(prefix: string): Record<string, string> {
    return {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      WEBHOOK_TOKEN,
      REDIS_URL: this.redis.url,
      REDIS_KEY_PREFIX: prefix,
      PORT: '0',
      SLACK_API_URL: this.sim.url,
      INCIDENT_RESPONDERS: 'U0000001,U0000002',
      LOG_LEVEL: 'warn',
      // The simulator does not limit here: Beacon's pacing by Slack's tiers runs ×60 (a minute in a second).
      SLACK_RATE_SCALE: '60',
      WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
    };
  }

  /** Beacon's web + worker on prefix `bench-storm`, started on first use; Slack's requests go to that web. */
  beacon(): Promise<BeaconPair> {
    this.pair ??= (async () => {
      const keys = new Keys('bench-storm');
      const web = await Child.start('web', { type: 'start', role: 'web', env: this.env(keys.prefix) });
      const worker = await Child.start('worker', { type: 'start', role: 'worker', env: this.env(keys.prefix) }).catch(async (err: Error) => {
        await web.stop();
        throw err;
      });
      this.sim.setRequestUrl(`http://127.0.0.1:${web.port}/slack/events`);
      return { web, worker, keys };
    })();
    return this.pair;
  }

  /** Stops the pair if it was started; the next beacon() starts a new one. */
  async stopBeacon(): Promise<void> {
    const pair = await this.pair?.catch(() => undefined);
    this.pair = undefined;
    if (pair) await Promise.all([pair.web.stop(), pair.worker.stop()]);
  }

  async close(): Promise<void> {
    await this.stopBeacon();
    await this.watch.close();
    await this.loader.stop();
    this.inspect.disconnect();
    await this.sim.stop();
    await this.redis.stop();
  }
}
