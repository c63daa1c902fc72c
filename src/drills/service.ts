import { z } from 'zod';
import type { ChangeEvent } from '../domain.js';
import { incidentIdFor, jobIds, shortHash } from '../ids.js';
import type { Incident } from '../incidents/model.js';
import { postOnce, tagOf } from '../incidents/post-once.js';
import type { IncidentStore } from '../incidents/store.js';
import type { Logger } from '../log.js';
import type { TimelineStore } from '../timeline/store.js';
import { formatDuration } from '../words.js';
import { drillSpeed, nextBatch, schedule, type DrillClock, type ScheduledEvent } from './clock.js';
import type { Scenario } from './format.js';
import { drillAlert, drillChange, newDrillIncident } from './incident.js';
import type { DrillChangeView, DrillChat, DrillScheduler, DrillView } from './ports.js';
import { scorecard, type Scorecard } from './scorecard.js';
import { findScenario, type DrillSet } from './set.js';

/** `/incident drill <name>`, as the `drill.start` job carries it (its schema). */
export const drillStartSchema = z.object({
  scenario: z.string().min(1).max(64),
  userId: z.string().min(1),
  /** Where it was typed: a refusal is told there. */
  channelId: z.string().optional(),
  /** The delivery (`drill:<id>`, from the command's trigger_id): the drill's incident id derives from it. */
  sourceId: z.string().min(1),
});
export type DrillStart = z.infer<typeof drillStartSchema>;

export interface DrillDeps {
  drills: () => DrillSet;
  store: IncidentStore;
  numbers: { next(): Promise<number> };
  timeline: TimelineStore;
  chat: DrillChat;
  scheduler: DrillScheduler;
  /** Opens the incident's channel the way every incident opens (card, checklist, what changed). */
  open: (incidentId: string) => Promise<void>;
  /** Puts a change on the incident's timeline, as changes of real incidents are. */
  recordChange: (incidentId: string, change: ChangeEvent) => Promise<void>;
  /** DRILL_SPEED, when set. */
  speed?: number;
  now: () => Date;
  log: Logger;
}

const clockOf = (inc: Incident): DrillClock => ({ startedAt: new Date(inc.drill!.startedAt), speed: inc.drill!.speed });

/**
 * Drills: a scenario played as an incident. Its incident is marked `drill` (only the starter
 * invited, no escalation, no announcement, not listed or counted), opened like any incident with
 * its runbook; its alerts go through Beacon's intake in the drill's own group, its changes onto
 * the drill's timeline only (never the change store every real incident reads: docs/drills.md,
 * "Why a drill's changes skip the change intake"), its hints into the channel, each when the
 * scenario's clock says; on resolve, the scorecard. Every step is idempotent on the drill's
 * delivery and event index.
 */
export class DrillService {
  constructor(private readonly d: DrillDeps) {}

  scenarios(): DrillSet {
    return this.d.drills();
  }

  /** Starts a drill for a person; returns its incident id, or undefined when told why not. */
  async start(p: DrillStart): Promise<string | undefined> {
    const found = findScenario(this.d.drills(), p.scenario);
    if (!found.ok) {
      if (p.channelId) await this.d.chat.tell(p.channelId, p.userId, { kind: 'refusal', refusal: found });
      return undefined;
    }
    const scenario = found.value;
    const inc = await this.ensureIncident(incidentIdFor('drill', p.sourceId), scenario, p.userId);
    // A retried start of a drill that is over changes nothing.
    if (inc.status === 'resolved') return inc.id;
    // What changed before the start goes on the timeline first: the opening's "what changed" shows it.
    for (const s of schedule(scenario.events, clockOf(inc))) {
      if (s.event.kind === 'change' && s.event.atMs <= 0) await this.recordChange(inc, s);
    }
    await this.d.open(inc.id);
    await this.postOnce(inc.id, 'drill-started', (cur) => ({
      kind: 'drill-started',
      incident: cur,
      starter: p.userId,
      scenario: { name: scenario.name, title: scenario.title, runbook: scenario.runbook, ...(scenario.briefing ? { briefing: scenario.briefing } : {}) },
      speed: cur.drill!.speed,
    }));
    await this.run(inc.id, 0);
    return inc.id;
  }

  private async ensureIncident(id: string, scenario: Scenario, starter: string): Promise<Incident> {
    const { store } = this.d;
    if (!(await store.get(id))) {
      const number = await this.d.numbers.next();
      const speed = drillSpeed(scenario.speed, this.d.speed);
      await store.create(newDrillIncident(id, number, scenario, { starter, startedAt: this.d.now(), speed }));
    }
    const inc = (await store.get(id))!;
    if (inc.status === 'resolved') return inc;
    await store.claimGroup(inc.group, id);
    await this.d.timeline.append(id, {
      id: 'drill.started',
      kind: 'drill',
      at: inc.drill!.startedAt,
      actor: starter,
      text: `${scenario.title} (scenario ${scenario.name}${inc.drill!.speed !== 1 ? `, clock ×${inc.drill!.speed}` : ''})`,
      data: { scenario: scenario.name, speed: inc.drill!.speed },
    });
    return inc;
  }

