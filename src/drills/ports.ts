import type { Alert, ChangeEvent } from '../domain.js';
import type { Incident } from '../incidents/model.js';
import type { TaggedPoster } from '../incidents/post-once.js';
import type { IncidentView, PrivateView } from '../incidents/ports.js';
import type { Scorecard } from './scorecard.js';

/**
 * What drills need from the outside, named for the need: their messages (rendered by the chat
 * adapter, marked DRILL like every message of a drill's incident) and the job queue that carries
 * their clock and their alerts into Beacon's intake.
 */

/** The messages only drills post. */
export type DrillView =
  /** The first message under the card: what this is, who started it, how it is scored. */
  | { kind: 'drill-started'; incident: Incident; starter: string; scenario: { name: string; title: string; briefing?: string; runbook: string }; speed: number }
  /** A hint of the scenario, when it is due (customer complaints, a colleague's question). */
  | { kind: 'drill-hint'; incident: Incident; text: string; at: string }
  /** On resolve: the drill's figures beside the reference incident's. */
  | { kind: 'drill-scorecard'; incident: Incident; scorecard: Scorecard };

/**
 * A scenario change that arrives after the start, said in the drill's channel as a real change is
 * (the incidents' `change-during` view), flagged `drill` so that the adapter marks it DRILL like
 * every other message there: the view has no incident of its own to say so.
 */
export type DrillChangeView = Extract<IncidentView, { kind: 'change-during' }> & { drill: true; change: ChangeEvent };

export interface DrillChat extends Pick<TaggedPoster<DrillView | IncidentView>, 'post' | 'findTagged'> {
  tell(channelId: string, userId: string, view: PrivateView): Promise<void>;
}

/** The queue: the drill's clock, and its alerts into Beacon's normal intake (the `alert.received` job). */
export interface DrillScheduler {
  /** One alert of the drill, queued as a webhook's alert is, under its own job id. */
  alert(alert: Alert, jobId: string): Promise<void>;
  /** Runs the drill's events from `index` on after `delayMs` (one job per drill and index). */
  events(incidentId: string, index: number, delayMs: number): Promise<void>;
}
