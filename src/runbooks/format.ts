/**
 * The runbook file format: one Markdown file per runbook, YAML front matter for the machine,
 * a Markdown checklist for the humans. Pure: no fs, no Slack, no Redis. `docs/runbooks.md`
 * documents the format for the people who write runbooks; keep the two in step.
 */
import { z } from 'zod';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { SEVERITIES } from '../domain.js';

/** A runbook longer than this is a manual, not a checklist. */
export const MAX_STEPS = 50;
/** Longest step text: a step becomes a Slack checkbox and longer text is cut there. */
export const MAX_STEP_TEXT = 150;

/** Slack user IDs: `U…`, or `W…` on Enterprise Grid. */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{6,}$/;
/** Slack user group IDs: `S…`. */
export const SLACK_USERGROUP_ID = /^S[A-Z0-9]{6,}$/;
/** Runbook names are typed after `/incident runbook`, so: lower case, digits, dashes. */
export const RUNBOOK_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Check ids appear in `{check: id}` on step lines. */
export const CHECK_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;
/** RFC 9110 token characters. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/** Query parameters that carry credentials; those belong in a header read from the environment. */
const SECRET_QUERY_PARAM =
  /^(api[_-]?key|apikey|key|token|access[_-]?token|auth[_-]?token|secret|client[_-]?secret|password|passwd|pwd|sig|signature|auth)$/i;

export type ProblemSeverity = 'error' | 'warning';

/** One mistake in a runbook file, at the line of the offending front matter key or step. */
export interface RunbookProblem {
  file: string;
  /** 1-based; 0 when the problem is about a folder rather than a line. */
  line: number;
  message: string;
  severity: ProblemSeverity;
}

// ---------------------------------------------------------------------------------------------
// Schemas

const text = (max: number) =>
  z.string().trim().min(1, { error: 'must not be empty' }).max(max, { error: `must be at most ${max} characters` });

/** One value or a list of them, always a list afterwards (`service: api` or `service: [api, web]`). */
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' || typeof v === 'number' ? [v] : v), z.array(item).min(1, { error: 'must not be an empty list' }));

const slackUserId = z
  .string()
  .regex(SLACK_USER_ID, { error: (iss) => `${JSON.stringify(iss.input)} is not a Slack user ID (U… or W…, e.g. U012AB3CDEF)${mentionHint(iss.input)}` });

const slackUserOrGroupId = z
  .string()
  .refine((s) => SLACK_USER_ID.test(s) || SLACK_USERGROUP_ID.test(s), {
    error: (iss) =>
      `${JSON.stringify(iss.input)} is not a Slack user group ID (S…) or user ID (U…/W…)${mentionHint(iss.input)}`,
  });

function mentionHint(input: unknown): string {
  return typeof input === 'string' && /^<[@!]/.test(input) ? '; write the bare ID, not a mention' : '';
}

/** What an alert must carry for this runbook to apply. All given fields must match. */
export const matchSchema = z
  .strictObject({
    /** Any of these services. */
    service: oneOrMany(text(200)).optional(),
    /** Any of these alert names (Alertmanager/Grafana `alertname`). */
    alertname: oneOrMany(text(200)).optional(),
    /** Every one of these labels, with exactly this value. */
    labels: z.record(z.string().min(1).max(200), z.string().max(1000)).optional(),
  })
  .refine((m) => m.service || m.alertname || (m.labels && Object.keys(m.labels).length > 0), {
    error: 'is empty: give `service`, `alertname` or `labels`, or remove `match`',
  });

/** A header value read from the environment when the check runs, never written in the file. */
export const headerFromEnvSchema = z.strictObject(
  {
    env: z.string().regex(ENV_NAME, {
      error: (iss) => `${JSON.stringify(iss.input)} is not an environment variable name (like PAYMENT_GATEWAY_TOKEN)`,
    }),
    /** Written before the variable's value, e.g. `"Bearer "`. A scheme, not a secret. */
    prefix: z
      .string()
      .refine((p) => p.length <= 24 && !/[A-Za-z0-9_\-+/=]{16,}/.test(p), {
        error: 'must be a short scheme like "Bearer "; the secret goes in the environment variable',
      })
      .optional(),
  },
  {
    error: (iss) =>
      iss.code === 'invalid_type' && iss.input !== undefined && (typeof iss.input !== 'object' || iss.input === null)
        ? 'inline value: header values (secrets above all) come only from environment variables; write `{ env: VAR_NAME, prefix: "Bearer " }`'
        : undefined,
  },
);

