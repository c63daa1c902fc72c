import { z } from 'zod';
import type { ChangeStore } from '../changes/store.js';
import type { ChangeEvent } from '../domain.js';
import type { Incident } from '../incidents/model.js';
import type { IncidentStore } from '../incidents/store.js';
import type { Logger } from '../log.js';
import { postOnce, tagOf } from '../incidents/post-once.js';
import { ok, refuse, type Result } from '../result.js';
import type { TimelineStore } from '../timeline/store.js';
import type { ChecklistStore } from './checklist-store.js';
import { runStepChecks, type CheckContext, type CheckResult } from './checks/index.js';
import type { Runbook } from './format.js';
import { findRunbook, matchRunbook } from './match.js';
import type { RunbookChat, RunbookView } from './ports.js';

/** A checkbox click, as the chat adapter read it (which steps changed): the `checklist.toggle` job's data. */
export const checklistToggleSchema = z.object({
  incidentId: z.string().min(1),
  /** Which box, ticked or not. */
  toggles: z.array(z.object({ runbook: z.string().min(1).max(64), stepId: z.string().min(1).max(20), done: z.boolean() })).max(50),
  userId: z.string().min(1),
  actionTs: z.string().min(1).max(40),
  messageTs: z.string().min(1).max(40),
  /** The delivery: tick job ids derive from it. */
  delivery: z.string().min(1).max(64),
});
export type ChecklistToggle = z.infer<typeof checklistToggleSchema>;
export type StepToggle = ChecklistToggle['toggles'][number];

/** How far back "what changed" looks when the runbook does not say. */
export const DEFAULT_CHANGE_HOURS = 6;

export interface RunbookRuntimeDeps {
  runbooks: () => readonly Runbook[];
  checklists: ChecklistStore;
  changes: ChangeStore;
  timeline: TimelineStore;
  incidents: IncidentStore;
  chat: RunbookChat;
  /** Queues a run of the runbook's automated checks (a job, so the worker does the waiting). */
  runChecks: (incidentId: string, runbook: string, runId: string) => Promise<void>;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  log: Logger;
  /** The latest result of a probe (runbook, check), for an incident a probe opened. */
  probeResult?: (runbook: string, check: string) => Promise<CheckResult | undefined>;
  /**
   * A drill's incident never asks real systems, nor reads real changes: its changes and check
   * results come from its scenario (src/drills/checks.ts).
   */
  drill?: {
    changes(incidentId: string): CheckContext['changes'];
    checks(inc: Incident, rb: Runbook, ctx: CheckContext): Promise<Map<string, CheckResult>>;
  };
}

/**
 * Runbooks during an incident: which one applies, the "what changed" and checklist messages,
 * ticks, automated checks. Every write is idempotent on its Slack delivery or job id.
 */
export class RunbookRuntime {
  constructor(private readonly d: RunbookRuntimeDeps) {}

  list(): readonly Runbook[] {
    return this.d.runbooks();
  }

  /** The incident's main runbook: the one attached first, else the best match, attached now. */
  async mainRunbook(inc: Incident): Promise<Runbook | undefined> {
    const attached = await this.d.checklists.runbooks(inc.id);
    if (attached[0]) return findRunbook(this.d.runbooks(), attached[0]);
    // A probe's alert names its runbook.
    const named = inc.labels.beacon_runbook ? findRunbook(this.d.runbooks(), inc.labels.beacon_runbook) : undefined;
    const rb = named ?? matchRunbook(this.d.runbooks(), {
      ...(inc.service ? { service: inc.service } : {}),
      ...(inc.labels.alertname ? { alertname: inc.labels.alertname } : {}),
      labels: inc.labels,
    });
    if (!rb) return undefined;
    await this.d.checklists.attach(inc.id, rb.name, { first: true });
    return rb;
  }

  /** Runbook responders invited with INCIDENT_RESPONDERS. */
  async responders(inc: Incident): Promise<string[]> {
    return (await this.mainRunbook(inc))?.responders ?? [];
  }

  /** The runbook's escalation group or users, for the escalation message. */
  async escalationTargets(inc: Incident): Promise<string[]> {
    return (await this.mainRunbook(inc))?.escalation ?? [];
  }

  /** The window of the runbook's own `recent_changes` check for this service (not ones about other services). */
  private windowHours(rb: Runbook | undefined, service: string | undefined): number {
    const hours = Object.values(rb?.checks ?? {})
      .filter((c) => c.type === 'recent_changes')
      .filter((c) => {
        const other = (c as { service?: string }).service;
        return !other || other.toLowerCase() === service?.toLowerCase();
      })
      .map((c) => (c as { hours: number }).hours);
    return hours.length ? Math.max(...hours) : DEFAULT_CHANGE_HOURS;
  }

