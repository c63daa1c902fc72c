import type { SlackMessage } from '../blocks/types.js';
import type { ListenerDeps } from './deps.js';

/** What a verb handler gets: who typed what, where, and the listener's dependencies. */
export interface VerbContext {
  verb: string;
  /** Everything after the verb, trimmed, as Slack sent it. */
  args: string;
  userId: string;
  channelId: string;
  triggerId: string;
  /** The whole command text: with trigger and user, it identifies the delivery. */
  text: string;
  deps: ListenerDeps;
  /** The members of a channel (Slack's `conversations.members`), to show a private incident only to them. */
  members?: (channelId: string) => Promise<string[]>;
}

/** A verb used inside an incident channel also knows the incident. */
export interface IncidentVerbContext extends VerbContext {
  incidentId: string;
}

/**
 * A verb's answer to the one who typed it (ephemeral), or `null` when there is nothing to say
 * now: the worker applies the change and announces it in the channel.
 */
export type VerbAnswer = SlackMessage | null;

export type IncidentVerbHandler = (ctx: IncidentVerbContext) => Promise<VerbAnswer>;