const httpUrlSchema = z
  .string()
  .max(2000)
  .superRefine((s, ctx) => {
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      const hint = /^[\w.-]+\.[a-z]{2,}(?:[:/]|$)/i.test(s) ? ': start it with https://' : '';
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(s)} is not a URL${hint}` });
      return;
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || /\s/.test(s)) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(s)} is not an http(s) URL` });
      return;
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'has credentials in it; send them in a header read from an environment variable' });
    }
    for (const key of url.searchParams.keys()) {
      if (SECRET_QUERY_PARAM.test(key)) {
        ctx.addIssue({
          code: 'custom',
          message: `query parameter \`${key}\` looks like a secret; send it in a header read from an environment variable`,
        });
      }
    }
  });

const httpStatus = z.number().int().min(100).max(599);

/** `recent_changes`: the deploys and config changes Beacon received for the service. */
export const recentChangesCheckSchema = z.strictObject({
  type: z.literal('recent_changes'),
  /** How far back to look. */
  hours: z.number().positive().max(168, { error: 'must be at most 168 (a week)' }).default(6),
  /** Another service than the incident's (e.g. the gateway the checkout depends on). */
  service: text(200).optional(),
});

/** `http`: one read-only request; passes when the status is one of `expect`. */
export const httpCheckSchema = z.strictObject({
  type: z.literal('http'),
  url: httpUrlSchema,
  method: z
    .preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(['GET', 'HEAD', 'OPTIONS', 'POST']))
    .default('GET'),
  /** Accepted status codes. */
  expect: z
    .preprocess((v) => (typeof v === 'number' ? [v] : v), z.array(httpStatus).min(1))
    .default([200]),
  timeout_ms: z.number().int().min(100).max(30_000).default(5000),
  headers: z
    .record(
      z.string().regex(HEADER_NAME, { error: 'is not a valid HTTP header name' }),
      headerFromEnvSchema,
    )
    .default({}),
});

export const checkSchema = z.discriminatedUnion('type', [recentChangesCheckSchema, httpCheckSchema]);
export type RunbookCheck = z.infer<typeof checkSchema>;
export type RecentChangesCheck = z.infer<typeof recentChangesCheckSchema>;
export type HttpCheck = z.infer<typeof httpCheckSchema>;
export const CHECK_TYPES = ['recent_changes', 'http'] as const;

/** The YAML front matter of a runbook file, as written. */
export const frontMatterSchema = z.strictObject({
  name: z.string().regex(RUNBOOK_NAME, {
    error: (iss) =>
      `${JSON.stringify(iss.input)} is not a runbook name: lower case letters, digits and dashes, at most 64 (e.g. checkout-payments)`,
  }),
  title: text(150),
  description: text(500).optional(),
  /** The runbook for alerts that no other runbook matches. At most one per folder. */
  default: z.boolean().optional(),
  match: matchSchema.optional(),
  /** Invited to the incident channel. */
  responders: oneOrMany(slackUserId).optional(),
  /** Paged when nobody acknowledges in time. */
  escalation: oneOrMany(slackUserOrGroupId).optional(),
  /** Severity to open the incident with when the alert does not say. */
  severity: z.enum(SEVERITIES).optional(),
  checks: z
    .record(
      z.string().regex(CHECK_ID, { error: 'is not a check id: lower case letters, digits, `-` and `_`' }),
      checkSchema,
    )
    .optional(),
});
export type RunbookFrontMatter = z.infer<typeof frontMatterSchema>;

export const stepSchema = z.object({
  /** `s1`, `s2`, … in file order: checklist ticks are stored against it. */
  id: z.string(),
  /** One line, at most MAX_STEP_TEXT characters: the checkbox label. */
  text: z.string(),
  /** The indented lines under the step, dedented. */
  detail: z.string().optional(),
  /** Id of the automated check this step runs (a key of `checks`). */
  check: z.string().optional(),
});
export type RunbookStep = z.infer<typeof stepSchema>;

/**
 * A parsed, valid runbook, normalized: lists are always lists, defaults are filled in.
 * Plain JSON, so it can travel in job payloads and be re-validated with this schema.
 */
