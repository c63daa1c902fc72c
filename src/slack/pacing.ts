import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Keys } from '../keys.js';
import { Script, type Redis } from '../redis.js';
import { currentPriority, currentWorkId, RetryLater } from '../retry-later.js';

/**
 * Beacon's own pacing of the Web API, so that it does not fire calls it knows Slack will refuse.
 * Slack limits each method per app per workspace by tier (Tier 1 about 1 call a minute, Tier 2
 * 20, Tier 3 50, Tier 4 100) and chat.postMessage to about one message a second per channel
 * (docs.slack.dev/apis/web-api/rate-limits; each method's tier is on its reference page). Every
 * worker shares one allowance per method (and per channel for chat.postMessage) in Redis.
 *
 * Each allowance is a GCRA token bucket (a "theoretical arrival time" per bucket, Lua scripts on
 * Redis' clock). A call with a slot free now goes at once. Otherwise it is given the next slot and
 * joins the bucket's queue of waiting calls, which is kept in order of urgency (the job's BullMQ
 * priority: a sev1 opening before a sev4 one; first come first within one): a newcomer moves
 * ahead of every less urgent waiter, each of which moves one slot later. A slot at most
 * `maxWaitMs` away is waited for in-process; one further away is kept for the caller, which throws
 * `RetryLater` so that its job is re-queued until then rather than sleeping with an incident's
 * lock held, and claims the slot when it comes back (by its job's id). A cosmetic call
 * (`deferrable`) never waits: it goes now, or keeps the last place of all for its job. A 429
 * Slack answers anyway (its burst is smaller than ours, another app of the same install) pushes
 * the bucket and its queue back by its Retry-After for every worker.
 *
 * The rates are Slack's; the bursts are Beacon's choice, a little under a minute's allowance
 * (Slack does not publish its bursts). `scale` runs every allowance that much faster (tests
 * against the simulator's time-scaled `tiers` mode).
 */
export type Tier = 1 | 2 | 3 | 4;

export interface Allowance {
  perMinute: number;
  burst: number;
}

/** The tier of each method Beacon calls, from its reference page; `post` is chat.postMessage's own limit. */
export const BEACON_METHOD_TIERS: Readonly<Record<string, Tier | 'post'>> = {
  'chat.postEphemeral': 4,
  'chat.postMessage': 'post',
  'chat.update': 3,
  'conversations.create': 2,
  'conversations.history': 3,
  'conversations.invite': 3,
  'conversations.join': 3,
  'conversations.list': 2,
  'conversations.members': 4,
  'conversations.replies': 3,
  'conversations.setTopic': 2,
  'files.completeUploadExternal': 4,
  'files.getUploadURLExternal': 4,
  'pins.add': 2,
  'users.info': 4,
};

export const DEFAULT_TIERS: Readonly<Record<Tier, Allowance>> = {
  1: { perMinute: 1, burst: 1 },
  2: { perMinute: 20, burst: 18 },
  3: { perMinute: 50, burst: 45 },
  4: { perMinute: 100, burst: 90 },
};
export const DEFAULT_POST_PER_CHANNEL: Allowance = { perMinute: 60, burst: 8 };

export interface PacingOptions {
  redis: Redis;
  keys: Keys;
  /** How much faster than Slack's published rates to pace (tests); default 1. */
  scale?: number;
  /** The longest wait for a slot spent in-process; beyond it, RetryLater. Default 2 s. */
  maxWaitMs?: number;
  tiers?: Partial<Record<Tier, Allowance>>;
  postPerChannel?: Allowance;
}

/**
 * One call's slot. KEYS[1]: the bucket's theoretical arrival time; KEYS[2]: the queue of calls
 * waiting for a slot (member `<priority>:<ticket>`, score the slot's time). ARGV: the longest wait
 * spent in-process, the emission interval and the tolerance ((burst - 1) * interval) in ms, the
 * caller's priority and its ticket.
 *
 * Returns `{ wait, held }`: go after `wait` ms (`held` 1: ask CONFIRM then, the slot may have
 * moved later), or `{ -(wait + 1) }`: the slot is further than the in-process wait, kept for the
 * ticket, which asks again later.
 */
const TAKE = new Script(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local maxWait, interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local prio, member = tonumber(ARGV[4]), ARGV[4] .. ':' .. ARGV[5]
local function pr(m) return tonumber(string.match(m, '^(%d+):')) end
local function answer(slot)
  if slot - now <= maxWait then return {math.ceil(slot - now), 1} end
  return {-math.ceil(slot - now) - 1, 0}
end
-- A slot nobody came back for is lost, not kept.
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - math.max(2 * interval, 2000))
local mine = redis.call('ZSCORE', KEYS[2], member)
if mine then
  mine = tonumber(mine)
  if mine <= now + 2 then
    redis.call('ZREM', KEYS[2], member)
    return {0, 0}
  end
  return answer(mine)
end
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local wait = math.max(0, tat - tolerance - now)
if wait <= 0 then
  redis.call('SET', KEYS[1], string.format('%.3f', tat + interval), 'PX', math.ceil(tat + interval - now) + 1000)
  return {0, 0}
