import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Beacon's environment (interface.md, "Environment"), parsed once at start. Nothing else reads
 * `process.env`: entry points call `loadConfig` and pass typed slices down.
 */

import { hostPortList, minutes, optionalText, pairList, roleList, severityList, userIdList } from './config-fields.js';

const envSchema = z.object({
  SLACK_BOT_TOKEN: optionalText.refine((v) => v === undefined || v.startsWith('xoxb-'), 'must be a bot token starting with xoxb-'),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText.refine((v) => v === undefined || v.startsWith('xapp-'), 'must be an app-level token starting with xapp-'),
  SLACK_API_URL: z.preprocess(
    (v) => (v === undefined || v === '' ? 'https://slack.com/api/' : v),
    z
      .string()
      .refine((s) => /^https?:\/\/\S+$/.test(s), 'must be an http(s) URL')
      .transform((s) => (s.endsWith('/') ? s : `${s}/`)),
  ),
  REDIS_URL: z.preprocess(
    (v) => (v === undefined || v === '' ? 'redis://127.0.0.1:6379' : v),
    z.string().refine((s) => /^rediss?:\/\/\S+$/.test(s), 'must be a redis:// or rediss:// URL'),
  ),
  REDIS_KEY_PREFIX: z.preprocess(
    (v) => (v === undefined || v === '' ? 'beacon' : v),
    z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'must be 1-40 letters, digits, dot, dash or underscore'),
  ),
  PORT: z.preprocess(
    (v) => (v === undefined || v === '' ? '3000' : v),
    z.string().regex(/^\d{1,5}$/, 'must be a TCP port number').transform(Number).refine((n) => n <= 65535, 'must be at most 65535'),
  ),
  WEBHOOK_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
  PAGERDUTY_WEBHOOK_SECRET: optionalText,
  GRAFANA_WEBHOOK_SECRET: optionalText,
  PAGERDUTY_ROUTING_KEYS: pairList('routing keys, each `key` or `key=service`'),
  OPSGENIE_API_KEYS: pairList('API keys').refine((items) => items.every((i) => i.value === undefined), 'must be comma-separated API keys'),
  GITHUB_WEBHOOK_SECRET: optionalText,
  GITHUB_SERVICES: pairList('`owner/repo=service` entries').refine((items) => items.every((i) => i.value !== undefined && /^[^/\s]+\/[^/\s]+$/.test(i.key)), 'must be comma-separated `owner/repo=service` entries'),
  VAULT_SECRET_SERVICES: pairList('`path-prefix=service` entries').refine((items) => items.every((i) => i.value !== undefined), 'must be comma-separated `path-prefix=service` entries'),
  RUNBOOKS_DIR: z.preprocess((v) => (v === undefined || v === '' ? './runbooks' : v), z.string()),
  DRILLS_DIR: z.preprocess((v) => (v === undefined || v === '' ? './drills' : v), z.string()),
  /** How much faster than Slack's published rate tiers Beacon paces its Web API calls (tests against a time-scaled simulator). */
  SLACK_RATE_SCALE: z.preprocess(
    (v) => (v === undefined || v === '' ? '1' : v),
    z.string().regex(/^\d+(\.\d+)?$/, 'must be a number, e.g. 60').transform(Number).refine((n) => n > 0 && n <= 100_000, 'must be above 0 and at most 100000'),
  ),
  /** How much faster than real time drills run (tests, short sessions); unset: each scenario's own `speed`. */
  DRILL_SPEED: optionalText
    .refine((v) => v === undefined || (/^\d+(\.\d+)?$/.test(v) && Number(v) > 0 && Number(v) <= 3600), 'must be a number above 0 and at most 3600, e.g. 60')
    .transform((v) => (v === undefined ? undefined : Number(v))),
  INCIDENT_RESPONDERS: userIdList,
  INCIDENT_CHANNEL_PREFIX: z.preprocess(
    (v) => (v === undefined || v === '' ? 'inc' : v),
    z.string().regex(/^[a-z0-9][a-z0-9_-]{0,20}$/, 'must be 1-21 lower-case letters, digits, - or _'),
  ),
  INCIDENT_ROLES: roleList,
  INCIDENT_ANNOUNCE_CHANNEL: optionalText.refine((v) => v === undefined || /^[CG][A-Z0-9]{2,}$/.test(v), 'must be a Slack channel ID like C012ABCDEF (not a #name)'),
  ANNOUNCE_SEVERITIES: severityList,
  SUMMARY_INTERVAL_MINUTES: minutes(30),
  ESCALATION_MINUTES: minutes(10),
  LOG_LEVEL: z.preprocess(
    (v) => (v === undefined || v === '' ? 'info' : v),
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  ),
  WORKER_CONCURRENCY: z.preprocess(
    (v) => (v === undefined || v === '' ? '8' : v),
    z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).refine((n) => n >= 1 && n <= 256, 'must be 1..256'),
  ),
  PUBLIC_URL: optionalText
    .refine((v) => v === undefined || /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(v), 'must be an http(s) URL like https://beacon.example.com')
    .transform((v) => v?.replace(/\/+$/, '')),
  SLACK_CLIENT_ID: optionalText,
  SLACK_CLIENT_SECRET: optionalText,
  SLACK_OAUTH_URL: z.preprocess(
    (v) => (v === undefined || v === '' ? 'https://slack.com/' : v),
    z.string().refine((s) => /^https?:\/\/\S+$/.test(s), 'must be an http(s) URL').transform((s) => (s.endsWith('/') ? s : `${s}/`)),
  ),
  SESSION_SECRET: optionalText.refine((v) => v === undefined || v.length >= 32, 'must be at least 32 characters'),
  REDIS_SENTINELS: hostPortList,
  REDIS_SENTINEL_NAME: z.preprocess((v) => (v === undefined || v === '' ? 'mymaster' : v), z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a sentinel master name')),
  REDIS_CLUSTER_NODES: hostPortList,
  REDIS_MIN_REPLICAS: z.preprocess(
    (v) => (v === undefined || v === '' ? '0' : v),
    z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).refine((n) => n <= 10, 'must be 0..10'),
  ),
  JOB_LOCK_SECONDS: z.preprocess(
    (v) => (v === undefined || v === '' ? '6' : v),
    z.string().regex(/^\d+(\.\d+)?$/, 'must be a number of seconds').transform(Number).refine((n) => n >= 1, 'must be at least 1'),
  ),
});

