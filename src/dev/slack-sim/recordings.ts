/**
 * The simulator's recordings, exported for the conformance check of a whole test run: with
 * `SLACK_SIM_RECORD_DIR` set, every simulator writes what it received when it stops (one JSON file
 * each), and `test/docs/conformance.test.ts` checks those files against Slack's published specs
 * when `SLACK_SIM_RECORDINGS` names the directory:
 *
 *   SLACK_SIM_RECORD_DIR=/tmp/sim-calls npx vitest run test/e2e
 *   SLACK_SIM_RECORDINGS=/tmp/sim-calls npx vitest run test/docs/conformance.test.ts
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedCall, SimChannel, SimWarning } from './types.js';

export interface Recording {
  calls: RecordedCall[];
  /** Channel id -> private, for the scope a conversation method needs. */
  privateChannels: Record<string, boolean>;
  warnings: SimWarning[];
}

/** Writes the recording when `SLACK_SIM_RECORD_DIR` asks for it; never throws (a test's teardown). */
export function exportRecording(calls: RecordedCall[], channels: SimChannel[], warnings: SimWarning[], dir = process.env.SLACK_SIM_RECORD_DIR): void {
  if (!dir || calls.length === 0) return;
  try {
    mkdirSync(dir, { recursive: true });
    const rec: Recording = { calls, privateChannels: Object.fromEntries(channels.map((c) => [c.id, c.is_private])), warnings };
    writeFileSync(join(dir, `${Date.now()}-${process.pid}-${randomBytes(4).toString('hex')}.json`), JSON.stringify(rec));
  } catch (err) {
    console.error(`SlackSimulator: could not export its recording to ${dir}: ${String(err)}`);
  }
}
