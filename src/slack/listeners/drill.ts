import { findScenario } from '../../drills/set.js';
import { EMPTY_DRILLS } from '../../drills/set.js';
import { renderDrillList } from '../blocks/drill.js';
import { section } from '../blocks/types.js';
import { cut, esc } from '../escape.js';
import { deliveryId } from './deps.js';
import { queuedThen } from './enqueue.js';
import type { VerbAnswer, VerbContext } from './verb-context.js';

/**
 * `/incident drill`: lists the drill scenarios (and the files left out with their mistakes);
 * `/incident drill <name>` queues the `drill.start` job, whose id derives from the Slack delivery,
 * so a retried command starts one drill. A name that cannot run is answered at once.
 */
export async function drillVerb(ctx: VerbContext): Promise<VerbAnswer> {
  const set = ctx.deps.drills?.() ?? EMPTY_DRILLS;
  const name = ctx.args.trim().toLowerCase();
  if (!name) return renderDrillList(set);
  const found = findScenario(set, name);
  if (!found.ok) return { text: found.reason, blocks: [section(cut(esc(found.reason), 2900))] };
  const s = found.value;
  const id = deliveryId('drill', ctx.triggerId);
  const text = `🧯 Starting the drill *${esc(cut(s.title, 200))}* (\`${esc(s.name)}\`). Beacon is opening a \`drill-\` channel and will invite you alone; bring in whoever you practise with.`;
  const start = () => ctx.deps.queues.add('drill.start', { scenario: s.name, userId: ctx.userId, channelId: ctx.channelId, sourceId: `drill:${id}` });
  return queuedThen(ctx.deps, 'your drill', start, { text, blocks: [section(text)] });
}