type Env = z.infer<typeof envSchema>;

/** Which process is starting: each needs a different set of required values. */
export type Role = 'web' | 'worker' | 'all';

export interface SlackConfig {
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  apiUrl: string;
  /** SLACK_RATE_SCALE: Beacon's pacing runs Slack's tier allowances this many times faster (1: Slack's own). */
  rateScale: number;
}

export interface RedisConfig {
  url: string;
  prefix: string;
  /** REDIS_SENTINELS (with REDIS_SENTINEL_NAME): follow the master the Sentinels name. */
  sentinels?: { nodes: { host: string; port: number }[]; name: string };
  /** REDIS_CLUSTER_NODES: a Redis Cluster. */
  cluster?: { host: string; port: number }[];
  /** REDIS_MIN_REPLICAS: a webhook answers 202 only once this many replicas hold the write. */
  minReplicas: number;
}

export interface WebConfig {
  /** PUBLIC_URL without a trailing slash. */
  publicUrl?: string;
  /** Sign in with Slack; absent (no SLACK_CLIENT_ID): the incident pages and insights answer 404. */
  oidc?: { clientId: string; clientSecret: string; oauthUrl: string; sessionSecret: string };
}

export interface SenderConfig {
  /** PagerDuty Events API v2: accepted routing keys, each maybe naming a service. */
  pagerdutyRoutingKeys: { key: string; service?: string }[];
  /** Opsgenie Alert API: accepted `GenieKey` keys. */
  opsgenieApiKeys: string[];
  githubSecret?: string;
  /** `owner/repo` (lower case) -> service. */
  githubServices: Record<string, string>;
  /** Vault secret path prefix -> service, longest prefix first. */
  vaultSecretServices: { prefix: string; service: string }[];
}

export interface Config {
  role: Role;
  slack: SlackConfig;
  redis: RedisConfig;
  http: { port: number };
  /** The web pages (issue 14): links, Sign in with Slack. */
  web: WebConfig;
  webhooks: { token: string; pagerdutySecret?: string; grafanaSecret?: string };
  /** The senders that speak their own API to Beacon (issue 11): who may send, and which service. */
  senders: SenderConfig;
  incidents: {
    responders: string[];
    channelPrefix: string;
    summaryIntervalMinutes: number;
    escalationMinutes: number;
  };
  /** INCIDENT_ROLES, `lead` first. */
  roles: string[];
  /** INCIDENT_ANNOUNCE_CHANNEL: where incidents of ANNOUNCE_SEVERITIES get one message each. */
  announce: { channel?: string; severities: ('sev1' | 'sev2' | 'sev3' | 'sev4')[] };
  runbooksDir: string;
  /** DRILLS_DIR: the drill scenarios. */
  drillsDir: string;
  /** DRILL_SPEED, when set. */
  drillSpeed?: number;
  logLevel: Env['LOG_LEVEL'];
  worker: { concurrency: number; lockSeconds: number };
  /** Every value read from a `<NAME>_FILE`, scrubbed from logs whether or not a field above holds it. */
  secretsFromFiles: string[];
}

