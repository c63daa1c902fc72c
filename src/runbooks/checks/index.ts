/**
 * A runbook's automated checks: `recent_changes` (what Beacon was told changed before the
 * incident), `http` (one read-only request to an integration, credentials from the environment
 * or a file; optionally its body and certificate), `tcp` (a connection opens) and `dns` (a name
 * resolves, to the expected addresses). What the rest of Beacon imports from `./checks/`.
 */
export { isRiskyChange, orderChanges, RISKY_CHANGE_KINDS } from './change-order.js';
export { DEFAULT_CLOSE_AFTER, DEFAULT_OPEN_AFTER, probeSettings, type ProbeSettings } from './probe.js';
export { runCheck, runStepChecks } from './runner.js';
export { scrubSecrets } from './scrub.js';
export type { CheckContext, CheckResult, CheckStatus } from './types.js';
export { formatHours, relativeToStart } from './words.js';
