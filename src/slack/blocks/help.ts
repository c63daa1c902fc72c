import { esc } from '../escape.js';
import type { SlackMessage } from './types.js';
import { section } from './types.js';

/** Every `/incident` verb, in the order help lists them. `where: 'incident'` verbs need an incident channel. */
export const COMMAND_VERBS = [
  { verb: 'help', usage: 'help', what: 'this list', where: 'anywhere' },
  { verb: 'declare', usage: 'declare <title> [sev1..sev4]', what: 'open an incident channel (no title: a form)', where: 'anywhere' },
  { verb: 'list', usage: 'list', what: 'open incidents and their channels', where: 'anywhere' },
  { verb: 'status', usage: 'status', what: 'where the incident stands', where: 'incident' },
  { verb: 'ack', usage: 'ack', what: 'acknowledge; the first to acknowledge leads', where: 'incident' },
  { verb: 'sev', usage: 'sev <1-4>', what: 'change severity (1 is the worst)', where: 'incident' },
  { verb: 'lead', usage: 'lead <@user>', what: 'hand over the lead', where: 'incident' },
  { verb: 'update', usage: 'update <text>', what: 'post a status update to the channel', where: 'incident' },
  { verb: 'note', usage: 'note <text>', what: 'add a note to the timeline only', where: 'incident' },
  { verb: 'task', usage: 'task <text>', what: 'a follow-up for the postmortem', where: 'incident' },
  { verb: 'runbook', usage: 'runbook [name]', what: 'show or attach a runbook', where: 'incident' },
  { verb: 'summary', usage: 'summary', what: 'summarize the incident so far', where: 'incident' },
  { verb: 'mitigate', usage: 'mitigate [what was done]', what: 'impact is stopped', where: 'incident' },
  { verb: 'resolve', usage: 'resolve [what fixed it]', what: 'resolve; the postmortem is drafted', where: 'incident' },
  { verb: 'reopen', usage: 'reopen', what: 'take a resolved incident back', where: 'incident' },
  { verb: 'postmortem', usage: 'postmortem', what: 'the postmortem draft as a file', where: 'incident' },
] as const;

export type CommandVerb = (typeof COMMAND_VERBS)[number]['verb'];

// `<title>` must be escaped even inside backticks: Slack reads `<@user>` as a mention first.
const line = (v: (typeof COMMAND_VERBS)[number]) => `\`/incident ${esc(v.usage)}\` · ${v.what}`;

export const HELP_TEXT = [
  '*Beacon: `/incident` commands*',
  ...COMMAND_VERBS.filter((v) => v.where === 'anywhere').map(line),
  '_Inside an incident channel:_',
  ...COMMAND_VERBS.filter((v) => v.where === 'incident').map(line),
].join('\n');

export function renderHelp(prefix?: string): SlackMessage {
  const text = prefix ? `${prefix}\n\n${HELP_TEXT}` : HELP_TEXT;
  return { text, blocks: [section(text)] };
}
