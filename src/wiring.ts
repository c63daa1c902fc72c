import type { Server } from 'node:http';
import type { Worker } from 'bullmq';
import type { Config } from './config.js';
import { intakeModules } from './intake/sources.js';
import { signatureChecks } from './intake/signature-checks.js';
import { parseChanges } from './intake/changes.js';
import { IncidentService } from './incidents/service.js';
import { IncidentStore } from './incidents/store.js';
import { createHttpServer } from './http/server.js';
import { senderRoutes } from './http/sender-routes.js';
import { QUEUES, type JobServices } from './jobs/catalog.js';
import { startWorkers } from './jobs/workers.js';
import { probeAlerts, syncProbeSchedules } from './jobs/probe-schedules.js';
import { ProbeService, listProbes } from './probes/service.js';
import { ProbeStore } from './probes/store.js';
import { Queues } from './jobs/queues.js';
import { bullScheduler } from './jobs/scheduler.js';
import { ReportService } from './reports/service.js';
import { SummaryMarks } from './reports/summary-marks.js';
import { RunbookRuntime } from './runbooks/runtime.js';
import { Keys } from './keys.js';
import type { Logger } from './log.js';
import { SharedCounters, createMetrics, type Metrics } from './metrics.js';
import { redisCounterStore } from './metrics-store.js';
import { postmortemRoute } from './http/postmortem-route.js';
import type { WebSources } from './web/sources.js';
import type { ReportSources } from './reports/gather.js';
import { ChecklistStore } from './runbooks/checklist-store.js';
import type { Runbook } from './runbooks/format.js';
import { loadRunbooks } from './runbooks/load.js';
import { closeRedis, connect, ping, whenReady, type Redis } from './redis.js';
import { jobGuard, replicaGate, type ReplicaGate } from './redis-replicas.js';
import { ChangeStore } from './changes/store.js';
import { createChat, type Chat } from './slack/chat.js';
import { createSlackGateway, type SlackGateway } from './slack/gateway.js';
import { SlackPacer } from './slack/pacing.js';
import { TimelineStore } from './timeline/store.js';
import { StatusStore } from './status/store.js';
import { drillRuntime } from './drills/checks.js';
import { loadScenarios } from './drills/load.js';
import { DrillService } from './drills/service.js';
import type { DrillSet } from './drills/set.js';
import { DrillNumbers } from './drills/store.js';
import { bullDrillScheduler } from './jobs/drill-scheduler.js';

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
  const redis = connect(config.redis, 'command', 'web');
  const queues = new Queues(redis, keys, (err) => log.debug({ err: err.message }, 'queue connection error'));
  const intakeLink = webIntake(config, redis, queues, keys, log);
  const store = new IncidentStore(redis, keys);
  const runbooks = loadRunbookSet(config.runbooksDir, log);
  const drills = loadDrillSet(config.drillsDir, runbooks, log);
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
  const probeStore = new ProbeStore(redis, keys);
  const metrics =
    opts.metrics ??
    createMetrics({
      shared: redisCounterStore(redis, keys),
      openIncidents: () => store.listOpen(1000),
      probes: async () => {
        const states = await probeStore.all();
        return listProbes(runbooks).map((p) => ({ runbook: p.runbook.name, check: p.checkName, state: states.get(p.id) }));
      },
    });
  // Not fatal: /readyz says 503 and webhooks answer 503 until Redis is there.
  if (!(await whenReady(redis, 5000))) log.warn('Redis is not reachable yet; answering 503 until it is');
  else await checkEvictionPolicy(redis, log);

  // Loaded here, not at the top: the worker process never needs Bolt (and its Express), which
  // is about 20 MB of its resident memory.
  const { createSlackApp } = await import('./slack/app.js');
  const slackApp = await createSlackApp(config.slack, log, { queues, store, checklists: reports.checklists, runbooks: () => runbooks, log: log.child({ mod: 'listeners' }), now, roles: config.roles, drills: () => drills });
  const receiver = slackApp.receiver;
  const socketMode = !receiver;

  // Loaded here, like Bolt: the worker never needs the web pages' libraries.
  const pages = await import('./web/index.js');
  const server = webServer({ config, log, now, metrics, redis, queues, intakeLink, reports, pages, drills: () => drills, ...(receiver ? { receiver } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.http.port, () => resolve());
  });
  await slackApp.start();
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.http.port;
  log.info({ port, socketMode }, 'web listening');

  return {
    server,
    metrics,
    port,
    redis,
    async close() {
      await closeServer(server);
      await slackApp.stop();
      await intakeLink.close();
      await queues.close();
      await closeRedis(redis);
    },
  };
}