end
local nt = math.max(tat, now + wait) + interval
redis.call('SET', KEYS[1], string.format('%.3f', nt), 'PX', math.ceil(nt - now) + 1000)
local waiting = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. (now + 2), '+inf', 'WITHSCORES')
local members, slots = {}, {}
for i = 1, #waiting, 2 do
  members[#members + 1] = waiting[i]
  slots[#slots + 1] = tonumber(waiting[i + 1])
end
members[#members + 1] = member
slots[#slots + 1] = now + wait
local j = #members
while j > 1 and pr(members[j - 1]) > prio do
  members[j] = members[j - 1]
  j = j - 1
end
members[j] = member
for k = j, #members do redis.call('ZADD', KEYS[2], slots[k], members[k]) end
redis.call('PEXPIRE', KEYS[2], math.ceil(slots[#slots] - now) + 60000)
return answer(slots[j])`);

/**
 * KEYS[1]: the queue; ARGV[1]: the member. 0: the slot is due and now used; > 0: it moved later
 * (more urgent calls went ahead), that many ms more; -1: it is gone (kept too long unclaimed).
 */
const CONFIRM = new Script(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local slot = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not slot then return -1 end
if tonumber(slot) > now + 2 then return math.ceil(tonumber(slot) - now) end
redis.call('ZREM', KEYS[1], ARGV[1])
return 0`);

/**
 * Slack answered 429 anyway. KEYS: the bucket and its queue; ARGV: Retry-After and the tolerance
 * in ms. Nothing goes before now + Retry-After: the queue moves back by as much as it needs.
 */
const PENALIZE = new Script(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local until_ = now + tonumber(ARGV[1])
local first = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
local delta = 0
if #first == 2 and tonumber(first[2]) < until_ then delta = until_ - tonumber(first[2]) end
if delta > 0 then
  local all = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
  for i = 1, #all, 2 do redis.call('ZADD', KEYS[2], tonumber(all[i + 1]) + delta, all[i]) end
end
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0') + delta, until_ + tonumber(ARGV[2]))
redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
return 0`);

/** A deferred (cosmetic) call's place: after every other. */
const DEFERRED_PRIORITY = 99;

interface Bucket {
  key: string;
  waiting: string;
  intervalMs: number;
  toleranceMs: number;
}

export class SlackPacer {
  private readonly scale: number;
  private readonly maxWaitMs: number;
  private readonly tiers: Record<Tier, Allowance>;
  private readonly post: Allowance;
  /** Tickets of this process's calls in flight: two concurrent calls of one job never share one. */
  private readonly inFlight = new Set<string>();

  constructor(private readonly opts: PacingOptions) {
    this.scale = opts.scale ?? 1;
    if (!(this.scale > 0)) throw new Error('pacing: scale must be above 0');
    this.maxWaitMs = opts.maxWaitMs ?? 2000;
    this.tiers = { ...DEFAULT_TIERS, ...opts.tiers };
    this.post = opts.postPerChannel ?? DEFAULT_POST_PER_CHANNEL;
  }

  /** The bucket of a call: per method, or per channel for chat.postMessage; none for methods not paced. */
  private bucket(method: string, channel: string | undefined): Bucket | undefined {
    const tier = BEACON_METHOD_TIERS[method];
    if (tier === undefined) return undefined;
    const a = tier === 'post' ? this.post : this.tiers[tier];
    const name = tier === 'post' ? `post:${channel ?? ''}` : method;
    const intervalMs = 60_000 / (a.perMinute * this.scale);
    return { key: this.opts.keys.slackRate(name), waiting: this.opts.keys.slackRate(`${name}:waiting`), intervalMs, toleranceMs: Math.max(0, a.burst - 1) * intervalMs };
  }

  /**
   * Waits for the call's slot, behind more urgent work and ahead of less urgent (the job's
   * priority). Throws RetryLater (nothing sent) when the slot is further than `maxWaitMs`, or
   * not free now for a `deferrable` call: the slot is kept for the job, which comes back for it.
   */
  async take(method: string, channel?: string, opts: { deferrable?: boolean } = {}): Promise<void> {
    const b = this.bucket(method, channel);
    if (!b) return;
    const deferrable = !!opts.deferrable;
    const prio = deferrable ? DEFERRED_PRIORITY : Math.max(0, Math.floor(currentPriority()));
    const maxWait = deferrable ? 0 : this.maxWaitMs;
    // The ticket a re-queued job finds its slot again by: its job id (the channel, for a deferred call).
    const work = currentWorkId();
    let ticket = deferrable ? `deferred:${channel ?? ''}` : work ? `job:${work}` : randomUUID();
    if (this.inFlight.has(`${b.waiting} ${ticket}`)) ticket = randomUUID();
    const flight = `${b.waiting} ${ticket}`;
    this.inFlight.add(flight);
    try {
      await this.wait(b, prio, ticket, maxWait, `Slack ${method}${channel ? ` in ${channel}` : ''} paced`);
    } finally {
      this.inFlight.delete(flight);
    }
  }

  private async wait(b: Bucket, prio: number, ticket: string, maxWait: number, what: string): Promise<void> {
    const member = `${prio}:${ticket}`;
    for (let round = 0; round < 20; round++) {
      const [wait, held] = (await TAKE.run(this.opts.redis, [b.key, b.waiting], [maxWait, b.intervalMs, b.toleranceMs, prio, ticket])) as [number, number];
      // Come back when the kept slot is within the in-process wait.
      if (wait < 0) throw new RetryLater(Math.max(1, -wait - 1 - maxWait / 2), what);
      if (!held) return;
      for (let left = wait; left > 0; ) {
        await sleep(left);
        left = Number(await CONFIRM.run(this.opts.redis, [b.waiting], [member]));
        if (left === 0) return;
        // Moved well back by more urgent calls: the job waits for it re-queued, not here.
        if (left > maxWait) throw new RetryLater(Math.max(1, left - maxWait / 2), what);
      }
    }
    throw new RetryLater(maxWait, what);
  }

  /** Slack answered 429 anyway: no worker calls `method` (in `channel`) before Retry-After is over. */
  async penalize(method: string, channel: string | undefined, retryAfterMs: number): Promise<void> {
    const b = this.bucket(method, channel);
    if (b) await PENALIZE.run(this.opts.redis, [b.key, b.waiting], [retryAfterMs, b.toleranceMs]);
  }
}
