import type { SimFileRef, SimMessage } from '../slack-simulator.js';
import { hms, type DemoClock } from './clock.js';
import type { Out } from './out.js';
import { linesOf, realMs, type StoryChannel } from './slack.js';
import type { Demo } from './start.js';

/**
 * The simulator stamps messages with the wall clock; the print-out shows the demo clock's time
 * of each message instead, the time Beacon read when it wrote them.
 */
function restamp(text: string, messages: SimMessage[], clock: DemoClock): string {
  let i = 0;
  return text.replace(/^(\s*(?:↳ )?)\[(\d\d:\d\d:\d\d)\]/gm, (whole: string, lead: string, wall: string) => {
    const m = messages[i++];
    if (!m || hms(new Date(realMs(m))) !== wall) return whole;
    return `${lead}[${hms(clock.at(realMs(m)))}]`;
  });
}

/** Incident #1's channel as responders saw it, in full. */
export function printChannel(demo: Demo, out: Out, ch: StoryChannel): void {
  const { sim } = demo;
  const now = sim.channel(ch.channel.id);
  out.rule(`Slack: #${ch.channel.name} (incident ${ch.label})`);
  out.say(`members: ${ch.channel.members.join(', ')}`);
  out.say(`topic:   ${now?.topic.value ?? ''}`);
  out.say(`pinned:  ${now?.pins.length ?? 0} message(s)`);
  out.say('');
  out.say(restamp(sim.transcript(ch.channel.id), sim.messages(ch.channel.id), demo.clock));
}

/** Incident #2's channel in a few lines: the same cause on screen, and where it was worked. */
export function printSecond(demo: Demo, out: Out, ch: StoryChannel): void {
  out.rule(`Slack: #${ch.channel.name} (incident ${ch.label}, in short)`);
  const pick = (re: RegExp) => linesOf(demo, ch, re)[0];
  const lines = [
    pick(/^━━ .*#\d/),
    pick(/Credentials change .* before the incident/),
    pick(/\*Step 1\*/),
    pick(/Same outage as #1/),
    pick(/resolved the incident/),
  ];
  for (const l of lines) if (l) out.say(l);
}

/** The postmortem Beacon drafted for #1, and the Slack API calls it made. */
export function printPostmortem(demo: Demo, out: Out, file: SimFileRef): void {
  const { sim } = demo;
  out.rule(`${file.name} (uploaded to #1 on resolve)`);
  out.say(sim.fileContent(file.id)?.toString('utf8').trimEnd() ?? '(file content missing)');
  out.rule('Slack API calls Beacon made');
  const counts = new Map<string, number>();
  for (const c of sim.calls) counts.set(c.method, (counts.get(c.method) ?? 0) + 1);
  out.say([...counts].map(([m, n]) => `${m} ×${n}`).join(', '));
}
