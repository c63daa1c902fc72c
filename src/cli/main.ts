/**
 * `beacon`, the command line (`npx beacon …`, through `bin/beacon.js`): `check` (the deploy
 * gate, `./check.ts`) and `runbooks lint` (the same as `npm run runbooks:check`).
 */
import { main as lintRunbooks } from '../runbooks/check-cli.js';
import { CHECK_USAGE, checkCommand } from './check.js';
import type { CliIo } from './io.js';

export { processIo } from './io.js';

export const USAGE = [
  CHECK_USAGE,
  '       beacon runbooks lint [DIR] [--strict]',
  '',
  'check            runs runbook checks now, one line per check (beacon check --help for more)',
  'runbooks lint    checks the runbook files under DIR (default $RUNBOOKS_DIR or ./runbooks);',
  '                 --strict fails on warnings too',
];

/** Runs one command; returns the exit code. `argv` is what follows `beacon`. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'check') return checkCommand(rest, io);
  if (command === 'runbooks' && rest[0] === 'lint') return lintRunbooks(rest.slice(1), { print: io.out, env: io.env });
  if (command === 'help' || command === '--help' || command === '-h') {
    for (const line of USAGE) io.out(line);
    return 0;
  }
  io.err(command === undefined ? 'beacon: name a command' : `beacon: unknown command: ${argv.join(' ')}`);
  for (const line of USAGE) io.err(line);
  return 2;
}