export const runbookSchema = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string().optional(),
  default: z.boolean(),
  match: z.object({
    service: z.array(z.string()),
    alertname: z.array(z.string()),
    labels: z.record(z.string(), z.string()),
  }),
  responders: z.array(z.string()),
  /** User group IDs (`S…`) and user IDs, in file order; see `slackMention`. */
  escalation: z.array(z.string()),
  severity: z.enum(SEVERITIES).optional(),
  checks: z.record(z.string(), checkSchema),
  steps: z.array(stepSchema),
  /** The file it came from, for messages and logs. */
  file: z.string(),
});
export type Runbook = z.infer<typeof runbookSchema>;
export type RunbookMatch = Runbook['match'];

/** `<!subteam^S…>` for a user group ID, `<@U…>` for a user ID. */
export function slackMention(id: string): string {
  return SLACK_USERGROUP_ID.test(id) ? `<!subteam^${id}>` : `<@${id}>`;
}

// ---------------------------------------------------------------------------------------------
// Parsing

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

/**
 * Parses one runbook file. Every problem names the line of the front matter key or step at
 * fault; the runbook is returned only when there is no error.
 */
export function parseRunbook(source: string, file: string): ParseResult {
  const problems: RunbookProblem[] = [];
  const keyLines: Record<string, number> = {};
  const error = (line: number, message: string) => problems.push({ file, line, message, severity: 'error' });
  const warn = (line: number, message: string) => problems.push({ file, line, message, severity: 'warning' });
  const done = (runbook?: Runbook): ParseResult => {
    problems.sort((a, b) => a.line - b.line);
    const hasError = problems.some((p) => p.severity === 'error');
    return { ...(runbook && !hasError ? { runbook } : {}), problems, keyLines };
  };

  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trim() !== '---') {
    error(1, 'no front matter: a runbook starts with a `---` line, its YAML front matter, and another `---` line');
    return done();
  }
  const close = lines.findIndex((l, i) => i > 0 && (l.trimEnd() === '---' || l.trimEnd() === '...'));
  if (close < 0) {
    error(1, 'front matter is not closed: add a `---` line after it');
    return done();
  }

  // Front matter text starts on file line 2.
  const fmLine = (yamlLine: number) => yamlLine + 1;
  const lc = new LineCounter();
  const yamlText = lines.slice(1, close).join('\n');
  const doc = parseDocument(yamlText, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  // Only the first YAML error: the ones after it are mostly echoes of the same mistake.
  const yamlError = doc.errors[0];
  if (yamlError) error(fmLine(lc.linePos(yamlErrorOffset(yamlText, yamlError)).line), `bad YAML: ${firstLine(yamlError.message)}`);
  for (const w of doc.warnings) warn(fmLine(lc.linePos(w.pos[0]).line), `YAML: ${firstLine(w.message)}`);

  let raw: unknown;
  if (!doc.errors.length) {
    try {
      raw = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      error(2, `bad YAML: ${firstLine(e instanceof Error ? e.message : String(e))}`);
    }
  }
  const lineOf = (path: readonly PropertyKey[]) => lineForPath(doc, lc, path, fmLine);

  let fm: RunbookFrontMatter | undefined;
  if (!problems.some((p) => p.severity === 'error')) {
    if (raw === null || raw === undefined) {
      error(1, 'front matter is empty: it needs at least `name` and `title`');
    } else if (!isPlainObject(raw)) {
      error(2, 'front matter must be a YAML mapping of keys (`name: ...`, `title: ...`)');
    } else {
      for (const key of ['name', 'default']) {
        if (key in raw) keyLines[key] = lineOf([key]);
      }
      const parsed = frontMatterSchema.safeParse(raw);
      if (parsed.success) fm = parsed.data;
      else for (const issue of parsed.error.issues) describeIssue(issue, raw, lineOf, error);
    }
  }

  // Steps: checkbox lines at the start of a line, outside fenced code blocks.
  const bodyStart = close + 1;
  const steps: RawStep[] = [];
  let inFence = false;
  let current: RawStep | undefined;
  for (let i = bodyStart; i < lines.length; i++) {
    const l = lines[i] ?? '';
    const lineNo = i + 1;
    if (FENCE.test(l)) inFence = !inFence;
    const m = inFence ? null : STEP_LINE.exec(l);
    if (m) {
      current = { line: lineNo, text: (m[2] ?? '').trim(), detailLines: [] };
      if (m[1] !== ' ') warn(lineNo, 'step is ticked in the file; write `- [ ]` (ticks are recorded in Slack, per incident)');
      const ref = CHECK_REF.exec(current.text);
      if (ref) {
        current.text = current.text.slice(0, ref.index).trim();
        current.check = ref[1] ?? '';
      } else if (/\{\s*check\b/.test(current.text)) {
        error(lineNo, 'a check reference is written `{check: id}` at the end of the step');
      }
      steps.push(current);
      continue;
    }
    if (current && (l.trim() === '' || /^[ \t]/.test(l))) {
      current.detailLines.push(l);
      continue;
    }
    current = undefined;
    if (!inFence && ALMOST_STEP_LINE.test(l)) {
      error(lineNo, 'malformed checklist item: write `- [ ] step text`');
    }
  }

  // Check references are judged only against a readable `checks` map, so that one YAML
  // mistake does not also flag every step that uses a check.
  const checksKnown = isPlainObject(raw) && (raw.checks === undefined || raw.checks === null || isPlainObject(raw.checks));
  const rawChecks = isPlainObject(raw) && isPlainObject(raw.checks) ? raw.checks : {};
  const used = new Set<string>();
  for (const s of steps) {
    if (!s.text) error(s.line, 'step has no text');
    else if (s.text.length > MAX_STEP_TEXT) {
      error(
        s.line,
        `step is ${s.text.length} characters; keep it under ${MAX_STEP_TEXT} (it becomes a Slack checkbox) and move the rest to an indented line below it`,
      );
    }
    if (s.check !== undefined) {
      used.add(s.check);
      if (!s.check) error(s.line, 'step has an empty `{check: }`; name a check from `checks`');
      else if (checksKnown && !Object.hasOwn(rawChecks, s.check)) {
        const hint = suggest(s.check, Object.keys(rawChecks));
        error(s.line, `step uses check \`${s.check}\`, which \`checks\` does not define${hint}`);
      }
    }
  }
  if (steps.length === 0) {
    error(close + 1, 'no steps after the front matter: add a Markdown checklist, one `- [ ] step` per line');
  } else if (steps.length > MAX_STEPS) {
    const first = steps[MAX_STEPS];
    error(first?.line ?? 1, `more than ${MAX_STEPS} steps (${steps.length}); split the runbook or fold detail under fewer steps`);
  }
  for (const id of Object.keys(rawChecks)) {
    if (!used.has(id)) warn(lineOf(['checks', id]), `check \`${id}\` is defined but no step uses it`);
  }
  if (fm?.default && fm.match) {
    error(lineOf(['match']), 'a default runbook takes no `match`: it applies to alerts that match no other runbook');
  }

  if (!fm) return done();
  return done({
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
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * Where a YAML error should point. The parser notices an unclosed `[`, `{` or quote only where
 * the text runs out, often lines later; the author wants the line that opened it.
 */
function yamlErrorOffset(text: string, e: { message: string; pos: [number, number] }): number {
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

function firstLine(s: string): string {
  return s.split('\n', 1)[0]?.trim() ?? s;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dedent(detailLines: string[]): string | undefined {
  const ls = [...detailLines];
  while (ls.length && ls[ls.length - 1]?.trim() === '') ls.pop();
  while (ls.length && ls[0]?.trim() === '') ls.shift();
  if (!ls.length) return undefined;
  const indent = Math.min(...ls.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)?.[0].length ?? 0));
  return ls.map((l) => l.slice(indent).trimEnd()).join('\n');
}

/**
 * File line of the YAML node at `path`: the key's line when the path ends at a mapping key,
 * the item's line in a list; the deepest existing ancestor when the path does not exist (a
 * missing key); the opening `---` when not even the first key exists.
 */
function lineForPath(
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
    const type = (valueAt(raw, path) as { type?: unknown } | undefined)?.type;
    if (type === 'http') return Object.keys(httpCheckSchema.shape);
    if (type === 'recent_changes') return Object.keys(recentChangesCheckSchema.shape);
  }
  if (first === 'checks' && third === 'headers' && fourth !== undefined && path.length === 4) return ['env', 'prefix'];
  return [];
}

function describeIssue(
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
function suggest(word: string, candidates: readonly string[]): string {
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
