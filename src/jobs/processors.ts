import { UnrecoverableError, type Job } from 'bullmq';
import type { IncidentService } from '../incidents/service.js';
import type { Logger } from '../log.js';
import type { ReportService } from '../reports/service.js';
import type { RunbookRuntime } from '../runbooks/runtime.js';
import { JOBS, type JobData, type JobName } from './catalog.js';

export interface ProcessorDeps {
  incidents: IncidentService;
  changes?: { record(change: JobData<'change.received'>['change']): Promise<unknown> };
  runbooks: RunbookRuntime;
  reports: ReportService;
  log: Logger;
}

type Handlers = { [N in JobName]: (data: JobData<N>, job: Job) => Promise<unknown> };

/** One line per job: parse, then hand to the service that owns the work. */
export function handlers(d: ProcessorDeps): Handlers {
  return {
    'alert.received': (data, job) => d.incidents.onAlert(data.alert, job.id!, data.truncated),
    'change.received': async (data) => {
      if (!d.changes) throw new Error('change store not wired');
      await d.changes.record(data.change);
      // A change to a service with an open incident belongs on that incident too.
      await d.incidents.onChange(data.change);
    },
    'incident.open': (data) => d.incidents.open(data.incidentId),
    'alerts.refresh': (data) => d.incidents.refreshAlerts(data.incidentId),
    'card.refresh': (data) => d.incidents.refreshCard(data.incidentId),
    'incident.command': (data) => d.incidents.command(data),
    'incident.declare': (data) => d.incidents.declare(data),
    'incident.escalate': (data) => d.incidents.escalate(data.incidentId, data.n),
    'incident.remind': (data) => d.incidents.remind(data.incidentId, data.anchor, data.n),
    'checklist.toggle': (data) => d.runbooks.toggle(data),
    'checks.run': (data) => d.runbooks.runChecks(data.incidentId, data.runbook, data.runId),
    'runbook.attach': (data) => d.incidents.attachRunbook(data),
    'summary.post': (data, job) => d.reports.postSummary(data.incidentId, { periodic: data.periodic, runId: data.runId ?? job.id! }),
    'postmortem.post': (data) => d.reports.postPostmortem(data.incidentId, { runId: data.runId, reason: data.reason }),
    'timeline.pin': (data) => d.reports.pin(data),
  };
}

/** The BullMQ processor function for a set of handlers. */
export function processor(h: Handlers, log: Logger) {
  return async (job: Job) => {
    const name = job.name as JobName;
    const spec = JOBS[name];
    if (!spec) throw new UnrecoverableError(`unknown job ${job.name}`);
    const parsed = spec.schema.safeParse(job.data);
    if (!parsed.success) {
      log.error({ job: job.name, jobId: job.id, issues: parsed.error.issues.slice(0, 5) }, 'job payload does not match its schema');
      throw new UnrecoverableError(`bad payload for ${job.name}`);
    }
    const handler = h[name] as (data: unknown, job: Job) => Promise<unknown>;
    return handler(parsed.data, job);
  };
}
