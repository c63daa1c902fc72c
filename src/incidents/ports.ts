import type { ChangeEvent, Severity } from '../domain.js';
import type { Refusal } from '../result.js';
import type { RunbookView } from '../runbooks/ports.js';
import type { TaggedPoster } from './post-once.js';
import type { Incident } from './model.js';
import type { AlertRecord } from './store.js';

/**
 * What the incident domain needs from a chat platform, named for the need. Data goes in and out;
 * the adapter (src/slack/chat.ts) renders every view and is the only code that knows Slack.
 */

/** The messages an incident shows. Each is rendered by the adapter from this data alone. */
export type IncidentView =
  /** The pinned card; `roles` are INCIDENT_ROLES, each shown with its holder. */
  | { kind: 'card'; incident: Incident; now: Date; roles?: readonly string[] }
  /** The incident's one message in INCIDENT_ANNOUNCE_CHANNEL, kept current (never for a private incident). */
  | { kind: 'announce'; incident: Incident; now: Date }
  | { kind: 'alerts'; incident: Incident; alerts: AlertRecord[] }
  | { kind: 'declared'; incident: Incident }
  /** A verb's change, said in the channel (`verb` names the renderer; unknown verbs get a plain sentence). */
  | { kind: 'announcement'; verb: string; incident: Incident; before: Incident; by: string; text?: string; now: Date }
  | { kind: 'escalation'; incident: Incident; targets: string[]; n: number; max: number; now: Date }
  | { kind: 'reminder'; incident: Incident; quietMs: number; fallback: string[] }
  /** A deploy or config change that arrived while the incident is open. */
  | { kind: 'change-during'; change: ChangeEvent };

/** What only the person who asked sees. */
export type PrivateView =
  | { kind: 'refusal'; refusal: Pick<Refusal, 'reason' | 'user'> }
  /** A `record` verb's confirmation (`verb` names the renderer). */
  | { kind: 'recorded'; verb: string; text: string };

export type OpenChannel = { ok: true; id: string } | { ok: false; reason: 'name_taken' | 'invalid_name' };

/** The incident's channel also shows its runbooks' messages (what changed, the checklist). */
export interface IncidentChat extends TaggedPoster<IncidentView | RunbookView> {
  /** A new channel; a private one for a private incident (only those invited see it). */
  openChannel(name: string, opts?: { private?: boolean }): Promise<OpenChannel>;
  /** The channel of that exact name (public or private) if Beacon itself made it (a crash after create, before recording). */
  findOwnChannel(name: string): Promise<string | null>;
  /** Invites people; those already there are fine, and one unknown id keeps no one else out. */
  invite(channelId: string, userIds: string[]): Promise<void>;
  pin(channelId: string, ts: string): Promise<void>;
  /** Sets the channel topic from the incident unless it already reads so; returns the topic now set. */
  syncTopic(channelId: string, incident: Incident, current: string | undefined): Promise<string>;
  tell(channelId: string, userId: string, view: PrivateView): Promise<void>;
}

/** Follow-up work the incident service asks for; BullMQ carries it (jobs/scheduler.ts). */
export interface Scheduler {
  /** Runs the opening steps of an incident (idempotent: one job id per incident); the most severe open first. */
  openIncident(incidentId: string, severity?: Severity): Promise<void>;
  /** Sets the channel topic from the incident after `delayMs` (a topic put off under Slack's limits). */
  syncTopic?(incidentId: string, delayMs: number): Promise<void>;
  /** Debounced: many calls within a moment make one update of the alerts message. */
  refreshAlerts(incidentId: string): Promise<void>;
  refreshCard(incidentId: string): Promise<void>;
  /** Escalation `n` after `delayMs`; one job id per incident and `n`. */
  escalate(incidentId: string, n: number, delayMs: number): Promise<void>;
  /** Drops pending escalations (the job also re-checks the state when it runs). */
  cancelEscalation(incidentId: string): Promise<void>;
  /** Reminder `n` of the quiet period that started at `anchor`; one job id per incident, anchor and `n`. */
  remind(incidentId: string, anchor: string, n: number, delayMs: number): Promise<void>;
  /** A run of a runbook's automated checks; one job per incident, runbook and run id. */
  runChecks(incidentId: string, runbook: string, runId: string): Promise<void>;
  /** The postmortem draft, uploaded once per run id. */
  draftPostmortem(incidentId: string, runId: string, reason: 'resolved' | 'asked'): Promise<void>;
  /** Periodic summaries every `ms` until stopped. */
  summariesEvery(incidentId: string, ms: number): Promise<void>;
  stopSummaries(incidentId: string): Promise<void>;
  /** A resolved drill's scorecard, posted once per run id (src/drills/service.ts). */
  scoreDrill?(incidentId: string, runId: string): Promise<void>;
}
