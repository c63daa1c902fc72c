/**
 * `npm run runbooks:check [dir] [--strict]`: validates every runbook in RUNBOOKS_DIR (default
 * `./runbooks`) or the folder given, printing `file:line: problem` for each mistake. Exits 1
 * on any error (on any warning too with `--strict`), 0 with a one-line summary otherwise.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RunbookProblem } from './format.js';
import { loadRunbooks } from './load.js';

export interface CliIo {
  /** One line of output, without the newline. */
  print(line: string): void;
  env: Record<string, string | undefined>;
}

const USAGE = 'usage: runbooks:check [dir] [--strict]   (dir defaults to $RUNBOOKS_DIR or ./runbooks)';

/** `file:line: message`, with `warning: ` before warnings and no line for folder problems. */
export function formatProblem(p: RunbookProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}` : p.file;
  return `${where}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`;
}

/** Runs the check; returns the exit code. `argv` is what follows the script name. */
export function main(argv: readonly string[], io: CliIo): number {
  const flags = argv.filter((a) => a.startsWith('-'));
  const args = argv.filter((a) => !a.startsWith('-'));
  if (flags.some((f) => f === '-h' || f === '--help')) {
    io.print(USAGE);
    return 0;
  }
  const unknown = flags.filter((f) => f !== '--strict');
  if (unknown.length > 0 || args.length > 1) {
    io.print(`unknown argument: ${[...unknown, ...args.slice(1)].join(' ')}`);
    io.print(USAGE);
    return 2;
  }
  const strict = flags.includes('--strict');
  const dir = args[0] ?? (io.env.RUNBOOKS_DIR || './runbooks');

  const { runbooks, problems, files } = loadRunbooks(dir);
  for (const p of problems) io.print(formatProblem(p));

  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  const counts = `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
  if (errors > 0 || (strict && warnings > 0)) {
    io.print(`FAILED: ${counts} in ${plural(files, 'runbook file')} under ${dir}`);
    return 1;
  }
  const def = runbooks.find((r) => r.default);
  io.print(
    `OK: ${plural(runbooks.length, 'runbook')} under ${dir}${def ? ` (default: ${def.name})` : ''}, ${plural(warnings, 'warning')}`,
  );
  return 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = main(process.argv.slice(2), { print: (l) => process.stdout.write(`${l}\n`), env: process.env });
}
