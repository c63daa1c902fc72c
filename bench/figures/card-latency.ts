/**
 * 3. Alert to incident card: one new alert group at a time into Beacon's web + worker (after the
 * storm, when it ran: the same, now quiet, pair), timed to the card's chat.postMessage.
 */
import { HEADERS, type BenchContext } from '../context.js';
import { f0, f1, f2, mb, pct, sleep, verdict, waitUntil } from '../lib.js';
import type { Section } from '../report.js';

const SAMPLES = 50;

function probe(i: number): string {
  return JSON.stringify({
    title: `Card latency probe ${i}: payment errors`,
    severity: 'critical',
    service: `svc-${i}`,
    group: `card-probe-${i}`,
    fingerprint: `card-probe-${i}`,
    description: 'payment_success_rate fell from 99% to 38%',
  });
}

/**
 * The first successful chat.postMessage from call `from` on whose metadata key ends in ':card'
 * (and is `key`, when given: `<incident id>:card`).
 */
export function findCard(ctx: BenchContext, from: number, key?: string): { at: number } | undefined {
  const { calls } = ctx.sim;
  for (let k = from; k < calls.length; k++) {
    const c = calls[k]!;
    const meta = (c.params.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key;
    if (c.method === 'chat.postMessage' && c.ok && typeof meta === 'string' && meta.endsWith(':card') && (key === undefined || meta === key)) return c;
  }
  return undefined;
}

const RTT_MS = 100;
const RTT_SAMPLES = 20;

/** Sends one new alert group and waits for its card; ms from the request to the card call's arrival. */
async function oneCard(ctx: BenchContext, port: number, i: number, to202: number[]): Promise<number> {
  const from = ctx.sim.calls.length;
  const started = Date.now();
  const t = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/webhooks/generic`, { method: 'POST', headers: HEADERS, body: probe(i) });
  await res.text();
  to202.push(performance.now() - t);
  if (res.status !== 202) throw new Error(`alert answered ${res.status}`);
  let card: { at: number } | undefined;
  await waitUntil(() => (card = findCard(ctx, from)) !== undefined, 15_000, 2, `card of probe ${i}`);
  return card!.at - started;
}

export async function cardLatency(ctx: BenchContext): Promise<Section> {
  const { web, worker } = await ctx.beacon();
  const toCard: number[] = [];
  const to202: number[] = [];
  // With every Slack answer 100 ms away (a realistic round trip): how many round trips the card
  // takes, to its answer. The physical limit is 2: the channel must exist before the card is posted.
  const rtts: number[] = [];
  ctx.sim.setLatency(RTT_MS);
  try {
    for (let i = 0; i < RTT_SAMPLES; i++) {
      rtts.push((await oneCard(ctx, web.port!, 10_000 + i, [])) + RTT_MS);
      await sleep(RTT_MS * 6);
    }
  } finally {
    ctx.sim.setLatency(0);
  }
  const rttP50 = pct(rtts, 50) / RTT_MS;
  for (let i = 0; i < SAMPLES; i++) {
    toCard.push(await oneCard(ctx, web.port!, i, to202));
    // Let the incident's follow-ups (alerts message, topic) finish before the next sample.
    await sleep(50);
  }
  const p50 = pct(toCard, 50);
  ctx.rss.push({ process: 'web', phase: '3 alert->card', mb: mb(await web.peakRss()) });
  ctx.rss.push({ process: 'worker', phase: '3 alert->card', mb: mb(await worker.peakRss()) });
  const when = ctx.stormRan ? 'after the storm' : 'to a freshly started web + worker (the storm did not run)';
  return {
    title: '3. Alert to incident card',
    rows: [
      { figure: `request start -> card posted: p50 (ms), ${SAMPLES} samples`, value: f0(p50), target: '< 150', verdict: p50 < 150 ? 'met' : verdict(p50, 150, 'max') },
      { figure: 'request start -> card posted: p99 (ms)', value: f0(pct(toCard, 99)) },
      { figure: 'request -> 202: p50 / p99 (ms)', value: `${f1(pct(to202, 50))} / ${f1(pct(to202, 99))}` },
      { figure: `with ${RTT_MS} ms per Slack call: request -> card answered, p50 (round trips), ${RTT_SAMPLES} samples`, value: f2(rttP50), target: '<= 2.5', verdict: verdict(rttP50, 2.5, 'max') },
      { figure: `with ${RTT_MS} ms per Slack call: p50 / p99 (ms)`, value: `${f0(pct(rtts, 50))} / ${f0(pct(rtts, 99))}` },
    ],
    notes: [
      `Each sample a new alert group (new incident), sent sequentially ${when}; end time is the simulator's recorded \`at\` of the chat.postMessage whose metadata key ends in ':card' (Date.now() resolution, same clock as the start).`,
      'The card is posted after the channel is created (conversations.create), so this includes every Slack call before it.',
      `Round trips: the simulator holds every Web API answer ${RTT_MS} ms; the figure is (card call's arrival + ${RTT_MS} ms - request start) / ${RTT_MS} ms, measured before the samples above.`,
    ],
  };
}
