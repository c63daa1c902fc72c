/**
 * A runbook's automated checks inside a drill. A drill never calls a real system: a check the
 * scenario gives a result for shows that result; a `recent_changes` check reads the drill's own
 * changes (from its timeline, never the change store); any other check says it is not run in a
 * drill. The runbook runtime asks here instead of running the checks for a drill's incident.
 */
import type { ChangeEvent } from '../domain.js';
import { runCheck, type CheckContext, type CheckResult } from '../runbooks/checks/index.js';
import type { Runbook } from '../runbooks/format.js';
import type { TimelineEvent } from '../timeline/events.js';
import type { Scenario } from './format.js';

/** The changes a drill's timeline holds, as the change store answers for a service and a window. */
export function timelineChanges(events: () => Promise<readonly TimelineEvent[]>): CheckContext['changes'] {
  return {
    async between(service: string, from: Date, to: Date): Promise<ChangeEvent[]> {
      const all = (await events()).filter((ev) => ev.kind === 'change');
      const out = all.flatMap((ev): ChangeEvent[] => {
        const d = ev.data ?? {};
        const t = Date.parse(ev.at);
        if (String(d.service ?? '').toLowerCase() !== service.toLowerCase() || t < from.getTime() || t > to.getTime()) return [];
        const opt = (k: string) => (typeof d[k] === 'string' ? { [k]: d[k] as string } : {});
        return [{ id: String(d.id ?? ev.id), service: String(d.service), kind: d.kind as ChangeEvent['kind'], summary: ev.text, at: ev.at, ...opt('version'), ...opt('link'), ...(ev.actor ? { author: ev.actor } : {}) }];
      });
      return out.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    },
  };
}

const NOT_RUN: CheckResult = {
  status: 'error',
  summary: 'not run in a drill: it would ask a real system, and the scenario gives no result for it',
};

/** Each step's check result in the drill, in step order (the shape `runStepChecks` answers). */
export async function drillStepChecks(rb: Runbook, scenario: Scenario | undefined, ctx: CheckContext): Promise<Map<string, CheckResult>> {
  const byCheck = new Map<string, CheckResult>();
  const out = new Map<string, CheckResult>();
  for (const step of rb.steps) {
    if (!step.check) continue;
    let result = byCheck.get(step.check);
    if (!result) {
      const check = rb.checks[step.check];
      const made = scenario?.checks[step.check];
      result = made ?? (check?.type === 'recent_changes' ? await runCheck(check, ctx) : NOT_RUN);
      byCheck.set(step.check, result);
    }
    out.set(step.id, result);
  }
  return out;
}

/** What the runbook runtime asks of drills: a drill's changes and its checks' results. */
export function drillRuntime(
  scenarios: () => readonly Scenario[],
  timeline: { list(incidentId: string): Promise<TimelineEvent[]> },
): {
  changes(incidentId: string): CheckContext['changes'];
  checks(inc: { drill?: { scenario: string } }, rb: Runbook, ctx: CheckContext): Promise<Map<string, CheckResult>>;
} {
  return {
    changes: (incidentId) => timelineChanges(() => timeline.list(incidentId)),
    checks: (inc, rb, ctx) => drillStepChecks(rb, scenarios().find((s) => s.name === inc.drill?.scenario), ctx),
  };
}
