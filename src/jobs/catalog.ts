import { DelayedError, type Job, type JobsOptions } from 'bullmq';
import { z } from 'zod';
import { alertSchema, changeEventSchema, SEVERITIES, type Severity } from '../domain.js';
import { incidentCommandSchema, runbookAttachSchema } from '../incidents/commanding.js';
import { declarationSchema } from '../incidents/opening.js';
import { drillStartSchema, type DrillService } from '../drills/service.js';
import { MAX_EVENTS } from '../drills/format.js';
import { jobIds } from '../ids.js';
import { RetryLater, withPriority } from '../retry-later.js';
import type { ChangeStore } from '../changes/store.js';
import type { IncidentService } from '../incidents/service.js';
import type { ProbeService } from '../probes/service.js';
import { pinSchema, type ReportService } from '../reports/service.js';
import { checklistToggleSchema, type RunbookRuntime } from '../runbooks/runtime.js';

/**
 * The job catalog: every job Beacon queues, declared once with `defineJob`: its queue, the zod
 * schema its data is typed by, the deterministic id it is queued under, and the one call that
 * handles it. Producers (Queues.add), the processor and the scheduler all read this table.
 * A payload that fails its schema is a bug upstream and fails for good (UnrecoverableError).
 */
export const QUEUES = {
  /** Alerts and changes from webhooks: can burst to thousands a second. */
  intake: 'intake',
  /** Slack effects per incident and everything people do in Slack: kept short so a storm in
   * `intake` never delays a click. */
  incidents: 'incidents',
  /** Delayed work that waits minutes (escalations, reminders): kept apart so that the two queues
   * above hold only work that is due, and "nothing waiting" means the system is quiet. */
  timers: 'timers',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** The services a handler hands its job to; wiring.ts builds them. */
export interface JobServices {
  incidents: IncidentService;
  changes: ChangeStore;
  runbooks: RunbookRuntime;
  reports: ReportService;
  probes: ProbeService;
  drills: DrillService;
}

export interface JobSpec<S extends z.ZodType = z.ZodType> {
  queue: QueueName;
  schema: S;
  /** The deterministic job id, from the data alone; none for jobs whose producer names the id. */
  id?: (data: z.infer<S>) => string;
  /** Options every enqueue of this job gets (delay, deduplication, attempts...). */
  options?: (data: z.infer<S>) => JobsOptions;
  handler: (data: z.infer<S>, s: JobServices, job: Job) => Promise<unknown>;
}

export function defineJob<S extends z.ZodType>(spec: JobSpec<S>): JobSpec<S> {
  return { ...spec, handler: (data, s, job) => laterIfPaced(job, () => spec.handler(data, s, job)) };
}

/**
 * A handler that met RetryLater (Beacon's Slack pacing: the call was not sent) runs again when
 * its slot comes, the attempt not counted: the job is moved back to delayed, keeping its
 * priority, instead of sleeping in the worker with an incident's lock held.
 */
async function laterIfPaced<T>(job: Job, run: () => Promise<T>): Promise<T> {
  try {
    // The job's priority goes with its Slack calls: a scarce slot goes to the most urgent.
    return await withPriority(job.opts?.priority ?? 0, run, job.id);
  } catch (err) {
    if (!(err instanceof RetryLater) || !job.token) throw err;
    // On a 100 ms grid: jobs put off together wake together, and BullMQ's priority picks among them.
    const at = Math.ceil((Date.now() + Math.max(1, err.delayMs)) / 100) * 100;
    await job.moveToDelayed(at, job.token);
    throw new DelayedError();
  }
}

/**
 * BullMQ priority of an incident's opening: the most severe first when many wait (a mass
 * outage under Slack's limits). Jobs without a priority (commands, clicks, refreshes) still come
 * before every prioritized one, which is what people waiting on a click want.
 */
export const OPEN_PRIORITY: Readonly<Record<Severity, number>> = { sev1: 1, sev2: 2, sev3: 3, sev4: 4 };
/** After every opening: a channel topic put off under Slack's limits. */
const TOPIC_PRIORITY = 10;

/** How long alert-message refreshes are gathered before one `chat.update`. */
export const ALERTS_DEBOUNCE_MS = 1000;

const incidentRef = z.object({ incidentId: z.string().min(1) });

/** Identical deliveries within this window collapse into one job (sender retries). */
export const INTAKE_DEDUP_SECONDS = 600;

/**
 * How long a job from a sender keeps its id taken: the dedup window. (Drills' and probes' own
 * `alert.received` jobs keep the default retention, so `alert.received` does not declare it:
 * the webhook intake gives it per delivery, src/http/intake-pipe.ts.)
 */
export const intakeRetention = (): JobsOptions => ({ removeOnComplete: { age: INTAKE_DEDUP_SECONDS, count: 50_000 } });

export const JOBS = {
  'alert.received': defineJob({
    queue: QUEUES.intake,
    schema: z.object({ alert: alertSchema, truncated: z.number().int().nonnegative().optional() }),
    // The webhook names each job after its delivery and position (jobIds.alert).
    handler: (data, s, job) => s.incidents.onAlert(data.alert, job.id!, data.truncated),
  }),
  'change.received': defineJob({
    queue: QUEUES.intake,
    schema: z.object({ change: changeEventSchema }),
    id: (data) => jobIds.change(data.change.id),
    options: intakeRetention,
    handler: async (data, s) => {
      await s.changes.record(data.change);
      // A change to a service with an open incident belongs on that incident too.
      await s.incidents.onChange(data.change);
    },
  }),
  'incident.open': defineJob({
    queue: QUEUES.incidents,
    schema: incidentRef.extend({ severity: z.enum(SEVERITIES).optional() }),
    // One job id per incident: every alert of a new incident asks, one job runs. A failed one is
    // removed so that the next alert can ask again.
    id: (data) => jobIds.open(data.incidentId),
    options: (data) => ({ removeOnFail: true, ...(data.severity ? { priority: OPEN_PRIORITY[data.severity] } : {}) }),
    handler: (data, s) => s.incidents.open(data.incidentId),
  }),
  'alerts.refresh': defineJob({
    queue: QUEUES.incidents,
    schema: incidentRef,
    // At most one waiting and one running refresh per incident; the waiting one reads the latest
    // state when it runs, so nothing recorded before it is missed.
    options: (data) => ({ delay: ALERTS_DEBOUNCE_MS, deduplication: { id: jobIds.alertsDedup(data.incidentId), keepLastIfActive: true } }),
    handler: (data, s) => s.incidents.refreshAlerts(data.incidentId),
  }),
  'card.refresh': defineJob({
    queue: QUEUES.incidents,
    schema: incidentRef,
    options: (data) => ({ deduplication: { id: jobIds.cardDedup(data.incidentId), keepLastIfActive: true } }),
    handler: (data, s) => s.incidents.refreshCard(data.incidentId),
  }),
  /** The channel topic, put off while Slack's allowance for it was spent; reads the state when it runs. */
  'topic.sync': defineJob({
    queue: QUEUES.incidents,
    schema: incidentRef,
    options: (data) => ({ priority: TOPIC_PRIORITY, deduplication: { id: jobIds.topicDedup(data.incidentId), keepLastIfActive: true } }),
    handler: (data, s) => s.incidents.syncTopic(data.incidentId),
  }),
  /** `/incident declare` or its form: opens an incident for a person. */
  'incident.declare': defineJob({
    queue: QUEUES.incidents,
    schema: declarationSchema,
    id: (data) => jobIds.declare(data.sourceId),
    handler: (data, s) => s.incidents.declare(data),
  }),
  /** Escalation `n` (1..3) of an incident nobody acknowledged; re-checks the state when it runs. */
  'incident.escalate': defineJob({
    queue: QUEUES.timers,
    schema: z.object({ incidentId: z.string().min(1), n: z.number().int().min(1).max(10) }),
    id: (data) => jobIds.escalate(data.incidentId, data.n),
    handler: (data, s) => s.incidents.escalate(data.incidentId, data.n),
  }),
  /** Nudges the lead when the quiet period that started at `anchor` (ISO time) lasted too long. */
  'incident.remind': defineJob({
    queue: QUEUES.timers,
    schema: z.object({ incidentId: z.string().min(1), anchor: z.string().min(1), n: z.number().int().min(1) }),
    id: (data) => jobIds.remind(data.incidentId, data.anchor, data.n),
    handler: (data, s) => s.incidents.remind(data.incidentId, data.anchor, data.n),
  }),
  /** A person's command or card click on one incident. */
  'incident.command': defineJob({
    queue: QUEUES.incidents,
    schema: incidentCommandSchema,
    id: (data) => jobIds.command(data.sourceId),
    handler: (data, s) => s.incidents.command(data),
  }),
  /** A checkbox click on a runbook checklist, as the listener read it (which steps changed). */
  'checklist.toggle': defineJob({
    queue: QUEUES.incidents,
    schema: checklistToggleSchema,
    id: (data) => jobIds.tick(data.delivery),
    handler: (data, s) => s.runbooks.toggle(data),
  }),
  /** Runs a runbook's automated checks (HTTP calls wait here, not in the incidents queue). */
  'checks.run': defineJob({
    queue: QUEUES.timers,
    schema: z.object({ incidentId: z.string().min(1), runbook: z.string().min(1).max(64), runId: z.string().min(1).max(100) }),
    id: (data) => jobIds.checks(data.incidentId, data.runbook, data.runId),
    options: () => ({ attempts: 2 }),
    handler: (data, s) => s.runbooks.runChecks(data.incidentId, data.runbook, data.runId),
  }),
  /** `/incident runbook <name>`: attach another runbook and post its checklist. */
  'runbook.attach': defineJob({
    queue: QUEUES.incidents,
    schema: runbookAttachSchema,
    id: (data) => jobIds.runbook(data.runId),
    handler: (data, s) => s.incidents.attachRunbook(data),
  }),
  /** A channel summary: periodic (job scheduler per incident) or asked for. */
  'summary.post': defineJob({
    queue: QUEUES.timers,
    schema: z.object({ incidentId: z.string().min(1), periodic: z.boolean(), runId: z.string().min(1).optional() }),
    // Periodic runs come from a job scheduler (their id is BullMQ's); one asked for has a run id.
    id: (data) => jobIds.summary(data.runId ?? data.incidentId),
    handler: (data, s, job) => s.reports.postSummary(data.incidentId, { periodic: data.periodic, runId: data.runId ?? job.id! }),
  }),
  /** The postmortem draft uploaded to the channel: on resolve, or asked for. */
  'postmortem.post': defineJob({
    queue: QUEUES.timers,
    schema: z.object({ incidentId: z.string().min(1), reason: z.enum(['resolved', 'asked']), runId: z.string().min(1) }),
    id: (data) => jobIds.postmortem(data.runId),
    handler: (data, s) => s.reports.postPostmortem(data.incidentId, { runId: data.runId, reason: data.reason }),
  }),
  /** One run of a probe, from its job scheduler (one per probe, `every` apart, spread by offset). */
  'probe.run': defineJob({
    queue: QUEUES.timers,
    schema: z.object({ runbook: z.string().min(1).max(64), check: z.string().min(1).max(64) }),
    // A run that fails is not retried: the next period runs it again.
    options: () => ({ attempts: 1, removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } }),
    handler: (data, s) => s.probes.run(data.runbook, data.check),
  }),
  /** `/incident drill <name>`: declares the drill's incident, opens its channel, plays what is due. */
  'drill.start': defineJob({
    queue: QUEUES.incidents,
    schema: drillStartSchema,
    id: (data) => jobIds.drillStart(data.sourceId),
    handler: (data, s) => s.drills.start(data),
  }),
  /** A drill's clock: its events from `index` on, when they are due (then the next one is queued). */
  'drill.event': defineJob({
    queue: QUEUES.timers,
    schema: z.object({ incidentId: z.string().min(1), index: z.number().int().min(0).max(MAX_EVENTS) }),
    id: (data) => jobIds.drillEvents(data.incidentId, data.index),
    handler: (data, s) => s.drills.run(data.incidentId, data.index),
  }),
  /** A resolved drill's scorecard. */
  'drill.score': defineJob({
    queue: QUEUES.timers,
    schema: z.object({ incidentId: z.string().min(1), runId: z.string().min(1) }),
    id: (data) => jobIds.drillScore(data.incidentId, data.runId),
    handler: (data, s) => s.drills.score(data.incidentId, data.runId),
  }),
  /** A `:pushpin:` reaction in an incident channel. */
  'timeline.pin': defineJob({
    queue: QUEUES.incidents,
    schema: pinSchema,
    id: (data) => jobIds.pin(data.delivery),
    handler: (data, s) => s.reports.pin(data),
  }),
} as const;

export type JobName = keyof typeof JOBS;
export type JobData<N extends JobName> = z.infer<(typeof JOBS)[N]['schema']>;

/** Retry policy for every job: Slack or Redis trouble is waited out with exponential backoff. */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 3600, count: 20_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;
