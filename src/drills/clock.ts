/**
 * A scenario's clock: when each event of a drill is due, relative to the drill's start, played
 * `speed` times faster than real time (DRILL_SPEED or the scenario's `speed`, for tests and short
 * sessions). Pure: times in, times out.
 *
 * An event before the start (`at: -12m`, the change that caused it all) cannot arrive before the
 * drill began: it is due at the start, and says it happened at its own time (12 minutes before).
 * Events are handled in clock order, one batch at a time: everything due, then a wait for the next.
 */
import { MAX_SPEED, type ScenarioEvent } from './format.js';

export interface DrillClock {
  startedAt: Date;
  /** How many scenario milliseconds pass in one real millisecond. */
  speed: number;
}

/** The speed a drill runs at: DRILL_SPEED when set, else the scenario's, else real time. */
export function drillSpeed(scenarioSpeed: number | undefined, envSpeed: number | undefined): number {
  const speed = envSpeed ?? scenarioSpeed ?? 1;
  return Math.min(Math.max(speed, 1 / MAX_SPEED), MAX_SPEED);
}

/** When the event says it happened: the start plus its offset on this clock (before the start for `-12m`). */
export function occursAt(event: Pick<ScenarioEvent, 'atMs'>, clock: DrillClock): Date {
  return new Date(clock.startedAt.getTime() + Math.round(event.atMs / clock.speed));
}

/** When the event is handled: its time, or the start for events before it. */
export function dueAt(event: Pick<ScenarioEvent, 'atMs'>, clock: DrillClock): Date {
  return new Date(Math.max(clock.startedAt.getTime(), occursAt(event, clock).getTime()));
}

export interface ScheduledEvent {
  event: ScenarioEvent;
  occursAt: Date;
  dueAt: Date;
}

/** The whole run of a scenario on a clock, in the order it plays. */
export function schedule(events: readonly ScenarioEvent[], clock: DrillClock): ScheduledEvent[] {
  return [...events]
    .sort((a, b) => a.index - b.index)
    .map((event) => ({ event, occursAt: occursAt(event, clock), dueAt: dueAt(event, clock) }));
}

/**
 * What to handle now, from event `from` on: every event already due (in order; a late job catches
 * up), and the first one not due yet with how long to wait for it.
 */
export function nextBatch(
  events: readonly ScenarioEvent[],
  clock: DrillClock,
  from: number,
  now: Date,
): { due: ScheduledEvent[]; next?: { index: number; delayMs: number } } {
  const pending = schedule(events, clock).filter((s) => s.event.index >= from);
  const cut = pending.findIndex((s) => s.dueAt.getTime() > now.getTime());
  const due = cut < 0 ? pending : pending.slice(0, cut);
  const waiting = cut < 0 ? undefined : pending[cut];
  return { due, ...(waiting ? { next: { index: waiting.event.index, delayMs: waiting.dueAt.getTime() - now.getTime() } } : {}) };
}
