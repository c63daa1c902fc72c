import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Issue "one clear house", done when 2: files with one concern each, measured. The simulator's
 * Block Kit tables are data, not logic, and the one file allowed past 400 lines.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;
const FILE_LIMIT_EXEMPT = new Set(['src/dev/slack-sim/block-kit.ts']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Every function-like node of a file with its line span. */
function functionSpans(file: string): { name: string; lines: number }[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: { name: string; lines: number }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = node.name && ts.isIdentifier(node.name) ? node.name.text : '<anonymous>';
      out.push({ name: `${relative(ROOT, file)}:${start + 1} ${name}`, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

describe('the source tree', () => {
  const files = sources(join(ROOT, 'src'));

  it(`has no file over ${MAX_FILE_LINES} lines (but the Block Kit tables)`, () => {
    const long = files
      .map((f) => ({ file: relative(ROOT, f), lines: readFileSync(f, 'utf8').split('\n').length }))
      .filter((f) => f.lines > MAX_FILE_LINES && !FILE_LIMIT_EXEMPT.has(f.file));
    expect(long).toEqual([]);
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const long = files.flatMap(functionSpans).filter((f) => f.lines > MAX_FUNCTION_LINES);
    expect(long).toEqual([]);
  });

  it('declares the verb list and the severity and label tables once', () => {
    const texts = files.map((f) => ({ file: relative(ROOT, f), text: readFileSync(f, 'utf8') }));
    const declaring = (re: RegExp) => texts.filter((t) => re.test(t.text)).map((t) => t.file);
    expect(declaring(/SEVERITY_LABEL[^=\n]*=\s*\{/)).toEqual(['src/words.ts']);
    expect(declaring(/STATUS_LABEL[^=\n]*=\s*\{/)).toEqual(['src/words.ts']);
    expect(declaring(/(CHANGE|KIND)_LABEL[^=\n]*=\s*\{/)).toEqual(['src/words.ts']);
    // Every verb name appears as a table entry in exactly one file.
    expect(declaring(/name: 'mitigate',/)).toEqual(['src/incidents/verbs.ts']);
    expect(declaring(/function formatDuration\(|function spanWords\(|function formatSpan\(/)).toEqual(['src/words.ts']);
  });
});
