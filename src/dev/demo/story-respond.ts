import type { SimFileRef } from '../slack-simulator.js';
import { hms } from './clock.js';
import type { Out } from './out.js';
import { waitFor } from './out.js';
import { probeAt } from './probe.js';
import { ALICE, BOB, command, linesOf, pressRunChecks, settle, type StoryChannel } from './slack.js';
import type { Demo } from './start.js';

/** 08:21-08:24: the on-call takes the probe's incident, before any customer-facing alert. */
export async function takeProbeIncident(demo: Demo, out: Out, probe: StoryChannel): Promise<void> {
  out.rule('08:21  the on-call works incident #1 from Slack');
  await command(demo, out, '08:21', probe, ALICE, 'ack');
  await command(demo, out, '08:24', probe, ALICE, 'update The gateway rejects our key (HTTP 401) since the 08:18 rotation. Restoring the previous key.');
}

/** 08:31-08:39: one outage, two incidents; the fix, the probe passing again, both resolved. */
export async function fixAndResolve(demo: Demo, out: Out, probe: StoryChannel, alert: StoryChannel): Promise<SimFileRef> {
  out.rule('08:31  responders tie the two together and fix it');
  await command(demo, out, '08:31', alert, ALICE, `update Same outage as #1, the gateway probe's incident (open since ${hms(probe.openedAt).slice(0, 5)}): we work it there`);
  await command(demo, out, '08:32', probe, BOB, 'note Customer complaints via support confirm checkout failures');
  const fixed = demo.clock.advanceTo('08:34');
  demo.gateway.restore();
  out.say(`${hms(fixed).slice(0, 5)}  alice restores the previous key at the gateway: the stand-in accepts checkout's key again`);
  await command(demo, out, '08:34', probe, ALICE, 'mitigate Previous gateway key restored; payments going through');
  await probeAt(demo, out, '08:34:30');
  await probeAt(demo, out, '08:35:00');
  await rerunChecks(demo, out, probe);
  await command(demo, out, '08:36', probe, BOB, 'task Give gateway-auth every: 30s in runbooks/checkout-payments.md, so the probe runs in production too');
  await command(demo, out, '08:36', probe, BOB, 'task Move gateway credentials to a vault with automated rotation and auditing');
  await command(demo, out, '08:38', probe, ALICE, 'resolve Reverted to the correct payment gateway API credentials');
  const file = await waitFor(
    () => demo.sim.messages(probe.channel.id).flatMap((m) => m.files ?? []).find((f) => /^postmortem-/.test(f.name ?? '')),
    'the postmortem upload',
  );
  await command(demo, out, '08:39', alert, ALICE, 'resolve Duplicate of #1: the rotated gateway key, restored at 08:34');
  await waitFor(() => linesOf(demo, probe, /Resolved/).length > 0 && linesOf(demo, alert, /Resolved/).length > 0, 'both cards resolved');
  await waitFor(() => demo.sim.messages(alert.channel.id).some((m) => (m.files ?? []).length > 0), 'the second postmortem');
  await settle(demo);
  return file;
}

/** alice presses "Run checks again" on #1's checklist: step 1 passes now. */
async function rerunChecks(demo: Demo, out: Out, probe: StoryChannel): Promise<void> {
  const at = demo.clock.advanceTo('08:35:10');
  const status = await pressRunChecks(demo, probe, ALICE);
  out.say(`${hms(at).slice(0, 5)}  alice in #1: presses "Run checks again" on the checklist  -> HTTP ${status}`);
  const step1 = await waitFor(() => linesOf(demo, probe, /\*Step 1\*: HTTP 200/)[0], 'step 1 passing');
  out.say(`         ${step1}`);
  await settle(demo);
}