  /** Where the incident's changes are: the change store, or a drill's own timeline. */
  private changeSource(inc: Incident): Pick<ChangeStore, 'between'> {
    return inc.drill && this.d.drill ? this.d.drill.changes(inc.id) : this.d.changes;
  }

  /** Changes of the incident's service in the window before it started, newest first. */
  async changesBefore(inc: Incident, rb: Runbook | undefined): Promise<{ changes: ChangeEvent[]; since: Date }> {
    const start = new Date(inc.detectedAt);
    const since = new Date(start.getTime() - this.windowHours(rb, inc.service) * 3_600_000);
    const changes = inc.service ? await this.changeSource(inc).between(inc.service, since, this.d.now(), 50) : [];
    return { changes, since };
  }

  /**
   * The "what changed before this started" message, and the changes on the timeline (the seed
   * incident's root cause was a credentials change nobody looked at for 75 minutes).
   */
  async changesView(inc: Incident, rb: Runbook | undefined): Promise<RunbookView> {
    const { changes, since } = await this.changesBefore(inc, rb);
    for (const c of changes) await this.recordChange(inc.id, c);
    return { kind: 'changes', changes, ...(inc.service ? { service: inc.service } : {}), since, incidentStart: new Date(inc.detectedAt), ...(inc.drill ? { drill: true } : {}) };
  }

  /**
   * A newly opened incident's automated checks, when its runbook has any. The run id is the
   * incident's opening: reopening or a re-run opening checks nothing twice.
   */
  async startChecks(inc: Incident): Promise<void> {
    // A drill's checks run when someone runs them: running one is part of what the drill scores.
    if (inc.drill) return;
    const rb = await this.mainRunbook(inc);
    if (rb && Object.keys(rb.checks).length) await this.d.runChecks(inc.id, rb.name, 'open');
  }

  async recordChange(incidentId: string, c: ChangeEvent): Promise<void> {
    await this.d.timeline.append(incidentId, {
      id: `change:${c.id}`,
      kind: 'change',
      at: c.at,
      ...(c.author ? { actor: c.author } : {}),
      text: c.summary,
      data: { id: c.id, kind: c.kind, service: c.service, ...(c.version ? { version: c.version } : {}), ...(c.link ? { link: c.link } : {}) },
    });
  }

  /**
   * An incident a probe opened shows the probe's failing result on the steps of that check from
   * its first message: what failed is the first thing a responder reads.
   */
  async seedFromProbe(inc: Incident, rb: Runbook): Promise<void> {
    const check = inc.labels.beacon_probe;
    if (!check || inc.labels.beacon_runbook !== rb.name || !this.d.probeResult) return;
    const result = await this.d.probeResult(rb.name, check);
    if (!result) return;
    const at = this.d.now();
    for (const step of rb.steps.filter((s) => s.check === check)) {
      await this.d.checklists.setCheckResult(inc.id, rb.name, step.id, result, at);
      await this.d.timeline.append(inc.id, {
        id: `check:${rb.name}:${step.id}:probe`,
        kind: 'check.result',
        at: at.toISOString(),
        actor: 'beacon',
        text: result.summary,
        data: { runbook: rb.name, stepId: step.id, check, status: result.status, step: step.text },
      });
    }
  }

  async checklistView(inc: Incident, rb: Runbook): Promise<RunbookView> {
    const state = await this.d.checklists.stateOf(inc.id, rb.name);
    return { kind: 'checklist', incidentId: inc.id, runbook: rb, state, now: this.d.now(), ...(inc.drill ? { drill: true } : {}) };
  }

  async rememberChecklistMessage(incidentId: string, runbook: string, channel: string, ts: string): Promise<void> {
    await this.d.checklists.setMessage(incidentId, runbook, { channel, ts });
  }

  /** Re-renders one runbook's checklist message from the stored state. */
  async refreshChecklist(incidentId: string, runbookName: string): Promise<void> {
    const rb = findRunbook(this.d.runbooks(), runbookName);
    if (!rb) return;
    await this.d.incidents.withLock(incidentId, async () => {
      const inc = await this.d.incidents.get(incidentId);
      const state = await this.d.checklists.stateOf(incidentId, rb.name);
      if (!inc || !state.message) return;
      await this.d.chat.update(state.message.channel, state.message.ts, { kind: 'checklist', incidentId, runbook: rb, state, now: this.d.now(), ...(inc.drill ? { drill: true } : {}) });
    });
  }

