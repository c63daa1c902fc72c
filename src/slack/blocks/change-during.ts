import type { ChangeEvent } from '../../domain.js';
import { esc } from '../escape.js';
import { section, type SlackMessage } from './types.js';

/** A deploy or config change that arrived while the incident is open, said in its channel. */
export function renderChangeDuring(change: ChangeEvent): SlackMessage {
  const text = `🔧 New ${change.kind.replace('_', ' ')} change to *${esc(change.service)}* during this incident: ${esc(change.summary)}${change.author ? ` (${esc(change.author)})` : ''}`;
  return { text, blocks: [section(text)] };
}
