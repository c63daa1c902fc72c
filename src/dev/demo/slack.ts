import type { SimChannel, SimMessage } from '../slack-simulator.js';
import { hms } from './clock.js';
import type { Out } from './out.js';
import { pause, waitFor } from './out.js';
import type { Demo } from './start.js';

export const ALICE = 'U0000001';
export const BOB = 'U0000002';
const NAMES: Record<string, string> = { [ALICE]: 'alice', [BOB]: 'bob' };

/** An incident channel of the story, and what its first messages were. */
export interface StoryChannel {
  /** `#1`, `#2`: how the print-out names it. */
  label: string;
  channel: SimChannel;
  /** The demo clock's time of its first message. */
  openedAt: Date;
}

/** The incident channel whose name matches, once its card, checklist, "what changed" and alerts are posted. */
export async function openedChannel(demo: Demo, label: string, name: RegExp): Promise<StoryChannel> {
  const { sim } = demo;
  const channel = await waitFor(() => sim.channels().find((c) => name.test(c.name)), `the channel ${name}`);
  const text = () => sim.transcript(channel.id);
  await waitFor(() => /What changed/.test(text()) && /\*Step 1\*/.test(text()) && /\bAlerts\b/.test(text()), `the first messages in #${channel.name}`);
  await settle(demo);
  const first = sim.messages(channel.id)[0]!;
  return { label, channel, openedAt: demo.clock.at(realMs(first)) };
}

/** The wall-clock time of a message (its ts). */
export const realMs = (m: SimMessage): number => Math.floor(Number(m.ts) * 1000);

/** Someone types `/incident <text>` in the channel at `hhmm` of the demo's clock. */
export async function command(demo: Demo, out: Out, at: string, ch: StoryChannel, userId: string, text: string): Promise<void> {
  const now = demo.clock.advanceTo(at);
  const res = await demo.sim.slashCommand({ text, channelId: ch.channel.id, userId, userName: NAMES[userId] ?? userId });
  out.say(`${hms(now).slice(0, 5)}  ${NAMES[userId]} in ${ch.label}: /incident ${text}  -> HTTP ${res.status}`);
  await settle(demo);
}

/**
 * Waits until Beacon has done what it was asked (no job waiting or running, none due within
 * 3 s: the debounced refreshes), twice in a row, so the clock moves on only after it.
 */
export async function settle(demo: Demo): Promise<void> {
  const busy = async () => {
    for (const q of Object.values(demo.queues.byName)) {
      const counts = await q.getJobCounts('waiting', 'active', 'prioritized');
      if (Object.values(counts).some((n) => n > 0)) return true;
      const delayed = await q.getJobs(['delayed']);
      if (delayed.some((j) => j.timestamp + (j.delay ?? 0) < Date.now() + 3000)) return true;
    }
    return false;
  };
  const deadline = Date.now() + 20_000;
  for (let idle = 0; idle < 2; ) {
    if (Date.now() > deadline) throw new Error('demo: Beacon still busy after 20 s');
    await pause(50);
    idle = (await busy()) ? 0 : idle + 1;
  }
}

/** Someone presses "Run checks again" on the channel's checklist. */
export async function pressRunChecks(demo: Demo, ch: StoryChannel, userId: string): Promise<number> {
  const { sim } = demo;
  const checklist = await waitFor(() => sim.messages(ch.channel.id).find((m) => JSON.stringify(m.blocks ?? []).includes('"checklist.run_check"')), 'the checklist');
  const res = await sim.blockAction({ userId, channelId: ch.channel.id, messageTs: checklist.ts, actionId: 'checklist.run_check' });
  return res.status;
}

/** The lines of the channel as people read it that match `re`, first match first. */
export function linesOf(demo: Demo, ch: StoryChannel, re: RegExp): string[] {
  return demo.sim.transcript(ch.channel.id).split('\n').filter((l) => re.test(l));
}