  /**
   * Plays the drill's events from `from` on: everything due now, in order, then one job for the
   * next. A resolved drill plays nothing more.
   */
  async run(incidentId: string, from: number): Promise<void> {
    const inc = await this.d.store.get(incidentId);
    if (!inc?.drill || inc.status === 'resolved') return;
    const scenario = this.scenarioOf(inc);
    if (!scenario) return;
    const { due, next } = nextBatch(scenario.events, clockOf(inc), from, this.d.now());
    for (const s of due) await this.handle(inc, s);
    if (next) await this.d.scheduler.events(incidentId, next.index, next.delayMs);
  }

  private async handle(inc: Incident, s: ScheduledEvent): Promise<void> {
    const ev = s.event;
    if (ev.kind === 'alert') {
      await this.d.scheduler.alert(drillAlert(inc, ev.alert, s.occursAt, this.d.now()), jobIds.drillAlert(inc.id, ev.index));
      return;
    }
    if (ev.kind === 'change') {
      const change = await this.recordChange(inc, s);
      // Before the start it is in "what changed"; after it, said in the channel as it arrives.
      // Flagged `drill`: the view has no incident, and every message of a drill says DRILL.
      if (ev.atMs > 0) await this.postOnce(inc.id, `drill-change:${ev.index}`, () => ({ kind: 'change-during', change, drill: true }));
      return;
    }
    await this.d.timeline.append(inc.id, { id: `drill.hint:${ev.index}`, kind: 'hint', at: s.occursAt.toISOString(), actor: 'beacon', text: ev.text });
    await this.postOnce(inc.id, `drill-hint:${ev.index}`, (cur) => ({ kind: 'drill-hint', incident: cur, text: ev.text, at: ev.at }));
  }

  private async recordChange(inc: Incident, s: ScheduledEvent): Promise<ChangeEvent> {
    if (s.event.kind !== 'change') throw new Error('not a change');
    const change = drillChange(inc.id, s.event.index, s.event.change, s.occursAt);
    await this.d.recordChange(inc.id, change);
    return change;
  }

  /** On resolve: the scorecard, once per resolve (a reopened drill resolved again is scored again). */
  async score(incidentId: string, runId: string): Promise<Scorecard | undefined> {
    const inc = await this.d.store.get(incidentId);
    const scenario = inc ? this.scenarioOf(inc) : undefined;
    if (!inc || !scenario || !inc.slack.channelId) return undefined;
    const card = scorecard(inc, await this.d.timeline.list(incidentId), scenario);
    await this.postOnce(incidentId, `drill-scorecard:${shortHash(runId)}`, (cur) => ({ kind: 'drill-scorecard', incident: cur, scorecard: card }));
    await this.d.timeline.append(incidentId, { id: `drill.scored:${runId}`, kind: 'scorecard', at: this.d.now().toISOString(), actor: 'beacon', text: scoreLine(card) });
    return card;
  }

  /** The scenario a drill's incident plays, if it is still loaded. */
  scenarioOf(inc: Incident): Scenario | undefined {
    const name = inc.drill?.scenario;
    const found = name ? this.d.drills().scenarios.find((s) => s.name === name) : undefined;
    if (name && !found) this.d.log.warn({ incidentId: inc.id, scenario: name }, 'drill scenario no longer loaded: its events and scorecard are skipped');
    return found;
  }

  private async postOnce(incidentId: string, slot: string, view: (inc: Incident) => DrillView | DrillChangeView): Promise<void> {
    const inc = await this.d.store.get(incidentId);
    if (!inc?.slack.channelId) throw new Error(`drill ${incidentId}: no channel yet for ${slot}`);
    await postOnce({ chat: this.d.chat, channelId: inc.slack.channelId, tag: tagOf(incidentId, slot), view: () => view(inc), mayExist: true });
  }
}

/** The scorecard in one line, for the timeline and the postmortem. */
export function scoreLine(c: Scorecard): string {
  const pair = (what: string, f: { drillMs?: number; referenceMs?: number }) =>
    `${what} ${f.drillMs === undefined ? 'not reached' : `after ${formatDuration(f.drillMs, 'words')}`} (reference ${formatDuration(f.referenceMs, 'words')})`;
  const steps = c.misleading.drill.length;
  return [
    pair('acknowledged', c.acknowledge),
    c.cause.found ? pair('root cause found', c.cause) : `root cause not found (reference ${formatDuration(c.cause.referenceMs, 'words')})`,
    pair('resolved', c.resolve),
    `${steps} step${steps === 1 ? '' : 's'} ticked before the cause (reference ${c.misleading.reference.length} misleading path${c.misleading.reference.length === 1 ? '' : 's'})`,
  ].join('; ');
}
