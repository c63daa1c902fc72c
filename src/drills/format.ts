/**
 * The drill scenario format: one Markdown file per scenario, YAML front matter for the machine
 * (what fires when, the runbook, the root cause, the reference times), Markdown below it for the
 * facilitator (never posted). The schemas here are the front matter as written; `Scenario` is the
 * normalized shape a valid file becomes. Pure: no fs, no Slack, no Redis. `docs/drills.md`
 * documents the format; keep the two in step.
 */
import { z } from 'zod';
import { SEVERITIES, type ChangeKind, type Severity } from '../domain.js';
import { genericAlertSchema } from '../intake/generic.js';
import { changeSchema } from '../intake/changes.js';
import { CHECK_ID, RUNBOOK_NAME } from '../runbooks/format.js';
import type { CheckResult } from '../runbooks/checks/index.js';

/** Scenario names are typed after `/incident drill`: the rules of runbook names. */
export const SCENARIO_NAME = RUNBOOK_NAME;
/** A scenario is a story, not a storm. */
export const MAX_EVENTS = 100;
/** The clock runs at most this much faster than real time (1 h in a second). */
export const MAX_SPEED = 3600;

const text = (max: number) =>
  z.string().trim().min(1, { error: 'must not be empty' }).max(max, { error: `must be at most ${max} characters` });

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000 };
const OFFSET = /^([+-])?((?:\d{1,4}[hms])+)$/;

/**
 * Milliseconds of an event time relative to the drill's start: `-12m`, `+0m`, `+3m`, `+30s`,
 * `+1h30m` (a sign is optional for zero and after it). Undefined for anything else.
 */
export function offsetMs(written: string): number | undefined {
  const m = OFFSET.exec(written.trim());
  if (!m?.[2]) return undefined;
  let ms = 0;
  for (const part of m[2].matchAll(/(\d+)([hms])/g)) ms += Number(part[1]) * (UNIT_MS[part[2] ?? ''] ?? 0);
  return m[1] === '-' ? -ms : ms;
}

const offsetSchema = z
  .string({ error: 'must be a time relative to the start with its unit and sign, such as -12m, +0m or +30s' })
  .transform((s, ctx) => {
    const ms = offsetMs(s);
    if (ms === undefined) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(s)} is not a time: write it like -12m, +0m, +3m or +30s` });
    return ms ?? 0;
  });

/** `08:30`, `08:30:15` (a clock time of the reference day) or a full ISO 8601 time. */
const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/** Milliseconds of the day for a clock time, or epoch milliseconds of an ISO time; undefined otherwise. */
export function referenceTimeMs(written: string): { clock: boolean; ms: number } | undefined {
  const c = CLOCK.exec(written.trim());
  if (c) return { clock: true, ms: (Number(c[1]) * 3600 + Number(c[2]) * 60 + Number(c[3] ?? 0)) * 1000 };
  const iso = /^\d{4}-\d{2}-\d{2}T/.test(written) ? Date.parse(written) : NaN;
  return Number.isNaN(iso) ? undefined : { clock: false, ms: iso };
}

const referenceTime = z
  .string({ error: 'must be a time such as "08:30" (quote it) or an ISO 8601 time' })
  .refine((s) => referenceTimeMs(s) !== undefined, { error: (iss) => `${JSON.stringify(iss.input)} is not a time: write it like "08:30" or 2024-06-03T08:30:00Z` });

/** What the real incident took, for the scorecard to compare with. */
export const referenceSchema = z.strictObject({
  /** When the incident was detected (the first alert). */
  detected: referenceTime,
  acknowledged: referenceTime.optional(),
  /** When the root cause was confirmed. */
  cause_found: referenceTime,
  resolved: referenceTime.optional(),
  /** The misleading paths taken before the cause was found, in a few words each. */
  misleading: z.array(text(200)).max(20).optional(),
  /** Where the times come from (a postmortem, a ticket). */
  source: text(300).optional(),
});

/** Which runbook step is the root cause: its id (`s1`) or the start of its text; or the check that finds it. */
export const rootCauseSchema = z
  .strictObject({
    step: text(150).optional(),
    check: z.string().regex(CHECK_ID, { error: 'is not a check id: lower case letters, digits, `-` and `_`' }).optional(),
  })
  .refine((r) => r.step !== undefined || r.check !== undefined, { error: 'names no step: give `step` (its id, like s1, or the start of its text) or `check`' });

/** An alert as Beacon's generic webhook takes it, without a time of its own (the event's `at` is its time). */
export const drillAlertSchema = genericAlertSchema
  .omit({ startsAt: true })
  .extend({ severity: genericAlertSchema.shape.severity.removeDefault().optional() });
/** A change as `/webhooks/changes` takes it; the service defaults to the scenario's. */
export const drillChangeSchema = changeSchema.omit({ at: true }).extend({ service: changeSchema.shape.service.optional() });

const EVENT_KINDS = ['alert', 'change', 'hint'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** One thing that happens on the scenario's clock: an alert, a change or a hint, at `at`. */
export const eventSchema = z
  .strictObject({
    at: offsetSchema,
    alert: drillAlertSchema.optional(),
    change: drillChangeSchema.optional(),
    hint: text(2000).optional(),
  })
  .superRefine((e, ctx) => {
    const given = EVENT_KINDS.filter((k) => e[k] !== undefined);
    if (given.length !== 1) {
      const found = given.length ? `it has ${given.join(' and ')}` : 'it has none';
      ctx.addIssue({ code: 'custom', message: `an event is one of \`alert\`, \`change\` or \`hint\` (with its \`at\`); ${found}` });
    }
  });

