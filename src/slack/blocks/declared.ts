import type { Incident } from '../../incidents/model.js';
import { cut, esc } from '../escape.js';
import { mentions, type Who } from './people.js';
import { SEVERITY_LABEL } from '../../words.js';
import { section, type Block, type SlackMessage } from './types.js';

/**
 * The first message under the card of a declared incident: who declared it (named, not pinged:
 * they know), and what to do next. A private incident says who can see it.
 */
export function renderDeclared(inc: Incident, name: Who = mentions): SlackMessage {
  const who = name(inc.declaredBy);
  const blocks: Block[] = [
    section(`🚨 ${who} declared this incident: *${esc(cut(inc.title, 200))}* (${SEVERITY_LABEL[inc.severity]}).`),
  ];
  if (inc.description) blocks.push(section(`>${cut(esc(inc.description), 2800).replace(/\n/g, '\n>')}`));
  if (inc.private) blocks.push(section('🔒 This incident is private: only the people in this channel see it. Bring someone in with `/incident role <role> @someone` or by inviting them.'));
  blocks.push(section('Take it with *Acknowledge* on the pinned card or `/incident ack`; the first to acknowledge leads. `/incident help` lists everything else.'));
  return { text: `${who} declared this incident: ${esc(cut(inc.title, 200))}`, blocks };
}
