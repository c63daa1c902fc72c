import type { ChangeEvent } from '../domain.js';
import type { TaggedPoster } from '../incidents/post-once.js';
import type { RunbookChecklistState } from './checklist-store.js';
import type { Runbook } from './format.js';

/** The messages a runbook shows in an incident channel; the chat adapter renders them (`drill`: marked DRILL). */
export type RunbookView =
  /** "What changed before this started": the service's changes in the runbook's window. */
  | { kind: 'changes'; changes: ChangeEvent[]; service?: string; since: Date; incidentStart: Date; drill?: boolean }
  /** A runbook's checklist with its ticks and latest check results. */
  | { kind: 'checklist'; incidentId: string; runbook: Runbook; state: RunbookChecklistState; now: Date; drill?: boolean };

/** What the runbook runtime needs from a chat platform. */
export type RunbookChat = TaggedPoster<RunbookView>;
