/**
 * The arguments of `beacon check`, read into a value or refused with one line saying why.
 * Pure.
 */

import { ok, refuse, type Result } from '../result.js';

export const REPORT_FORMATS = ['text', 'json', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface CheckArgs {
  /** `--runbook`, repeatable, in the order given. */
  runbooks: string[];
  service?: string;
  dir?: string;
  format: ReportFormat;
  output?: string;
  help: boolean;
}

export type ParsedArgs = Result<CheckArgs>;

/** Options that take a value; `--name value` and `--name=value` both work. */
const VALUED = ['--runbook', '--service', '--dir', '--format', '--output'] as const;
type Valued = (typeof VALUED)[number];

/** Reads `argv` (what follows `beacon check`). */
export function parseCheckArgs(argv: readonly string[]): ParsedArgs {
  const args: CheckArgs = { runbooks: [], format: 'text', help: false };
  const seen = new Set<Valued>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') {
      args.help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = (eq > 0 ? arg.slice(0, eq) : arg) as Valued;
    if (!VALUED.includes(name)) {
      return refuse(arg.startsWith('-') ? `unknown option ${name}` : `unexpected argument ${JSON.stringify(arg)}`);
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) {
      return refuse(`${name} needs a value`);
    }
    if (name !== '--runbook' && seen.has(name)) return refuse(`${name} given twice`);
    seen.add(name);
    const refused = apply(args, name, value);
    if (refused) return refuse(refused);
  }
  return ok(args);
}

/** Sets one option; returns why the value is refused, if it is. */
function apply(args: CheckArgs, name: Valued, value: string): string | undefined {
  switch (name) {
    case '--runbook':
      args.runbooks.push(value);
      return undefined;
    case '--service':
      args.service = value;
      return undefined;
    case '--dir':
      args.dir = value;
      return undefined;
    case '--output':
      args.output = value;
      return undefined;
    case '--format':
      if (!(REPORT_FORMATS as readonly string[]).includes(value)) {
        return `--format must be one of ${REPORT_FORMATS.join(', ')} (not ${JSON.stringify(value)})`;
      }
      args.format = value as ReportFormat;
      return undefined;
  }
}