export class ConfigError extends Error {}

/**
 * Every secret that may also come from a file as `<NAME>_FILE` (interface.md, "More
 * environment"): a vault agent or a Kubernetes secret mounts it, Beacon reads it at start.
 */
export const FILE_SECRETS = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'SLACK_CLIENT_SECRET',
  'WEBHOOK_TOKEN',
  'PAGERDUTY_WEBHOOK_SECRET',
  'GRAFANA_WEBHOOK_SECRET',
  'GITHUB_WEBHOOK_SECRET',
  'PAGERDUTY_ROUTING_KEYS',
  'OPSGENIE_API_KEYS',
  'SESSION_SECRET',
] as const;

/** Reads a file's text; throws what `fs.readFileSync` throws. */
export type ReadSecretFile = (path: string) => string;

export interface ResolvedEnv {
  /** The environment with each `<NAME>_FILE` replaced by `<NAME>` holding the file's value. */
  env: NodeJS.ProcessEnv;
  /** The values read from files, for the log scrubber (some have no config field yet). */
  fromFiles: string[];
  /** The names whose value came from a file, for messages. */
  names: string[];
}

const readUtf8: ReadSecretFile = (path) => readFileSync(path, 'utf8');

/**
 * The `<NAME>_FILE` step, before the schema sees the environment. Pure but for `read`. One
 * trailing newline (`\n` or `\r\n`) is dropped, as `echo` and editors leave one. Throws
 * `ConfigError` (one line) when both `X` and `X_FILE` are set, or when the file cannot be read or
 * is empty; the message names the variable and the path, never what the file holds.
 */
export function resolveSecretFiles(env: NodeJS.ProcessEnv, read: ReadSecretFile = readUtf8): ResolvedEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  const fromFiles: string[] = [];
  const names: string[] = [];
  for (const name of FILE_SECRETS) {
    const fileVar = `${name}_FILE`;
    const path = env[fileVar];
    delete out[fileVar];
    if (path === undefined || path === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      throw new ConfigError(`config: both ${name} and ${fileVar} are set; set only one of them`);
    }
    let text: string;
    try {
      text = read(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ConfigError(`config: ${fileVar} names a file that cannot be read: ${path} (${code ?? 'read failed'})`);
    }
    const value = text.replace(/\r?\n$/, '');
    if (value === '') throw new ConfigError(`config: ${fileVar} names an empty file: ${path}`);
    out[name] = value;
    fromFiles.push(value);
    names.push(name);
  }
  return { env: out, fromFiles, names };
}

const describe: Record<string, string> = {
  SLACK_BOT_TOKEN: 'the xoxb- bot token of the Slack app',
  SLACK_SIGNING_SECRET: "the Slack app's signing secret (or set SLACK_APP_TOKEN for Socket Mode)",
  WEBHOOK_TOKEN: 'the shared secret alert senders present as Bearer token',
};

function required(name: string): never {
  throw new ConfigError(`config: ${name} is required (${describe[name] ?? 'see README'}; or ${name}_FILE naming a file that holds it)`);
}

/**
 * Parses the environment for one role. Throws `ConfigError` whose message is one line naming
 * the variable; the entry point prints it and exits non-zero.
 */