interface WebIntake {
  queues: Queues;
  conn: Redis;
  replicas?: ReplicaGate;
}

/**
 * Where web queues what senders send. With REDIS_MIN_REPLICAS, on a connection of its own: WAIT
 * holds its connection until the replicas answer, which must not delay commands and health checks.
 */
function webIntake(config: Config, redis: Redis, queues: Queues, keys: Keys, log: Logger): WebIntake & { close(): Promise<void> } {
  if (config.redis.minReplicas === 0) return { queues, conn: redis, close: async () => {} };
  const conn = connect(config.redis, 'command', 'web-intake');
  const own = new Queues(conn, keys, (err) => log.debug({ err: err.message }, 'intake queue connection error'));
  return { queues: own, conn, replicas: replicaGate(conn, config.redis.minReplicas), close: () => own.close().then(() => closeRedis(conn)) };
}

/** The HTTP server: webhooks, health, metrics, the postmortem route, the web pages and Slack's requests. */
function webServer(p: {
  pages: typeof import('./web/index.js');
  config: Config;
  log: Logger;
  now: () => Date;
  metrics: Metrics;
  redis: Redis;
  queues: Queues;
  intakeLink: WebIntake;
  reports: ReportSources;
  drills: () => DrillSet;
  receiver?: { handle: NonNullable<Parameters<typeof createHttpServer>[0]['slack']> };
}): Server {
  const { config, log, now, metrics, redis, receiver } = p;
  const web: WebSources = { ...p.reports, now, redis, keys: new Keys(config.redis.prefix), drills: p.drills, ...(config.web.publicUrl ? { publicUrl: config.web.publicUrl } : {}) };
  // Sign in with Slack; without SLACK_CLIENT_ID the signed-in pages answer 404 like any unknown path.
  const oidc = config.web.oidc;
  const auth = oidc
    ? p.pages.createWebAuth({
        oidc,
        ...(config.web.publicUrl ? { publicUrl: config.web.publicUrl } : {}),
        port: config.http.port,
        slackApiUrl: config.slack.apiUrl,
        botToken: config.slack.botToken,
        redis,
        keys: web.keys,
        log: log.child({ mod: 'web-auth' }),
        now,
      })
    : undefined;
  const { queues, conn, replicas } = p.intakeLink;
  const intake = { queues, ...(replicas ? { replicas } : {}), storeReady: () => whenReady(conn, 1500), metrics, log, now };
  return createHttpServer({
    log,
    metrics,
    ready: () => ping(redis),
    bodyRoutes: senderRoutes({ ...intake, senders: config.senders, token: config.webhooks.token }),
    extraRoutes: [postmortemRoute(p.reports, config.webhooks.token, now, auth), p.pages.webRoutes({ src: web, auth, insights: p.pages.insightsPage(web), status: p.pages.statusRoutes(web) })],
    ...(receiver ? { slack: (req, res, raw) => receiver.handle(req, res, raw) } : {}),
    webhooks: {
      ...intake,
      token: config.webhooks.token,
      sources: intakeModules,
      signatures: signatureChecks({
        ...(config.webhooks.pagerdutySecret ? { pagerduty: config.webhooks.pagerdutySecret } : {}),
        ...(config.webhooks.grafanaSecret ? { grafana: config.webhooks.grafanaSecret } : {}),
      }),
      changes: parseChanges,
    },
  });
}

/**
 * Stops taking requests, lets in-flight ones finish, then drops connections. Keep-alive
 * connections that finish a request after close() would otherwise linger until their idle
 * timeout; each is closed as soon as it is idle, and all of them after 10 s.
 */
function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const force = setTimeout(() => server.closeAllConnections(), 10_000);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
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
  const redis = connect(config.redis, 'blocking', 'worker');
  const counters = new SharedCounters(redisCounterStore(redis, keys));
  counters.start();
  if (await whenReady(redis, 5000)) await checkEvictionPolicy(redis, log);
  const queues = new Queues(redis, keys, (err) => log.debug({ err: err.message }, 'queue connection error'));
  const lockDurationMs = Math.round(config.worker.lockSeconds * 1000);
  const slack = createSlackGateway({
    token: config.slack.botToken,
    apiUrl: config.slack.apiUrl,
    log: log.child({ mod: 'slack' }),
    observe: (method, outcome) => counters.inc('slack', { method, outcome }),
    // Slack's tiers, shared by every worker; a wait longer than a third of the lock re-queues the job.
    pacer: new SlackPacer({ redis, keys, scale: config.slack.rateScale, maxWaitMs: Math.round(lockDurationMs / 3) }),
  });
  const services = workerServices({ config, log, now, redis, keys, queues, lockDurationMs, chat: createChat(slack, { publicUrl: config.web.publicUrl }), counters });
  const guard = jobGuard(redis, config.redis);
  const workers = startWorkers({ connection: redis, keys, services, concurrency: config.worker.concurrency, lockDurationMs, counters, log, ...(guard ? { guard } : {}) });
  await syncProbeSchedules(queues, services.probes.probes(), log.child({ mod: 'probes' }));
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

