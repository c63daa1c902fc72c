import type { Incident } from '../../incidents/model.js';
import { IncidentStore } from '../../incidents/store.js';
import type { SlackSimulator } from '../slack-simulator.js';
import { createOut, type Out } from './out.js';
import { printChannel, printPostmortem, printSecond } from './print.js';
import type { StoryChannel } from './slack.js';
import { startDemo, type Demo, type DemoOptions } from './start.js';
import { rotationCaught, transactionAlert } from './story-detect.js';
import { fixAndResolve, takeProbeIncident } from './story-respond.js';

/** What the demo showed, for a test to check against its print-out. */
export interface DemoReport {
  /** Everything it printed. */
  output: string;
  /** The simulated Slack, stopped, with everything Beacon did in it. */
  sim: SlackSimulator;
  /** The demo clock's 08:18, when the update rotated the key. */
  rotationAt: Date;
  /** Incident #1, the probe's, and #2, the transaction alert's. */
  probe: StoryChannel & { incident: Incident };
  alert: StoryChannel & { incident: Incident };
  /** Each status the stand-in gateway answered, in order. */
  gatewayAnswers: number[];
}

/**
 * `npm run demo`: the seed incident replayed offline, with a probe on the payment gateway that
 * catches the 08:18 credentials rotation before the 08:30 transaction alert.
 */
export async function runDemo(opts: DemoOptions & { write?: (s: string) => void } = {}): Promise<DemoReport> {
  const out = createOut(opts.write ?? ((s) => process.stdout.write(s)));
  const demo = await startDemo(opts);
  try {
    intro(demo, out);
    const { probe, rotationAt } = await rotationCaught(demo, out);
    await takeProbeIncident(demo, out, probe);
    const alert = await transactionAlert(demo, out, probe);
    const file = await fixAndResolve(demo, out, probe, alert);
    printChannel(demo, out, probe);
    printSecond(demo, out, alert);
    printPostmortem(demo, out, file);
    const withDoc = async (ch: StoryChannel) => ({ ...ch, incident: await incidentOf(demo, ch) });
    const report = { sim: demo.sim, rotationAt, probe: await withDoc(probe), alert: await withDoc(alert), gatewayAnswers: demo.gateway.answers };
    out.say('\nDemo finished.');
    return { ...report, output: out.text() };
  } finally {
    await demo.stop();
  }
}

function intro(demo: Demo, out: Out): void {
  const day = demo.clock.day.toISOString().slice(0, 10);
  out.say('Beacon demo: the seed incident (2024-06-03: checkout could not take payments for 1 h 45 min after a');
  out.say('routine update broke the payment gateway credentials), replayed offline with a local Slack simulator,');
  out.say('a private Redis and a stand-in payment gateway, with a probe on the gateway this time.');
  out.say('');
  out.say(`Simulated: the clock and the probe's schedule. Beacon runs on the demo's clock, which reads the`);
  out.say(`seed's times (on ${day}, UTC) and is moved forward between steps, so 20 minutes of story take`);
  out.say("seconds. The worker's every-30-s schedule for the probe is replaced by runs the demo queues itself");
  out.say("at that clock's 30-second marks. Everything else is Beacon as it runs: its webhooks, jobs, checks");
  out.say('and Slack calls, over real HTTP and Redis.');
}

async function incidentOf(demo: Demo, ch: StoryChannel): Promise<Incident> {
  const id = await demo.redis.get(demo.keys.channel(ch.channel.id));
  const inc = id ? await new IncidentStore(demo.redis, demo.keys).get(id) : undefined;
  if (!inc) throw new Error(`demo: no incident for #${ch.channel.name}`);
  return inc;
}
