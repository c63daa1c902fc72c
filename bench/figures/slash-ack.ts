/**
 * 4. Slash-command ack while the storm runs: /incident help through the simulator, sampled during
 * each storm round (the storm figure runs the sampler below) and on the idle web before it.
 */
import type { BenchContext } from '../context.js';
import { f0, pct, sleep, verdict } from '../lib.js';
import type { Section } from '../report.js';

/** At most this many samples during the storm, spread evenly over its rounds. */
export const ACK_SAMPLES = 200;

/** Sends `/incident help` in #general, as often as the returned function is called. */
function helper(ctx: BenchContext) {
  const general = ctx.sim.channelByName('general')!;
  return () => ctx.sim.slashCommand({ text: 'help', channelId: general.id, userId: 'U0000001' });
}

/** Reference: the same command on the idle web process, before any storm. */
export async function measureIdleAcks(ctx: BenchContext): Promise<void> {
  const help = helper(ctx);
  for (let i = 0; i < 50; i++) {
    ctx.acks.idle.push((await help()).ms);
    await sleep(10);
  }
}

/** What a storm round tells the sampler: whether its requests are still arriving, and when it is quiet. */
export interface StormPhase {
  ingestDone: boolean;
  quiet: boolean;
}

/**
 * From 100 ms after a storm round starts until it is quiet, one ack at a time with 20 ms pauses,
 * until ctx.acks.storm holds `cap` samples.
 */
export async function sampleAcks(ctx: BenchContext, phase: StormPhase, cap: number): Promise<void> {
  const help = helper(ctx);
  await sleep(100); // let the storm get going first
  while (!phase.quiet && ctx.acks.storm.length < cap) {
    const d = await help();
    if (d.status !== 200) ctx.acks.statusBad++;
    ctx.acks.storm.push({ ms: d.ms, duringIngest: !phase.ingestDone });
    await sleep(20);
  }
}

export async function slashAck(ctx: BenchContext): Promise<Section> {
  const { storm, idle, statusBad } = ctx.acks;
  if (!storm.length) throw new Error('no samples taken');
  const all = storm.map((a) => a.ms);
  const during = storm.filter((a) => a.duringIngest).map((a) => a.ms);
  const p99 = pct(all, 99);
  return {
    title: '4. Slash command ack while the storm runs',
    rows: [
      { figure: `/incident help ack p50 / p99 (ms), ${all.length} samples`, value: `${f0(pct(all, 50))} / ${f0(p99)}` },
      { figure: 'p99 ack (ms)', value: f0(p99), target: '< 50', verdict: p99 < 50 ? 'met' : verdict(p99, 50, 'max') },
      { figure: `  while the requests were arriving: p50 / p99 (ms), ${during.length} samples`, value: during.length ? `${f0(pct(during, 50))} / ${f0(pct(during, 99))}` : '-' },
      { figure: `  reference, idle web before the storm: p50 / p99 (ms), ${idle.length} samples`, value: `${f0(pct(idle, 50))} / ${f0(pct(idle, 99))}` },
    ],
    notes: [
      `sim.slashCommand() (signed form POST through fetch to /slack/events) one at a time with 20 ms pauses, from 100 ms after each storm round started until its queue was quiet, at most ${ACK_SAMPLES} samples spread evenly over the rounds; ms is as the simulator measures it (whole milliseconds).`,
      'The simulator and this sampler run in the bench process; the storm load client runs in a process of its own. Slack calls per ack are visible in item 2 (auth.test count).',
      ...(statusBad ? [`${statusBad} acks were not HTTP 200.`] : []),
    ],
  };
}