interface ServiceParts {
  config: Config;
  log: Logger;
  now: () => Date;
  redis: Redis;
  keys: Keys;
  queues: Queues;
  lockDurationMs: number;
  chat: Chat;
  counters: SharedCounters;
}

/** The stores and services the worker's jobs hand their work to. */
function workerServices(p: ServiceParts): JobServices {
  const { config, log, now, redis, keys, chat } = p;
  const store = new IncidentStore(redis, keys, p.lockDurationMs);
  const timeline = new TimelineStore(redis, keys);
  const changes = new ChangeStore(redis, keys);
  const checklists = new ChecklistStore(redis, keys);
  const runbookSet = loadRunbookSet(config.runbooksDir, log);
  const drillSet = loadDrillSet(config.drillsDir, runbookSet, log);
  const scheduler = bullScheduler(p.queues);
  const probeStore = new ProbeStore(redis, keys);
  const runbooks = new RunbookRuntime({
    runbooks: () => runbookSet,
    checklists,
    changes,
    timeline,
    incidents: store,
    chat,
    runChecks: scheduler.runChecks,
    env: process.env,
    now,
    log: log.child({ mod: 'runbooks' }),
    // The result that raised the alert, not a later one (which may already pass).
    probeResult: async (runbook, check) => {
      const state = await probeStore.get(`${runbook}:${check}`);
      return state.raisedResult ?? state.last;
    },
    drill: drillRuntime(() => drillSet.scenarios, timeline),
  });
  const reports = new ReportService({
    sources: { incidents: store, timeline, changes, checklists, runbooks: () => runbookSet, userNames: (ids) => chat.userNames(ids) },
    chat,
    marks: new SummaryMarks(redis, keys),
    scheduler,
    now,
    log: log.child({ mod: 'reports' }),
  });
  const settings = {
    responders: config.incidents.responders,
    channelPrefix: config.incidents.channelPrefix,
    escalationMinutes: config.incidents.escalationMinutes,
    summaryIntervalMinutes: config.incidents.summaryIntervalMinutes,
    roles: config.roles,
    announceSeverities: config.announce.severities,
    ...(config.announce.channel ? { announceChannel: config.announce.channel } : {}),
  };
  const statusPage = new StatusStore(redis, keys);
  const incidents = new IncidentService({ runbooks, store, timeline, chat, scheduler, statusPage, log: log.child({ mod: 'incidents' }), now, settings });
  const probes = new ProbeService({
    runbooks: () => runbookSet,
    store: probeStore,
    alerts: probeAlerts(p.queues),
    changes,
    env: process.env,
    now,
    log: log.child({ mod: 'probes' }),
    observe: (probe, outcome) => p.counters.inc('probe_runs', { runbook: probe.runbook.name, check: probe.checkName, outcome }),
  });
  const drills = new DrillService({
    drills: () => drillSet,
    store,
    numbers: new DrillNumbers(redis, keys),
    timeline,
    chat,
    scheduler: bullDrillScheduler(p.queues),
    open: (id) => incidents.open(id),
    recordChange: (id, change) => runbooks.recordChange(id, change),
    ...(config.drillSpeed !== undefined ? { speed: config.drillSpeed } : {}),
    now,
    log: log.child({ mod: 'drills' }),
  });
  return { incidents, changes, runbooks, reports, probes, drills };
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

/**
 * Loads the drill scenarios once at start, checked against the runbooks; a broken file is left out
 * with a warning (`/incident drill` says why). No drills folder is no drills, not a problem.
 */
export function loadDrillSet(dir: string, runbooks: readonly Runbook[], log: Logger): DrillSet {
  const { scenarios, problems, found } = loadScenarios(dir, runbooks);
  if (!found) log.debug({ dir }, 'no drills folder: /incident drill has no scenarios');
  else for (const p of problems) log.warn({ file: p.file, line: p.line, severity: p.severity }, `drill scenario: ${p.message}`);
  return { scenarios, problems: found ? problems : [] };
}

/** Loads the runbooks once at start; a broken file is skipped with a warning, never fatal. */
export function loadRunbookSet(dir: string, log: Logger): Runbook[] {
  const { runbooks, problems } = loadRunbooks(dir);
  for (const p of problems) log.warn({ file: p.file, line: p.line, severity: p.severity }, `runbook: ${p.message}`);
  return runbooks;
}