/** A check result the scenario makes up for a runbook check, shown when someone runs the checks in the drill. */
export const simulatedCheckSchema = z.strictObject({
  status: z.enum(['pass', 'fail', 'error']),
  summary: text(300),
  details: z.array(text(300)).max(10).optional(),
});

/** The YAML front matter of a scenario file, as written. */
export const scenarioFrontMatterSchema = z.strictObject({
  name: z.string().regex(SCENARIO_NAME, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a scenario name: lower case letters, digits and dashes, at most 64 (e.g. checkout-credentials)`,
  }),
  /** The incident's title in the drill: what responders see, so it should not give the cause away. */
  title: text(150),
  /** One line for `/incident drill`'s list. */
  description: text(300).optional(),
  /** The affected service, and the default service of the events. */
  service: text(200),
  severity: z.enum(SEVERITIES).default('sev2'),
  /** The runbook attached to the drill's incident. */
  runbook: z.string().regex(RUNBOOK_NAME, { error: (iss) => `${JSON.stringify(iss.input)} is not a runbook name` }),
  root_cause: rootCauseSchema,
  reference: referenceSchema,
  /** Posted in the channel when the drill starts: the situation, as the on-call would learn it. */
  briefing: text(2000).optional(),
  /** How much faster than real time the clock runs (DRILL_SPEED overrides it). */
  speed: z.number().positive({ error: 'must be more than 0' }).max(MAX_SPEED, { error: `must be at most ${MAX_SPEED}` }).optional(),
  /** Made-up results for the runbook's checks: a drill never calls out to real systems. */
  checks: z.record(z.string().regex(CHECK_ID, { error: 'is not a check id' }), simulatedCheckSchema).optional(),
  events: z.array(eventSchema).min(1, { error: 'must have at least one event' }).max(MAX_EVENTS, { error: `must have at most ${MAX_EVENTS} events` }),
});
export type ScenarioFrontMatter = z.infer<typeof scenarioFrontMatterSchema>;

/** An alert of the scenario, ready for Beacon's intake (service and severity filled in). */
export interface DrillAlert {
  title: string;
  status: 'firing' | 'resolved';
  severity: Severity;
  service: string;
  fingerprint?: string;
  group?: string;
  description?: string;
  link?: string;
  labels: Record<string, string>;
}

export interface DrillChange {
  service: string;
  kind: ChangeKind;
  summary: string;
  author?: string;
  link?: string;
  version?: string;
}

/** One event in clock order; `index` is its place in that order (its identity in a run). */
export type ScenarioEvent = { index: number; atMs: number; at: string; line: number } & (
  | { kind: 'alert'; alert: DrillAlert }
  | { kind: 'change'; change: DrillChange }
  | { kind: 'hint'; text: string }
);

/** The reference incident, as durations from its detection. */
export interface Reference {
  /** The times as written, for the scorecard. */
  written: { detected: string; acknowledged?: string; causeFound: string; resolved?: string };
  toAcknowledgeMs?: number;
  toCauseMs: number;
  toResolveMs?: number;
  misleading: string[];
  source?: string;
}

/** A parsed, valid scenario, normalized. */
export interface Scenario {
  name: string;
  title: string;
  description?: string;
  service: string;
  severity: Severity;
  runbook: string;
  rootCause: {
    /** As written. */
    step?: string;
    /** The runbook step it names, once checked against the runbook (`s1`…). */
    stepId?: string;
    check?: string;
  };
  reference: Reference;
  briefing?: string;
  speed?: number;
  checks: Record<string, CheckResult>;
  /** In clock order (file order for equal times). */
  events: ScenarioEvent[];
  /** The file it came from, for messages and logs. */
  file: string;
}
