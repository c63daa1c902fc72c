/**
 * `beacon`, the command line (`npx beacon …`, through `bin/beacon.js`): `check` (the deploy
 * gate, `./check.ts`), `runbooks lint` (the same as `npm run runbooks:check`, plus the drill
 * scenarios when no folder is named) and `drills lint` (`./drills.ts`).
 */
import { main as lintRunbooks } from '../runbooks/check-cli.js';
import { CHECK_USAGE, checkCommand } from './check.js';
import { DRILLS_USAGE, lintDefaultDrills, lintDrills } from './drills.js';
import type { CliIo } from './io.js';

export { processIo } from './io.js';

export const USAGE = [
  CHECK_USAGE,
  '       beacon runbooks lint [DIR] [--strict]',
  DRILLS_USAGE,
  '',
  'check            runs runbook checks now, one line per check: of --runbook/--service, or with',
  '                 neither of every runbook in the folder (beacon check --help for more)',
  'runbooks lint    checks the runbook files under DIR (default $RUNBOOKS_DIR or ./runbooks);',
  '                 --strict fails on warnings too; without DIR also the drill scenarios',
  'drills lint      checks the drill scenarios under DIR (default $DRILLS_DIR or ./drills)',
  '                 against the runbooks ($RUNBOOKS_DIR or ./runbooks, or --runbooks DIR)',
];

/** Runs one command; returns the exit code. `argv` is what follows `beacon`. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'check') return checkCommand(rest, io);
  if (command === 'runbooks' && rest[0] === 'lint') return lintRunbooksAndDrills(rest.slice(1), io);
  if (command === 'drills' && rest[0] === 'lint') return lintDrills(rest.slice(1), { print: io.out, env: io.env });
  if (command === 'help' || command === '--help' || command === '-h') {
    for (const line of USAGE) io.out(line);
    return 0;
  }
  io.err(command === undefined ? 'beacon: name a command' : `beacon: unknown command: ${argv.join(' ')}`);
  for (const line of USAGE) io.err(line);
  return 2;
}

/** `runbooks lint`: the runbooks, then (when no folder is named) the drill scenarios that use them. */
function lintRunbooksAndDrills(argv: readonly string[], io: CliIo): number {
  const lintIo = { print: io.out, env: io.env };
  const code = lintRunbooks(argv, lintIo);
  if (code === 2 || argv.some((a) => a === '-h' || a === '--help')) return code;
  return Math.max(code, lintDefaultDrills(argv, lintIo) ?? 0);
}
