/**
 * wrk (Debian's package) as the load client: a C program whose own CPU is small next to a Node
 * client's, so on two cores it hides less of the server's cost. A Lua script gives every request
 * a distinct alert body; wrk's `done` hook prints the latency percentiles and the status counts
 * as JSON, which is read back here.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WrkResult {
  requests: number;
  rps: number;
  /** Latency percentiles in ms. */
  p50: number;
  p99: number;
  /** Answers outside 2xx/3xx (wrk counts them, not by status); connection errors as `errors`. */
  bad: Record<string, number>;
  errors: number;
}

export interface WrkOptions {
  port: number;
  path: string;
  /** Body template: `%d` is replaced by a per-request counter (distinct alerts). */
  body: string;
  headers: Record<string, string>;
  connections: number;
  seconds: number;
  threads?: number;
}

/** Escapes a string into a Lua long-bracket-free double-quoted literal. */
const lua = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

function script(o: WrkOptions, tag: string): string {
  const headers = Object.entries(o.headers)
    .map(([k, v]) => `wrk.headers[${lua(k)}] = ${lua(v)}`)
    .join('\n');
  const [head, tail] = o.body.split('%d');
  return `
wrk.method = "POST"
${headers}
local n = 0
local prefix = ${lua(`${tag}-`)}
function setup(thread) thread:set("id", tostring(math.random(1, 1e9))) end
function request()
  n = n + 1
  local body = ${lua(head ?? '')} .. prefix .. id .. "-" .. n .. ${lua(tail ?? '')}
  return wrk.format(nil, ${lua(o.path)}, nil, body)
end
function done(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests":%d,"seconds":%f,"p50":%f,"p99":%f,"errors":%d,"non2xx":%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
`;
}

export async function runWrk(o: WrkOptions, tag: string): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-wrk-'));
  const file = join(dir, 'load.lua');
  writeFileSync(file, script(o, tag));
  const args = ['-t', String(o.threads ?? 1), '-c', String(o.connections), '-d', `${o.seconds}s`, '--timeout', '5s', '-s', file, `http://127.0.0.1:${o.port}${o.path}`];
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.stderr.on('data', (c: Buffer) => (text += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text.slice(-500)}`))));
  });
  const line = /WRKJSON (\{.*\})/.exec(out)?.[1];
  if (!line) throw new Error(`wrk printed no summary: ${out.slice(-500)}`);
  const j = JSON.parse(line) as { requests: number; seconds: number; p50: number; p99: number; errors: number; non2xx: number };
  const bad: Record<string, number> = {};
  if (j.non2xx) bad['non-2xx'] = j.non2xx;
  return { requests: j.requests, rps: j.requests / j.seconds, p50: j.p50, p99: j.p99, bad, errors: j.errors };
}

/** True when wrk is on the PATH (CI installs Debian's package). */
export async function haveWrk(): Promise<boolean> {
  return new Promise((resolve) => {
    const c = spawn('wrk', ['--version'], { stdio: 'ignore' });
    c.on('error', () => resolve(false));
    c.on('exit', () => resolve(true));
  });
}
