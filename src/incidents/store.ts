import type { Alert, AlertStatus, Severity } from '../domain.js';
import type { Keys } from '../keys.js';
import { Script, acrossSlots, type Redis } from '../redis.js';
import { isOpen, type Incident } from './model.js';
import { refuse, type Result } from '../result.js';

/** What Beacon remembers of one distinct alert of an incident. */
export interface AlertRecord {
  fingerprint: string;
  title: string;
  status: AlertStatus;
  severity: Severity;
  link?: string;
  startsAt: string;
  endsAt?: string;
  /** How many notifications of this alert arrived. */
  count: number;
  firstSeen: number;
  lastSeen: number;
}

export interface RecordAlertResult {
  /** False when this job was already applied (a redelivery): nothing changed. */
  applied: boolean;
  isNew: boolean;
  statusChanged: boolean;
  previousStatus?: AlertStatus;
  /** True when no alerts-message refresh was pending: the caller must queue one. */
  refreshNeeded: boolean;
}

// Compare-and-set of the whole incident document: writes only if nobody else wrote since we read.
// The hot fields (status, opened, truncated, severity) are kept beside the document, so that the
// alert path reads four short fields instead of parsing the whole document for every alert.
const CAS = new Script(`
local cur = redis.call('HGET', KEYS[1], 'v')
if (cur or '-1') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'doc', ARGV[3], 'status', ARGV[4], 'opened', ARGV[5], 'truncated', ARGV[6], 'severity', ARGV[7])
return 1`);

// Creates the incident document once; later callers get 0 and read what the first one wrote.
const CREATE = new Script(`
if redis.call('HSETNX', KEYS[1], 'v', '0') == 0 then return 0 end
redis.call('HSET', KEYS[1], 'doc', ARGV[1], 'status', ARGV[2], 'opened', ARGV[3], 'truncated', ARGV[4], 'severity', ARGV[5])
return 1`);

const hot = (i: Incident) => [i.status, i.slack.opened ? '1' : '0', String(i.truncatedAlerts ?? -1), i.severity];

/** What the alert path needs to know of an incident. */
export interface IncidentBrief {
  status: Incident['status'];
  opened: boolean;
  truncated?: number;
  /** Absent for a document written before severity was kept beside it. */
  severity?: Severity;
}

// Records one alert notification exactly once per job id; repeats are counted, not listed.
// The last element says whether this call set the "refresh pending" flag (KEYS[3]): only then
// does the caller queue a refresh of the alerts message, so a storm queues one per refresh, not
// one per alert. The refresh clears the flag before it reads, so nothing recorded is missed.
const RECORD_ALERT = new Script(`
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return {0, 0, 0, '', 1} end
local flag = redis.call('SET', KEYS[3], '1', 'NX', 'PX', 60000) and 1 or 0
redis.call('EXPIRE', KEYS[2], 2592000)
local now = tonumber(ARGV[4])
local new = cjson.decode(ARGV[3])
local cur = redis.call('HGET', KEYS[1], ARGV[2])
if not cur then
  new.count = 1
  new.firstSeen = now
  new.lastSeen = now
  redis.call('HSET', KEYS[1], ARGV[2], cjson.encode(new))
  return {1, 1, 1, '', flag}
end
local old = cjson.decode(cur)
-- A status-only notification (a resolve or acknowledge by key) has no title: it keeps the
-- alert's title, severity and start.
if new.title == '' then
  new.title = old.title
  new.severity = old.severity
  new.startsAt = old.startsAt
  if new.link == nil then new.link = old.link end
end
new.count = (old.count or 0) + 1
new.firstSeen = old.firstSeen
new.lastSeen = now
if old.status == new.status then new.startsAt = old.startsAt end
redis.call('HSET', KEYS[1], ARGV[2], cjson.encode(new))
if old.status ~= new.status then return {1, 0, 1, old.status, flag} end
return {1, 0, 0, old.status, flag}`);

