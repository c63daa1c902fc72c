/**
 * What a stretch of work cost: redis-server's own counters (INFO cpu, commandstats, stats) and the
 * CPU time of the child processes involved.
 */
import type { Redis } from 'ioredis';
import { f0, type Child } from './lib.js';

/** CPU seconds redis-server has used so far (user + system). */
export async function redisCpu(inspect: Redis): Promise<number> {
  const info = await inspect.info('cpu');
  const get = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return get('used_cpu_user') + get('used_cpu_sys');
}

/** Redis's own counters: calls per command and bytes in, to see what each side asks of Redis. */
export async function redisCounters(inspect: Redis): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const stats = await inspect.info('commandstats');
  for (const m of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1]!, Number(m[2]));
  const net = /total_net_input_bytes:(\d+)/.exec(await inspect.info('stats'));
  out.set('(bytes in)', Number(net?.[1] ?? 0));
  return out;
}

export function addCounters(into: Map<string, number>, before: Map<string, number>, after: Map<string, number>): void {
  for (const [k, v] of after) into.set(k, (into.get(k) ?? 0) + v - (before.get(k) ?? 0));
}

/** Commands (those seen at least every 20th request) and bytes in, per request. */
export function perRequest(m: Map<string, number>, n: number): string {
  const bytes = (m.get('(bytes in)') ?? 0) / n;
  const cmds = [...m.entries()].filter(([k, v]) => k !== '(bytes in)' && v / n >= 0.05 && !['info'].includes(k)).sort((a, b) => b[1] - a[1]);
  const total = cmds.reduce((t, [, v]) => t + v, 0) / n;
  return `${total.toFixed(2)} commands (${cmds.map(([k, v]) => `${k} ${(v / n).toFixed(2)}`).join(', ')}), ${f0(bytes)} bytes in`;
}

/** CPU seconds used by a web process, a worker process and redis-server. */
export interface CpuSplit {
  web: number;
  worker: number;
  redis: number;
}

/**
 * Starts measuring a web + worker pair and redis-server; the function it returns reads what they
 * used since: CPU seconds by process and Redis commands/bytes.
 */
export async function meter(inspect: Redis, web: Child, worker: Child): Promise<() => Promise<{ cpu: CpuSplit; redisUse: Map<string, number> }>> {
  const cpu0 = { web: await web.cpuUs(), worker: await worker.cpuUs(), redis: await redisCpu(inspect) };
  const redis0 = await redisCounters(inspect);
  return async () => {
    const cpu = { web: ((await web.cpuUs()) - cpu0.web) / 1e6, worker: ((await worker.cpuUs()) - cpu0.worker) / 1e6, redis: (await redisCpu(inspect)) - cpu0.redis };
    const redisUse = new Map<string, number>();
    addCounters(redisUse, redis0, await redisCounters(inspect));
    return { cpu, redisUse };
  };
}
