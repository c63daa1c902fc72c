import { section, type SlackMessage } from '../blocks/types.js';
import type { IncidentVerbContext, VerbAnswer } from './verb-context.js';

/*
 * Verbs whose engines are being built elsewhere (runbooks, summaries, postmortems). Each is one
 * small function with the shape every incident verb has, so that its real version replaces it
 * in `INCIDENT_VERBS` (command.ts) without touching anything else. Until then they answer
 * honestly instead of failing.
 */

const coming = (text: string): SlackMessage => ({ text, blocks: [section(text)] });

/** `/incident runbook [name]`: show the incident's runbook, or attach the named one. */
export async function runbookVerb(ctx: IncidentVerbContext): Promise<VerbAnswer> {
  void ctx;
  return coming('📘 `/incident runbook` is coming soon: runbook checklists are being wired into incident channels.');
}

/** `/incident summary`: summarize the incident so far in the channel. */
export async function summaryVerb(ctx: IncidentVerbContext): Promise<VerbAnswer> {
  void ctx;
  return coming('🧾 `/incident summary` is coming soon. Meanwhile `/incident status` shows where the incident stands.');
}

/** `/incident postmortem`: the postmortem draft as a file. */
export async function postmortemVerb(ctx: IncidentVerbContext): Promise<VerbAnswer> {
  void ctx;
  return coming('📝 `/incident postmortem` is coming soon. Everything you `note`, `update` and `task` is already kept for it.');
}
