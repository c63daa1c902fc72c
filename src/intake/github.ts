/**
 * GitHub webhooks (https://docs.github.com/webhooks/webhook-events-and-payloads): deployments and
 * releases become `deploy` changes of the repository's service, so "what changed" fills itself
 * from the deploy pipelines a team already runs.
 *
 * | `X-GitHub-Event`    | recorded when                                  | summary                                                    |
 * | ------------------- | ---------------------------------------------- | ---------------------------------------------------------- |
 * | `deployment`        | `action` `created`                             | Deploy of checkout v2.14.1 to production started           |
 * | `deployment_status` | `state` `success`, `failure` or `error`        | … succeeded / … failed / … failed (error), then `: <description>` |
 * | `release`           | `action` `published`                           | Release v2.14.1 of checkout published (Pre-release …)      |
 * | `ping`              | answered, nothing recorded                     |                                                            |
 * | anything else       | ignored (answered 202)                         |                                                            |
 *
 * Which deployment states count: an on-call engineer reading "what changed" wants when a deploy
 * began (the `deployment` event) and how it ended (`success`, `failure`, `error`). `pending`,
 * `queued`, `waiting` and `in_progress` are steps in between, and `inactive` is GitHub marking an
 * older deployment superseded: those are ignored, or a single rollout would fill the list.
 *
 * - Service: `GITHUB_SERVICES` (`owner/repo`, case-insensitive), else the repository's `name`.
 * - Version: the deployed commit `sha` (deployments), the `tag_name` (releases). The summary names
 *   the `ref` (or the short sha when the ref is the sha itself).
 * - Link, first http(s) one of: the status's `log_url`, `target_url`, `environment_url`; the
 *   workflow run; the repository's deployments page; the deployment's API `url`. Releases link
 *   their `html_url`.
 * - Author: the deployment's `creator`, else the status's `creator`, else the `sender` (login).
 *   Releases: the release's `author`, else the `sender`.
 * - Time: when the status / deployment was created, the release published; else on arrival.
 * - Id: from GitHub's own ids (the status, deployment or release id, with the repository): the
 *   change is one change whichever delivery brought it, since a repository hook and an
 *   organization hook (or an App) on the same repository deliver one event under two delivery
 *   ids. The delivery itself (a redelivery keeps its `X-GitHub-Delivery`) is de-duplicated by
 *   that GUID in `src/http/github.ts`.
 */
import { ok, refuse, type Result } from '../result.js';
import { z } from 'zod';
import type { ChangeEvent } from '../domain.js';
import { describeIssues, httpUrl, isoTime, line, oneLine, shortHash, toIso } from './common.js';

/** `deployment_status` states that become a change: how a deploy ended. */
export const RECORDED_DEPLOYMENT_STATES = ['success', 'failure', 'error'] as const;

const OUTCOME: Record<(typeof RECORDED_DEPLOYMENT_STATES)[number], string> = {
  success: 'succeeded',
  failure: 'failed',
  error: 'failed (error)',
};

/** GitHub's numeric ids (sent as JSON numbers; digits in a string accepted too). */
const ghId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]);
const user = z.object({ login: z.string().max(200).nullable().optional() }).nullable().optional();
const when = isoTime.nullable().optional();
/** Any string up to a bound: checked with `httpUrl` where it is used, so a bad one is skipped, not a 400. */
const url = z.string().max(3000).nullable().optional();
const words = (max: number) => z.string().max(max).nullable().optional();

const repository = z.object({
  full_name: line(300),
  name: line(200),
  html_url: url,
});

const deployment = z.object({
  id: ghId,
  sha: z.string().max(100),
  ref: z.string().max(500),
  environment: z.string().max(500),
  description: words(10_000),
  creator: user,
  created_at: when,
  url,
});

const workflowRun = z.object({ html_url: url }).nullable().optional();

const deploymentEvent = z.object({
  deployment,
  repository,
  sender: user,
  workflow_run: workflowRun,
});

const deploymentStatusEvent = z.object({
  deployment_status: z.object({
    id: ghId,
    state: z.enum(RECORDED_DEPLOYMENT_STATES),
    environment: words(500),
    description: words(10_000),
    log_url: url,
    target_url: url,
    environment_url: url,
    creator: user,
    created_at: when,
    updated_at: when,
  }),
  deployment,
  repository,
  sender: user,
  workflow_run: workflowRun,
});

