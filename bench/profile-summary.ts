/**
 * `tsx bench/profile-summary.ts <file.cpuprofile> [top]`: self time by function and by package,
 * for reading the profiles BENCH_CPU_PROF=web,worker leaves in bench/.build/prof/.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]');
const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const fn = new Map<string, number>();
const pkg = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  const url = n.callFrame.url;
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  const where = m ? m[1]! : url.includes('/src/') || url.includes('child.mjs') ? 'beacon (bundle)' : url.startsWith('node:') ? 'node:' + url.slice(5).split('/')[0] : url || `(${n.callFrame.functionName || 'program'})`;
  pkg.set(where, (pkg.get(where) ?? 0) + us);
  const key = `${n.callFrame.functionName || '(anon)'}  ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/bench\//, 'bench/')}:${n.callFrame.lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + us);
}
const top = Number(topArg ?? 25);
const show = (m: Map<string, number>, k: number) =>
  [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).forEach(([name, us]) => console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`));
console.log(`total sampled ${(total / 1000).toFixed(0)} ms\n-- by package --`);
show(pkg, 20);
console.log('-- by function (self) --');
show(fn, top);
