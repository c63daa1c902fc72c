/**
 * What is wrong with a scenario file, in the words runbook files use (`src/runbooks/format/
 * diagnostics.ts` does the work): the line of the key at fault, the key and the value named, a
 * "did you mean" for a near miss. Only the keys a scenario knows are this module's own.
 */
import type { z } from 'zod';
import { describeIssue, suggest } from '../runbooks/format/diagnostics.js';
import {
  drillAlertSchema,
  drillChangeSchema,
  eventSchema,
  referenceSchema,
  rootCauseSchema,
  scenarioFrontMatterSchema,
  simulatedCheckSchema,
} from './format.js';

type Path = readonly PropertyKey[];

/** The keys allowed at a path of the front matter, for "unknown key" messages. */
export function scenarioKeysAt(path: Path): string[] {
  const [first, , third] = path;
  const keys = (shape: object) => Object.keys(shape);
  if (path.length === 0) return keys(scenarioFrontMatterSchema.shape);
  if (path.length === 1 && first === 'reference') return keys(referenceSchema.shape);
  if (path.length === 1 && first === 'root_cause') return keys(rootCauseSchema.shape);
  if (path.length === 2 && first === 'checks') return keys(simulatedCheckSchema.shape);
  if (first !== 'events') return [];
  if (path.length === 2) return keys(eventSchema.shape);
  if (path.length === 3 && third === 'alert') return keys(drillAlertSchema.shape);
  if (path.length === 3 && third === 'change') return keys(drillChangeSchema.shape);
  return [];
}

/** `events[2].alert`, `reference`: a path as the author reads it. */
function shown(path: Path): string {
  return path.reduce<string>((out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out ? `${out}.${String(seg)}` : String(seg)), '');
}

/**
 * Reports one zod issue of a scenario's front matter at its line. Unknown keys are judged
 * against the scenario's own keys; everything else is said as it is for runbooks.
 */
export function describeScenarioIssue(
  issue: z.core.$ZodIssue,
  raw: Record<string, unknown>,
  lineOf: (path: Path) => number,
  report: (line: number, message: string) => void,
): void {
  if (issue.code !== 'unrecognized_keys') return describeIssue(issue, raw, lineOf, report);
  const allowed = scenarioKeysAt(issue.path);
  const where = shown(issue.path);
  for (const key of issue.keys) {
    const hint = suggest(key, allowed);
    const list = hint || !allowed.length ? '' : ` (allowed: ${allowed.join(', ')})`;
    report(lineOf([...issue.path, key]), `unknown key \`${key}\`${where ? ` in \`${where}\`` : ''}${hint}${list}`);
  }
}