  /**
   * A checkbox click, as the chat adapter read it (which steps changed). Each change is recorded
   * once per delivery, on the checklist and the timeline, then the message is re-rendered.
   */
  async toggle(p: ChecklistToggle): Promise<void> {
    const { toggles } = p;
    const at = new Date(Math.round(Number(p.actionTs) * 1000) || this.d.now().getTime());
    const touched = new Set<string>();
    for (const t of toggles) {
      const rb = findRunbook(this.d.runbooks(), t.runbook);
      const step = rb?.steps.find((s) => s.id === t.stepId);
      if (!rb || !step) continue;
      const sourceId = `${p.messageTs}:${p.actionTs}:${p.userId}`;
      const res = await this.d.checklists.setTick(p.incidentId, rb.name, step.id, t.done, p.userId, at, sourceId);
      if (!res.changed) continue;
      touched.add(rb.name);
      await this.d.timeline.append(p.incidentId, {
        id: `tick:${rb.name}:${step.id}:${sourceId}`,
        kind: t.done ? 'checklist.tick' : 'checklist.untick',
        at: at.toISOString(),
        actor: p.userId,
        text: step.text,
        data: { runbook: rb.name, stepId: step.id },
      });
    }
    for (const name of touched) await this.refreshChecklist(p.incidentId, name);
  }

  /** Runs the runbook's automated checks; results land on the steps and the timeline as evidence. */
  async runChecks(incidentId: string, runbookName: string, runId: string): Promise<void> {
    const rb = findRunbook(this.d.runbooks(), runbookName);
    const inc = await this.d.incidents.get(incidentId);
    if (!rb || !inc) return;
    const ctx: CheckContext = {
      ...(inc.service ? { service: inc.service } : {}),
      incidentStart: new Date(inc.detectedAt),
      now: this.d.now(),
      env: this.d.env,
      changes: this.changeSource(inc),
    };
    // An incident a probe opened already shows the probe's result on its steps (seedFromProbe):
    // the opening run leaves that check out rather than asking the gateway a second time.
    const probed = runId === 'open' && inc.labels.beacon_runbook === rb.name ? inc.labels.beacon_probe : undefined;
    const run = probed ? { ...rb, steps: rb.steps.filter((s) => s.check !== probed) } : rb;
    const results = inc.drill && this.d.drill ? await this.d.drill.checks(inc, rb, ctx) : await runStepChecks(run, ctx);
    const at = this.d.now();
    for (const [stepId, result] of results) {
      await this.d.checklists.setCheckResult(incidentId, rb.name, stepId, result, at);
      const step = rb.steps.find((s) => s.id === stepId);
      await this.d.timeline.append(incidentId, {
        id: `check:${rb.name}:${stepId}:${runId}`,
        kind: 'check.result',
        at: at.toISOString(),
        actor: 'beacon',
        text: result.summary,
        data: { runbook: rb.name, stepId, check: step?.check ?? stepId, status: result.status, step: step?.text ?? stepId },
      });
    }
    await this.refreshChecklist(incidentId, rb.name);
  }

  /**
   * `/incident runbook <name>`: attaches another runbook and posts its checklist. Returns what to
   * tell the person when it cannot.
   */
  async attach(incidentId: string, name: string, runId: string): Promise<Result<Runbook>> {
    const rb = findRunbook(this.d.runbooks(), name);
    if (!rb) return refuse(`No runbook named \`${name.slice(0, 80)}\`. Known: ${this.d.runbooks().map((r) => `\`${r.name}\``).join(', ') || 'none'}.`);
    const inc = await this.d.incidents.get(incidentId);
    const channelId = inc?.slack.channelId;
    if (!inc || !channelId) return refuse('This incident has no channel yet.');
    await this.d.checklists.attach(incidentId, rb.name);
    const state = await this.d.checklists.stateOf(incidentId, rb.name);
    if (!state.message) {
      // No ts recorded: a post may have gone out before a crash, so look for its tag first.
      await postOnce({
        chat: this.d.chat,
        channelId,
        tag: tagOf(incidentId, `checklist:${rb.name}`),
        view: () => this.checklistView(inc, rb),
        mayExist: true,
        record: {
          posted: async () => undefined,
          wasSent: async () => true,
          markSent: async () => {},
          record: (ts) => this.rememberChecklistMessage(incidentId, rb.name, channelId, ts),
        },
      });
      await this.d.timeline.append(incidentId, { id: `runbook:${rb.name}`, kind: 'runbook.attached', at: this.d.now().toISOString(), actor: 'beacon', text: rb.title });
      if (Object.keys(rb.checks).length) await this.d.runChecks(incidentId, rb.name, `${runId}`);
    }
    return ok(rb);
  }
}