const releaseEvent = z.object({
  release: z.object({
    id: ghId,
    tag_name: line(300),
    name: words(10_000),
    html_url: url,
    prerelease: z.boolean().nullable().optional(),
    author: user,
    published_at: when,
    created_at: when,
  }),
  repository,
  sender: user,
});

type Repository = z.infer<typeof repository>;
type Deployment = z.infer<typeof deployment>;

export type Issue = { field: string; message: string };

/** What a delivery comes to. */
export type GithubOutcome =
  | { kind: 'change'; change: ChangeEvent }
  | { kind: 'ping'; hookId?: number; zen?: string }
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; issues: Issue[] };

export interface GithubContext {
  /** `GITHUB_SERVICES`: `owner/repo` in lower case -> service. */
  services: Record<string, string>;
  now: Date;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** A sender-chosen word echoed in an answer: one short line. */
const echo = (v: unknown): string => {
  if (typeof v === 'string') return oneLine(v, 60) || '(empty)';
  return v === undefined ? '(none)' : `(${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v})`;
};

/**
 * The delivery's JSON: the body itself (`application/json`), or its `payload` field
 * (`application/x-www-form-urlencoded`, GitHub's "form" content type).
 */
export function readGithubBody(raw: Buffer, contentType: string | undefined): Result<unknown> {
  let text = raw.toString('utf8');
  if (/^\s*application\/x-www-form-urlencoded\b/i.test(contentType ?? '')) {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) return refuse('form-encoded body without a payload field (GitHub sends payload=<JSON>)');
    text = payload;
  }
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    return refuse('body is not valid JSON');
  }
}

/** One delivery of `event` (the `X-GitHub-Event` header) to a change, a ping, or nothing. */
export function normalizeGithub(event: string, body: unknown, ctx: GithubContext): GithubOutcome {
  if (!isObj(body)) return { kind: 'invalid', issues: [{ field: '(body)', message: 'must be a JSON object' }] };
  switch (event) {
    case 'ping':
      return ping(body);
    case 'deployment':
      if (body.action !== 'created') return { kind: 'ignored', reason: `deployment ${echo(body.action)}: only created deployments are recorded` };
      return parsed(deploymentEvent, body, (e) => deploymentChange(e, ctx));
    case 'deployment_status': {
      if (body.action !== 'created') return { kind: 'ignored', reason: `deployment_status ${echo(body.action)}: only created statuses are recorded` };
      const state = isObj(body.deployment_status) ? body.deployment_status.state : undefined;
      if (typeof state === 'string' && !(RECORDED_DEPLOYMENT_STATES as readonly string[]).includes(state)) {
        return { kind: 'ignored', reason: `deployment_status ${echo(state)}: only ${RECORDED_DEPLOYMENT_STATES.join(', ')} are recorded` };
      }
      return parsed(deploymentStatusEvent, body, (e) => statusChange(e, ctx));
    }
    case 'release':
      if (body.action !== 'published') return { kind: 'ignored', reason: `release ${echo(body.action)}: only published releases are recorded` };
      return parsed(releaseEvent, body, (e) => releaseChange(e, ctx));
    default:
      return { kind: 'ignored', reason: `event ${echo(event)}: Beacon records deployment, deployment_status and release (published)` };
  }
}

function parsed<S extends z.ZodType>(schema: S, body: Obj, build: (e: z.infer<S>) => ChangeEvent): GithubOutcome {
  const result = schema.safeParse(body);
  if (!result.success) return { kind: 'invalid', issues: describeIssues(result.error) };
  return { kind: 'change', change: build(result.data) };
}

function ping(body: Obj): GithubOutcome {
  const hookId = body.hook_id;
  const zen = str(body.zen);
  return {
    kind: 'ping',
    ...(typeof hookId === 'number' && Number.isSafeInteger(hookId) ? { hookId } : {}),
    ...(zen ? { zen: oneLine(zen, 200) } : {}),
  };
}

/** `GITHUB_SERVICES` for the repository, else its name (own keys only: `constructor` is no service). */
function serviceOf(repo: Repository, services: Record<string, string>): string {
  const key = repo.full_name.toLowerCase();
  const mapped = Object.hasOwn(services, key) ? services[key] : undefined;
  return oneLine(mapped ?? repo.name, 200);
}

