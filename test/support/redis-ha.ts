import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../src/dev/local-redis.js';

/**
 * Real Redis high-availability setups for the HA tests, every process on free loopback ports in
 * a temp dir of its own, killed and removed by `stop()` (and killed if the test process exits):
 * - `startSentinelSet()`: one master, one replica, three `redis-sentinel`s (quorum 2);
 * - `startRedisCluster()`: three masters with one replica each (`redis-server --cluster-enabled
 *   yes`, joined by `redis-cli --cluster create … --cluster-replicas 1`).
 * Failover timings are short (a master is down after 1 s), so a test sees a whole failover in a
 * few seconds. Nothing here talks to the shared Redis on 6379.
 */

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export function haveRedisSentinel(): boolean {
  return spawnSync('redis-sentinel', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** One redis-server (or redis-sentinel) process, which can be killed and started again on its port and dir. */
export class RedisNode {
  proc?: ChildProcess;
  private out = '';
  constructor(
    readonly port: number,
    readonly dir: string,
    private readonly command: string,
    private readonly args: () => string[],
  ) {}

  async start(extra: string[] = []): Promise<void> {
    const proc = spawn(this.command, [...this.args(), ...extra], { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(proc);
    proc.on('exit', () => live.delete(proc));
    this.out = '';
    proc.stdout!.on('data', (d: Buffer) => (this.out = (this.out + d.toString()).slice(-20_000)));
    proc.stderr!.on('data', (d: Buffer) => (this.out = (this.out + d.toString()).slice(-20_000)));
    this.proc = proc;
    const deadline = Date.now() + 15_000;
    while (!(await answersPing(this.port))) {
      if (proc.exitCode !== null) throw new Error(`${this.command} on ${this.port} exited: ${this.out}`);
      if (Date.now() > deadline) throw new Error(`${this.command} on ${this.port} did not answer: ${this.out}`);
      await sleep(50);
    }
  }

  get running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  output(): string {
    return this.out;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  }

  /** Sends a signal without waiting for an exit (SIGSTOP, SIGCONT). */
  signal(signal: NodeJS.Signals): void {
    this.proc?.kill(signal);
  }

  /** An admin connection to this node alone (no retries: a dead node fails at once). */
  admin(): Redis {
    const r = new Redis({ host: '127.0.0.1', port: this.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: true });
    r.on('error', () => {});
    return r;
  }

  /** Runs one command on this node and disconnects. */
  async call(...args: (string | number)[]): Promise<unknown> {
    const r = this.admin();
    try {
      return await r.call(String(args[0]), ...args.slice(1));
    } finally {
      r.disconnect();
    }
  }
}

// No persistence; a replica's full sync starts at once (diskless, no 5 s wait for more replicas).
const BASE = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--repl-diskless-sync-delay', '0'];

export interface SentinelSet {
  name: string;
  master: RedisNode;
  replica: RedisNode;
  sentinels: RedisNode[];
  /** REDIS_SENTINELS for Beacon. */
  env: Record<string, string>;
  /** The port of the master the sentinels name now (every live sentinel agreeing). */
  currentMaster(): Promise<number>;
  /** Every `+switch-master` the first sentinel announced since the start, as `old -> new` ports. */
  switches: string[];
  node(port: number): RedisNode;
  stop(): Promise<void>;
}

export async function startSentinelSet(name = 'mymaster'): Promise<SentinelSet> {
  const root = mkdtempSync(join(tmpdir(), 'beacon-sentinel-'));
  const node = async (label: string, extra: (port: number) => string[] = () => []) => {
    const port = await freePort();
    const dir = join(root, label);
    mkdirSync(dir);
    return new RedisNode(port, dir, 'redis-server', () => ['--port', String(port), '--dir', dir, ...BASE, ...extra(port)]);
  };
  const master = await node('master');
  await master.start();
  const replica = await node('replica', () => ['--replicaof', '127.0.0.1', String(master.port)]);
  await replica.start();
  const sentinels: RedisNode[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const dir = join(root, `sentinel-${i}`);
    mkdirSync(dir);
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        'protected-mode no',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${master.port} 2`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'),
    );
    const s = new RedisNode(port, dir, 'redis-sentinel', () => [conf]);
    await s.start();
    sentinels.push(s);
  }
  const all = [master, replica, ...sentinels];
  const switches: string[] = [];
  const watcher = sentinels[0]!.admin();
  await watcher.subscribe('+switch-master');
  watcher.on('message', (_ch: string, msg: string) => {
    const [, , oldPort, , newPort] = msg.split(' ');
    switches.push(`${oldPort} -> ${newPort}`);
  });
  const set: SentinelSet = {
    name,
    master,
    replica,
    sentinels,
    env: { REDIS_URL: '', REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','), REDIS_SENTINEL_NAME: name },
    async currentMaster() {
      const ports = new Set<number>();
      for (const s of sentinels) {
        if (!s.running) continue;
        const addr = (await s.call('SENTINEL', 'get-master-addr-by-name', name).catch(() => null)) as [string, string] | null;
        if (addr) ports.add(Number(addr[1]));
      }
      if (ports.size !== 1) throw new Error(`the sentinels name ${ports.size} masters`);
      return [...ports][0]!;
    },
    switches,
    node: (port) => {
      const n = all.find((x) => x.port === port);
      if (!n) throw new Error(`no node on ${port}`);
      return n;
    },
    async stop() {
      watcher.disconnect();
      await Promise.all(all.map((n) => n.kill('SIGKILL')));
      rmSync(root, { recursive: true, force: true });
    },
  };
  // Ready when every sentinel knows the replica and the two other sentinels.
  await until(async () => {
    for (const s of sentinels) {
      const info = toMap((await s.call('SENTINEL', 'MASTER', name).catch(() => [])) as string[]);
      if (info['num-slaves'] !== '1' || info['num-other-sentinels'] !== '2') return false;
    }
    return (await replicaOnline(master)) >= 1;
  }, 'sentinels to see the replica and each other');
  return set;
}

export interface Replicated {
  master: RedisNode;
  replicas: RedisNode[];
  url: string;
  stop(): Promise<void>;
}

/** A master with `n` replicas, no Sentinel (REDIS_MIN_REPLICAS on a single server). */
export async function startReplicated(n: number): Promise<Replicated> {
  const root = mkdtempSync(join(tmpdir(), 'beacon-replicated-'));
  const node = async (label: string, extra: string[] = []) => {
    const port = await freePort();
    const dir = join(root, label);
    mkdirSync(dir);
    const r = new RedisNode(port, dir, 'redis-server', () => ['--port', String(port), '--dir', dir, ...BASE, ...extra]);
    await r.start();
    return r;
  };
  const master = await node('master');
  const replicas: RedisNode[] = [];
  for (let i = 0; i < n; i++) replicas.push(await node(`replica-${i}`, ['--replicaof', '127.0.0.1', String(master.port)]));
  await until(async () => (await replicaOnline(master)) === n, `${n} replicas online`);
  return {
    master,
    replicas,
    url: `redis://127.0.0.1:${master.port}`,
    async stop() {
      await Promise.all([master, ...replicas].map((x) => x.kill('SIGKILL')));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface RedisCluster {
  nodes: RedisNode[];
  /** REDIS_CLUSTER_NODES for Beacon. */
  env: Record<string, string>;
  /** The node that is the master of `key`'s slot now (asked of a live node). */
  masterOf(key: string): Promise<RedisNode>;
  /** A replica of that master. */
  replicaOf(master: RedisNode): Promise<RedisNode>;
  /** Waits until every slot is served by a live master with `replicas` replicas online, and the cluster is ok. */
  healthy(replicas?: number): Promise<void>;
  stop(): Promise<void>;
}

interface ClusterNodeLine {
  id: string;
  port: number;
  flags: string[];
  masterId: string;
  slots: string[];
}

function parseNodes(text: string): ClusterNodeLine[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id, addr, flags, masterId, , , , , ...slots] = line.trim().split(' ');
      return { id: id!, port: Number(/:(\d+)@/.exec(addr!)?.[1]), flags: flags!.split(','), masterId: masterId!, slots };
    });
}

export async function startRedisCluster(): Promise<RedisCluster> {
  const root = mkdtempSync(join(tmpdir(), 'beacon-cluster-'));
  const nodes: RedisNode[] = [];
  for (let i = 0; i < 6; i++) {
    const port = await freePort();
    const bus = await freePort();
    const dir = join(root, `node-${i}`);
    mkdirSync(dir);
    const args = ['--port', String(port), '--cluster-port', String(bus), '--dir', dir, ...BASE, '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '1000'];
    const n = new RedisNode(port, dir, 'redis-server', () => args);
    await n.start();
    nodes.push(n);
  }
  const create = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}\n${create.stderr}`);
  const layout = async (): Promise<ClusterNodeLine[]> => {
    for (const n of nodes) {
      if (!n.running) continue;
      const text = (await n.call('CLUSTER', 'NODES').catch(() => null)) as string | null;
      if (text) return parseNodes(text);
    }
    throw new Error('no cluster node answered');
  };
  const byPort = (port: number) => nodes.find((n) => n.port === port)!;
  const cluster: RedisCluster = {
    nodes,
    env: { REDIS_URL: '', REDIS_CLUSTER_NODES: nodes.map((n) => `127.0.0.1:${n.port}`).join(',') },
    async masterOf(key) {
      const slot = Number(await nodes.find((n) => n.running)!.call('CLUSTER', 'KEYSLOT', key));
      const lines = await layout();
      const owner = lines.find((l) => l.flags.includes('master') && !l.flags.includes('fail') && l.slots.some((r) => inRange(r, slot)));
      if (!owner) throw new Error(`no master serves slot ${slot}`);
      return byPort(owner.port);
    },
    async replicaOf(master) {
      const lines = await layout();
      const m = lines.find((l) => l.port === master.port)!;
      const r = lines.find((l) => l.masterId === m.id && !l.flags.includes('fail'));
      if (!r) throw new Error(`no replica of ${master.port}`);
      return byPort(r.port);
    },
    async healthy(replicas = 1) {
      await until(async () => {
        for (const n of nodes.filter((x) => x.running)) {
          const info = String(await n.call('CLUSTER', 'INFO').catch(() => ''));
          if (!info.includes('cluster_state:ok')) return false;
        }
        const lines = await layout().catch(() => []);
        const masters = lines.filter((l) => l.flags.includes('master') && l.slots.length > 0);
        if (masters.length !== 3 || masters.some((m) => m.flags.includes('fail'))) return false;
        for (const m of masters) if ((await replicaOnline(byPort(m.port))) < replicas) return false;
        return true;
      }, 'the cluster to be ok with every master replicated', 30_000);
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
      rmSync(root, { recursive: true, force: true });
    },
  };
  await cluster.healthy();
  return cluster;
}

/** Replicas the node reports online (INFO replication of a master). */
export async function replicaOnline(node: RedisNode): Promise<number> {
  const info = String(await node.call('INFO', 'replication').catch(() => ''));
  return info.split(/\r?\n/).filter((l) => /^slave\d+:.*state=online/.test(l)).length;
}

/** The node's replication offset: how many bytes of writes it has taken (master) or applied (replica). */
export async function replOffset(node: RedisNode): Promise<number> {
  const info = String(await node.call('INFO', 'replication'));
  return Number(/master_repl_offset:(\d+)/.exec(info)?.[1] ?? 0);
}

/**
 * Makes `replica` fall behind `master` as a cut-off replica does: the replica is paused (SIGSTOP)
 * and the master drops its link (CLIENT KILL TYPE replica), so nothing the master takes from then
 * on reaches it (a pause alone would not do: the kernel buffers the stream for the replica). Once
 * the master has taken `bytes` more (or `timeoutMs` passed), it is killed (SIGKILL) and the
 * replica resumes, without those writes. Returns how many bytes of writes it missed.
 */
export async function lagThenKill(master: RedisNode, replica: RedisNode, bytes = 4000, timeoutMs = 5000): Promise<number> {
  replica.signal('SIGSTOP');
  try {
    await master.call('CLIENT', 'KILL', 'TYPE', 'replica');
    const from = await replOffset(master);
    await until(async () => (await replOffset(master)) - from >= bytes, 'writes the replica misses', timeoutMs).catch(() => {});
    const missed = (await replOffset(master)) - from;
    await master.kill('SIGKILL');
    return missed;
  } finally {
    replica.signal('SIGCONT');
  }
}

function inRange(range: string, slot: number): boolean {
  if (range.startsWith('[')) return false; // a slot being migrated
  const [a, b] = range.split('-').map(Number);
  return slot >= a! && slot <= (b ?? a)!;
}

function toMap(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

/** True when something on `port` answers PING with PONG within half a second. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ host: '127.0.0.1', port });
    const done = (v: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(false), 500);
    let buf = '';
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
    sock.on('error', () => done(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(fn: () => Promise<boolean>, what: string, timeout = 20_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await fn().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}
