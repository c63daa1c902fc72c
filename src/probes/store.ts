import type { Keys } from '../keys.js';
import { Script, type Redis } from '../redis.js';
import type { CheckResult } from '../runbooks/checks/index.js';

/** What Beacon remembers of one probe between runs. */
export interface ProbeState {
  /** Failures (fail or error) in a row, and passes in a row; one of them is 0. */
  failures: number;
  passes: number;
  /** True from the alert raised until the alert resolved. */
  firing: boolean;
  /** ISO time of the first failure of the current run of failures: the alert's start. */
  firstFailureAt?: string;
  /**
   * While firing: how many times the alert was raised again because the incident it opened was
   * resolved while the probe kept failing (each raise opens a new incident).
   */
  raisedAgain?: number;
  /** While firing: the result of the run that raised the alert (last raise), for the incident's first messages. */
  raisedResult?: CheckResult;
  lastRunAt?: string;
  lastDurationMs?: number;
  last?: CheckResult;
}

export const EMPTY_STATE: ProbeState = { failures: 0, passes: 0, firing: false };

const RELEASE_IF_OWNER = new Script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

/** Probe states in one Redis hash, and the per-probe lock that keeps runs one at a time. */
export class ProbeStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async get(probeId: string): Promise<ProbeState> {
    const raw = await this.redis.hget(this.keys.probes(), probeId);
    return raw ? { ...EMPTY_STATE, ...(JSON.parse(raw) as ProbeState) } : { ...EMPTY_STATE };
  }

  async set(probeId: string, state: ProbeState): Promise<void> {
    await this.redis.hset(this.keys.probes(), probeId, JSON.stringify(state));
  }

  async all(): Promise<Map<string, ProbeState>> {
    const raw = await this.redis.hgetall(this.keys.probes());
    return new Map(Object.entries(raw).map(([id, v]) => [id, { ...EMPTY_STATE, ...(JSON.parse(v) as ProbeState) }]));
  }

  /**
   * Whether an alert group has an open incident: the key intake claims for the group's incident
   * and releases when a person resolves it (IncidentStore.openIncidentOf reads the same key).
   */
  async groupHasOpenIncident(group: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.openGroup(group))) === 1;
  }

  /** Takes the probe's lock for `ms`; false when another worker holds it. */
  async lock(probeId: string, owner: string, ms: number): Promise<boolean> {
    return (await this.redis.set(this.keys.probeLock(probeId), owner, 'PX', ms, 'NX')) === 'OK';
  }

  async unlock(probeId: string, owner: string): Promise<void> {
    await RELEASE_IF_OWNER.run(this.redis, [this.keys.probeLock(probeId)], [owner]);
  }
}
