import type { ChangeEvent } from '../../domain.js';
import type { Incident } from '../../incidents/model.js';
import type { AlertRecord } from '../../incidents/store.js';
import type { TimelineEvent } from '../../timeline/events.js';

/** How far before detection a change is put in front of the team as a root-cause candidate. */
export const CHANGE_WINDOW_MS = 6 * 3600 * 1000;

/** One step of the incident's runbook checklist, as the postmortem sees it. */
export interface ChecklistStep {
  id: string;
  text: string;
  done: boolean;
  /** Slack user id of whoever ticked it. */
  by?: string;
  /** ISO time of the tick. */
  at?: string;
}

/** Everything the postmortem draft is written from (see `gatherPostmortem`). */
export interface PostmortemInput {
  incident: Incident;
  /** The incident's timeline, in any order. */
  timeline: TimelineEvent[];
  alerts: AlertRecord[];
  /** Changes to the incident's service; those from 6 hours before detection to the end are used. */
  changes: ChangeEvent[];
  checklist?: { runbook: string; steps: ChecklistStep[] };
  /** Slack user id -> display name. */
  users?: Record<string, string>;
  now: Date;
}
