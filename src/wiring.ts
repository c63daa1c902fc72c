import type { Server } from 'node:http';
import { Worker } from 'bullmq';
import type { Config } from './config.js';
import { intakeModules } from './intake/sources.js';
import { signatureChecks } from './intake/signature-checks.js';
import { parseChanges } from './intake/changes.js';
import { IncidentService } from './incidents/service.js';
import { IncidentStore } from './incidents/store.js';
import { createHttpServer } from './http/server.js';
import { QUEUES, type QueueName } from './jobs/catalog.js';
import { handlers, processor } from './jobs/processors.js';
import { Queues } from './jobs/queues.js';
import { bullScheduler, enqueueChecks, summaryTimers } from './jobs/scheduler.js';
import { ReportService } from './reports/service.js';
import { RunbookRuntime } from './runbooks/runtime.js';
import { createHash } from 'node:crypto';
import { Keys } from './keys.js';
import type { Logger } from './log.js';
import { SharedCounters, createMetrics, type Metrics } from './metrics.js';
import { redisCounterStore } from './metrics-store.js';
import { postmortemRoute } from './http/postmortem-route.js';
import type { ReportSources } from './reports/gather.js';
import { ChecklistStore } from './runbooks/checklist-store.js';
import type { Runbook } from './runbooks/format.js';
import { loadRunbooks } from './runbooks/load.js';
import { closeRedis, connect, ping, whenReady, type Redis } from './redis.js';
import { ChangeStore } from './changes/store.js';
import { createSlackGateway, type SlackGateway } from './slack/gateway.js';
import { registerListeners } from './slack/listeners/index.js';
import { slackLogger } from './slack/logger.js';
import { BeaconReceiver } from './slack/receiver.js';
import { cachedAuthorize } from './slack/authorize.js';
import { TimelineStore } from './timeline/store.js';

/**
 * The one place that builds clients, stores, queues and services from the parsed config.
 * Nothing is opened at import time anywhere in Beacon; everything starts here.
 */
export interface RunOptions {
  config: Config;
  log: Logger;
  metrics?: Metrics;
  now?: () => Date;
}

export interface Running {
  close(): Promise<void>;
}

export interface RunningWeb extends Running {
  server: Server;
  metrics: Metrics;
  port: number;
  redis: Redis;
}

