/**
 * The benchmark report: sections as the figures return them, printed as they arrive and written
 * to Markdown after each one, so that a run that dies half-way still leaves what it measured.
 * bench/findings.md, when present, is copied in under the figures: the reading of them, written
 * by a person.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { f1 } from './lib.js';

export interface Row {
  figure: string;
  value: string;
  target?: string;
  verdict?: string;
}

/** What one figure hands back: a titled table of rows and the notes under it. */
export interface Section {
  title: string;
  rows: Row[];
  notes: string[];
}

/** The report's default place: BENCHMARKS.md at the repository root. */
export const DEFAULT_OUT = new URL('../BENCHMARKS.md', import.meta.url);

export class Report {
  private readonly sections: Section[] = [];
  private readonly notDone: string[] = [];
  private readonly startedAt = new Date();
  /** How the server-side processes run (bench/lib.ts prepareChildren), for the header. */
  childMode = '';

  constructor(readonly out: string | URL = DEFAULT_OUT) {}

  add(s: Section): void {
    this.sections.push(s);
    print(s);
    this.write();
  }

  /** A figure that could not be measured in this run, with the reason. */
  notMeasured(what: string): void {
    this.notDone.push(what);
  }

  write(): void {
    writeFileSync(this.out, this.markdown());
  }

  private markdown(): string {
    const lines = header(this.startedAt, this.childMode);
    for (const s of this.sections) {
      lines.push(`## ${s.title}`, '', '| figure | value | target | result |', '|---|---:|---|---|');
      for (const r of s.rows) lines.push(`| ${r.figure.trim()} | ${r.value} | ${r.target ?? ''} | ${r.verdict ?? ''} |`);
      lines.push('');
      for (const n of s.notes) lines.push(`- ${n}`);
      lines.push('');
    }
    if (this.notDone.length) {
      lines.push('## Not measured in this run', '');
      for (const n of this.notDone) lines.push(`- ${n}`);
      lines.push('');
    }
    const findings = new URL('./findings.md', import.meta.url);
    if (existsSync(findings)) lines.push(readFileSync(findings, 'utf8').trimEnd(), '');
    return lines.join('\n');
  }
}

function header(startedAt: Date, childMode: string): string[] {
  const cpu = cpus();
  return [
    '# Beacon benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts) from one run; every ratio compares figures measured in that same run.',
    '',
    `- Date: ${startedAt.toISOString()}`,
    `- Machine: ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${f1(totalmem() / 2 ** 30)} GiB RAM, ${platform()} ${release()}`,
    `- Node ${process.version}; Redis: private redis-server started by the bench (no persistence)`,
    `- Server-side processes: ${childMode || '(not started)'}`,
    '- Everything (load client, Slack simulator, redis-server, Beacon web and worker, baselines) shares this machine, so the figures are noisy; the baselines are measured interleaved with Beacon to share the noise.',
    '',
  ];
}

function print(s: Section): void {
  console.log(`\n## ${s.title}`);
  for (const r of s.rows) console.log(`  ${r.figure.padEnd(52)} ${r.value.padStart(14)}${r.target ? `   target ${r.target}: ${r.verdict}` : ''}`);
  for (const n of s.notes) console.log(`  - ${n}`);
}
