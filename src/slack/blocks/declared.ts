import type { Incident } from '../../incidents/model.js';
import { cut, esc, mention } from '../escape.js';
import { SEVERITY_LABEL } from '../../words.js';
import { section, type Block, type SlackMessage } from './types.js';

/** The first message under the card of a declared incident: who declared it, and what to do next. */
export function renderDeclared(inc: Incident): SlackMessage {
  const who = mention(inc.declaredBy);
  const blocks: Block[] = [
    section(`🚨 ${who} declared this incident: *${esc(cut(inc.title, 200))}* (${SEVERITY_LABEL[inc.severity]}).`),
  ];
  if (inc.description) blocks.push(section(`>${cut(esc(inc.description), 2800).replace(/\n/g, '\n>')}`));
  blocks.push(section('Take it with *Acknowledge* on the pinned card or `/incident ack`; the first to acknowledge leads. `/incident help` lists everything else.'));
  return { text: `${who} declared this incident: ${esc(cut(inc.title, 200))}`, blocks };
}
