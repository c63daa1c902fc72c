/**
 * `beacon drills lint [DIR] [--runbooks DIR] [--strict]`: validates every drill scenario under
 * DRILLS_DIR (default `./drills`) or the folder given, against the runbooks (RUNBOOKS_DIR or
 * `--runbooks`), printing `file:line: problem` for each mistake, as `runbooks lint` does. Exit 1
 * on an error (on a warning too with `--strict`), 2 for bad usage, 0 otherwise.
 */
import { existsSync } from 'node:fs';
import { loadScenarios } from '../drills/load.js';
import { formatProblem } from '../runbooks/check-cli.js';
import { loadRunbooks } from '../runbooks/load.js';

export const DRILLS_USAGE = '       beacon drills lint [DIR] [--runbooks DIR] [--strict]';

interface LintIo {
  print(line: string): void;
  env: Record<string, string | undefined>;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Lints one folder of scenarios against one folder of runbooks; returns the exit code. */
export function lintDrillFolder(dir: string, runbooksDir: string, strict: boolean, print: (line: string) => void): number {
  const { scenarios, problems, files } = loadScenarios(dir, loadRunbooks(runbooksDir).runbooks);
  for (const p of problems) print(formatProblem(p));
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  if (errors > 0 || (strict && warnings > 0)) {
    print(`FAILED: ${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(files, 'scenario file')} under ${dir}`);
    return 1;
  }
  print(`OK: ${plural(scenarios.length, 'drill scenario')} under ${dir} (runbooks from ${runbooksDir}), ${plural(warnings, 'warning')}`);
  return 0;
}

/** `beacon drills lint …`; `argv` is what follows `lint`. */
export function lintDrills(argv: readonly string[], io: LintIo): number {
  const args = [...argv];
  const strict = args.includes('--strict');
  const at = args.indexOf('--runbooks');
  const runbooksDir = at >= 0 ? args[at + 1] : undefined;
  const rest = args.filter((a, i) => a !== '--strict' && (at < 0 || (i !== at && i !== at + 1)));
  if (rest.some((a) => a === '-h' || a === '--help')) {
    io.print(DRILLS_USAGE.trim());
    return 0;
  }
  if ((at >= 0 && !runbooksDir) || rest.length > 1 || rest.some((a) => a.startsWith('-'))) {
    io.print(`unknown argument: ${rest.join(' ') || '--runbooks needs a folder'}`);
    io.print(DRILLS_USAGE.trim());
    return 2;
  }
  return lintDrillFolder(rest[0] ?? (io.env.DRILLS_DIR || './drills'), runbooksDir ?? (io.env.RUNBOOKS_DIR || './runbooks'), strict, io.print);
}

/**
 * What `beacon runbooks lint` adds when no folder is named: the scenarios the bot would load
 * (DRILLS_DIR, or `./drills` when it exists) checked against those runbooks. Undefined when there
 * are none to check.
 */
export function lintDefaultDrills(argv: readonly string[], io: LintIo): number | undefined {
  const named = argv.some((a) => !a.startsWith('-'));
  const dir = io.env.DRILLS_DIR || './drills';
  if (named || (!io.env.DRILLS_DIR && !existsSync(dir))) return undefined;
  return lintDrillFolder(dir, io.env.RUNBOOKS_DIR || './runbooks', argv.includes('--strict'), io.print);
}
