/**
 * Drills in Slack: the DRILL mark every message of a drill's incident carries (card, checklist,
 * announcements, summaries, what changed), the drill's own messages (started, hint, scorecard)
 * and `/incident drill`'s list of scenarios. Pure: views in, Block Kit out.
 */
import type { DrillView } from '../../drills/ports.js';
import type { Figure, Scorecard } from '../../drills/scorecard.js';
import { problemLine, type DrillSet } from '../../drills/set.js';
import type { Incident } from '../../incidents/model.js';
import { formatDuration } from '../../words.js';
import { cut, esc } from '../escape.js';
import { mentions, type Who } from './people.js';
import { context, plain, section, type Block, type SlackMessage } from './types.js';

/** What every message of a drill starts with. */
export const DRILL_MARK = 'DRILL';
const BADGE = `🧯 *${DRILL_MARK}*`;

/**
 * True when the view belongs to a drill's incident. A view without an incident says so itself with
 * `drill` (a drill's checklist, its "what changed", a scenario change said when it arrives).
 */
export function isDrillView(v: { kind: string; incident?: Incident; summary?: { incident?: Incident }; drill?: boolean }): boolean {
  return !!(v.incident?.drill || v.summary?.incident?.drill || v.drill);
}

/**
 * Marks a message DRILL: the notification text, and the first block (a header's title, a
 * section's text), or a context line on top when the first block has no text of its own.
 */
export function markDrill(msg: SlackMessage): SlackMessage {
  const text = msg.text.startsWith(DRILL_MARK) ? msg.text : `${DRILL_MARK} · ${msg.text}`;
  const [first, ...rest] = msg.blocks;
  const t = first?.text as { type?: string; text?: string } | undefined;
  if (first && t?.text?.startsWith(DRILL_MARK)) return { text, blocks: msg.blocks };
  if (first?.type === 'header' && t?.text !== undefined) return { text, blocks: [{ ...first, text: { ...t, text: cut(`${DRILL_MARK} · ${t.text}`, 150) } }, ...rest] };
  if (first?.type === 'section' && t?.type === 'mrkdwn' && t.text !== undefined) return { text, blocks: [{ ...first, text: { ...t, text: cut(`${BADGE} · ${t.text}`, 3000) } }, ...rest] };
  const blocks = msg.blocks.length < 50 ? [context(`${BADGE}: practice, not a real incident`), ...msg.blocks] : msg.blocks;
  return { text, blocks };
}

/** The channel topic of a drill's incident. */
export const drillTopic = (topic: string): string => (topic.startsWith(DRILL_MARK) ? topic : cut(`${DRILL_MARK} | ${topic}`, 250));

const took = (ms: number | undefined) => (ms === undefined ? 'not reached' : formatDuration(ms, 'words'));

function verdict(f: Figure): string {
  if (!f.verdict || f.drillMs === undefined) return '';
  if (f.verdict === 'same') return ' · about the same';
  return ` · ${f.verdict === 'faster' ? '✅' : '⏳'} ${formatDuration(f.differenceMs, 'words')} ${f.verdict}`;
}

function row(label: string, f: Figure, who: Who, extra = ''): string {
  const by = f.by ? ` by ${who(f.by)}` : '';
  return `*${label}*${extra}\n${took(f.drillMs)}${f.drillMs !== undefined ? by : ''} · reference ${formatDuration(f.referenceMs, 'words')}${verdict(f)}`;
}

