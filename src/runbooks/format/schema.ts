/**
 * The runbook file format as zod schemas: the front matter as written, and the normalized
 * `Runbook` a valid file becomes. Pure: no fs, no Slack, no Redis. `docs/runbooks.md`
 * documents the format for the people who write runbooks; keep the two in step.
 */
import { z } from 'zod';
import { SEVERITIES } from '../../domain.js';

/** A runbook longer than this is a manual, not a checklist. */
export const MAX_STEPS = 50;
/** Longest step text: a step becomes a Slack checkbox and longer text is cut there. */
export const MAX_STEP_TEXT = 150;

/** Slack user IDs: `U…`, or `W…` on Enterprise Grid. */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{6,}$/;
/** Slack user group IDs: `S…`. */
export const SLACK_USERGROUP_ID = /^S[A-Z0-9]{6,}$/;
/** Runbook names are typed after `/incident runbook`, so: lower case, digits, dashes. */
export const RUNBOOK_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Check ids appear in `{check: id}` on step lines. */
export const CHECK_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;
/** RFC 9110 token characters. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/** Query parameters that carry credentials; those belong in a header read from the environment. */
const SECRET_QUERY_PARAM =
  /^(api[_-]?key|apikey|key|token|access[_-]?token|auth[_-]?token|secret|client[_-]?secret|password|passwd|pwd|sig|signature|auth)$/i;

const text = (max: number) =>
  z.string().trim().min(1, { error: 'must not be empty' }).max(max, { error: `must be at most ${max} characters` });

/** One value or a list of them, always a list afterwards (`service: api` or `service: [api, web]`). */
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' || typeof v === 'number' ? [v] : v), z.array(item).min(1, { error: 'must not be an empty list' }));

const slackUserId = z
  .string()
  .regex(SLACK_USER_ID, { error: (iss) => `${JSON.stringify(iss.input)} is not a Slack user ID (U… or W…, e.g. U012AB3CDEF)${mentionHint(iss.input)}` });

const slackUserOrGroupId = z
  .string()
  .refine((s) => SLACK_USER_ID.test(s) || SLACK_USERGROUP_ID.test(s), {
    error: (iss) =>
      `${JSON.stringify(iss.input)} is not a Slack user group ID (S…) or user ID (U…/W…)${mentionHint(iss.input)}`,
  });

function mentionHint(input: unknown): string {
  return typeof input === 'string' && /^<[@!]/.test(input) ? '; write the bare ID, not a mention' : '';
}

/** What an alert must carry for this runbook to apply. All given fields must match. */
export const matchSchema = z
  .strictObject({
    /** Any of these services. */
    service: oneOrMany(text(200)).optional(),
    /** Any of these alert names (Alertmanager/Grafana `alertname`). */
    alertname: oneOrMany(text(200)).optional(),
    /** Every one of these labels, with exactly this value. */
    labels: z.record(z.string().min(1).max(200), z.string().max(1000)).optional(),
  })
  .refine((m) => m.service || m.alertname || (m.labels && Object.keys(m.labels).length > 0), {
    error: 'is empty: give `service`, `alertname` or `labels`, or remove `match`',
  });

/** A header value read from the environment when the check runs, never written in the file. */
export const headerFromEnvSchema = z.strictObject(
  {
    env: z.string().regex(ENV_NAME, {
      error: (iss) => `${JSON.stringify(iss.input)} is not an environment variable name (like PAYMENT_GATEWAY_TOKEN)`,
    }),
    /** Written before the variable's value, e.g. `"Bearer "`. A scheme, not a secret. */
    prefix: z
      .string()
      .refine((p) => p.length <= 24 && !/[A-Za-z0-9_\-+/=]{16,}/.test(p), {
        error: 'must be a short scheme like "Bearer "; the secret goes in the environment variable',
      })
      .optional(),
  },
  {
    error: (iss) =>
      iss.code === 'invalid_type' && iss.input !== undefined && (typeof iss.input !== 'object' || iss.input === null)
        ? 'inline value: header values (secrets above all) come only from environment variables; write `{ env: VAR_NAME, prefix: "Bearer " }`'
        : undefined,
  },
);

const httpUrlSchema = z
  .string()
  .max(2000)
  .superRefine((s, ctx) => {
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      const hint = /^[\w.-]+\.[a-z]{2,}(?:[:/]|$)/i.test(s) ? ': start it with https://' : '';
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(s)} is not a URL${hint}` });
      return;
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || /\s/.test(s)) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(s)} is not an http(s) URL` });
      return;
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'has credentials in it; send them in a header read from an environment variable' });
    }
    for (const key of url.searchParams.keys()) {
      if (SECRET_QUERY_PARAM.test(key)) {
        ctx.addIssue({
          code: 'custom',
          message: `query parameter \`${key}\` looks like a secret; send it in a header read from an environment variable`,
        });
      }
    }
  });

