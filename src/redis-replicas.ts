import { Cluster, type Redis as Standalone } from 'ioredis';
import type { RedisConfig } from './config.js';
import { Keys } from './keys.js';
import { homeKeyOf, type Redis } from './redis.js';
import { refuse, type Refusal } from './result.js';

/**
 * REDIS_MIN_REPLICAS. Redis replicates asynchronously: a write the master acknowledged can be
 * gone after a failover. `WAIT n ms`, sent on the connection that made the writes, answers how
 * many replicas hold all of them; a promoted replica holds them when it was one of those.
 *
 * A `Mark` is taken before writing: the node that will take the writes and how often its socket
 * had closed. `confirm` answers ok only if the node is still the one (a cluster's slot map did
 * not move) and its socket never closed in between (ioredis would have resent a command to a
 * new master, where WAIT says nothing of the old one's writes).
 */
export interface ReplicaGate {
  readonly needed: number;
  /** Before writing to the queues' master: its connection, or a refusal when it has too few replicas. */
  markHome(): Promise<Mark | Refused>;
  /** Before a worker's job: every master (a cluster's writes go to several). */
  markAll(): Mark[];
  /** After writing: WAIT on each marked node. */
  confirm(marks: Mark | Mark[]): Promise<Replicated>;
  /** After writing, without WAIT: only that no marked socket closed (the writes went to one master). */
  unchanged(marks: Mark[]): Replicated;
}

export interface Mark {
  node: Standalone;
  closes: number;
  /** Marked as the queues' master: still it after the writes, or the writes may have gone elsewhere. */
  home?: true;
}
export type Refused = { refused: true; replicas: number; needed: number };
/** Not confirmed: `reason` says why the writes may not survive a failover. */
export interface Unconfirmed extends Refusal {
  replicas: number;
  needed: number;
}
/** A `Result` (src/result.ts): confirmed, or refused with how many replicas answered. */
export type Replicated = { ok: true; value: undefined } | Unconfirmed;
interface NodeState {
  closes: number;
  /** A WAIT on the wire, and the one queued behind it that every later caller shares. */
  sent?: Promise<number>;
  queued?: Promise<number>;
  healthy?: { at: number; count: number };
  info?: Promise<number>;
}

const nodeStates = new WeakMap<Standalone, NodeState>();

function stateOf(node: Standalone): NodeState {
  let st = nodeStates.get(node);
  if (!st) {
    const s: NodeState = { closes: 0 };
    node.on('close', () => void s.closes++);
    nodeStates.set(node, s);
    st = s;
  }
  return st;
}

/** WAIT, shared: a caller joins the first WAIT sent after it asked (one sent before may precede its writes). */
function waitOn(node: Standalone, st: NodeState, n: number, ms: number): Promise<number> {
  const fire = (): Promise<number> => {
    const p: Promise<number> = (node.call('WAIT', n, ms) as Promise<number>).finally(() => {
      if (st.sent === p) st.sent = undefined;
    });
    st.sent = p;
    return p;
  };
  if (!st.sent) return fire();
  st.queued ??= st.sent
    .then(
      () => {},
      () => {},
    )
    .then(() => {
      st.queued = undefined;
      return fire();
    });
  return st.queued;
}

/** Replicas online and acknowledging (INFO replication), read at most twice a second. */
function healthyReplicas(node: Standalone, st: NodeState): Promise<number> {
  if (st.healthy && Date.now() - st.healthy.at < 500) return Promise.resolve(st.healthy.count);
  st.info ??= node
    .info('replication')
    .then((text) => {
      const lines = text.split(/\r?\n/).filter((l) => /^slave\d+:/.test(l));
      // lag: seconds since the replica's last acknowledgement (it sends one every second).
      const count = lines.filter((l) => l.includes('state=online') && Number(/lag=(\d+)/.exec(l)?.[1] ?? 99) <= 2).length;
      st.healthy = { at: Date.now(), count };
      return count;
    })
    .catch(() => Number.MAX_SAFE_INTEGER) // unknown: let WAIT decide
    .finally(() => (st.info = undefined));
  return st.info;
}

