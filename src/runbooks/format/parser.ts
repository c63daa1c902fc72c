/**
 * Parses one runbook file: YAML front matter between `---` lines, then a Markdown checklist.
 * Pure: no fs, no Slack, no Redis. Every problem names the file line at fault.
 */
import { LineCounter, parseDocument } from 'yaml';
import {
  describeIssue,
  firstLine,
  isPlainObject,
  lineForPath,
  problemLog,
  suggest,
  yamlErrorOffset,
  type ProblemLog,
  type RunbookProblem,
} from './diagnostics.js';
import { frontMatterSchema, MAX_STEP_TEXT, MAX_STEPS, type Runbook, type RunbookFrontMatter } from './schema.js';

/** What `parseRunbook` makes of one file. */
export interface ParseResult {
  /** Present only when the file has no errors (warnings allowed). */
  runbook?: Runbook;
  problems: RunbookProblem[];
  /** File line of some front matter keys (`name`, `default`), for checks across files. */
  keyLines: Record<string, number>;
}

const STEP_LINE = /^[-*+][ \t]+\[([ xX])\](?:[ \t]+(.*))?$/;
/** Lines that look like a checkbox but are not one Markdown renders, e.g. `- []`, `-[ ]`, `- [ ]text`. */
const ALMOST_STEP_LINE = /^[-*+][ \t]*\[[ xX]?\](?!\()/;
const CHECK_REF = /[ \t]*\{[ \t]*check[ \t]*:[ \t]*([^{}\s]*)[ \t]*\}[ \t]*$/;
const FENCE = /^[ \t]{0,3}(```|~~~)/;

interface RawStep {
  line: number;
  text: string;
  detailLines: string[];
  check?: string;
}

/** The front matter as far as it could be read. */
interface FrontMatter {
  /** The YAML as JS; undefined when the YAML is broken. */
  raw: unknown;
  /** Present only when `raw` is valid front matter. */
  fm?: RunbookFrontMatter;
  /** File line of a front matter path. */
  lineOf: (path: readonly PropertyKey[]) => number;
}

/**
 * Parses one runbook file. Every problem names the line of the front matter key or step at
 * fault; the runbook is returned only when there is no error.
 */
export function parseRunbook(source: string, file: string): ParseResult {
  const log = problemLog(file);
  const keyLines: Record<string, number> = {};
  const done = (runbook?: Runbook): ParseResult => {
    const problems = log.sorted();
    return { ...(runbook && !log.hasError() ? { runbook } : {}), problems, keyLines };
  };

  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  const close = frontMatterEnd(lines, log);
  if (close === undefined) return done();
  const front = readFrontMatter(lines.slice(1, close).join('\n'), log, keyLines);
  const steps = scanSteps(lines, close + 1, log);
  checkSteps(steps, front, close, log);
  checkChecksUsed(steps, front, log);
  if (front.fm) checkProbeTimeouts(front.fm, front.lineOf, log);
  if (front.fm?.default && front.fm.match) {
    log.error(front.lineOf(['match']), 'a default runbook takes no `match`: it applies to alerts that match no other runbook');
  }
  return front.fm ? done(toRunbook(front.fm, steps, file)) : done();
}

/** Index of the line closing the front matter, or undefined (reported) when there is none. */
function frontMatterEnd(lines: readonly string[], log: ProblemLog): number | undefined {
  if (lines[0]?.trim() !== '---') {
    log.error(1, 'no front matter: a runbook starts with a `---` line, its YAML front matter, and another `---` line');
    return undefined;
  }
  const close = lines.findIndex((l, i) => i > 0 && (l.trimEnd() === '---' || l.trimEnd() === '...'));
  if (close < 0) {
    log.error(1, 'front matter is not closed: add a `---` line after it');
    return undefined;
  }
  return close;
}

/** Reads the YAML, then validates it when it was readable. */
function readFrontMatter(yamlText: string, log: ProblemLog, keyLines: Record<string, number>): FrontMatter {
  // Front matter text starts on file line 2.
  const fmLine = (yamlLine: number) => yamlLine + 1;
  const lc = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  // Only the first YAML error: the ones after it are mostly echoes of the same mistake.
  const yamlError = doc.errors[0];
  if (yamlError) log.error(fmLine(lc.linePos(yamlErrorOffset(yamlText, yamlError)).line), `bad YAML: ${firstLine(yamlError.message)}`);
  for (const w of doc.warnings) log.warn(fmLine(lc.linePos(w.pos[0]).line), `YAML: ${firstLine(w.message)}`);

  let raw: unknown;
  if (!doc.errors.length) {
    try {
      raw = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      log.error(2, `bad YAML: ${firstLine(e instanceof Error ? e.message : String(e))}`);
    }
  }
  const lineOf = (path: readonly PropertyKey[]) => lineForPath(doc, lc, path, fmLine);
  const fm = log.hasError() ? undefined : validateFrontMatter(raw, lineOf, log, keyLines);
  return { raw, lineOf, ...(fm ? { fm } : {}) };
}

function validateFrontMatter(
  raw: unknown,
  lineOf: FrontMatter['lineOf'],
  log: ProblemLog,
  keyLines: Record<string, number>,
): RunbookFrontMatter | undefined {
  if (raw === null || raw === undefined) {
    log.error(1, 'front matter is empty: it needs at least `name` and `title`');
    return undefined;
  }
  if (!isPlainObject(raw)) {
    log.error(2, 'front matter must be a YAML mapping of keys (`name: ...`, `title: ...`)');
    return undefined;
  }
  for (const key of ['name', 'default']) {
    if (key in raw) keyLines[key] = lineOf([key]);
  }
  const parsed = frontMatterSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) describeIssue(issue, raw, lineOf, log.error);
  return undefined;
}

/** Steps: checkbox lines at the start of a line, outside fenced code blocks. */
function scanSteps(lines: readonly string[], bodyStart: number, log: ProblemLog): RawStep[] {
  const steps: RawStep[] = [];
  let inFence = false;
  let current: RawStep | undefined;
  for (let i = bodyStart; i < lines.length; i++) {
    const l = lines[i] ?? '';
    const lineNo = i + 1;
    if (FENCE.test(l)) inFence = !inFence;
    const m = inFence ? null : STEP_LINE.exec(l);
    if (m) {
      current = readStep(m, lineNo, log);
      steps.push(current);
      continue;
    }
    if (current && (l.trim() === '' || /^[ \t]/.test(l))) {
      current.detailLines.push(l);
      continue;
    }
    current = undefined;
    if (!inFence && ALMOST_STEP_LINE.test(l)) {
      log.error(lineNo, 'malformed checklist item: write `- [ ] step text`');
    }
  }
  return steps;
}

/** One checkbox line (a `STEP_LINE` match): its text and the `{check: id}` at its end. */
function readStep(m: RegExpExecArray, lineNo: number, log: ProblemLog): RawStep {
  const step: RawStep = { line: lineNo, text: (m[2] ?? '').trim(), detailLines: [] };
  if (m[1] !== ' ') log.warn(lineNo, 'step is ticked in the file; write `- [ ]` (ticks are recorded in Slack, per incident)');
  const ref = CHECK_REF.exec(step.text);
  if (ref) {
    step.text = step.text.slice(0, ref.index).trim();
    step.check = ref[1] ?? '';
  } else if (/\{\s*check\b/.test(step.text)) {
    log.error(lineNo, 'a check reference is written `{check: id}` at the end of the step');
  }
  return step;
}

/** The raw `checks` map, and whether it is readable enough to judge references against. */
function rawChecksOf(raw: unknown): { known: boolean; checks: Record<string, unknown> } {
  // Check references are judged only against a readable `checks` map, so that one YAML
  // mistake does not also flag every step that uses a check.
  const known = isPlainObject(raw) && (raw.checks === undefined || raw.checks === null || isPlainObject(raw.checks));
  const checks = isPlainObject(raw) && isPlainObject(raw.checks) ? raw.checks : {};
  return { known, checks };
}

/** Each step's text and check reference, then how many steps there are. */
function checkSteps(steps: readonly RawStep[], front: FrontMatter, close: number, log: ProblemLog): void {
  const { known, checks } = rawChecksOf(front.raw);
  for (const s of steps) {
    if (!s.text) log.error(s.line, 'step has no text');
    else if (s.text.length > MAX_STEP_TEXT) {
      log.error(
        s.line,
        `step is ${s.text.length} characters; keep it under ${MAX_STEP_TEXT} (it becomes a Slack checkbox) and move the rest to an indented line below it`,
      );
    }
    if (s.check === undefined) continue;
    if (!s.check) log.error(s.line, 'step has an empty `{check: }`; name a check from `checks`');
    else if (known && !Object.hasOwn(checks, s.check)) {
      const hint = suggest(s.check, Object.keys(checks));
      log.error(s.line, `step uses check \`${s.check}\`, which \`checks\` does not define${hint}`);
    }
  }
  if (steps.length === 0) {
    log.error(close + 1, 'no steps after the front matter: add a Markdown checklist, one `- [ ] step` per line');
  } else if (steps.length > MAX_STEPS) {
    const first = steps[MAX_STEPS];
    log.error(first?.line ?? 1, `more than ${MAX_STEPS} steps (${steps.length}); split the runbook or fold detail under fewer steps`);
  }
}

