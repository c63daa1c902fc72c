import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/runbooks/check-cli.js';
import { loadRunbooks } from '../../src/runbooks/load.js';

const run = promisify(execFile);
const BROKEN = 'test/fixtures/runbooks-broken';

/** Runs the CLI in-process; returns its exit code and printed lines. */
function check(argv: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const code = main(argv, { print: (l) => out.push(l), env });
  return { code, out };
}

const tmp = mkdtempSync(join(tmpdir(), 'beacon-runbooks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const f = (name: string) => `${BROKEN}/${name}`;

/** One fixture file per kind of mistake, each reported at its line. */
const EXPECTED = [
  `${f('bad-slack-id.md')}:8: \`responders[1]\`: "<@U023BC4DEFG>" is not a Slack user ID (U… or W…, e.g. U012AB3CDEF); write the bare ID, not a mention`,
  `${f('bad-slack-id.md')}:9: \`escalation\`: "@payments-oncall" is not a Slack user group ID (S…) or user ID (U…/W…)`,
  `${f('bad-type.md')}:7: \`match.labels.status_code\` must be text, not the number 500 (quote it)`,
  `${f('bad-url.md')}:9: \`checks.gateway-ping.url\`: "gateway.example.com/health" is not a URL: start it with https://`,
  `${f('bad-yaml.md')}:5: bad YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
  `${f('default-second.md')}:4: a second default runbook: \`fallback\` (${f('default-a.md')}) is already the default`,
  `${f('dup-name-b.md')}:3: runbook name \`duplicate\` is already used by ${f('dup-name-a.md')}:2`,
  `${f('empty-step.md')}:9: step has no text`,
  `${f('inline-secret.md')}:11: \`checks.gateway-auth.headers.Authorization\`: inline value: header values (secrets above all) come only from environment variables; write \`{ env: VAR_NAME, prefix: "Bearer " }\``,
  `${f('missing-key.md')}:1: missing required key \`title\``,
  `${f('no-front-matter.md')}:1: no front matter: a runbook starts with a \`---\` line, its YAML front matter, and another \`---\` line`,
  `${f('no-steps.md')}:6: no steps after the front matter: add a Markdown checklist, one \`- [ ] step\` per line`,
  `${f('step-too-long.md')}:8: step is 151 characters; keep it under 150 (it becomes a Slack checkbox) and move the rest to an indented line below it`,
  `${f('too-many-steps.md')}:58: more than 50 steps (51); split the runbook or fold detail under fewer steps`,
  `${f('unknown-check.md')}:12: step uses check \`gateway-ping\`, which \`checks\` does not define`,
  `${f('unknown-key.md')}:6: unknown key \`responder\` (did you mean \`responders\`?)`,
  `${f('unused-check.md')}:9: warning: check \`gateway-ping\` is defined but no step uses it`,
  `FAILED: 16 errors, 1 warning in 18 runbook files under ${BROKEN}`,
];

describe('runbooks:check', () => {
  it('prints file:line: problem for every mistake and exits 1 (as `npx tsx` runs it)', async () => {
    const err = await run('npx', ['tsx', 'src/runbooks/check-cli.ts', BROKEN]).then(
      () => undefined,
      (e: { code: number; stdout: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stdout.trimEnd().split('\n')).toEqual(EXPECTED);
  });

  it('passes the shipped runbooks, from RUNBOOKS_DIR or the default ./runbooks', () => {
    const ok = ['OK: 5 runbooks under runbooks (default: default), 0 warnings'];
    expect(check([], { RUNBOOKS_DIR: 'runbooks' })).toEqual({ code: 0, out: ok });
    expect(check(['runbooks'])).toEqual({ code: 0, out: ok });
    expect(check([]).out).toEqual(['OK: 5 runbooks under ./runbooks (default: default), 0 warnings']);
  });

  it('loads every shipped runbook without a single problem', () => {
    const { runbooks, problems } = loadRunbooks('runbooks');
    expect(problems).toEqual([]);
    expect(runbooks.map((r) => r.name).sort()).toEqual([
      'checkout-payments',
      'database',
      'default',
      'latency-saturation',
      'third-party-outage',
    ]);
    for (const r of runbooks) {
      expect(r.steps.length).toBeGreaterThanOrEqual(8);
      expect(r.steps.some((s) => /escalate/i.test(s.text)), `${r.name} says when to escalate`).toBe(true);
      expect(r.steps.some((s) => /roll back/i.test(s.text)), `${r.name} says when to roll back`).toBe(true);
      expect(r.steps.some((s) => /status (update|page)|updates every/i.test(s.text)), `${r.name} covers comms`).toBe(true);
    }
  });

  it('fails warnings only with --strict', () => {
    const dir = join(tmp, 'warn');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'default.md'),
      '---\nname: default\ntitle: Default\ndefault: true\nchecks:\n  c: { type: recent_changes }\n---\n- [ ] Look\n',
    );
    const warning = `${join(dir, 'default.md')}:6: warning: check \`c\` is defined but no step uses it`;
    expect(check([dir])).toEqual({ code: 0, out: [warning, `OK: 1 runbook under ${dir} (default: default), 1 warning`] });
    expect(check([dir, '--strict'])).toEqual({
      code: 1,
      out: [warning, `FAILED: 0 errors, 1 warning in 1 runbook file under ${dir}`],
    });
  });

  it('reports a missing folder, an empty one and a folder without default', () => {
    const missing = join(tmp, 'missing');
    expect(check([missing]).out[0]).toBe(`${missing}: runbooks folder not found`);
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'README.md'), '# Our runbooks\n');
    expect(check([empty])).toEqual({
      code: 1,
      out: [`${empty}: no runbook files (*.md) in this folder`, `FAILED: 1 error, 0 warnings in 0 runbook files under ${empty}`],
    });
    const noDefault = join(tmp, 'no-default');
    mkdirSync(join(noDefault, 'team'), { recursive: true });
    writeFileSync(join(noDefault, 'team', 'api.md'), '---\nname: api\ntitle: API\nmatch: { service: api }\n---\n- [ ] Look\n');
    expect(check([noDefault])).toEqual({
      code: 0,
      out: [
        `${noDefault}: warning: no default runbook: alerts that match no runbook get no checklist (add one with \`default: true\`)`,
        `OK: 1 runbook under ${noDefault}, 1 warning`,
      ],
    });
  });

  it('leaves duplicates out of what the bot loads', () => {
    const { runbooks } = loadRunbooks(BROKEN);
    expect(runbooks.map((r) => r.name)).toEqual(['fallback', 'duplicate', 'unused-check']);
    expect(runbooks.find((r) => r.name === 'duplicate')?.file).toBe(f('dup-name-a.md'));
  });

  it('answers --help and rejects unknown flags', () => {
    expect(check(['--help']).code).toBe(0);
    expect(check(['--fix']).code).toBe(2);
  });
});
