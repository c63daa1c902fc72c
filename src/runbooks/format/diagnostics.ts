/**
 * What is wrong with a runbook file, said so its author can fix it: the problem type, the file
 * line a YAML path is on, and zod issues turned into messages that name the key and the value
 * (`\`checks.gw.timeout_ms\` must be a number, not the text "5s"`), with a "did you mean" for
 * near misses.
 */
import type { z } from 'zod';
import { isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import {
  CHECK_TYPES,
  dnsCheckSchema,
  expectBodySchema,
  frontMatterSchema,
  httpCheckSchema,
  PROBE_KEYS,
  recentChangesCheckSchema,
  tcpCheckSchema,
} from './schema.js';

export type ProblemSeverity = 'error' | 'warning';

/** One mistake in a runbook file, at the line of the offending front matter key or step. */
export interface RunbookProblem {
  file: string;
  /** 1-based; 0 when the problem is about a folder rather than a line. */
  line: number;
  message: string;
  severity: ProblemSeverity;
}

/** Where the parser reports what it finds wrong in one file. */
export interface ProblemLog {
  error(line: number, message: string): void;
  warn(line: number, message: string): void;
  hasError(): boolean;
  /** Every problem so far, by line (in the order found within a line). */
  sorted(): RunbookProblem[];
}

/** A `ProblemLog` for one file. */
export function problemLog(file: string): ProblemLog {
  const problems: RunbookProblem[] = [];
  return {
    error: (line, message) => void problems.push({ file, line, message, severity: 'error' }),
    warn: (line, message) => void problems.push({ file, line, message, severity: 'warning' }),
    hasError: () => problems.some((p) => p.severity === 'error'),
    sorted: () => problems.sort((a, b) => a.line - b.line),
  };
}

/**
 * Where a YAML error should point. The parser notices an unclosed `[`, `{` or quote only where
 * the text runs out, often lines later; the author wants the line that opened it.
 */
export function yamlErrorOffset(text: string, e: { message: string; pos: [number, number] }): number {
  const opener = /end with a \]/.test(e.message)
    ? '['
    : /end with a \}/.test(e.message)
      ? '{'
      : /Missing closing "quote/.test(e.message)
        ? '"'
        : /Missing closing 'quote/.test(e.message)
          ? "'"
          : undefined;
  if (opener) {
    const i = text.lastIndexOf(opener, Math.min(e.pos[0], text.length) - 1);
    if (i >= 0) return i;
  }
  return e.pos[0];
}

/** The first line of a message: a `file:line: problem` report has room for one. */
export function firstLine(s: string): string {
  return s.split('\n', 1)[0]?.trim() ?? s;
}

/** A YAML mapping, once turned into JS. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * File line of the YAML node at `path`: the key's line when the path ends at a mapping key,
 * the item's line in a list; the deepest existing ancestor when the path does not exist (a
 * missing key); the opening `---` when not even the first key exists.
 */
export function lineForPath(
  doc: Document,
  lc: LineCounter,
  path: readonly PropertyKey[],
  fmLine: (yamlLine: number) => number,
): number {
  let node: unknown = doc.contents;
  let line = 1;
  const at = (n: unknown) => {
    const r = (n as { range?: [number, number, number] } | null)?.range;
    return r ? fmLine(lc.linePos(r[0]).line) : undefined;
  };
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
      if (!pair) break;
      line = at(pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (!item) break;
      line = at(item) ?? line;
      node = item;
    } else break;
  }
  return line;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === 'number') v = v[seg];
    else if (isPlainObject(v)) v = v[String(seg)];
    else return undefined;
  }
  return v;
}