/** The scorecard: the drill's figures beside the reference's; people named without a mention. */
export function renderScorecard(c: Scorecard, who: Who = mentions): SlackMessage {
  const how = c.cause.found ? (c.cause.how === 'check' ? ' (its check run)' : ' (its step ticked)') : ' (not found)';
  const paths = c.misleading.drill;
  const pathLines = paths.slice(0, 10).map((m) => `• ${esc(cut(m.text, 150))} · after ${formatDuration(m.afterMs, 'words')}${m.by ? ` · ${who(m.by)}` : ''}`);
  const refPaths = c.misleading.reference.slice(0, 10).map((p) => `• ${esc(cut(p, 200))}`);
  const blocks: Block[] = [
    { type: 'header', text: plain(cut(esc(`🏁 Drill scorecard: ${c.title}`), 150)) },
    section(row('Time to acknowledge', c.acknowledge, who)),
    section(row('Time to the root cause', c.cause, who, how) + `\n_${esc(cut(c.cause.what, 200))}_`),
    section(row('Time to resolve', c.resolve, who)),
    section(
      `*Steps ticked before the cause*\n${paths.length} in this drill · ${c.misleading.reference.length} misleading path${c.misleading.reference.length === 1 ? '' : 's'} in the reference` +
        (pathLines.length ? `\n_This drill:_\n${pathLines.join('\n')}` : '') +
        (refPaths.length ? `\n_Reference:_\n${refPaths.join('\n')}` : ''),
    ),
  ];
  const notes = [`Scenario \`${esc(c.scenario)}\``, ...(c.referenceSource ? [`reference: ${esc(cut(c.referenceSource, 300))}`] : [])];
  if (c.speed !== 1) notes.push(`the clock ran ×${c.speed}: drill times are scenario time`);
  blocks.push(context(notes.join(' · ')));
  const text = `Drill scorecard: acknowledged ${took(c.acknowledge.drillMs)}, root cause ${c.cause.found ? took(c.cause.drillMs) : 'not found'}, resolved ${took(c.resolve.drillMs)}`;
  return { text, blocks: blocks.map((b) => (b.type === 'section' ? { ...b, text: { type: 'mrkdwn', text: cut(String((b.text as { text: string }).text), 3000) } } : b)) };
}

/** A drill's own messages. */
export function renderDrillView(v: DrillView, who: Who = mentions): SlackMessage {
  switch (v.kind) {
    case 'drill-started': {
      const speed = v.speed !== 1 ? ` The scenario's clock runs ×${v.speed}.` : '';
      const lines = [
        `${who(v.starter)} started a drill: *${esc(cut(v.scenario.title, 200))}* (scenario \`${esc(v.scenario.name)}\`). Practice: nobody else is paged, nothing is announced.`,
        ...(v.scenario.briefing ? [`>${cut(esc(v.scenario.briefing), 2000).replace(/\n/g, '\n>')}`] : []),
        `Alerts and changes arrive on the scenario's clock.${speed} Work it as a real incident with the \`${esc(v.scenario.runbook)}\` checklist; invite whoever you want to practise with. When you resolve, Beacon posts a scorecard against the reference incident.`,
      ];
      return { text: `Drill started: ${esc(cut(v.scenario.title, 200))}`, blocks: [section(cut(lines.join('\n'), 3000))] };
    }
    case 'drill-hint':
      return { text: `Drill hint: ${esc(cut(v.text, 200))}`, blocks: [section(cut(`💡 *Hint* (${esc(v.at)}): ${esc(v.text)}`, 3000))] };
    case 'drill-scorecard':
      return renderScorecard(v.scorecard, who);
  }
}

/** `/incident drill`: the scenarios, and the files that have mistakes. */
export function renderDrillList(set: DrillSet): SlackMessage {
  const lines = set.scenarios.map((s) => `• \`${esc(s.name)}\` · ${esc(cut(s.title, 120))}${s.description ? ` · _${esc(cut(s.description, 200))}_` : ''}`);
  const head = set.scenarios.length
    ? `*Drill scenarios* (\`/incident drill &lt;name&gt;\` runs one in its own channel; only you are invited)\n${lines.join('\n')}`
    : '*No drill scenarios are loaded.* Add scenario files to `DRILLS_DIR` (see docs/drills.md).';
  const broken = set.problems.filter((p) => p.severity === 'error');
  const blocks: Block[] = [section(cut(head, 3000))];
  if (broken.length) blocks.push(context(cut(`Left out, with mistakes: ${broken.slice(0, 8).map((p) => esc(problemLine(p))).join(' · ')}`, 3000)));
  return { text: set.scenarios.length ? `${set.scenarios.length} drill scenarios` : 'No drill scenarios are loaded.', blocks };
}