/** Warns about checks that no step runs (a probe runs on its own schedule: it needs no step). */
function checkChecksUsed(steps: readonly RawStep[], front: FrontMatter, log: ProblemLog): void {
  const used = new Set(steps.flatMap((s) => (s.check !== undefined ? [s.check] : [])));
  for (const [id, check] of Object.entries(rawChecksOf(front.raw).checks)) {
    const probe = isPlainObject(check) && check.every !== undefined;
    if (!used.has(id) && !probe) log.warn(front.lineOf(['checks', id]), `check \`${id}\` is defined but no step uses it`);
  }
}

/**
 * Warns about a probe whose check may take its whole period (`timeout_ms` >= `every`): while a
 * run is still going the next period is skipped, so the probe runs less often than it says.
 */
function checkProbeTimeouts(fm: RunbookFrontMatter, lineOf: FrontMatter['lineOf'], log: ProblemLog): void {
  for (const [id, check] of Object.entries(fm.checks ?? {})) {
    if (check.type === 'recent_changes' || check.every === undefined) continue;
    const timeout = check.timeout_ms ?? 5000;
    if (timeout < check.every) continue;
    log.warn(
      lineOf(['checks', id, 'timeout_ms']),
      `check \`${id}\` has \`timeout_ms: ${timeout}\`, not under its \`every\` (${check.every / 1000}s): a run can outlast the period, and the next period is then skipped; keep timeout_ms under every`,
    );
  }
}

