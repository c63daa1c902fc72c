import { z } from 'zod';
import { ALERT_SOURCES, CHANGE_KINDS, SEVERITIES } from '../domain.js';

/**
 * The job catalog: every job Beacon queues, its queue and the schema of its data. Processors
 * (jobs/processors.ts) parse with these schemas; a payload that fails is a bug upstream and
 * fails for good (UnrecoverableError) instead of being retried forever.
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

const alertSchema = z.object({
  source: z.enum(ALERT_SOURCES),
  fingerprint: z.string().min(1),
  group: z.string().min(1),
  status: z.enum(['firing', 'resolved', 'acknowledged']),
  title: z.string(),
  severity: z.enum(SEVERITIES),
  service: z.string().optional(),
  description: z.string().optional(),
  link: z.string().optional(),
  runbookUrl: z.string().optional(),
  links: z.array(z.object({ label: z.string(), url: z.string() })).optional(),
  labels: z.record(z.string(), z.string()),
  startsAt: z.string(),
  endsAt: z.string().optional(),
});

const incidentRef = z.object({ incidentId: z.string().min(1) });

export const JOBS = {
  'alert.received': {
    queue: QUEUES.intake,
    schema: z.object({ alert: alertSchema, truncated: z.number().int().nonnegative().optional() }),
  },
  'change.received': {
    queue: QUEUES.intake,
    schema: z.object({
      change: z.object({
        id: z.string(),
        service: z.string(),
        kind: z.enum(CHANGE_KINDS),
        summary: z.string(),
        author: z.string().optional(),
        link: z.string().optional(),
        version: z.string().optional(),
        at: z.string(),
      }),
    }),
  },
  'incident.open': { queue: QUEUES.incidents, schema: incidentRef },
  'alerts.refresh': { queue: QUEUES.incidents, schema: incidentRef },
  'card.refresh': { queue: QUEUES.incidents, schema: incidentRef },
  /** `/incident declare` or its form: opens an incident for a person. */
  'incident.declare': {
    queue: QUEUES.incidents,
    schema: z.object({
      /** Slack delivery (the command's trigger_id): the incident id derives from it. */
      sourceId: z.string().min(1),
      title: z.string().min(1).max(300),
      severity: z.enum(SEVERITIES),
      service: z.string().max(200).optional(),
      description: z.string().max(4000).optional(),
      userId: z.string().min(1),
      channelId: z.string().optional(),
    }),
  },
  /** Escalation `n` (1..3) of an incident nobody acknowledged; re-checks the state when it runs. */
  'incident.escalate': {
    queue: QUEUES.timers,
    schema: z.object({ incidentId: z.string().min(1), n: z.number().int().min(1).max(10) }),
  },
  /** Nudges the lead when the quiet period that started at `anchor` (ISO time) lasted too long. */
  'incident.remind': {
    queue: QUEUES.timers,
    schema: z.object({ incidentId: z.string().min(1), anchor: z.string().min(1), n: z.number().int().min(1) }),
  },
  /** A person's command or card click on one incident. */
  'incident.command': {
    queue: QUEUES.incidents,
    schema: z.object({
      incidentId: z.string().min(1),
      verb: z.string().min(1).max(20),
      args: z.string().max(4000),
      userId: z.string().min(1),
      channelId: z.string().optional(),
      /** Slack delivery it came from: the timeline records it once. */
      sourceId: z.string().min(1),
    }),
  },
  /** A checkbox click on a runbook checklist. */
  'checklist.toggle': {
    queue: QUEUES.incidents,
    schema: z.object({
      incidentId: z.string().min(1),
      blockId: z.string().min(1).max(255),
      selected: z.array(z.string().max(150)).max(10),
      /** The message's blocks as the person saw them: tells which box changed. */
      messageBlocks: z.unknown().optional(),
      userId: z.string().min(1),
      actionTs: z.string().min(1).max(40),
      messageTs: z.string().min(1).max(40),
    }),
  },
  /** Runs a runbook's automated checks (HTTP calls wait here, not in the incidents queue). */
  'checks.run': {
    queue: QUEUES.timers,
    schema: z.object({ incidentId: z.string().min(1), runbook: z.string().min(1).max(64), runId: z.string().min(1).max(100) }),
  },
  /** `/incident runbook <name>`: attach another runbook and post its checklist. */
  'runbook.attach': {
    queue: QUEUES.incidents,
    schema: z.object({ incidentId: z.string().min(1), name: z.string().min(1).max(100), userId: z.string().min(1), channelId: z.string().optional(), runId: z.string().min(1) }),
  },
  /** A channel summary: periodic (job scheduler per incident) or asked for. */
  'summary.post': {
    queue: QUEUES.timers,
    schema: z.object({ incidentId: z.string().min(1), periodic: z.boolean(), runId: z.string().min(1).optional() }),
  },
  /** The postmortem draft uploaded to the channel: on resolve, or asked for. */
  'postmortem.post': {
    queue: QUEUES.timers,
    schema: z.object({ incidentId: z.string().min(1), reason: z.enum(['resolved', 'asked']), runId: z.string().min(1) }),
  },
  /** A `:pushpin:` reaction in an incident channel. */
  'timeline.pin': {
    queue: QUEUES.incidents,
    schema: z.object({ channelId: z.string().min(1), ts: z.string().min(1).max(40), reactor: z.string().min(1) }),
  },
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
