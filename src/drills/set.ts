/**
 * The scenarios Beacon loaded (the good ones, and the problems of the others) and finding one
 * by the name a person typed, with an answer in their words when it cannot run.
 */
import { basename } from 'node:path';
import { refuse, ok, type Result } from '../result.js';
import { suggest } from '../runbooks/format/diagnostics.js';
import type { Scenario } from './format.js';
import type { ScenarioProblem } from './parse.js';

export interface DrillSet {
  scenarios: readonly Scenario[];
  /** Problems of the files left out (and warnings of the others), as `file:line`. */
  problems: readonly ScenarioProblem[];
}

export const EMPTY_DRILLS: DrillSet = { scenarios: [], problems: [] };

/** `file:line: message`. */
export const problemLine = (p: ScenarioProblem) => `${p.line > 0 ? `${p.file}:${p.line}` : p.file}: ${p.message}`;

/**
 * The scenario named `name`; else why not: a file of that name that has errors (each said with
 * its `file:line`), or no such scenario (with the names there are).
 */
export function findScenario(set: DrillSet, name: string): Result<Scenario> {
  const wanted = name.trim().toLowerCase();
  const found = set.scenarios.find((s) => s.name === wanted);
  if (found) return ok(found);
  const broken = set.problems.filter((p) => p.severity === 'error' && basename(p.file).toLowerCase() === `${wanted}.md`);
  if (broken.length) {
    const lines = broken.slice(0, 5).map((p) => `• ${problemLine(p)}`);
    return refuse(`The drill \`${wanted}\` cannot run: its scenario file has ${broken.length === 1 ? 'a mistake' : 'mistakes'}.\n${lines.join('\n')}\nFix the file (\`npx beacon drills lint\` checks it) and restart Beacon.`);
  }
  const names = set.scenarios.map((s) => s.name);
  const hint = suggest(wanted, names);
  const known = names.length ? ` Known: ${names.map((n) => `\`${n}\``).join(', ')}.` : ' None are loaded: add scenarios to `DRILLS_DIR` (see docs/drills.md).';
  return refuse(`No drill scenario named \`${wanted.slice(0, 64)}\`${hint}.${known} \`/incident drill\` lists them.`);
}
