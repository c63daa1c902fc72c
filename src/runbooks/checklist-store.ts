/**
 * An incident's runbook checklists in Redis: which runbooks are attached (the matched one
 * first, then those opened with `/incident runbook <name>`), every step's tick with who and
 * when, the latest automated check result per step, and where each checklist message is.
 *
 * Everything lives in one hash, `Keys.checklist(id)`, plus the set of applied source ids beside
 * it; both share the incident's hash tag, so each Lua script stays in one Redis Cluster slot.
 * Writes are atomic and idempotent: a Slack retry or a redelivered job changes nothing twice.
 */
import type { Keys } from '../keys.js';
import { Script, type Redis } from '../redis.js';
import type { CheckResult, CheckStatus } from './checks/index.js';
import { RUNBOOK_NAME } from './format.js';

/** One step's tick: done or not, by whom (Slack user id) and when (ISO 8601). */
export interface StepTick {
  done: boolean;
  by?: string;
  at?: string;
}

/** The latest result of a step's check, with when it ran (ISO 8601). */
export type StoredCheckResult = CheckResult & { at: string };

/** Where a runbook's checklist message is, so a worker can update it. */
export interface ChecklistMessage {
  channel: string;
  ts: string;
}

/** One runbook's part of the state: what `renderChecklist` takes. */
export interface RunbookChecklistState {
  ticks: Record<string, StepTick>;
  checks: Record<string, StoredCheckResult>;
  message?: ChecklistMessage;
}

export interface ChecklistState {
  /** Attached runbook names, the matched one first. */
  runbooks: string[];
  /** Per runbook name. A runbook without any tick or check result still has an (empty) entry. */
  byRunbook: Record<string, RunbookChecklistState>;
}

/** Applied source ids are kept this long (an incident's life, with margin). */
const APPLIED_TTL_SECONDS = 30 * 24 * 3600;
const STEP_ID = /^s[0-9]{1,4}$/;
const CHECK_STATUSES: readonly CheckStatus[] = ['pass', 'fail', 'error'];

// Adds a runbook name to the list once; ARGV[2] = '1' puts a new one first (the matched runbook).
const ATTACH = new Script(`
local cur = redis.call('HGET', KEYS[1], 'runbooks')
local list = {}
if cur then list = cjson.decode(cur) end
for _, n in ipairs(list) do
  if n == ARGV[1] then return {0, cur} end
end
if ARGV[2] == '1' then table.insert(list, 1, ARGV[1]) else table.insert(list, ARGV[1]) end
local enc = cjson.encode(list)
redis.call('HSET', KEYS[1], 'runbooks', enc)
return {1, enc}`);

// Records a tick once per source id. A tick older than the stored one (a late redelivery) and a
// tick that does not change done/undone are recorded as applied but change nothing.
// ARGV: source id, field, done (1/0), tick JSON, at (ms)
const TICK = new Script(`
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return -1 end
redis.call('EXPIRE', KEYS[2], ${APPLIED_TTL_SECONDS})
local cur = redis.call('HGET', KEYS[1], ARGV[2])
local done = ARGV[3] == '1'
if cur then
  local old = cjson.decode(cur)
  if tonumber(old.atMs or 0) > tonumber(ARGV[5]) then return 0 end
  if (old.done == true) == done then return 0 end
elseif not done then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[4])
return 1`);

