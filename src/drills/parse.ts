/**
 * Parses one scenario file: YAML front matter between `---` lines, then Markdown for the
 * facilitator. Pure: no fs, no Slack, no Redis. Every problem names the file line at fault, as
 * runbook problems do. What needs the runbooks (does the root-cause step exist?) is `load.ts`'s.
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
import { severityFromWord } from '../domain.js';
import type { CheckResult } from '../runbooks/checks/index.js';
import {
  firstLine,
  isPlainObject,
  lineForPath,
  problemLog,
  yamlErrorOffset,
  type ProblemLog,
  type RunbookProblem,
} from '../runbooks/format/diagnostics.js';
import { describeScenarioIssue } from './diagnostics.js';
import { referenceTimeMs, scenarioFrontMatterSchema, type Reference, type Scenario, type ScenarioEvent, type ScenarioFrontMatter } from './format.js';

/** A problem in a scenario file: the runbook problem's shape, so one printer serves both. */
export type ScenarioProblem = RunbookProblem;
export type LineOf = (path: readonly PropertyKey[]) => number;

export interface ScenarioParse {
  /** Present only when the file has no errors (warnings allowed). */
  scenario?: Scenario;
  problems: ScenarioProblem[];
  /** File line of a front matter path, for the checks `load.ts` makes against the runbooks. */
  lineOf: LineOf;
}

/** The YAML text between the opening `---` and the closing `---` (or `...`), or undefined (reported). */
function frontMatterText(lines: readonly string[], log: ProblemLog): string | undefined {
  const opens = lines[0]?.trim() === '---';
  const closeAt = opens ? lines.slice(1).findIndex((l) => ['---', '...'].includes(l.trimEnd())) : -1;
  if (!opens) log.error(1, 'no front matter: a scenario starts with a `---` line, its YAML front matter, and another `---` line');
  else if (closeAt < 0) log.error(1, 'front matter is not closed: add a `---` line after it');
  return closeAt < 0 ? undefined : lines.slice(1, closeAt + 1).join('\n');
}

/** Reads the YAML; `raw` is undefined when it is broken (reported at the line that broke it). */
function readYaml(yamlText: string, log: ProblemLog): { raw: unknown; lineOf: LineOf } {
  const counter = new LineCounter();
  // The front matter starts on the file's second line.
  const fileLine = (offset: number) => counter.linePos(offset).line + 1;
  const doc: Document = parseDocument(yamlText, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const lineOf: LineOf = (path) => lineForPath(doc, counter, path, (l) => l + 1);
  const broken = doc.errors[0];
  if (broken) {
    log.error(fileLine(yamlErrorOffset(yamlText, broken)), `bad YAML: ${firstLine(broken.message)}`);
    return { raw: undefined, lineOf };
  }
  doc.warnings.forEach((w) => log.warn(fileLine(w.pos[0]), `YAML: ${firstLine(w.message)}`));
  try {
    return { raw: doc.toJS({ maxAliasCount: 100 }), lineOf };
  } catch (e) {
    log.error(2, `bad YAML: ${firstLine(e instanceof Error ? e.message : String(e))}`);
    return { raw: undefined, lineOf };
  }
}

/** Parses one scenario file; the scenario is returned only when there is no error. */
export function parseScenario(source: string, file: string): ScenarioParse {
  const log = problemLog(file);
  let lineOf: LineOf = () => 1;
  let scenario: Scenario | undefined;
  const yamlText = frontMatterText(source.replace(/^\uFEFF/, '').split(/\r?\n/), log);
  if (yamlText !== undefined) {
    const read = readYaml(yamlText, log);
    lineOf = read.lineOf;
    const fm = log.hasError() ? undefined : validate(read.raw, lineOf, log);
    if (fm) scenario = toScenario(fm, file, lineOf, log);
  }
  return { ...(scenario && !log.hasError() ? { scenario } : {}), problems: log.sorted(), lineOf };
}

function validate(raw: unknown, lineOf: LineOf, log: ProblemLog): ScenarioFrontMatter | undefined {
  if (raw === null || raw === undefined) {
    log.error(1, 'front matter is empty: a scenario needs at least `name`, `title`, `service`, `runbook`, `root_cause`, `reference` and `events`');
    return undefined;
  }
  if (!isPlainObject(raw)) {
    log.error(2, 'front matter must be a YAML mapping of keys (`name: ...`, `title: ...`)');
    return undefined;
  }
  const parsed = scenarioFrontMatterSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) describeScenarioIssue(issue, raw, lineOf, log.error);
  return undefined;
}

