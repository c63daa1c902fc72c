/**
 * The runbook file format as zod schemas: the front matter as written, and the normalized
 * `Runbook` a valid file becomes. Pure: no fs, no Slack, no Redis. `docs/runbooks.md`
 * documents the format for the people who write runbooks; keep the two in step.
 */
import { isIP } from 'node:net';
import { isAbsolute } from 'node:path';
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

/** For rules across keys: judged only once every key is right, so a typo is not reported twice. */
const ONLY_WHEN_VALID = { when: (p: z.core.ParsePayload) => p.issues.length === 0 };

/** A secret's file path: absolute, so it does not depend on where the worker was started. */
const secretFilePath = z
  .string()
  .max(1000)
  .refine((p) => isAbsolute(p) && !/[\u0000-\u001f]/.test(p), {
    error: (iss) => `${JSON.stringify(iss.input)} is not an absolute path (like /run/secrets/payment-gateway-token)`,
  });

/**
 * A header value read when the check runs, never written in the file: from an environment
 * variable of the Beacon process (`env`) or from a file (`file`, re-read at every run, so a
 * rotated secret is used without a restart).
 */
export const headerValueSchema = z
  .strictObject(
    {
      env: z
        .string()
        .regex(ENV_NAME, {
          error: (iss) => `${JSON.stringify(iss.input)} is not an environment variable name (like PAYMENT_GATEWAY_TOKEN)`,
        })
        .optional(),
      file: secretFilePath.optional(),
      /** Written before the value, e.g. `"Bearer "`. A scheme, not a secret. */
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
  )
  .superRefine((h, ctx) => {
    if (h.env === undefined && h.file === undefined) {
      ctx.addIssue({ code: 'custom', message: 'says where the value comes from: `{ env: VAR_NAME }` or `{ file: /path/to/secret }`' });
    } else if (h.env !== undefined && h.file !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'takes `env` or `file`, not both' });
    }
  }, ONLY_WHEN_VALID);
/** The name it had when header values came only from the environment. */
export const headerFromEnvSchema = headerValueSchema;
export type HeaderValue = z.infer<typeof headerValueSchema>;

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
const timeoutMs = z.number().int().min(100).max(30_000).default(5000);

/** `$.status`, `$.data.items[0].state`, `$["odd key"]`: a JSON path of names and list indexes. */
export const JSON_PATH = /^\$(?:\.[A-Za-z_$][\w$-]*|\[\d{1,6}\]|\["[^"\\]{1,100}"\])+$/;
type JsonScalar = string | number | boolean | null;

/** `expect_body`: a text the body must contain, or a JSON path whose value must equal `equals`. */
export const expectBodySchema = z
  .strictObject(
    {
      contains: z.string().min(1, { error: 'must not be empty' }).max(200).optional(),
      json: z
        .string()
        .regex(JSON_PATH, {
          error: (iss) => `${JSON.stringify(iss.input)} is not a JSON path: write $.status, $.data.items[0].state or $["odd key"]`,
        })
        .optional(),
      equals: z
        .custom<JsonScalar>((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v), {
          error: 'must be text, a number, true/false or null',
        })
        .optional(),
    },
    {
      error: (iss) =>
        iss.code === 'invalid_type' && iss.input !== undefined
          ? 'must be a mapping: `{ contains: "text" }` or `{ json: "$.status", equals: "ok" }`'
          : undefined,
    },
  )
  .superRefine((b, ctx) => {
    if ((b.contains === undefined) === (b.json === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'takes either `contains: "text"` or `json: "$.path"` with `equals`' });
    } else if (b.json !== undefined && !('equals' in b)) {
      ctx.addIssue({ code: 'custom', message: '`json` needs `equals`: the value the path must hold' });
    } else if (b.contains !== undefined && 'equals' in b) {
      ctx.addIssue({ code: 'custom', message: '`equals` goes with `json`, not with `contains`' });
    }
  }, ONLY_WHEN_VALID);
export type ExpectBody = z.infer<typeof expectBodySchema>;

/** Probes run at most this often, and at least once a day. */
export const MIN_EVERY_MS = 10_000;
const MAX_EVERY_MS = 24 * 3600_000;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000 };

/** Milliseconds of `30s`, `1m`, `5m`, `2h`; undefined for anything else. */
export function durationMs(text: string): number | undefined {
  const m = /^(\d{1,6})\s*([smh])$/.exec(text.trim());
  return m?.[1] && m[2] ? Number(m[1]) * (UNIT_MS[m[2]] ?? 0) : undefined;
}

/** `every` as written in a file (`30s`, `1m`, `5m`), parsed into milliseconds. */
const everyInFile = z
  .string({ error: 'must be a duration with its unit, such as 30s, 1m or 5m' })
  .transform((s, ctx) => {
    const ms = durationMs(s);
    const problem =
      ms === undefined
        ? `${JSON.stringify(s)} is not a duration: write it like 30s, 1m or 5m`
        : ms < MIN_EVERY_MS
          ? `every must be at least 10s, not ${s}`
          : ms > MAX_EVERY_MS
            ? `every must be at most 24h, not ${s}`
            : undefined;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    return ms ?? 0;
  });
/** `every` of a parsed runbook (plain JSON in job payloads): milliseconds. */
const everyParsed = z.number().int().min(MIN_EVERY_MS).max(MAX_EVERY_MS);

