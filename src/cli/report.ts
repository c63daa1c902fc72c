/**
 * The three shapes of a `beacon check` report: text lines for a person (one per check), JSON
 * for a script, JUnit XML for a CI system's test results. Pure: results in, text out.
 */

/** A check's verdict in the gate: `skipped` when what it reads is not there (no Redis). */
export type GateStatus = 'pass' | 'fail' | 'error' | 'skipped';

/** One check of one runbook, as the gate ran it. Strings come scrubbed from the check runner. */
export interface GateResult {
  runbook: string;
  check: string;
  /** The check's `type` (`http`, `recent_changes`, …). */
  type: string;
  status: GateStatus;
  summary: string;
  details: string[];
  /** Wall time of the check, as the gate measured it. */
  durationMs: number;
  httpStatus?: number;
  latencyMs?: number;
}

export interface GateReport {
  results: GateResult[];
  /** The runbooks checked, in order (a runbook without checks has a suite with no case). */
  runbooks: string[];
  startedAt: Date;
  durationMs: number;
}

export type Counts = Record<GateStatus, number>;

export function countResults(results: readonly GateResult[]): Counts {
  const counts: Counts = { pass: 0, fail: 0, error: 0, skipped: 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}

/** Passed when nothing failed or errored; skipped checks do not count either way. */
export function gatePassed(results: readonly GateResult[]): boolean {
  return results.every((r) => r.status === 'pass' || r.status === 'skipped');
}

const MARK: Record<GateStatus, string> = { pass: '✅', fail: '❌', error: '❗', skipped: '⏭️' };

/**
 * One line per check (`✅ checkout-payments/gateway-auth: HTTP 200 in 84 ms`), the details of
 * those that did not pass indented under them, and a last line with the counts.
 */
export function textReport(report: GateReport): string[] {
  const lines: string[] = [];
  for (const r of report.results) {
    lines.push(`${MARK[r.status]} ${r.runbook}/${r.check}: ${r.summary}`);
    if (r.status === 'fail' || r.status === 'error') for (const d of r.details) lines.push(`     ${d}`);
  }
  const c = countResults(report.results);
  const verdict = gatePassed(report.results) ? 'OK' : 'FAILED';
  const what = `${plural(report.results.length, 'check')} of ${plural(report.runbooks.length, 'runbook')}`;
  lines.push(`${verdict}: ${c.pass} passed, ${c.fail} failed, ${c.error} errored, ${c.skipped} skipped (${what} in ${seconds(report.durationMs)} s)`);
  return lines;
}

/** `{ ok, counts, results: [{ runbook, check, type, status, summary, details, duration_ms, … }] }`. */
export function jsonReport(report: GateReport): string {
  const body = {
    ok: gatePassed(report.results),
    started_at: report.startedAt.toISOString(),
    duration_ms: report.durationMs,
    runbooks: report.runbooks,
    counts: countResults(report.results),
    results: report.results.map((r) => ({
      runbook: r.runbook,
      check: r.check,
      type: r.type,
      status: r.status,
      summary: r.summary,
      details: r.details,
      duration_ms: r.durationMs,
      ...(r.httpStatus !== undefined ? { http_status: r.httpStatus } : {}),
      ...(r.latencyMs !== undefined ? { latency_ms: r.latencyMs } : {}),
    })),
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/**
 * JUnit XML as CI systems read it (GitHub's test reporters, GitLab's `artifacts:reports:junit`,
 * Jenkins): one `<testsuite>` per runbook, one `<testcase>` per check, `<failure>` for a failed
 * check, `<error>` for one that could not run, `<skipped>` for a skipped one.
 */
export function junitReport(report: GateReport): string {
  const c = countResults(report.results);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="beacon check" ${counters(report.results.length, c)} time="${seconds(report.durationMs)}">`,
  ];
  for (const runbook of report.runbooks) {
    const cases = report.results.filter((r) => r.runbook === runbook);
    const time = cases.reduce((max, r) => Math.max(max, r.durationMs), 0);
    out.push(
      `  <testsuite name="${xml(runbook)}" ${counters(cases.length, countResults(cases))} time="${seconds(time)}" timestamp="${report.startedAt.toISOString().slice(0, 19)}">`,
    );
    for (const r of cases) out.push(...testcase(r));
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

function testcase(r: GateResult): string[] {
  const open = `    <testcase classname="${xml(r.runbook)}" name="${xml(r.check)}" time="${seconds(r.durationMs)}"`;
  const body = xmlText([r.summary, ...r.details].join('\n'));
  switch (r.status) {
    case 'pass':
      return [`${open}/>`];
    case 'skipped':
      return [`${open}>`, `      <skipped message="${xml(r.summary)}"/>`, '    </testcase>'];
    case 'fail':
      return [`${open}>`, `      <failure message="${xml(r.summary)}" type="${xml(r.type)}">${body}</failure>`, '    </testcase>'];
    case 'error':
      return [`${open}>`, `      <error message="${xml(r.summary)}" type="${xml(r.type)}">${body}</error>`, '    </testcase>'];
  }
}

function counters(tests: number, c: Counts): string {
  return `tests="${tests}" failures="${c.fail}" errors="${c.error}" skipped="${c.skipped}"`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Characters XML 1.0 does not allow at all (control characters but tab, LF and CR; lone surrogates). */
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Escaped for element text: markup characters, and what XML cannot hold at all. */
export function xmlText(s: string): string {
  return s.replace(NOT_XML, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escaped for a double-quoted attribute value; line breaks and tabs as character references. */
export function xml(s: string): string {
  return xmlText(s)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}
