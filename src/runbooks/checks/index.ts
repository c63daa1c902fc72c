/**
 * A runbook's automated checks: `recent_changes` (what Beacon was told changed before the
 * incident) and `http` (one read-only request to an integration, credentials from the
 * environment). What the rest of Beacon imports from `./checks/`.
 */
export { isRiskyChange, orderChanges, RISKY_CHANGE_KINDS } from './change-order.js';
export { runCheck, runStepChecks } from './runner.js';
export { scrubSecrets } from './scrub.js';
export type { CheckContext, CheckResult, CheckStatus } from './types.js';
export { formatHours, relativeToStart } from './words.js';