/** The normalized runbook: lists always lists, defaults filled in, steps numbered. */
function toRunbook(fm: RunbookFrontMatter, steps: readonly RawStep[], file: string): Runbook {
  return {
    name: fm.name,
    title: fm.title,
    ...(fm.description ? { description: fm.description } : {}),
    default: fm.default ?? false,
    match: {
      service: fm.match?.service ?? [],
      alertname: fm.match?.alertname ?? [],
      labels: fm.match?.labels ?? {},
    },
    responders: fm.responders ?? [],
    escalation: fm.escalation ?? [],
    ...(fm.severity ? { severity: fm.severity } : {}),
    ...(fm.private ? { private: true } : {}),
    checks: fm.checks ?? {},
    steps: steps.map((s, i) => {
      const detail = dedent(s.detailLines);
      return {
        id: `s${i + 1}`,
        text: s.text,
        ...(detail ? { detail } : {}),
        ...(s.check ? { check: s.check } : {}),
      };
    }),
    file,
  };
}

/** The indented lines under a step, without blank lines around them and their common indent. */
function dedent(detailLines: string[]): string | undefined {
  const ls = [...detailLines];
  while (ls.length && ls[ls.length - 1]?.trim() === '') ls.pop();
  while (ls.length && ls[0]?.trim() === '') ls.shift();
  if (!ls.length) return undefined;
  const indent = Math.min(...ls.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)?.[0].length ?? 0));
  return ls.map((l) => l.slice(indent).trimEnd()).join('\n');
}