export function loadConfig(env: NodeJS.ProcessEnv, role: Role, read: ReadSecretFile = readUtf8): Config {
  const resolved = resolveSecretFiles(env, read);
  const parsed = envSchema.safeParse(resolved.env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? '?');
    const from = resolved.names.includes(name) ? ` (read from ${name}_FILE)` : '';
    throw new ConfigError(`config: ${name} ${issue.message}${from}`);
  }
  const e = parsed.data;
  if (!e.SLACK_BOT_TOKEN) required('SLACK_BOT_TOKEN');
  const needsHttpSlack = role !== 'worker' && !e.SLACK_APP_TOKEN;
  if (needsHttpSlack && !e.SLACK_SIGNING_SECRET) required('SLACK_SIGNING_SECRET');
  if (role !== 'worker' && !e.WEBHOOK_TOKEN) required('WEBHOOK_TOKEN');
  if (e.SLACK_CLIENT_ID && !e.SLACK_CLIENT_SECRET) throw new ConfigError('config: SLACK_CLIENT_SECRET is required with SLACK_CLIENT_ID (Sign in with Slack)');
  if (e.SLACK_CLIENT_ID && !e.SESSION_SECRET) throw new ConfigError('config: SESSION_SECRET is required with SLACK_CLIENT_ID (at least 32 characters; it signs session cookies)');
  const explicitUrl = env.REDIS_URL !== undefined && env.REDIS_URL !== '';
  if ([explicitUrl, e.REDIS_SENTINELS.length > 0, e.REDIS_CLUSTER_NODES.length > 0].filter(Boolean).length > 1) {
    throw new ConfigError('config: set at most one of REDIS_URL, REDIS_SENTINELS and REDIS_CLUSTER_NODES');
  }
  return {
    role,
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
      ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
      apiUrl: e.SLACK_API_URL,
      rateScale: e.SLACK_RATE_SCALE,
    },
    redis: {
      url: e.REDIS_URL,
      prefix: e.REDIS_KEY_PREFIX,
      ...(e.REDIS_SENTINELS.length ? { sentinels: { nodes: e.REDIS_SENTINELS, name: e.REDIS_SENTINEL_NAME } } : {}),
      ...(e.REDIS_CLUSTER_NODES.length ? { cluster: e.REDIS_CLUSTER_NODES } : {}),
      minReplicas: e.REDIS_MIN_REPLICAS,
    },
    http: { port: e.PORT },
    web: {
      ...(e.PUBLIC_URL ? { publicUrl: e.PUBLIC_URL } : {}),
      ...(e.SLACK_CLIENT_ID ? { oidc: { clientId: e.SLACK_CLIENT_ID, clientSecret: e.SLACK_CLIENT_SECRET!, oauthUrl: e.SLACK_OAUTH_URL, sessionSecret: e.SESSION_SECRET! } } : {}),
    },
    webhooks: {
      token: e.WEBHOOK_TOKEN ?? '',
      ...(e.PAGERDUTY_WEBHOOK_SECRET ? { pagerdutySecret: e.PAGERDUTY_WEBHOOK_SECRET } : {}),
      ...(e.GRAFANA_WEBHOOK_SECRET ? { grafanaSecret: e.GRAFANA_WEBHOOK_SECRET } : {}),
    },
    senders: {
      // Unset: WEBHOOK_TOKEN is the one accepted key (interface.md).
      pagerdutyRoutingKeys: e.PAGERDUTY_ROUTING_KEYS.length
        ? e.PAGERDUTY_ROUTING_KEYS.map((i) => ({ key: i.key, ...(i.value ? { service: i.value } : {}) }))
        : e.WEBHOOK_TOKEN
          ? [{ key: e.WEBHOOK_TOKEN }]
          : [],
      opsgenieApiKeys: e.OPSGENIE_API_KEYS.length ? e.OPSGENIE_API_KEYS.map((i) => i.key) : e.WEBHOOK_TOKEN ? [e.WEBHOOK_TOKEN] : [],
      ...(e.GITHUB_WEBHOOK_SECRET ? { githubSecret: e.GITHUB_WEBHOOK_SECRET } : {}),
      githubServices: Object.fromEntries(e.GITHUB_SERVICES.map((i) => [i.key.toLowerCase(), i.value!])),
      vaultSecretServices: e.VAULT_SECRET_SERVICES.map((i) => ({ prefix: i.key.replace(/^\/+/, ''), service: i.value! })).sort((a, b) => b.prefix.length - a.prefix.length),
    },
    incidents: {
      responders: e.INCIDENT_RESPONDERS,
      channelPrefix: e.INCIDENT_CHANNEL_PREFIX,
      summaryIntervalMinutes: e.SUMMARY_INTERVAL_MINUTES,
      escalationMinutes: e.ESCALATION_MINUTES,
    },
    roles: e.INCIDENT_ROLES,
    announce: { ...(e.INCIDENT_ANNOUNCE_CHANNEL ? { channel: e.INCIDENT_ANNOUNCE_CHANNEL } : {}), severities: e.ANNOUNCE_SEVERITIES },
    runbooksDir: e.RUNBOOKS_DIR,
    drillsDir: e.DRILLS_DIR,
    ...(e.DRILL_SPEED !== undefined ? { drillSpeed: e.DRILL_SPEED } : {}),
    logLevel: e.LOG_LEVEL,
    worker: { concurrency: e.WORKER_CONCURRENCY, lockSeconds: e.JOB_LOCK_SECONDS },
    secretsFromFiles: resolved.fromFiles,
  };
}

/** Every secret value in the config, for the log scrubber. */
export function secretValues(config: Config): string[] {
  return [
    config.slack.botToken,
    config.slack.signingSecret,
    config.slack.appToken,
    config.webhooks.token,
    config.webhooks.pagerdutySecret,
    config.webhooks.grafanaSecret,
    config.senders.githubSecret,
    config.web.oidc?.clientSecret,
    config.web.oidc?.sessionSecret,
    ...config.senders.pagerdutyRoutingKeys.map((k) => k.key),
    ...config.senders.opsgenieApiKeys,
    passwordOf(config.redis.url),
    ...config.secretsFromFiles,
  ].filter((s): s is string => typeof s === 'string' && s.length >= 4);
}

function passwordOf(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}
