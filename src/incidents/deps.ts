import type { Severity } from '../domain.js';
import type { Logger } from '../log.js';
import type { RunbookRuntime } from '../runbooks/runtime.js';
import type { StatusStore } from '../status/store.js';
import type { TimelineStore } from '../timeline/store.js';
import type { IncidentChat, Scheduler } from './ports.js';
import type { IncidentStore } from './store.js';

/** An unacknowledged incident is escalated at most this many times, ESCALATION_MINUTES apart. */
export const MAX_ESCALATIONS = 3;
/** A quiet incident's lead is nudged at most this many times per quiet period (6 h at 30 min). */
export const MAX_REMINDERS = 12;

/** What every phase of the incident service works with; wiring.ts builds it once. */
export interface IncidentDeps {
  store: IncidentStore;
  timeline: TimelineStore;
  chat: IncidentChat;
  scheduler: Scheduler;
  log: Logger;
  now: () => Date;
  settings: {
    responders: string[];
    channelPrefix: string;
    /** ESCALATION_MINUTES; 0 turns escalation off. Default 10. */
    escalationMinutes?: number;
    /** How long an open incident may go without `/incident update` before its lead is nudged. Default 30. */
    reminderMinutes?: number;
    /** SUMMARY_INTERVAL_MINUTES; 0 (the default here) turns periodic summaries off. */
    summaryIntervalMinutes?: number;
    /** INCIDENT_ROLES, `lead` first; default lead, comms, scribe. */
    roles?: readonly string[];
    /** INCIDENT_ANNOUNCE_CHANNEL: a channel ID where each announced incident has one message. */
    announceChannel?: string;
    /** ANNOUNCE_SEVERITIES; default sev1, sev2. */
    announceSeverities?: readonly Severity[];
  };
  /** The public status page's store: `/incident update --public` records there (src/status/store.ts). */
  statusPage?: Pick<StatusStore, 'record'>;
  /** Runbooks: the matched checklist and "what changed" in the first messages, checks, escalation groups. */
  runbooks?: RunbookRuntime;
}