const RENEW_IF_OWNER = new Script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`);

const RELEASE_IF_OWNER = new Script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

/** Incidents in Redis. All writes are atomic; none of them talk to Slack. */
export class IncidentStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    /**
     * How long a dead holder keeps an incident locked; the worker passes its job lock time
     * (JOB_LOCK_SECONDS, 6 s by default), so a dead worker's incident is free by the time its job
     * is handed to another worker.
     */
    private readonly lockTtlMs = 6_000,
  ) {}

  /** The open incident of a group, if any. */
  async openIncidentOf(group: string): Promise<string | null> {
    return this.redis.get(this.keys.openGroup(group));
  }

  /**
   * Makes `candidateId` the open incident of `group` unless one already is; returns the winner.
   * Concurrent alerts of one group all get the same id.
   */
  async claimGroup(group: string, candidateId: string): Promise<{ id: string; claimed: boolean }> {
    const key = this.keys.openGroup(group);
    const res = await this.redis.set(key, candidateId, 'NX');
    if (res === 'OK') return { id: candidateId, claimed: true };
    const id = await this.redis.get(key);
    if (id) return { id, claimed: id === candidateId };
    // The holder resolved between our SET and GET: try once more.
    return this.claimGroup(group, candidateId);
  }

  /** Frees the group so that its next alert opens a new incident. */
  async releaseGroup(group: string, id: string): Promise<void> {
    await RELEASE_IF_OWNER.run(this.redis, [this.keys.openGroup(group)], [id]);
  }

  async nextNumber(): Promise<number> {
    return this.redis.incr(this.keys.sequence());
  }

  /** Writes the first version of an incident; a no-op returning false if it exists. */
  async create(incident: Incident): Promise<boolean> {
    const created = (await CREATE.run(this.redis, [this.keys.incident(incident.id)], [JSON.stringify(incident), ...hot(incident)])) === 1;
    if (created) await this.index(incident);
    return created;
  }

  async get(id: string): Promise<Incident | null> {
    const [v, doc] = await this.redis.hmget(this.keys.incident(id), 'v', 'doc');
    if (v === null || !doc) return null;
    const incident = JSON.parse(doc) as Incident;
    incident.version = Number(v);
    return incident;
  }

  /** The incident's hot fields without parsing its document; null when it does not exist yet. */
  async brief(id: string): Promise<IncidentBrief | null> {
    const [v, status, opened, truncated, severity] = await this.redis.hmget(this.keys.incident(id), 'v', 'status', 'opened', 'truncated', 'severity');
    if (v === null) return null;
    if (!status) {
      const inc = await this.get(id);
      return inc ? { status: inc.status, opened: !!inc.slack.opened, severity: inc.severity, ...(inc.truncatedAlerts !== undefined ? { truncated: inc.truncatedAlerts } : {}) } : null;
    }
    const t = Number(truncated ?? -1);
    return { status: status as Incident['status'], opened: opened === '1', ...(t >= 0 ? { truncated: t } : {}), ...(severity ? { severity: severity as Severity } : {}) };
  }

  /**
   * Applies a pure change atomically: read, compute, write only if the version did not move,
   * else read again and recompute. Concurrent commands and clicks therefore never lose one
   * another, and each sees the state the previous one left.
   */
  async update(
    id: string,
    change: (current: Incident) => Result<Incident> | null,
  ): Promise<Result<Incident> & { before?: Incident }> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const current = await this.get(id);
      if (!current) return refuse('No such incident.');
      const out = change(current);
      if (out === null) return { ok: true, value: current, before: current };
      if (!out.ok) return out;
      const next: Incident = { ...out.value, version: current.version + 1 };
      const written = await CAS.run(this.redis, [this.keys.incident(id)], [String(current.version), String(next.version), JSON.stringify(next), ...hot(next)]);
      if (written === 1) {
        await this.index(next);
        return { ok: true, value: next, before: current };
      }
    }
    throw new Error(`incident ${id}: too much contention updating it`);
  }

  /** Shorthand for updates that always succeed (recording Slack artefacts). */
  async patch(id: string, change: (current: Incident) => Incident): Promise<Incident> {
    const res = await this.update(id, (cur) => ({ ok: true, value: change(cur) }));
    if (!res.ok) throw new Error(`incident ${id}: ${res.reason}`);
    return res.value;
  }

  private async index(incident: Incident): Promise<void> {
    const score = Date.parse(incident.createdAt);
    // Three slots: one MULTI on a single server, three writes on a cluster (every update repeats them).
    await acrossSlots(
      this.redis,
      [
        ['zadd', this.keys.allIncidents(), score, incident.id],
        // A drill is never among the open incidents: not in `list`, `/metrics` or what a change reaches.
        isOpen(incident) && !incident.drill ? ['zadd', this.keys.openIncidents(), score, incident.id] : ['zrem', this.keys.openIncidents(), incident.id],
        ...(incident.slack.channelId ? [['set', this.keys.channel(incident.slack.channelId), incident.id] as [string, string, string]] : []),
      ],
      true,
    );
  }

  async listOpen(limit = 50): Promise<Incident[]> {
    return this.getMany(await this.redis.zrevrange(this.keys.openIncidents(), 0, limit - 1));
  }

  /** Several incidents in one round trip (on a cluster, one read per incident, concurrently). */
  async getMany(ids: readonly string[]): Promise<Incident[]> {
    if (!ids.length) return [];
    const rows = await acrossSlots(this.redis, ids.map((id) => ['hmget', this.keys.incident(id), 'v', 'doc']), false);
    const out: Incident[] = [];
    for (const row of rows) {
      const [v, doc] = row as [string | null, string | null];
      if (v === null || !doc) continue;
      const incident = JSON.parse(doc) as Incident;
      incident.version = Number(v);
      out.push(incident);
    }
    return out;
  }

  /** Every incident (drills included) created in `[from, to]`, newest first, at most `limit`. */
  async listAll(opts: { limit?: number; from?: Date; to?: Date } = {}): Promise<Incident[]> {
    const max = opts.to ? String(opts.to.getTime()) : '+inf';
    const min = opts.from ? String(opts.from.getTime()) : '-inf';
    const ids = await this.redis.zrevrangebyscore(this.keys.allIncidents(), max, min, 'LIMIT', 0, opts.limit ?? 5000);
    return this.getMany(ids);
  }

  async byChannel(channelId: string): Promise<string | null> {
    return this.redis.get(this.keys.channel(channelId));
  }

  /** Reserves a channel name for an incident; returns the incident that holds it. */
  async reserveChannelName(name: string, incidentId: string): Promise<string> {
    const key = this.keys.channelName(name);
    const ok = await this.redis.set(key, incidentId, 'EX', 60 * 60 * 24 * 400, 'NX');
    if (ok === 'OK') return incidentId;
    return (await this.redis.get(key)) ?? incidentId;
  }

  async recordAlert(id: string, alert: Alert, jobId: string, now: Date): Promise<RecordAlertResult> {
    const rec = {
      fingerprint: alert.fingerprint,
      title: alert.title,
      status: alert.status,
      severity: alert.severity,
      ...(alert.link ? { link: alert.link } : {}),
      startsAt: alert.startsAt,
      ...(alert.endsAt ? { endsAt: alert.endsAt } : {}),
    };
    const res = (await RECORD_ALERT.run(
      this.redis,
      [this.keys.incidentAlerts(id), this.keys.incidentAppliedJobs(id), this.keys.alertsRefreshPending(id)],
      [jobId, alert.fingerprint, JSON.stringify(rec), now.getTime()],
    )) as [number, number, number, string, number];
    return {
      applied: res[0] === 1,
      isNew: res[1] === 1,
      statusChanged: res[2] === 1,
      // A redelivered job cannot tell whether its first run queued the refresh: it queues one.
      refreshNeeded: res[4] === 1,
      ...(res[3] ? { previousStatus: res[3] as AlertStatus } : {}),
    };
  }

  /** Called by the refresh before it reads: alerts recorded from now on queue the next one. */
  async clearAlertsRefresh(id: string): Promise<void> {
    await this.redis.del(this.keys.alertsRefreshPending(id));
  }

  async alerts(id: string): Promise<AlertRecord[]> {
    const all = await this.redis.hvals(this.keys.incidentAlerts(id));
    return all.map((s) => JSON.parse(s) as AlertRecord);
  }

  /**
   * Runs `fn` holding the incident's lock, so Slack effects of one incident (card, alerts
   * message) are rendered from the latest state one at a time. The lock expires `ttlMs` after its
   * holder dies, so a crashed worker blocks nobody for long, and is renewed every tenth of that
   * while `fn` runs: a live holder keeps it through an event-loop stall of nine tenths of `ttlMs`
   * (5.4 s by default), longer than a job lock survives one (4.5 s, see `lockSettings` in
   * src/jobs/workers.ts), so when a stalled worker's job is taken over, the taker waits here and
   * the incident's steps still run one at a time.
   */
  async withLock<T>(id: string, fn: () => Promise<T>, ttlMs = this.lockTtlMs): Promise<T> {
    const key = this.keys.incidentLock(id);
    // The pid first: an operator (and the crash test) can tell which process holds an incident.
    const token = `${process.pid}-${Math.random().toString(36).slice(2)}`;
    const deadline = Date.now() + Math.max(ttlMs * 3, 30_000);
    let wait = 10;
    while ((await this.redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new Error(`incident ${id}: lock wait timed out`);
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 200);
    }
    const renew = setInterval(() => {
      RENEW_IF_OWNER.run(this.redis, [key], [token, ttlMs]).catch(() => {});
    }, Math.max(100, Math.floor(ttlMs / 10)));
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await RELEASE_IF_OWNER.run(this.redis, [key], [token]).catch(() => {});
    }
  }
}
