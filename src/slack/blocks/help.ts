import { VERBS, type Verb } from '../../incidents/verbs.js';
import { esc } from '../escape.js';
import type { SlackMessage } from './types.js';
import { section } from './types.js';

/** Every `/incident` verb as help lists them (from the verb table, in its order). */
export const COMMAND_VERBS = VERBS.map((v) => ({ verb: v.name, usage: v.usage, what: v.what, where: v.where }));

// `<title>` must be escaped even inside backticks: Slack reads `<@user>` as a mention first.
const line = (v: Verb) => `\`/incident ${esc(v.usage)}\` · ${v.what}`;

/** The help text from the verb table as it is now (a verb added to the table shows at once). */
export function helpText(): string {
  return [
    '*Beacon: `/incident` commands*',
    ...VERBS.filter((v) => v.where === 'anywhere').map(line),
    '_Inside an incident channel:_',
    ...VERBS.filter((v) => v.where === 'incident').map(line),
  ].join('\n');
}

export const HELP_TEXT = helpText();

export function renderHelp(prefix?: string): SlackMessage {
  const text = prefix ? `${prefix}\n\n${helpText()}` : helpText();
  return { text, blocks: [section(text)] };
}
