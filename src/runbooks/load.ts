/**
 * Reads a folder of runbook files and checks what no single file can: unique names and at
 * most one default. node:fs only, synchronous: it runs once at start and in the CLI.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunbook, type Runbook, type RunbookProblem } from './format.js';

export interface LoadResult {
  /** The runbooks without errors, in file order; a duplicate name or second default is left out. */
  runbooks: Runbook[];
  /** Every problem of every file, by file then line. */
  problems: RunbookProblem[];
  /** How many runbook files were read. */
  files: number;
}

/** Files that live beside runbooks without being one. */
const NOT_A_RUNBOOK = /^(readme|changelog|contributing|license)\.md$/i;
const MAX_DEPTH = 4;

/**
 * Loads every `*.md` file under `dir` (subfolders included; `README.md` and dot-files skipped).
 * Never throws for a bad file: a caller decides whether errors stop it (the CLI) or are
 * logged while the valid runbooks are used (the bot).
 */
export function loadRunbooks(dir: string): LoadResult {
  const problems: RunbookProblem[] = [];
  const runbooks: Runbook[] = [];
  let files: string[];
  try {
    if (!statSync(dir).isDirectory()) {
      return { runbooks, files: 0, problems: [{ file: dir, line: 0, message: 'is not a folder', severity: 'error' }] };
    }
    files = listMarkdown(dir, '', 0);
  } catch (e) {
    const message = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'runbooks folder not found' : `cannot read: ${String(e)}`;
    return { runbooks, files: 0, problems: [{ file: dir, line: 0, message, severity: 'error' }] };
  }
  if (files.length === 0) {
    problems.push({ file: dir, line: 0, message: 'no runbook files (*.md) in this folder', severity: 'error' });
  }

  const byName = new Map<string, { file: string; line: number }>();
  let defaultAt: { file: string; name: string } | undefined;
  for (const rel of files) {
    const file = join(dir, rel);
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (e) {
      problems.push({ file, line: 0, message: `cannot read: ${String(e)}`, severity: 'error' });
      continue;
    }
    const result = parseRunbook(source, file);
    problems.push(...result.problems);
    const rb = result.runbook;
    if (!rb) continue;

    // Files are read in sorted order, so "the second one" is stable across machines.
    const nameLine = result.keyLines.name ?? 1;
    const first = byName.get(rb.name);
    if (first) {
      problems.push({
        file,
        line: nameLine,
        message: `runbook name \`${rb.name}\` is already used by ${first.file}:${first.line}`,
        severity: 'error',
      });
      continue;
    }
    if (rb.default && defaultAt) {
      problems.push({
        file,
        line: result.keyLines.default ?? 1,
        message: `a second default runbook: \`${defaultAt.name}\` (${defaultAt.file}) is already the default`,
        severity: 'error',
      });
      continue;
    }
    byName.set(rb.name, { file, line: nameLine });
    if (rb.default) defaultAt = { file, name: rb.name };
    runbooks.push(rb);
  }
  if (files.length > 0 && !defaultAt) {
    problems.push({
      file: dir,
      line: 0,
      message: 'no default runbook: alerts that match no runbook get no checklist (add one with `default: true`)',
      severity: 'warning',
    });
  }
  return { runbooks, problems, files: files.length };
}

function listMarkdown(root: string, rel: string, depth: number): string[] {
  const out: string[] = [];
  const names = readdirSync(join(root, rel)).sort();
  for (const name of names) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const relPath = rel ? join(rel, name) : name;
    const st = statSync(join(root, relPath));
    if (st.isDirectory()) {
      if (depth < MAX_DEPTH) out.push(...listMarkdown(root, relPath, depth + 1));
    } else if (st.isFile() && name.toLowerCase().endsWith('.md') && !NOT_A_RUNBOOK.test(name)) {
      out.push(relPath);
    }
  }
  return out;
}