/** Where the repository lives (github.com or a GitHub Enterprise host): ids are per instance. */
function scopeOf(repo: Repository): string {
  let host = 'github.com';
  try {
    if (repo.html_url) host = new URL(repo.html_url).host.toLowerCase();
  } catch {
    /* not a URL: the default host */
  }
  return `${host}/${repo.full_name.toLowerCase()}`;
}

/** The first candidate that is an http(s) URL. */
function firstLink(...candidates: (string | null | undefined)[]): string | undefined {
  for (const c of candidates) if (c && httpUrl.safeParse(c).success) return c;
  return undefined;
}

const login = (u: { login?: string | null | undefined } | null | undefined): string | undefined => {
  const l = u?.login ? oneLine(u.login, 200) : '';
  return l || undefined;
};

function deploySummary(service: string, d: Deployment, environment: string | null | undefined, outcome: string, description?: string | null): string {
  const ref = oneLine(d.ref, 100);
  const what = ref && ref !== d.sha ? ref : oneLine(d.sha, 12);
  const env = oneLine(environment || d.environment, 100);
  const head = [`Deploy of ${service}`, what, env ? `to ${env}` : '', outcome].filter(Boolean).join(' ');
  const detail = description ? oneLine(description, 200) : '';
  return detail ? `${head}: ${detail}` : head;
}

function change(parts: Omit<ChangeEvent, 'kind' | 'author' | 'link' | 'version'> & { author?: string; link?: string; version?: string }): ChangeEvent {
  const { author, link, version, ...rest } = parts;
  return {
    ...rest,
    summary: oneLine(rest.summary, 500),
    kind: 'deploy',
    ...(author ? { author } : {}),
    ...(link ? { link } : {}),
    ...(version ? { version } : {}),
  };
}

const deploymentsPage = (repo: Repository) => (repo.html_url && httpUrl.safeParse(repo.html_url).success ? `${repo.html_url.replace(/\/+$/, '')}/deployments` : undefined);
const version = (sha: string) => oneLine(sha, 100) || undefined;

function deploymentChange(e: z.infer<typeof deploymentEvent>, ctx: GithubContext): ChangeEvent {
  const service = serviceOf(e.repository, ctx.services);
  const d = e.deployment;
  return change({
    id: shortHash('github', scopeOf(e.repository), 'deployment', String(d.id)),
    service,
    summary: deploySummary(service, d, d.environment, 'started', d.description),
    author: login(d.creator) ?? login(e.sender),
    link: firstLink(e.workflow_run?.html_url, deploymentsPage(e.repository), d.url),
    version: version(d.sha),
    at: toIso(d.created_at ?? undefined, ctx.now),
  });
}

function statusChange(e: z.infer<typeof deploymentStatusEvent>, ctx: GithubContext): ChangeEvent {
  const service = serviceOf(e.repository, ctx.services);
  const s = e.deployment_status;
  const d = e.deployment;
  return change({
    id: shortHash('github', scopeOf(e.repository), 'deployment_status', String(s.id)),
    service,
    summary: deploySummary(service, d, s.environment, OUTCOME[s.state], s.description),
    author: login(d.creator) ?? login(s.creator) ?? login(e.sender),
    link: firstLink(s.log_url, s.target_url, s.environment_url, e.workflow_run?.html_url, deploymentsPage(e.repository), d.url),
    version: version(d.sha),
    at: toIso(s.created_at ?? s.updated_at ?? undefined, ctx.now),
  });
}

function releaseChange(e: z.infer<typeof releaseEvent>, ctx: GithubContext): ChangeEvent {
  const service = serviceOf(e.repository, ctx.services);
  const r = e.release;
  const tag = oneLine(r.tag_name, 100);
  const name = r.name ? oneLine(r.name, 200) : '';
  const head = `${r.prerelease ? 'Pre-release' : 'Release'} ${tag} of ${service} published`;
  return change({
    id: shortHash('github', scopeOf(e.repository), 'release', String(r.id)),
    service,
    summary: name && name !== tag ? `${head}: ${name}` : head,
    author: login(r.author) ?? login(e.sender),
    link: firstLink(r.html_url),
    version: tag,
    at: toIso(r.published_at ?? r.created_at ?? undefined, ctx.now),
  });
}