const httpStatus = z.number().int().min(100).max(599);

/** `recent_changes`: the deploys and config changes Beacon received for the service. */
export const recentChangesCheckSchema = z.strictObject({
  type: z.literal('recent_changes'),
  /** How far back to look. */
  hours: z.number().positive().max(168, { error: 'must be at most 168 (a week)' }).default(6),
  /** Another service than the incident's (e.g. the gateway the checkout depends on). */
  service: text(200).optional(),
});

/** `http`: one read-only request; passes when the status is one of `expect`. */
export const httpCheckSchema = z.strictObject({
  type: z.literal('http'),
  url: httpUrlSchema,
  method: z
    .preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(['GET', 'HEAD', 'OPTIONS', 'POST']))
    .default('GET'),
  /** Accepted status codes. */
  expect: z
    .preprocess((v) => (typeof v === 'number' ? [v] : v), z.array(httpStatus).min(1))
    .default([200]),
  timeout_ms: z.number().int().min(100).max(30_000).default(5000),
  headers: z
    .record(
      z.string().regex(HEADER_NAME, { error: 'is not a valid HTTP header name' }),
      headerFromEnvSchema,
    )
    .default({}),
});

/** One automated check of the `checks` map, told apart by its `type`. */
export const checkSchema = z.discriminatedUnion('type', [recentChangesCheckSchema, httpCheckSchema]);
export type RunbookCheck = z.infer<typeof checkSchema>;
export type RecentChangesCheck = z.infer<typeof recentChangesCheckSchema>;
export type HttpCheck = z.infer<typeof httpCheckSchema>;
/** Every check `type`, for messages; keep in step with `checkSchema`. */
export const CHECK_TYPES = ['recent_changes', 'http'] as const;

/** The YAML front matter of a runbook file, as written. */
export const frontMatterSchema = z.strictObject({
  name: z.string().regex(RUNBOOK_NAME, {
    error: (iss) =>
      `${JSON.stringify(iss.input)} is not a runbook name: lower case letters, digits and dashes, at most 64 (e.g. checkout-payments)`,
  }),
  title: text(150),
  description: text(500).optional(),
  /** The runbook for alerts that no other runbook matches. At most one per folder. */
  default: z.boolean().optional(),
  match: matchSchema.optional(),
  /** Invited to the incident channel. */
  responders: oneOrMany(slackUserId).optional(),
  /** Paged when nobody acknowledges in time. */
  escalation: oneOrMany(slackUserOrGroupId).optional(),
  /** Severity to open the incident with when the alert does not say. */
  severity: z.enum(SEVERITIES).optional(),
  checks: z
    .record(
      z.string().regex(CHECK_ID, { error: 'is not a check id: lower case letters, digits, `-` and `_`' }),
      checkSchema,
    )
    .optional(),
});
export type RunbookFrontMatter = z.infer<typeof frontMatterSchema>;

/** One checklist step of a parsed runbook. */
export const stepSchema = z.object({
  /** `s1`, `s2`, … in file order: checklist ticks are stored against it. */
  id: z.string(),
  /** One line, at most MAX_STEP_TEXT characters: the checkbox label. */
  text: z.string(),
  /** The indented lines under the step, dedented. */
  detail: z.string().optional(),
  /** Id of the automated check this step runs (a key of `checks`). */
  check: z.string().optional(),
});
export type RunbookStep = z.infer<typeof stepSchema>;

/**
 * A parsed, valid runbook, normalized: lists are always lists, defaults are filled in.
 * Plain JSON, so it can travel in job payloads and be re-validated with this schema.
 */
export const runbookSchema = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string().optional(),
  default: z.boolean(),
  match: z.object({
    service: z.array(z.string()),
    alertname: z.array(z.string()),
    labels: z.record(z.string(), z.string()),
  }),
  responders: z.array(z.string()),
  /** User group IDs (`S…`) and user IDs, in file order (the Slack renderer mentions each). */
  escalation: z.array(z.string()),
  severity: z.enum(SEVERITIES).optional(),
  checks: z.record(z.string(), checkSchema),
  steps: z.array(stepSchema),
  /** The file it came from, for messages and logs. */
  file: z.string(),
});
export type Runbook = z.infer<typeof runbookSchema>;
export type RunbookMatch = Runbook['match'];