const slots = new WeakMap<Cluster, Promise<number>>();

/** BullMQ's hash tag under the default REDIS_KEY_PREFIX, for a cluster `connect` did not make. */
const DEFAULT_HOME_KEY = new Keys('beacon').queuePrefix;

/** The master that holds the slot of the queues' hash tag, as the client's slot map says now. */
async function homeNode(redis: Redis): Promise<Standalone | undefined> {
  if (!(redis instanceof Cluster)) return redis;
  const key = homeKeyOf(redis) ?? DEFAULT_HOME_KEY;
  let slot = slots.get(redis);
  if (!slot) {
    slot = (redis.cluster('KEYSLOT', key) as Promise<number>).catch((err: unknown) => {
      slots.delete(redis);
      throw err;
    });
    slots.set(redis, slot);
  }
  const nodeKey = redis.slots[await slot]?.[0];
  return redis.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === nodeKey);
}

export function replicaGate(redis: Redis, needed: number, timeoutMs = 1000): ReplicaGate {
  const mark = (node: Standalone): Mark => ({ node, closes: stateOf(node).closes });
  const no = (why: string, replicas = 0): Replicated => ({ ...refuse(why), replicas, needed });
  const confirmed: Replicated = { ok: true, value: undefined };
  const moved = (list: Mark[]) => {
    if (!list.length) return 'no Redis master was known';
    if (list.some((m) => stateOf(m.node).closes !== m.closes)) return 'the connection to Redis was re-established during the write';
    if (redis instanceof Cluster && list.some((m) => !redis.nodes('master').includes(m.node))) return 'the cluster moved its slots during the write';
    return undefined;
  };
  return {
    needed,
    async markHome() {
      const node = await homeNode(redis).catch(() => undefined);
      if (!node) return { refused: true, replicas: 0, needed };
      const replicas = await healthyReplicas(node, stateOf(node));
      return replicas < needed ? { refused: true, replicas, needed } : { ...mark(node), home: true };
    },
    markAll() {
      return redis instanceof Cluster ? redis.nodes('master').map(mark) : [mark(redis)];
    },
    unchanged(list) {
      const why = moved(list);
      return why ? no(why) : confirmed;
    },
    async confirm(marks) {
      const list = Array.isArray(marks) ? marks : [marks];
      const counts = await Promise.all(list.map((m) => waitOn(m.node, stateOf(m.node), needed, timeoutMs).catch(() => -1)));
      const why = moved(list);
      if (why) return no(why);
      if (counts.some((c) => c < 0)) return no('the Redis master stopped answering');
      const least = Math.min(...counts);
      if (least < needed) {
        for (const m of list) stateOf(m.node).healthy = undefined;
        return no(`${least} of ${needed} replicas confirmed the write in ${timeoutMs} ms`, least);
      }
      for (const m of list) if (m.home && (await homeNode(redis).catch(() => undefined)) !== m.node) return no('the cluster moved its slots during the write');
      return confirmed;
    },
  };
}

/** Taken before a job's handler runs, checked after: the job completes only if its effects are safe. */
export interface JobGuard {
  mark(): Mark[];
  check(marks: Mark[]): Promise<Replicated>;
}

/**
 * A worker's jobs under Sentinel or Cluster. A job's effects are written, then BullMQ marks it
 * completed: with one master (Sentinel), a replica that holds the completion holds the effects
 * too (replication keeps the master's order), unless the connection moved to a new master in
 * between; then the job fails and runs again (its effects are idempotent). With Cluster the
 * effects sit on other masters than the queue, so with REDIS_MIN_REPLICAS the job also WAITs on
 * every master. None for a single server: a restart keeps what its persistence kept.
 */
export function jobGuard(redis: Redis, cfg: RedisConfig): JobGuard | undefined {
  if (!cfg.sentinels && !cfg.cluster) return undefined;
  const gate = replicaGate(redis, cfg.minReplicas, 2000);
  const wait = cfg.cluster && cfg.minReplicas > 0;
  return {
    mark: () => gate.markAll(),
    check: (marks) => (wait ? gate.confirm(marks) : Promise.resolve(gate.unchanged(marks))),
  };
}
