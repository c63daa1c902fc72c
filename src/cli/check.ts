/**
 * `beacon check`: the deploy gate. Runs the checks of the chosen runbooks (every runbook of the
 * folder when neither `--runbook` nor `--service` is given) with this process's
 * environment and the worker's own check code (`runCheck`), prints one line per check and
 * writes the report. Exit 0 when every check passed, 1 when one failed or errored, 2 for bad
 * usage or a broken runbook. `recent_changes` checks are skipped, not failed, when Beacon's
 * Redis does not answer.
 */
import { formatProblem } from '../runbooks/check-cli.js';
import { runCheck, type CheckContext } from '../runbooks/checks/index.js';
import type { RunbookCheck } from '../runbooks/format.js';
import { loadRunbooks } from '../runbooks/load.js';
import { parseCheckArgs, type CheckArgs } from './args.js';
import { openChanges, type ChangeSource } from './changes.js';
import type { CliIo } from './io.js';
import { gatePassed, jsonReport, junitReport, textReport, type GateReport, type GateResult } from './report.js';
import { selectRunbooks, type Selected } from './select.js';

export const CHECK_USAGE = 'usage: beacon check [--runbook NAME]... [--service NAME] [--dir DIR] [--format text|json|junit] [--output FILE]';

export const CHECK_HELP = [
  CHECK_USAGE,
  '',
  'Runs the checks of the runbooks named with --runbook (repeatable) and of those matching --service,',
  'or with neither, of every runbook in the folder, with this environment (the variables the checks',
  'read their headers from; REDIS_URL for recent_changes).',
  '  --dir DIR       the runbooks folder (default: $RUNBOOKS_DIR, else ./runbooks)',
  '  --format F      the report: text (default), json or junit',
  '  --output FILE   write the report to FILE; the text lines still go to stdout',
  '                  (without it a json or junit report goes to stdout and the text lines to stderr)',
  'Exit 0: every check passed (skipped ones do not count); 1: a check failed or errored;',
  '2: bad usage or a broken runbook. recent_changes checks are skipped when Redis does not answer.',
];

/** Runs `beacon check` with `argv` (what follows `check`); returns the exit code. */
export async function checkCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCheckArgs(argv);
  if (!parsed.ok) {
    io.err(`beacon check: ${parsed.reason}`);
    io.err(CHECK_USAGE);
    return 2;
  }
  const args = parsed.value;
  if (args.help) {
    for (const line of CHECK_HELP) io.out(line);
    return 0;
  }
  const selected = chooseRunbooks(args, io);
  if (!selected) return 2;
  const startedAt = io.now();
  const t0 = performance.now();
  const results = await runGate(selected, io);
  const report: GateReport = { results, runbooks: selected.map((s) => s.runbook.name), startedAt, durationMs: Math.round(performance.now() - t0) };
  if (!deliver(report, args, io)) return 2;
  return gatePassed(results) ? 0 : 1;
}

/** The runbooks to check, or undefined (said on stderr) when the folder is broken or nothing fits. */
function chooseRunbooks(args: CheckArgs, io: CliIo): Selected[] | undefined {
  const dir = args.dir ?? (io.env.RUNBOOKS_DIR || './runbooks');
  const { runbooks, problems } = loadRunbooks(dir);
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    for (const p of errors) io.err(formatProblem(p));
    io.err(`beacon check: the runbooks under ${dir} have ${errors.length} error${errors.length === 1 ? '' : 's'}; fix them first (npx beacon runbooks lint ${dir})`);
    return undefined;
  }
  const all = args.runbooks.length === 0 && args.service === undefined;
  const selection = selectRunbooks(runbooks, { names: args.runbooks, ...(args.service !== undefined ? { service: args.service } : {}) });
  if (!selection.ok) {
    io.err(`beacon check: ${selection.reason} under ${dir}`);
    return undefined;
  }
  const { selected, notes } = selection.value;
  for (const note of notes) io.err(`beacon check: ${note}`);
  if (!selected.some((s) => Object.keys(s.runbook.checks).length > 0)) {
    if (all) {
      io.err(`beacon check: no runbook under ${dir} defines checks: nothing to run`);
      return undefined;
    }
    io.err(`beacon check: ${selected.map((s) => s.runbook.name).join(', ')} define${selected.length === 1 ? 's' : ''} no checks: nothing to run`);
    return undefined;
  }
  return selected;
}

/** For a context whose runbooks have no `recent_changes` check: never asked. */
const NO_CHANGES: CheckContext['changes'] = {
  between: () => Promise.reject(new Error('no change store')),
};

/** Every check of every selected runbook, at once; results in runbook, then file order. */
async function runGate(selected: readonly Selected[], io: CliIo): Promise<GateResult[]> {
  const needsChanges = selected.some((s) => Object.values(s.runbook.checks).some((c) => c.type === 'recent_changes'));
  const source = needsChanges ? await openChanges(io.env) : undefined;
  try {
    const now = io.now();
    const runs = selected.flatMap((s) =>
      Object.entries(s.runbook.checks).map(([id, check]) => runOne(s, id, check, { source, now, env: io.env })),
    );
    return await Promise.all(runs);
  } finally {
    await source?.close();
  }
}

interface RunEnv {
  source: ChangeSource | undefined;
  now: Date;
  env: NodeJS.ProcessEnv;
}

async function runOne(s: Selected, id: string, check: RunbookCheck, run: RunEnv): Promise<GateResult> {
  const base = { runbook: s.runbook.name, check: id, type: check.type };
  if (check.type === 'recent_changes' && run.source && !run.source.ok) {
    return { ...base, status: 'skipped', summary: `skipped: the recorded changes live in Beacon's Redis, and ${run.source.reason}`, details: [], durationMs: 0 };
  }
  const started = performance.now();
  // The gate runs "now": a recent_changes check looks at the hours before this moment.
  const result = await runCheck(check, {
    ...(s.service !== undefined ? { service: s.service } : {}),
    incidentStart: run.now,
    now: run.now,
    env: run.env,
    changes: run.source?.ok ? run.source.changes : NO_CHANGES,
  });
  return {
    ...base,
    status: result.status,
    summary: result.summary,
    details: result.details ?? [],
    durationMs: Math.round(performance.now() - started),
    ...(result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}),
    ...(result.latencyMs !== undefined ? { latencyMs: result.latencyMs } : {}),
  };
}

/**
 * Text lines to stdout, and the report in its format to `--output`. Without `--output` a json
 * or junit report is stdout itself (so it can be piped), and the text lines go to stderr.
 * False (said on stderr) when the report file cannot be written.
 */
function deliver(report: GateReport, args: CheckArgs, io: CliIo): boolean {
  const lines = textReport(report);
  const formatted = args.format === 'json' ? jsonReport(report) : args.format === 'junit' ? junitReport(report) : `${lines.join('\n')}\n`;
  if (args.output === undefined && args.format !== 'text') {
    for (const line of lines) io.err(line);
    io.out(formatted.replace(/\n$/, ''));
    return true;
  }
  for (const line of lines) io.out(line);
  if (args.output === undefined) return true;
  try {
    io.writeFile(args.output, formatted);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    io.err(`beacon check: cannot write the report to ${args.output} (${code ?? String(err)})`);
    return false;
  }
}
