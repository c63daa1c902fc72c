import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The import rules in .dependency-cruiser.cjs bite: `npm run lint:deps`, run on small trees under
 * test/fixtures/dep-rules/<case>/src, fails on each kind of forbidden import and passes a clean
 * tree. Each case is cruised from its own directory, so the config's `^src/...` paths apply to it
 * exactly as they do to the repo's src/.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = join(root, 'test/fixtures/dep-rules');
const bin = join(root, 'node_modules/.bin/depcruise');
const script = 'depcruise src --config .dependency-cruiser.cjs';

interface Run {
  code: number;
  out: string;
}

function cruise(cwd: string): Promise<Run> {
  const args = ['src', '--config', join(root, '.dependency-cruiser.cjs')];
  return new Promise((resolve, reject) => {
    execFile(bin, args, { cwd, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      if (typeof code !== 'number') return reject(err);
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

/** The report's `error <rule>: <from> → <to>` lines, an npm target shortened to its package. */
function violations(out: string): string[] {
  return [...out.matchAll(/^\s*error (\S+): (\S+) →[ \t]*(\S*)/gm)]
    .map(([, rule, from, to]) => {
      const pkg = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(to!)?.[1];
      return `${rule} ${from} → ${pkg ?? to}`;
    })
    .sort();
}

const cases = ['clean', 'domain-to-slack', 'type-only', 'cycle', 'unresolved'] as const;
const runs = {} as Record<(typeof cases)[number], Run>;

beforeAll(async () => {
  const all = await Promise.all(cases.map((c) => cruise(join(fixtures, c))));
  cases.forEach((c, i) => (runs[c] = all[i]!));
}, 60_000);

describe('import rules (npm run lint:deps)', () => {
  it('is the command CI runs', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.scripts['lint:deps']).toBe(script);
    expect(readFileSync(join(root, '.ci/run'), 'utf8')).toMatch(/^npm run lint:deps$/m);
  });

  it('passes a clean tree, with every ./x.js import resolved to x.ts', () => {
    expect(runs.clean.out).toContain('no dependency violations found (7 modules, 8 dependencies cruised)');
    expect(runs.clean.code).toBe(0);
  });

  it('fails when the domain imports src/slack/', () => {
    expect(violations(runs['domain-to-slack'].out)).toEqual([
      'domain-not-to-adapters src/incidents/x.ts → src/slack/y.ts',
    ]);
    expect(runs['domain-to-slack'].code).not.toBe(0);
  });

  it('counts type-only imports, of src/ modules and of bullmq and @slack/*', () => {
    expect(violations(runs['type-only'].out)).toEqual([
      'domain-not-to-adapters src/reports/summary.ts → @slack/bolt',
      'domain-not-to-adapters src/reports/summary.ts → bullmq',
      'domain-not-to-adapters src/reports/summary.ts → src/http/route.ts',
      'domain-not-to-adapters src/reports/summary.ts → src/slack/blocks.ts',
      'only-jobs-and-wiring-import-bullmq src/dev/simulator.ts → bullmq',
      'only-jobs-and-wiring-import-bullmq src/http/route.ts → bullmq',
      'only-jobs-and-wiring-import-bullmq src/reports/summary.ts → bullmq',
      'only-slack-imports-slack-sdk src/dev/simulator.ts → @slack/bolt',
      'only-slack-imports-slack-sdk src/http/route.ts → @slack/web-api',
      'only-slack-imports-slack-sdk src/reports/summary.ts → @slack/bolt',
    ]);
    expect(runs['type-only'].code).not.toBe(0);
  });

  it('fails on an import cycle, even one closed by type-only imports', () => {
    expect(violations(runs.cycle.out)).toEqual(['no-circular src/incidents/a.ts → ']);
    for (const m of ['src/incidents/b.ts', 'src/timeline/c.ts']) expect(runs.cycle.out).toContain(m);
    expect(runs.cycle.code).not.toBe(0);
  });

  it('fails on an import it cannot resolve, rather than letting it through unchecked', () => {
    expect(violations(runs.unresolved.out)).toEqual([
      'not-to-unresolvable src/incidents/store.ts → ./missing.js',
    ]);
    expect(runs.unresolved.code).not.toBe(0);
  });
});