/** The normalized scenario; reports what only the whole front matter can show (no alert, times out of order). */
function toScenario(fm: ScenarioFrontMatter, file: string, lineOf: LineOf, log: ProblemLog): Scenario | undefined {
  if (!fm.events.some((e) => e.alert)) log.error(lineOf(['events']), 'no alert among the events: a drill starts when something fires');
  const reference = referenceOf(fm.reference, lineOf, log);
  if (!reference) return undefined;
  return {
    name: fm.name,
    title: fm.title,
    ...(fm.description ? { description: fm.description } : {}),
    service: fm.service,
    severity: fm.severity,
    runbook: fm.runbook,
    rootCause: { ...(fm.root_cause.step ? { step: fm.root_cause.step } : {}), ...(fm.root_cause.check ? { check: fm.root_cause.check } : {}) },
    reference,
    ...(fm.briefing ? { briefing: fm.briefing } : {}),
    ...(fm.speed ? { speed: fm.speed } : {}),
    checks: Object.fromEntries(Object.entries(fm.checks ?? {}).map(([id, c]): [string, CheckResult] => [id, { status: c.status, summary: c.summary, ...(c.details ? { details: c.details } : {}) }])),
    events: eventsOf(fm, lineOf),
    file,
  };
}

/** The events in clock order, file order for equal times, each with its line. */
function eventsOf(fm: ScenarioFrontMatter, lineOf: LineOf): ScenarioEvent[] {
  const raw = fm.events.map((e, i) => ({ e, i, line: lineOf(['events', i]) }));
  raw.sort((a, b) => a.e.at - b.e.at || a.i - b.i);
  return raw.map(({ e, line }, index): ScenarioEvent => {
    const base = { index, atMs: e.at, at: writtenOffset(e.at), line };
    if (e.alert) {
      const a = e.alert;
      const alert = {
        title: a.title,
        status: a.status,
        severity: severityFromWord(a.severity, fm.severity),
        service: a.service ?? fm.service,
        ...(a.fingerprint ? { fingerprint: a.fingerprint } : {}),
        ...(a.group ? { group: a.group } : {}),
        ...(a.description ? { description: a.description } : {}),
        ...(a.link ? { link: a.link } : {}),
        labels: a.labels ?? {},
      };
      return { ...base, kind: 'alert', alert };
    }
    if (e.change) {
      const { service, ...rest } = e.change;
      return { ...base, kind: 'change', change: { ...rest, service: service ?? fm.service } };
    }
    return { ...base, kind: 'hint', text: e.hint ?? '' };
  });
}

/** `-12m`, `+0m`, `+1h30m`, `+45s`: an offset as a person writes it. */
export function writtenOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  let s = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = [h ? `${h}h` : '', m ? `${m}m` : '', s ? `${s}s` : ''].join('');
  return `${sign}${parts || '0m'}`;
}

type RawReference = ScenarioFrontMatter['reference'];

/**
 * The reference as durations from its detection. Clock times are of one day (a time before
 * `detected` is the next day's); ISO times are taken as they are; the two are not mixed.
 */
function referenceOf(r: RawReference, lineOf: LineOf, log: ProblemLog): Reference | undefined {
  const detected = referenceTimeMs(r.detected)!;
  const since = (key: 'acknowledged' | 'cause_found' | 'resolved'): number | undefined => {
    const written = r[key];
    if (written === undefined) return undefined;
    const t = referenceTimeMs(written)!;
    if (t.clock !== detected.clock) {
      log.error(lineOf(['reference', key]), `\`reference.${key}\` and \`reference.detected\` must both be clock times ("08:30") or both ISO times`);
      return undefined;
    }
    const ms = t.ms - detected.ms;
    if (ms >= 0) return ms;
    if (t.clock) return ms + 24 * 3600_000;
    log.error(lineOf(['reference', key]), `\`reference.${key}\` (${written}) is before \`reference.detected\` (${r.detected})`);
    return undefined;
  };
  const [toAcknowledgeMs, toCauseMs, toResolveMs] = [since('acknowledged'), since('cause_found'), since('resolved')];
  if (toResolveMs !== undefined && toCauseMs !== undefined && toResolveMs < toCauseMs) {
    log.warn(lineOf(['reference', 'resolved']), '`reference.resolved` comes before `reference.cause_found`');
  }
  if (log.hasError() || toCauseMs === undefined) return undefined;
  return {
    written: { detected: r.detected, causeFound: r.cause_found, ...(r.acknowledged ? { acknowledged: r.acknowledged } : {}), ...(r.resolved ? { resolved: r.resolved } : {}) },
    ...(toAcknowledgeMs !== undefined ? { toAcknowledgeMs } : {}),
    toCauseMs,
    ...(toResolveMs !== undefined ? { toResolveMs } : {}),
    misleading: r.misleading ?? [],
    ...(r.source ? { source: r.source } : {}),
  };
}