export async function startWeb(opts: RunOptions): Promise<RunningWeb> {
  const { config, log } = opts;
  const now = opts.now ?? (() => new Date());
  const keys = new Keys(config.redis.prefix);
  const redis = connect(config.redis.url, 'command', 'web');
  const queues = new Queues(redis, keys, (err) => log.debug({ err: err.message }, 'queue connection error'));
  const store = new IncidentStore(redis, keys);
  const runbooks = loadRunbookSet(config.runbooksDir, log);
  // Read-only Slack lookups for what web renders itself (names in the postmortem route).
  const lookups = createSlackGateway({ token: config.slack.botToken, apiUrl: config.slack.apiUrl, log: log.child({ mod: 'slack' }), retries: 1 });
  const reports: ReportSources = {
    incidents: store,
    timeline: new TimelineStore(redis, keys),
    changes: new ChangeStore(redis, keys),
    checklists: new ChecklistStore(redis, keys),
    runbooks: () => runbooks,
    userNames: (ids) => lookups.userNames(ids),
  };
  const metrics =
    opts.metrics ?? createMetrics({ shared: redisCounterStore(redis, keys), openIncidents: () => store.listOpen(1000) });
  // Not fatal: /readyz says 503 and webhooks answer 503 until Redis is there.
  if (!(await whenReady(redis, 5000))) log.warn('Redis is not reachable yet; answering 503 until it is');
  else await checkEvictionPolicy(redis, log);

  const socketMode = !!config.slack.appToken;
  const receiver = socketMode ? undefined : new BeaconReceiver(config.slack.signingSecret!, log.child({ mod: 'slack' }));
  // Loaded here, not at the top: the worker process never needs Bolt (and its Express), which
  // is about 20 MB of its resident memory.
  const { App } = await import('@slack/bolt');
  const app = new App({
    authorize: cachedAuthorize(config.slack.botToken, config.slack.apiUrl, log.child({ mod: 'bolt' })),
    ...(receiver ? { receiver } : { socketMode: true, appToken: config.slack.appToken! }),
    clientOptions: { slackApiUrl: config.slack.apiUrl },
    logger: slackLogger(log.child({ mod: 'bolt' })),
    ignoreSelf: false,
  });
  registerListeners(app, { queues, store, checklists: reports.checklists, runbooks: () => runbooks, log: log.child({ mod: 'listeners' }), now });
  app.error(async (err) => {
    log.error({ err: err.message }, 'Slack listener error');
  });

  const server = createHttpServer({
    log,
    metrics,
    ready: () => ping(redis),
    extraRoutes: [postmortemRoute(reports, config.webhooks.token, now)],
    ...(receiver ? { slack: (req, res, raw) => receiver.handle(req, res, raw) } : {}),
    webhooks: {
      queues,
      storeReady: () => whenReady(redis, 1500),
      token: config.webhooks.token,
      sources: intakeModules,
      signatures: signatureChecks({
        ...(config.webhooks.pagerdutySecret ? { pagerduty: config.webhooks.pagerdutySecret } : {}),
        ...(config.webhooks.grafanaSecret ? { grafana: config.webhooks.grafanaSecret } : {}),
      }),
      metrics,
      log,
      now,
      changes: parseChanges,
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.http.port, () => resolve());
  });
  if (socketMode) await app.start();
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.http.port;
  log.info({ port, socketMode }, 'web listening');

  return {
    server,
    metrics,
    port,
    redis,
    async close() {
      // Stop taking requests, let in-flight ones finish, then drop connections.
      // Keep-alive connections that finish a request after close() would otherwise linger until
      // their idle timeout; close each as soon as it is idle, and all of them after 10 s.
      await new Promise<void>((resolve) => {
        const idle = setInterval(() => server.closeIdleConnections(), 50);
        const force = setTimeout(() => server.closeAllConnections(), 10_000);
        server.close(() => {
          clearInterval(idle);
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      if (socketMode) await app.stop();
      await queues.close();
      await closeRedis(redis);
    },
  };
}

export interface RunningWorker extends Running {
  workers: Worker[];
  slack: SlackGateway;
}

export async function startWorker(opts: RunOptions): Promise<RunningWorker> {
  const { config, log } = opts;
  const now = opts.now ?? (() => new Date());
  const keys = new Keys(config.redis.prefix);
  // The worker waits out a Redis restart instead of failing jobs on it.
  const redis = connect(config.redis.url, 'blocking', 'worker');
  const counters = new SharedCounters(redisCounterStore(redis, keys));
  counters.start();
  if (await whenReady(redis, 5000)) await checkEvictionPolicy(redis, log);
  const queues = new Queues(redis, keys, (err) => log.debug({ err: err.message }, 'queue connection error'));
  const lockDuration = Math.round(config.worker.lockSeconds * 1000);
  const store = new IncidentStore(redis, keys, lockDuration);
  const timeline = new TimelineStore(redis, keys);
  const changes = new ChangeStore(redis, keys);
  const checklists = new ChecklistStore(redis, keys);
  const runbookSet = loadRunbookSet(config.runbooksDir, log);
  const slack = createSlackGateway({
    token: config.slack.botToken,
    apiUrl: config.slack.apiUrl,
    log: log.child({ mod: 'slack' }),
    observe: (method, outcome) => counters.inc('slack', { method, outcome }),
  });
  const runbooks = new RunbookRuntime({
    runbooks: () => runbookSet,
    checklists,
    changes,
    timeline,
    incidents: store,
    slack,
    enqueueChecks: enqueueChecks(queues),
    env: process.env,
    now,
    log: log.child({ mod: 'runbooks' }),
  });
  const reports = new ReportService({
    sources: { incidents: store, timeline, changes, checklists, runbooks: () => runbookSet, userNames: (ids) => slack.userNames(ids) },
    slack,
    redis,
    keys,
    timers: summaryTimers(queues),
    summaryIntervalMinutes: config.incidents.summaryIntervalMinutes,
    now,
    log: log.child({ mod: 'reports' }),
  });
  const runChecks = enqueueChecks(queues);
  const incidents = new IncidentService({
    runbooks,
    escalationTargets: (inc) => runbooks.escalationTargets(inc),
    lifecycle: {
      async opened(incidentId) {
        await reports.startSummaries(incidentId);
        const inc = await store.get(incidentId);
        const rb = inc ? await runbooks.mainRunbook(inc) : undefined;
        // The run id is the incident: reopening or a re-run opening checks nothing twice.
        if (rb && Object.keys(rb.checks).length) await runChecks(incidentId, rb.name, 'open');
      },
      async resolved(incidentId, sourceId) {
        await reports.stopSummaries(incidentId);
        await queues.add('postmortem.post', { incidentId, reason: 'resolved', runId: sourceId }, { jobId: `pm-${createHash('sha1').update(sourceId).digest('hex').slice(0, 32)}` });
      },
      async reopened(incidentId) {
        await reports.startSummaries(incidentId);
      },
    },
    store,
    timeline,
    slack,
    scheduler: bullScheduler(queues),
    log: log.child({ mod: 'incidents' }),
    now,
    settings: {
      responders: config.incidents.responders,
      channelPrefix: config.incidents.channelPrefix,
      escalationMinutes: config.incidents.escalationMinutes,
    },
  });
  const run = processor(handlers({ incidents, changes, runbooks, reports, log }), log);
  const workers = (Object.values(QUEUES) as QueueName[]).map((name) => {
    const w = new Worker(name, run, {
      connection: redis,
      prefix: keys.queuePrefix,
      // Intake jobs are short Redis round trips: twice the concurrency keeps a storm moving.
      concurrency: name === QUEUES.intake ? config.worker.concurrency * 2 : config.worker.concurrency,
      lockDuration,
      stalledInterval: Math.min(30_000, lockDuration),
      maxStalledCount: 5,
    });
    w.on('completed', (job) => counters.inc('jobs', { queue: name, name: job.name, outcome: 'completed' }));
    w.on('failed', (job, err) => {
      counters.inc('jobs', { queue: name, name: job?.name ?? 'unknown', outcome: 'failed' });
      log.warn({ queue: name, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'job failed');
    });
    w.on('error', (err) => log.error({ queue: name, err: err.message }, 'worker error'));
    return w;
  });
  log.info({ queues: Object.values(QUEUES), concurrency: config.worker.concurrency }, 'worker running');
  return {
    workers,
    slack,
    async close() {
      // worker.close() waits for active jobs to finish: nothing half-done on a deploy.
      await Promise.all(workers.map((w) => w.close()));
      await counters.stop();
      await queues.close();
      await closeRedis(redis);
    },
  };
}

/**
 * BullMQ and Beacon's state need Redis to keep every key: with an eviction policy other than
 * `noeviction`, a full Redis silently drops jobs and incidents. Managed Redis may refuse CONFIG.
 */
async function checkEvictionPolicy(redis: Redis, log: Logger): Promise<void> {
  try {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
    if (policy && policy !== 'noeviction') {
      log.warn({ policy }, `Redis maxmemory-policy is ${policy}: set it to noeviction, or Redis may evict queued alerts and incident state when full`);
    }
  } catch (err) {
    log.debug({ err: (err as Error).message }, 'could not read maxmemory-policy');
  }
}

/** Loads the runbooks once at start; a broken file is skipped with a warning, never fatal. */
export function loadRunbookSet(dir: string, log: Logger): Runbook[] {
  const { runbooks, problems } = loadRunbooks(dir);
  for (const p of problems) log.warn({ file: p.file, line: p.line, severity: p.severity }, `runbook: ${p.message}`);
  return runbooks;
}