/** Keys that make a check a probe: run on a schedule, raising an alert after failures in a row. */
function probeFields<E extends z.ZodType<number, unknown>>(every: E) {
  const times = z.number().int().min(1).max(100).optional();
  return { every: every.optional(), open_after: times, close_after: times, title: text(150).optional(), service: text(200).optional() };
}
/** Probe keys, for the message that a `recent_changes` check cannot be a probe. */
export const PROBE_KEYS = ['every', 'open_after', 'close_after', 'title'] as const;

/** A host to connect to: a DNS name or an IP address, without scheme or port. */
const HOSTNAME = /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/;
const hostSchema = z.string().refine((h) => HOSTNAME.test(h) || isIP(h) !== 0, {
  error: (iss) => `${JSON.stringify(iss.input)} is not a host name or IP address: write the name alone (api.example.com), without scheme or port`,
});
const dnsNameSchema = z.string().refine((h) => HOSTNAME.test(h) && isIP(h) === 0, {
  error: (iss) =>
    typeof iss.input === 'string' && isIP(iss.input)
      ? `${JSON.stringify(iss.input)} is an IP address; a dns check looks up a name`
      : `${JSON.stringify(iss.input)} is not a DNS name: write the name alone (db.internal), without scheme or port`,
});
const ipSchema = z.string().refine((a) => isIP(a) !== 0, { error: (iss) => `${JSON.stringify(iss.input)} is not an IP address` });

/** `recent_changes`: the deploys and config changes Beacon received for the service. */
export const recentChangesCheckSchema = z.strictObject({
  type: z.literal('recent_changes'),
  /** How far back to look. */
  hours: z.number().positive().max(168, { error: 'must be at most 168 (a week)' }).default(6),
  /** Another service than the incident's (e.g. the gateway the checkout depends on). */
  service: text(200).optional(),
});

/** The checks of a runbook, with `every` read by `every` (text in a file, milliseconds once parsed). */
function checkSchemas<E extends z.ZodType<number, unknown>>(every: E) {
  /** `http`: one read-only request; passes when the status is one of `expect` (and the body and certificate hold). */
  const http = z
    .strictObject({
      type: z.literal('http'),
      url: httpUrlSchema,
      method: z
        .preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(['GET', 'HEAD', 'OPTIONS', 'POST']))
        .default('GET'),
      /** Accepted status codes. */
      expect: z.preprocess((v) => (typeof v === 'number' ? [v] : v), z.array(httpStatus).min(1)).default([200]),
      /** What the body of an expected answer must hold. */
      expect_body: expectBodySchema.optional(),
      /** Fail when the certificate expires within this many days. */
      tls_days: z.number().int().min(1).max(365).optional(),
      timeout_ms: timeoutMs,
      headers: z.record(z.string().regex(HEADER_NAME, { error: 'is not a valid HTTP header name' }), headerValueSchema).default({}),
      ...probeFields(every),
    })
    .superRefine((c, ctx) => {
      if (c.tls_days !== undefined && !/^https:/i.test(c.url)) {
        ctx.addIssue({ code: 'custom', path: ['tls_days'], message: 'needs an https:// URL: it reads the certificate' });
      }
      if (c.expect_body && c.method === 'HEAD') {
        ctx.addIssue({ code: 'custom', path: ['expect_body'], message: 'a HEAD request has no body to look at; use GET' });
      }
    });
  /** `tcp`: a connection to `host:port` within the timeout. */
  const tcp = z.strictObject({
    type: z.literal('tcp'),
    host: hostSchema,
    port: z.number().int().min(1).max(65_535),
    timeout_ms: timeoutMs,
    ...probeFields(every),
  });
  /** `dns`: the name resolves, and only to `addresses` when they are given. */
  const dns = z.strictObject({
    type: z.literal('dns'),
    name: dnsNameSchema,
    addresses: z.array(ipSchema).min(1, { error: 'must not be an empty list; leave it out to accept any address' }).optional(),
    timeout_ms: timeoutMs,
    ...probeFields(every),
  });
  return { http, tcp, dns, check: z.discriminatedUnion('type', [recentChangesCheckSchema, http, tcp, dns]) };
}

const inFile = checkSchemas(everyInFile);
export const httpCheckSchema = inFile.http;
export const tcpCheckSchema = inFile.tcp;
export const dnsCheckSchema = inFile.dns;
/** One automated check of the `checks` map as written, told apart by its `type`. */
export const checkSchema = inFile.check;
/** A check of a parsed runbook (`every` already in milliseconds). */
const parsedCheckSchema = checkSchemas(everyParsed).check;
export type RunbookCheck = z.infer<typeof checkSchema>;
export type RecentChangesCheck = z.infer<typeof recentChangesCheckSchema>;
export type HttpCheck = z.infer<typeof httpCheckSchema>;
export type TcpCheck = z.infer<typeof tcpCheckSchema>;
export type DnsCheck = z.infer<typeof dnsCheckSchema>;
/** Every check `type`, for messages; keep in step with `checkSchema`. */
export const CHECK_TYPES = ['recent_changes', 'http', 'tcp', 'dns'] as const;

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
  /** Its alerts open private incidents: a private channel, only `responders` invited. */
  private: z.boolean().optional(),
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
  /** `private: true`: its alerts open private incidents (absent when false). */
  private: z.boolean().optional(),
  checks: z.record(z.string(), parsedCheckSchema),
  steps: z.array(stepSchema),
  /** The file it came from, for messages and logs. */
  file: z.string(),
});
export type Runbook = z.infer<typeof runbookSchema>;
export type RunbookMatch = Runbook['match'];
