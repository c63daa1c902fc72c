/**
 * Slack's Web API rate limits, as the simulator enforces them in `tiers` mode
 * (docs.slack.dev/apis/web-api/rate-limits): each method has a tier, and its allowance is per
 * method, per app, per workspace: Tier 1 about 1 call a minute, Tier 2 about 20, Tier 3 about 50,
 * Tier 4 about 100, "with occasional bursts". chat.postMessage has its own "special" limit: about
 * one message a second per channel, short bursts allowed. A call over the allowance is refused
 * with HTTP 429, `{ ok: false, error: 'ratelimited' }` and a `Retry-After` header in whole
 * seconds, and changes nothing.
 *
 * Each allowance is a token bucket: it holds at most `burst` calls and refills at `perMinute`.
 * Slack publishes the rates, not the burst sizes; the simulator's bursts are a minute's
 * allowance for the tiers (what "N per minute" lets through at once) and 10 messages for a
 * channel (observed bursts of a few dozen are not promised). Methods whose page says "special"
 * other than chat.postMessage (auth.test, chat.getPermalink) are not limited here.
 *
 * `scale` speeds the refill up (×60: a minute's allowance passes in a second), so that tests
 * see the limits in seconds instead of minutes; Retry-After is in scaled seconds, at least 1,
 * as Slack never answers less.
 */
import { str, type Params } from './args.js';

export type Tier = 1 | 2 | 3 | 4;

/** A token bucket's shape: `perMinute` refill (unscaled), at most `burst` at once. */
export interface Allowance {
  perMinute: number;
  burst: number;
}

/** Each method's tier from its reference page ("Rate limits"); `post` is chat.postMessage's special limit. */
export const METHOD_TIERS: Readonly<Record<string, Tier | 'post' | 'special'>> = {
  'apps.connections.open': 3,
  'auth.test': 'special',
  'chat.delete': 3,
  'chat.getPermalink': 'special',
  'chat.postEphemeral': 4,
  'chat.postMessage': 'post',
  'chat.update': 3,
  'conversations.archive': 2,
  'conversations.create': 2,
  'conversations.history': 3,
  'conversations.info': 3,
  'conversations.invite': 3,
  'conversations.join': 3,
  'conversations.list': 2,
  'conversations.members': 4,
  'conversations.replies': 3,
  'conversations.setPurpose': 2,
  'conversations.setTopic': 2,
  'files.completeUploadExternal': 4,
  'files.getUploadURLExternal': 4,
  'openid.connect.token': 4,
  'openid.connect.userInfo': 3,
  'pins.add': 2,
  'pins.list': 2,
  'pins.remove': 2,
  'reactions.add': 3,
  'usergroups.users.list': 2,
  'users.info': 4,
  'users.list': 2,
  'views.open': 4,
  'views.update': 4,
};

/** Slack's published rates; the bursts are the simulator's (see above). */
export const SLACK_TIERS: Readonly<Record<Tier, Allowance>> = {
  1: { perMinute: 1, burst: 2 },
  2: { perMinute: 20, burst: 20 },
  3: { perMinute: 50, burst: 50 },
  4: { perMinute: 100, burst: 100 },
};

/** chat.postMessage: about one message a second in each channel, short bursts allowed. */
export const SLACK_POST_PER_CHANNEL: Allowance = { perMinute: 60, burst: 10 };

export interface TiersOptions {
  /** How much faster than Slack the allowances refill (default 1: Slack's own pace). */
  scale?: number;
  /** Other allowances per tier (tests of the mode itself). */
  tiers?: Partial<Record<Tier, Allowance>>;
  postPerChannel?: Allowance;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** The buckets of one workspace (one app): which call may go now, and how long the others wait. */
export class RateTiers {
  readonly scale: number;
  private readonly tiers: Record<Tier, Allowance>;
  private readonly post: Allowance;
  private readonly buckets = new Map<string, Bucket>();

  constructor(opts: TiersOptions = {}) {
    this.scale = opts.scale ?? 1;
    if (!(this.scale > 0)) throw new Error('tiers: scale must be above 0');
    this.tiers = { ...SLACK_TIERS, ...opts.tiers };
    this.post = opts.postPerChannel ?? SLACK_POST_PER_CHANNEL;
  }

  /** The bucket a call draws from, or undefined for a method not limited. */
  bucketOf(method: string, p: Params): { key: string; allowance: Allowance } | undefined {
    const tier = METHOD_TIERS[method];
    if (tier === undefined || tier === 'special') return undefined;
    // Slack counts a channel by its id; a name given instead is its own key, as good as any.
    if (tier === 'post') return { key: `post:${str(p, 'channel') ?? ''}`, allowance: this.post };
    return { key: method, allowance: this.tiers[tier] };
  }

  /** Takes one call from the method's allowance: undefined when it may go, else Retry-After in seconds. */
  admit(method: string, p: Params, now = Date.now()): number | undefined {
    const b = this.bucketOf(method, p);
    if (!b) return undefined;
    const perMs = (b.allowance.perMinute * this.scale) / 60_000;
    const cur = this.buckets.get(b.key) ?? { tokens: b.allowance.burst, at: now };
    const tokens = Math.min(b.allowance.burst, cur.tokens + Math.max(0, now - cur.at) * perMs);
    if (tokens >= 1) {
      this.buckets.set(b.key, { tokens: tokens - 1, at: now });
      return undefined;
    }
    // Refused calls take nothing: the bucket refills as if they had not come.
    this.buckets.set(b.key, { tokens, at: now });
    return Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
  }
}
