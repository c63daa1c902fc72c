import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { offsetMs, referenceTimeMs } from '../../src/drills/format.js';
import { loadScenarios } from '../../src/drills/load.js';
import { parseScenario } from '../../src/drills/parse.js';
import { loadRunbooks } from '../../src/runbooks/load.js';

/** Issue 13, drills: the scenario format, parsed with `file:line` problems like runbooks. */

const VALID = `---
name: gateway-down
title: Payments failing
service: checkout
runbook: checkout-payments
root_cause:
  step: s1
reference:
  detected: "08:30"
  cause_found: "09:00"
events:
  - at: +3m
    hint: Support is calling.
  - at: -12m
    change:
      kind: credentials
      summary: Key rotated
  - at: +0m
    alert:
      title: Payments dropped
      severity: critical
      labels: { team: payments }
---

Notes for the facilitator.
`;

/** The valid file with one front matter line replaced. */
const broken = (find: string, replace: string) => {
  expect(VALID).toContain(find);
  return VALID.replace(find, replace);
};

const problemsOf = (source: string) => parseScenario(source, 'drills/x.md').problems.map((p) => `${p.file}:${p.line}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`);

describe('a scenario file', () => {
  it('parses into the schedule, defaults filled in, events in clock order', () => {
    const { scenario, problems } = parseScenario(VALID, 'drills/x.md');
    expect(problems).toEqual([]);
    expect(scenario).toMatchObject({ name: 'gateway-down', severity: 'sev2', service: 'checkout', runbook: 'checkout-payments', rootCause: { step: 's1' } });
    expect(scenario!.events.map((e) => [e.index, e.at, e.kind, e.line])).toEqual([
      [0, '-12m', 'change', 14],
      [1, '+0m', 'alert', 18],
      [2, '+3m', 'hint', 12],
    ]);
    expect(scenario!.events[0]).toMatchObject({ change: { service: 'checkout', kind: 'credentials', summary: 'Key rotated' } });
    expect(scenario!.events[1]).toMatchObject({ alert: { title: 'Payments dropped', severity: 'sev1', status: 'firing', service: 'checkout', labels: { team: 'payments' } } });
    expect(scenario!.reference).toMatchObject({ toCauseMs: 30 * 60_000, misleading: [] });
  });

  it('reads event times and reference times', () => {
    expect([offsetMs('-12m'), offsetMs('+0m'), offsetMs('0s'), offsetMs('+1h30m'), offsetMs('+45s'), offsetMs('12'), offsetMs('+m')]).toEqual([
      -720_000, 0, 0, 5_400_000, 45_000, undefined, undefined,
    ]);
    expect(referenceTimeMs('08:30')).toEqual({ clock: true, ms: 8.5 * 3600_000 });
    expect(referenceTimeMs('2024-06-03T08:30:00Z')?.clock).toBe(false);
    expect(referenceTimeMs('8.30')).toBeUndefined();
  });

  it('counts a clock time before `detected` as the next day', () => {
    const { scenario } = parseScenario(broken('cause_found: "09:00"', 'cause_found: "00:15"'), 'drills/x.md');
    expect(scenario!.reference.toCauseMs).toBe((24 - 8.5) * 3600_000 + 15 * 60_000);
  });

  it.each([
    ['a bad time', broken('at: +3m', 'at: soon'), '12: `events[0].at`: "soon" is not a time: write it like -12m, +0m, +3m or +30s'],
    ['a time without its unit', broken('at: +3m', 'at: 3'), '12: `events[0].at`: must be a time relative to the start with its unit and sign, such as -12m, +0m or +30s'],
    ['an unknown key, near a known one', broken('runbook: checkout-payments', 'runbok: checkout-payments'), '5: unknown key `runbok` (did you mean `runbook`?)'],
    ['an unknown alert field', broken('      severity: critical', '      sevrity: critical'), '21: unknown key `sevrity` in `events[2].alert` (did you mean `severity`?)'],
    ['an event of two kinds', broken('    hint: Support is calling.', '    hint: Support is calling.\n    alert: { title: Two }'), '12: `events[0]`: an event is one of `alert`, `change` or `hint` (with its `at`); it has alert and hint'],
    ['a change kind Beacon does not know', broken('kind: credentials', 'kind: password'), '16: `events[1].change.kind` must be one of deploy, config, credentials, feature_flag, infra, not the text "password"'],
    ['a missing key', broken('title: Payments failing\n', ''), '1: missing required key `title`'],
    ['an unquoted bad reference time', broken('detected: "08:30"', 'detected: 8.30'), '9: `reference.detected`: must be a time such as "08:30" (quote it) or an ISO 8601 time'],
    ['a root cause naming nothing', broken('  step: s1', '  note: s1'), '7: unknown key `note` in `root_cause` (allowed: step, check)'],
    ['no front matter', 'name: x\n', '1: no front matter: a scenario starts with a `---` line, its YAML front matter, and another `---` line'],
    ['broken YAML', broken('  - at: +3m', '  - at: [+3m'), '12: bad YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['mixed reference times', broken('cause_found: "09:00"', 'cause_found: 2024-06-03T09:00:00Z'), '10: `reference.cause_found` and `reference.detected` must both be clock times ("08:30") or both ISO times'],
  ])('refuses %s at its line', (_what, source, expected) => {
    const { scenario } = parseScenario(source, 'drills/x.md');
    expect(scenario).toBeUndefined();
    expect(problemsOf(source)).toContain(`drills/x.md:${expected}`);
  });

  it('needs an alert among its events', () => {
    const source = broken('    alert:\n      title: Payments dropped\n      severity: critical\n      labels: { team: payments }\n', '    hint: nothing fires\n');
    expect(problemsOf(source)).toEqual(['drills/x.md:11: no alert among the events: a drill starts when something fires']);
  });
});

describe('a folder of scenarios, checked against the runbooks', () => {
  const { runbooks } = loadRunbooks('runbooks');
  const tmp = mkdtempSync(join(tmpdir(), 'beacon-drills-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('ships two scenarios that parse clean and name real runbook steps', () => {
    const { scenarios, problems, files } = loadScenarios('drills', runbooks);
    expect(problems).toEqual([]);
    expect(files).toBe(2);
    expect(scenarios.map((s) => s.name)).toEqual(['checkout-credentials', 'database-failover']);
    const seed = scenarios[0]!;
    expect(seed.rootCause).toEqual({ step: 'Verify the payment gateway accepts our credentials', stepId: 's1', check: 'gateway-auth' });
    expect(seed.events.map((e) => `${e.at} ${e.kind}`)).toEqual(['-12m change', '+0m alert', '+15m hint', '+1h15m hint']);
    expect(seed.reference).toMatchObject({ toAcknowledgeMs: 5 * 60_000, toCauseMs: 90 * 60_000, toResolveMs: 105 * 60_000 });
    expect(seed.reference.misleading).toHaveLength(2);
    expect(scenarios[1]!.rootCause.stepId).toBe('s5');
  });

  it('refuses a scenario whose runbook, step or checks do not exist, and a second one of the same name', () => {
    const dir = join(tmp, 'cross');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.md'), VALID.replace('runbook: checkout-payments', 'runbook: checkout-payment'));
    writeFileSync(join(dir, 'b.md'), VALID.replace('step: s1', 'step: Restart the database').replace('name: gateway-down', 'name: other'));
    writeFileSync(join(dir, 'c.md'), VALID.replace('name: gateway-down', 'name: third').replace('events:', 'checks:\n  gateway-ath: { status: fail, summary: "401" }\nevents:'));
    writeFileSync(join(dir, 'd.md'), VALID.replace('name: gateway-down', 'name: other'));
    writeFileSync(join(dir, 'README.md'), '# not a scenario\n');
    const { scenarios, problems, files } = loadScenarios(dir, runbooks);
    expect(files).toBe(4);
    expect(scenarios).toEqual([]);
    expect(problems.map((p) => `${p.file.slice(dir.length + 1)}:${p.line}: ${p.message}`)).toEqual([
      'a.md:5: no runbook named `checkout-payment` in the runbooks folder (did you mean `checkout-payments`?)',
      'b.md:7: `root_cause.step` "Restart the database" in runbook `checkout-payments` names no step of it: write its id (s1…) or the start of its text',
      'c.md:12: runbook `checkout-payments` has no check `gateway-ath` to make a result up for (did you mean `gateway-auth`?)',
      `d.md:2: scenario name \`other\` is already used by ${join(dir, 'b.md')}:2`,
    ]);
  });

  it('is documented in docs/drills.md with the shipped seed, as it is', () => {
    const doc = readFileSync('docs/drills.md', 'utf8');
    const shown = /```markdown\n([\s\S]*?)\n# Facilitator/.exec(doc)?.[1];
    expect(shown).toBeDefined();
    expect(readFileSync('drills/checkout-credentials.md', 'utf8').startsWith(`${shown}\n`)).toBe(true);
  });

  it('says when the folder is missing or empty', () => {
    expect(loadScenarios(join(tmp, 'none'))).toMatchObject({ found: false, problems: [{ line: 0, message: 'drills folder not found' }] });
    mkdirSync(join(tmp, 'empty'));
    expect(loadScenarios(join(tmp, 'empty')).problems[0]?.message).toBe('no scenario files (*.md) in this folder');
  });
});
