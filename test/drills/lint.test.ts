import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';

/** Issue 13, drills: scenarios are checked from the command line like runbooks, `file:line` each. */

function io(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env, writeFile: () => {}, now: () => new Date() };
  return { cli, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), 'beacon-drills-lint-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('beacon drills lint', () => {
  it('passes the shipped scenarios against the shipped runbooks', async () => {
    const { cli, out } = io();
    expect(await main(['drills', 'lint'], cli)).toBe(0);
    expect(out).toEqual(['OK: 2 drill scenarios under ./drills (runbooks from ./runbooks), 0 warnings']);
  });

  it('prints file:line: problem for a broken scenario and exits 1', async () => {
    const dir = join(tmp, 'broken');
    mkdirSync(dir);
    const good = readFileSync('drills/checkout-credentials.md', 'utf8');
    writeFileSync(join(dir, 'typo.md'), good.replace('name: checkout-credentials', 'name: typo').replace('  - at: +15m', '  - at: in fifteen minutes'));
    writeFileSync(join(dir, 'step.md'), good.replace('name: checkout-credentials', 'name: step').replace('step: Verify the payment gateway accepts our credentials', 'step: s99'));
    const file = (n: string) => join(dir, n);
    const { cli, out } = io({ DRILLS_DIR: dir });
    expect(await main(['drills', 'lint'], cli)).toBe(1);
    expect(out).toEqual([
      `${file('step.md')}:14: \`root_cause.step\` "s99" in runbook \`checkout-payments\` names no step of it: write its id (s1…) or the start of its text`,
      `${file('typo.md')}:50: \`events[2].at\`: "in fifteen minutes" is not a time: write it like -12m, +0m, +3m or +30s`,
      `FAILED: 2 errors, 0 warnings in 2 scenario files under ${dir}`,
    ]);
  });

  it('is part of `runbooks lint` when no folder is named, and answers bad usage with 2', async () => {
    const both = io();
    expect(await main(['runbooks', 'lint'], both.cli)).toBe(0);
    expect(both.out).toEqual(['OK: 5 runbooks under ./runbooks (default: default), 0 warnings', 'OK: 2 drill scenarios under ./drills (runbooks from ./runbooks), 0 warnings']);
    const named = io();
    expect(await main(['runbooks', 'lint', 'runbooks'], named.cli)).toBe(0);
    expect(named.out).toHaveLength(1);
    expect(await main(['drills', 'lint', '--runbooks'], io().cli)).toBe(2);
    expect(await main(['drills', 'lint', 'a', 'b'], io().cli)).toBe(2);
  });
});
