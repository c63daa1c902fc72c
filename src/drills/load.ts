/**
 * Reads a folder of drill scenarios and checks what no single file can: unique names, and that
 * each scenario's runbook, root-cause step and made-up check results exist in the runbooks.
 * node:fs only, synchronous: it runs once at start and in the CLI.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Runbook, RunbookStep } from '../runbooks/format.js';
import { problemLog, suggest, type ProblemLog } from '../runbooks/format/diagnostics.js';
import type { Scenario } from './format.js';
import { parseScenario, type LineOf, type ScenarioProblem } from './parse.js';

export interface DrillLoad {
  /** The scenarios without errors, in file order; a duplicate name is left out. */
  scenarios: Scenario[];
  /** Every problem of every file, by file then line. */
  problems: ScenarioProblem[];
  /** How many scenario files were read. */
  files: number;
  /** False when the folder does not exist (no drills set up: not a mistake for the bot). */
  found: boolean;
}

const SKIPPED = /^(readme|changelog|contributing|license)\.md$/i;

/** `*.md` under `dir`, subfolders included (two levels), sorted; README and dot-files skipped. */
function scenarioFiles(dir: string, depth = 0): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name.startsWith('.') || name === 'node_modules') continue;
    const st = statSync(path);
    if (st.isDirectory() && depth < 2) found.push(...scenarioFiles(path, depth + 1));
    else if (st.isFile() && /\.md$/i.test(name) && !SKIPPED.test(name)) found.push(path);
  }
  return found;
}

/**
 * Loads every scenario under `dir`. With `runbooks`, each scenario is checked against them and
 * its root-cause step resolved to a step id. Never throws for a bad file.
 */
export function loadScenarios(dir: string, runbooks?: readonly Runbook[]): DrillLoad {
  const folderProblem = (message: string, found: boolean): DrillLoad => ({ scenarios: [], files: 0, found, problems: [{ file: dir, line: 0, message, severity: 'error' }] });
  let files: string[];
  try {
    if (!statSync(dir).isDirectory()) return folderProblem('is not a folder', true);
    files = scenarioFiles(dir);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return folderProblem(missing ? 'drills folder not found' : `cannot read: ${String(e)}`, !missing);
  }
  const problems: ScenarioProblem[] = [];
  const scenarios: Scenario[] = [];
  const names = new Map<string, string>();
  if (files.length === 0) problems.push({ file: dir, line: 0, message: 'no scenario files (*.md) in this folder', severity: 'error' });
  for (const file of files) {
    const one = loadOne(file, runbooks, names);
    problems.push(...one.problems);
    if (one.scenario) scenarios.push(one.scenario);
  }
  return { scenarios, problems, files: files.length, found: true };
}

/** One file: parsed, checked against the runbooks and the names seen so far. */
function loadOne(file: string, runbooks: readonly Runbook[] | undefined, names: Map<string, string>): { scenario?: Scenario; problems: ScenarioProblem[] } {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    return { problems: [{ file, line: 0, message: `cannot read: ${String(e)}`, severity: 'error' }] };
  }
  const parsed = parseScenario(source, file);
  if (!parsed.scenario) return { problems: parsed.problems };
  const log = problemLog(file);
  const s = parsed.scenario;
  const first = names.get(s.name);
  if (first) log.error(parsed.lineOf(['name']), `scenario name \`${s.name}\` is already used by ${first}`);
  else names.set(s.name, `${file}:${parsed.lineOf(['name'])}`);
  const scenario = runbooks ? againstRunbooks(s, runbooks, parsed.lineOf, log) : s;
  const problems = [...parsed.problems, ...log.sorted()].sort((a, b) => a.line - b.line);
  return { ...(log.hasError() ? {} : { scenario }), problems };
}

/** A step named by its id (`s1`) or by the start of its text (case and spacing aside). */
export function findStep(rb: Runbook, written: string): { step?: RunbookStep; matches: number } {
  const byId = rb.steps.find((st) => st.id === written.trim());
  if (byId) return { step: byId, matches: 1 };
  const norm = (t: string) => t.toLowerCase().replace(/\s+/g, ' ').trim();
  const hits = rb.steps.filter((st) => norm(st.text).startsWith(norm(written)));
  return { ...(hits.length === 1 ? { step: hits[0] } : {}), matches: hits.length };
}

/** The runbook, the root-cause step and check, and the made-up check results must all exist. */
function againstRunbooks(s: Scenario, runbooks: readonly Runbook[], lineOf: LineOf, log: ProblemLog): Scenario {
  const rb = runbooks.find((r) => r.name === s.runbook);
  if (!rb) {
    const known = runbooks.map((r) => r.name);
    const hint = suggest(s.runbook, known) || (known.length ? ` (known: ${known.join(', ')})` : '');
    log.error(lineOf(['runbook']), `no runbook named \`${s.runbook}\` in the runbooks folder${hint}`);
    return s;
  }
  let stepId: string | undefined;
  let check = s.rootCause.check;
  if (s.rootCause.step !== undefined) {
    const { step, matches } = findStep(rb, s.rootCause.step);
    if (step) {
      stepId = step.id;
      check ??= step.check;
    } else {
      const why = matches ? `starts ${matches} steps; write more of its text, or its id (s1…)` : 'names no step of it: write its id (s1…) or the start of its text';
      log.error(lineOf(['root_cause', 'step']), `\`root_cause.step\` ${JSON.stringify(s.rootCause.step)} in runbook \`${rb.name}\` ${why}`);
    }
  }
  const checkIds = Object.keys(rb.checks);
  if (s.rootCause.check !== undefined && !checkIds.includes(s.rootCause.check)) {
    log.error(lineOf(['root_cause', 'check']), `runbook \`${rb.name}\` has no check \`${s.rootCause.check}\`${suggest(s.rootCause.check, checkIds)}`);
  }
  for (const id of Object.keys(s.checks)) {
    if (!checkIds.includes(id)) log.error(lineOf(['checks', id]), `runbook \`${rb.name}\` has no check \`${id}\` to make a result up for${suggest(id, checkIds)}`);
  }
  return { ...s, rootCause: { ...s.rootCause, ...(stepId ? { stepId } : {}), ...(check ? { check } : {}) } };
}