// Keeps the newest check result of a step: an older run finishing late does not overwrite it.
// ARGV: field, result JSON, at (ms)
const CHECK = new Script(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local old = cjson.decode(cur)
  if tonumber(old.atMs or 0) > tonumber(ARGV[3]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`);

export class ChecklistStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  private applied(incidentId: string): string {
    // Same hash tag as Keys.checklist, so the TICK script touches one slot.
    return this.keys.checklistApplied(incidentId);
  }

  /**
   * Attaches a runbook to the incident. `attached` is false when it already was (a redelivered
   * open job, `/incident runbook` typed twice): post its checklist only when true.
   * `first: true` puts a newly attached runbook at the head (the one the alert matched).
   */
  async attach(
    incidentId: string,
    runbookName: string,
    opts: { first?: boolean } = {},
  ): Promise<{ attached: boolean; runbooks: string[] }> {
    assertName(runbookName);
    const res = (await ATTACH.run(this.redis, [this.keys.checklist(incidentId)], [runbookName, opts.first ? '1' : '0'])) as [number, string];
    return { attached: res[0] === 1, runbooks: decodeList(res[1]) };
  }

  /** Attached runbook names, the matched one first. */
  async runbooks(incidentId: string): Promise<string[]> {
    return decodeList(await this.redis.hget(this.keys.checklist(incidentId), 'runbooks'));
  }

  /**
   * Ticks (`done: true`) or unticks a step. Idempotent on `sourceId` (use the Slack action's
   * id, e.g. `${messageTs}:${actionTs}:${userId}`; it is scoped to the step, so one action
   * ticking two steps may pass the same id): a second delivery is not applied again.
   * `changed` is true only when the step went from undone to done or back; `duplicate` when
   * this source id was already applied. A tick whose `at` is older than the stored one is
   * ignored, so a late redelivery never undoes a newer click.
   */
  async setTick(
    incidentId: string,
    runbook: string,
    stepId: string,
    done: boolean,
    user: string,
    at: Date,
    sourceId: string,
  ): Promise<{ changed: boolean; duplicate: boolean }> {
    assertName(runbook);
    assertStep(stepId);
    if (!sourceId) throw new Error('setTick: sourceId is required (it makes a redelivery harmless)');
    const tick = { done, by: user, at: at.toISOString(), atMs: at.getTime() };
    const res = await TICK.run(
      this.redis,
      [this.keys.checklist(incidentId), this.applied(incidentId)],
      [`${runbook}:${stepId}:${sourceId}`, tickField(runbook, stepId), done ? '1' : '0', JSON.stringify(tick), at.getTime()],
    );
    return { changed: res === 1, duplicate: res === -1 };
  }

  /**
   * Stores a step's latest check result. `changed` is false when a newer result is already
   * stored (two runs racing: the later `at` wins).
   */
  async setCheckResult(
    incidentId: string,
    runbook: string,
    stepId: string,
    result: CheckResult,
    at: Date,
  ): Promise<{ changed: boolean }> {
    assertName(runbook);
    assertStep(stepId);
    if (!CHECK_STATUSES.includes(result.status)) throw new Error(`setCheckResult: unknown status ${String(result.status)}`);
    const stored = { ...result, at: at.toISOString(), atMs: at.getTime() };
    const res = await CHECK.run(this.redis, [this.keys.checklist(incidentId)], [checkField(runbook, stepId), JSON.stringify(stored), at.getTime()]);
    return { changed: res === 1 };
  }

  /** Remembers where a runbook's checklist message is (after `chat.postMessage`). */
  async setMessage(incidentId: string, runbook: string, message: ChecklistMessage): Promise<void> {
    assertName(runbook);
    await this.redis.hset(this.keys.checklist(incidentId), `msg:${runbook}`, JSON.stringify({ channel: message.channel, ts: message.ts }));
  }

  /** The whole checklist state of the incident. */
  async state(incidentId: string): Promise<ChecklistState> {
    const all = await this.redis.hgetall(this.keys.checklist(incidentId));
    const runbooks = decodeList(all.runbooks);
    const byRunbook: Record<string, RunbookChecklistState> = {};
    const entry = (name: string): RunbookChecklistState => {
      let e = byRunbook[name];
      if (!e) {
        e = { ticks: {}, checks: {} };
        byRunbook[name] = e;
      }
      return e;
    };
    for (const name of runbooks) entry(name);
    for (const [field, value] of Object.entries(all)) {
      const m = /^(tick|check|msg):([^:]+)(?::(.+))?$/.exec(field);
      if (!m) continue;
      const [, kind, name, step] = m;
      if (!name) continue;
      let doc: Record<string, unknown>;
      try {
        doc = JSON.parse(value) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (kind === 'msg') {
        if (typeof doc.channel === 'string' && typeof doc.ts === 'string') entry(name).message = { channel: doc.channel, ts: doc.ts };
        continue;
      }
      if (!step) continue;
      delete doc.atMs;
      if (kind === 'tick') entry(name).ticks[step] = doc as unknown as StepTick;
      else entry(name).checks[step] = doc as unknown as StoredCheckResult;
    }
    return { runbooks, byRunbook };
  }

  /** One runbook's ticks and check results, ready for `renderChecklist`. */
  async stateOf(incidentId: string, runbook: string): Promise<RunbookChecklistState> {
    const s = await this.state(incidentId);
    return s.byRunbook[runbook] ?? { ticks: {}, checks: {} };
  }
}

const tickField = (runbook: string, stepId: string) => `tick:${runbook}:${stepId}`;
const checkField = (runbook: string, stepId: string) => `check:${runbook}:${stepId}`;

function assertName(name: string): void {
  if (!RUNBOOK_NAME.test(name)) throw new Error(`not a runbook name: ${JSON.stringify(name.slice(0, 80))}`);
}

function assertStep(stepId: string): void {
  if (!STEP_ID.test(stepId)) throw new Error(`not a step id: ${JSON.stringify(stepId.slice(0, 20))}`);
}

function decodeList(raw: string | null | undefined): string[] {
  if (!raw) return [];
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