/** `checks.gateway-auth.headers.Authorization`, `responders[1]`; drops the index of a one-value shorthand. */
function showPath(raw: unknown, path: readonly PropertyKey[]): string {
  let out = '';
  path.forEach((seg, i) => {
    if (typeof seg === 'number') {
      if (Array.isArray(valueAt(raw, path.slice(0, i)))) out += `[${seg}]`;
    } else out += out ? `.${String(seg)}` : String(seg);
  });
  return out;
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v === 'number' ? 'the number' : 'the value'} ${String(v)}`;
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

/** Known keys at a path of the front matter, for "unknown key" messages. */
function allowedKeys(raw: unknown, path: readonly PropertyKey[]): string[] {
  const [first, , third, fourth] = path;
  if (path.length === 0) return Object.keys(frontMatterSchema.shape);
  if (path.length === 1 && first === 'match') return ['service', 'alertname', 'labels'];
  if (first === 'checks' && path.length === 2) {
    const type = checkTypeAt(raw, path);
    const shape = typeof type === 'string' && Object.hasOwn(CHECK_SHAPES, type) ? CHECK_SHAPES[type as keyof typeof CHECK_SHAPES] : undefined;
    return shape ? Object.keys(shape) : [];
  }
  if (first === 'checks' && third === 'expect_body' && path.length === 3) return Object.keys(expectBodySchema.shape);
  if (first === 'checks' && third === 'headers' && fourth !== undefined && path.length === 4) return ['env', 'file', 'prefix'];
  return [];
}

const CHECK_SHAPES = {
  http: httpCheckSchema.shape,
  recent_changes: recentChangesCheckSchema.shape,
  tcp: tcpCheckSchema.shape,
  dns: dnsCheckSchema.shape,
};

const checkTypeAt = (raw: unknown, path: readonly PropertyKey[]): unknown => (valueAt(raw, path) as { type?: unknown } | undefined)?.type;

/** Why a probe key is unknown on a check that cannot be a probe, or undefined. */
function notAProbe(raw: unknown, path: readonly PropertyKey[], key: string): string | undefined {
  if (path[0] !== 'checks' || path.length !== 2 || checkTypeAt(raw, path) !== 'recent_changes') return undefined;
  if (!(PROBE_KEYS as readonly string[]).includes(key)) return undefined;
  return `\`${key}\` is for probes, and a recent_changes check cannot be one: it looks back from an incident's start (probes are http, tcp and dns checks)`;
}

/**
 * Reports one zod issue of the front matter at the line of its key, in the author's words:
 * which key, what it must be, and what it is instead.
 */
export function describeIssue(
  issue: z.core.$ZodIssue,
  raw: Record<string, unknown>,
  lineOf: (path: readonly PropertyKey[]) => number,
  report: (line: number, message: string) => void,
): void {
  const path = issue.path;
  const value = valueAt(raw, path);
  const where = showPath(raw, path);
  const parent = showPath(raw, path.slice(0, -1));
  const leaf = String(path[path.length - 1] ?? '');
  const line = lineOf(path);

  const missing = value === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union');
  if (missing) {
    report(line, `missing required key \`${leaf}\`${parent ? ` in \`${parent}\`` : ''}`);
    return;
  }
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(raw, path);
      for (const key of issue.keys) {
        const probe = notAProbe(raw, path, key);
        if (probe) {
          report(lineOf([...path, key]), `\`${where}\`: ${probe}`);
          continue;
        }
        const hint = suggest(key, allowed);
        const list = !hint && allowed.length ? ` (allowed: ${allowed.join(', ')})` : '';
        report(lineOf([...path, key]), `unknown key \`${key}\`${where ? ` in \`${where}\`` : ''}${hint}${list}`);
      }
      return;
    }
    case 'invalid_type': {
      if (!issue.message.startsWith('Invalid input')) {
        report(line, `\`${where}\`: ${issue.message}`);
        return;
      }
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      const quote = issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean') ? ' (quote it)' : '';
      report(line, `\`${where}\` must be ${expected}, not ${kindOf(value)}${quote}`);
      return;
    }
    case 'invalid_union':
      report(line, `\`${where}\` must be one of ${CHECK_TYPES.join(', ')}, not ${kindOf(value)}`);
      return;
    case 'invalid_value':
      report(line, `\`${where}\` must be one of ${issue.values.map(String).join(', ')}, not ${kindOf(value)}`);
      return;
    case 'invalid_key': {
      const inner = issue.issues[0]?.message ?? 'is not allowed';
      report(line, `\`${parent}\`: key \`${leaf}\` ${inner}`);
      return;
    }
    case 'too_small':
    case 'too_big': {
      const msg = issue.message.startsWith('Too') ? defaultSizeMessage(issue) : issue.message;
      report(line, `\`${where}\`: ${msg}`);
      return;
    }
    default:
      report(line, `\`${where}\`: ${issue.message}`);
  }
}

function defaultSizeMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const n = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  const word = issue.code === 'too_small' ? 'at least' : 'at most';
  if (issue.origin === 'array') return `must have ${word} ${n} item${n === 1 ? '' : 's'}`;
  if (issue.origin === 'string') return `must be ${word} ${n} characters`;
  if (issue.code === 'too_small' && n === 0 && !issue.inclusive) return 'must be more than 0';
  return `must be ${word} ${n}`;
}

/** ` (did you mean \`x\`?)` for a near miss, else empty. */
export function suggest(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const [w, k] = [word.toLowerCase(), c.toLowerCase()];
    // A prefix counts as a near miss too: `timeout` for `timeout_ms`, `responder` for `responders`.
    const d = w.length >= 3 && (k.startsWith(w) || w.startsWith(k)) ? 1 : distance(w, k);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? ` (did you mean \`${best}\`?)` : '';
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
