import type { ProbeState } from '../../probes/store.js';
import { hms } from './clock.js';
import type { Out } from './out.js';
import { waitFor } from './out.js';
import { PROBE } from './runbooks.js';
import { settle } from './slack.js';
import type { Demo } from './start.js';

let runs = 0;

/**
 * One run of the gateway probe at `hhmmss` of the demo's clock: the `probe.run` job the worker's
 * scheduler would have queued at that 30-second mark, queued by the demo instead, run by the
 * worker as any probe run. Prints its verdict and where the probe stands.
 */
export async function probeAt(demo: Demo, out: Out, hhmmss: string): Promise<ProbeState> {
  const id = `${PROBE.runbook}:${PROBE.check}`;
  const before = await demo.probes.get(id);
  const at = demo.clock.advanceTo(hhmmss);
  const jobId = `demo-probe-${Date.now().toString(36)}-${++runs}`;
  await demo.queues.add('probe.run', { ...PROBE }, { jobId });
  const q = demo.queues.queueOf('probe.run');
  await waitFor(async () => {
    const job = await q.getJob(jobId);
    if (job && (await job.isFailed())) throw new Error(`demo: probe run failed: ${job.failedReason}`);
    return job && (await job.isCompleted());
  }, `probe run ${jobId}`);
  const after = await demo.probes.get(id);
  await settle(demo);
  out.say(`${hms(at)}  probe: ${after.last?.summary ?? '(no result)'}${standing(demo, before, after)}`);
  return after;
}

/** Where the probe stands after a run, from its state before and after. */
function standing(demo: Demo, before: ProbeState, after: ProbeState): string {
  if (after.firing && !before.firing) return `  (failure ${after.failures} of ${demo.openAfter} in a row: alert raised, source probe)`;
  if (!after.firing && before.firing) return `  (pass ${after.passes} of ${demo.closeAfter} in a row: its alert resolved; the incident stays for a person)`;
  if (!after.firing && after.failures > 0) return `  (failure ${after.failures} of ${demo.openAfter} in a row before it raises an alert)`;
  if (after.firing && after.passes > 0) return `  (pass ${after.passes} of ${demo.closeAfter} in a row before its alert resolves)`;
  return '';
}
