import { sign, verify } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { normalizeGithub, readGithubBody, type GithubContext, type GithubOutcome } from '../../src/intake/github.js';
import { EXAMPLE_EVENTS, example, examples, type Payload } from '../fixtures/github/examples.js';

const NOW = new Date('2026-03-04T10:00:00Z');
const ctx = (services: Record<string, string> = {}): GithubContext => ({ services, now: NOW });
const SHA = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';

function changeOf(out: GithubOutcome) {
  if (out.kind !== 'change') throw new Error(`expected a change, got ${JSON.stringify(out)}`);
  return out.change;
}
const run = (event: string, body: Payload, services?: Record<string, string>) => changeOf(normalizeGithub(event, body, ctx(services)));
const fieldsOf = (out: GithubOutcome) => (out.kind === 'invalid' ? out.issues.map((i) => i.field) : out);

/** GitHub's published `deployment_status` examples are all `success` or `in_progress`: a failure is one of them with its state changed. */
function failedStatus(state: 'failure' | 'error'): Payload {
  const p = example('deployment_status', (e) => e.deployment_status.state === 'success');
  p.deployment.ref = 'v2.14.1';
  p.deployment_status.state = state;
  p.deployment_status.description = 'Health checks did not pass';
  p.deployment_status.log_url = 'https://github.com/Codertocat/Hello-World/actions/runs/42/job/7';
  return p;
}

describe('github intake: the published examples (@octokit/webhooks-examples)', () => {
  it('deployment created: a deploy change that started, of the repository named like the service', () => {
    const c = run('deployment', example('deployment'));
    expect(c).toStrictEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      service: 'Hello-World',
      kind: 'deploy',
      summary: 'Deploy of Hello-World master to production started',
      author: 'Codertocat',
      link: 'https://github.com/Codertocat/Hello-World/deployments',
      version: SHA,
      at: '2019-05-15T15:20:53.000Z',
    });
  });

  it('GITHUB_SERVICES names the service (owner/repo, case-insensitive)', () => {
    const c = run('deployment', example('deployment'), { 'codertocat/hello-world': 'checkout' });
    expect(c.service).toBe('checkout');
    expect(c.summary).toBe('Deploy of checkout master to production started');
    // Another repository keeps its own name.
    expect(run('deployment', example('deployment'), { 'codertocat/other': 'checkout' }).service).toBe('Hello-World');
  });

  it('a deployment made by a workflow links the run', () => {
    const c = run('deployment', example('deployment', (e) => Boolean(e.workflow_run)));
    expect(c.link).toBe('https://github.com/Codertocat/Hello-World/actions/runs/289782451');
    expect(c.summary).toBe('Deploy of Hello-World gh-pages to github-pages started');
    expect(c.author).toBe('github-pages[bot]');
  });

  it('deployment_status success: the deploy succeeded, at the time of the status', () => {
    const c = run('deployment_status', example('deployment_status', (e) => e.deployment_status.state === 'success'), { 'codertocat/hello-world': 'checkout' });
    expect(c).toStrictEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      service: 'checkout',
      kind: 'deploy',
      summary: 'Deploy of checkout master to production succeeded',
      author: 'Codertocat',
      // The example's target_url is "": the repository's deployments page instead.
      link: 'https://github.com/Codertocat/Hello-World/deployments',
      version: SHA,
      at: '2019-05-15T15:20:55.000Z',
    });
  });

  it('deployment_status failure and error say the deploy failed, with the status description and its logs', () => {
    const failure = run('deployment_status', failedStatus('failure'), { 'codertocat/hello-world': 'checkout' });
    expect(failure.summary).toBe('Deploy of checkout v2.14.1 to production failed: Health checks did not pass');
    expect(failure.link).toBe('https://github.com/Codertocat/Hello-World/actions/runs/42/job/7');
    expect(failure.kind).toBe('deploy');
    const error = run('deployment_status', failedStatus('error'), { 'codertocat/hello-world': 'checkout' });
    expect(error.summary).toBe('Deploy of checkout v2.14.1 to production failed (error): Health checks did not pass');
  });

  it('deployment_status links: log_url, then target_url, then environment_url', () => {
    const p = failedStatus('failure');
    delete p.deployment_status.log_url;
    p.deployment_status.target_url = 'https://ci.example.com/deploys/88';
    p.deployment_status.environment_url = 'https://checkout.example.com';
    expect(run('deployment_status', p).link).toBe('https://ci.example.com/deploys/88');
    p.deployment_status.target_url = 'javascript:alert(1)';
    expect(run('deployment_status', p).link).toBe('https://checkout.example.com');
  });

  it('pending, queued, waiting, in_progress and inactive statuses are ignored, naming the state', () => {
    const inProgress = example('deployment_status', (e) => e.deployment_status.state === 'in_progress');
    expect(normalizeGithub('deployment_status', inProgress, ctx())).toStrictEqual({
      kind: 'ignored',
      reason: 'deployment_status in_progress: only success, failure, error are recorded',
    });
    for (const state of ['pending', 'queued', 'waiting', 'inactive']) {
      const p = example('deployment_status');
      p.deployment_status.state = state;
      expect(normalizeGithub('deployment_status', p, ctx())).toMatchObject({ kind: 'ignored', reason: expect.stringContaining(state) });
    }
  });

  it('release published: a deploy change with the tag as version, linking the release', () => {
    const c = run('release', example('release', (e) => e.action === 'published'));
    expect(c).toStrictEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      service: 'Hello-World',
      kind: 'deploy',
      summary: 'Release 0.0.1 of Hello-World published',
      author: 'Codertocat',
      link: 'https://github.com/Codertocat/Hello-World/releases/tag/0.0.1',
      version: '0.0.1',
      at: '2019-05-15T15:20:53.000Z',
    });
    const named = example('release', (e) => e.action === 'published');
    named.release.name = 'Spring payments release';
    named.release.prerelease = true;
    expect(run('release', named).summary).toBe('Pre-release 0.0.1 of Hello-World published: Spring payments release');
  });

  it('every other release action is ignored (created, edited, deleted, prereleased, released)', () => {
    const others = examples('release').filter((e) => e.action !== 'published');
    expect(new Set(others.map((e) => e.action))).toEqual(new Set(['created', 'edited', 'deleted', 'prereleased', 'released']));
    for (const e of others) expect(normalizeGithub('release', e, ctx())).toMatchObject({ kind: 'ignored', reason: `release ${e.action}: only published releases are recorded` });
  });

  it('ping is answered with the hook id and zen', () => {
    expect(normalizeGithub('ping', example('ping'), ctx())).toStrictEqual({ kind: 'ping', hookId: 109948940, zen: 'Anything added dilutes everything else.' });
  });

  it('every example of every other event is ignored', () => {
    const others = EXAMPLE_EVENTS.filter((e) => !['deployment', 'deployment_status', 'release', 'ping'].includes(e));
    expect(others.length).toBeGreaterThan(40);
    for (const event of others) {
      for (const body of examples(event)) {
        expect(normalizeGithub(event, body, ctx())).toStrictEqual({
          kind: 'ignored',
          reason: `event ${event}: Beacon records deployment, deployment_status and release (published)`,
        });
      }
    }
  });
});

describe('github intake: ids', () => {
  it('ids come from GitHub ids: the same event always gives the same id, another event another', () => {
    const ids = [
      ...examples('deployment').map((e) => run('deployment', e).id),
      ...examples('deployment_status')
        .filter((e) => e.deployment_status.state === 'success')
        .map((e) => run('deployment_status', e).id),
      run('release', example('release', (e) => e.action === 'published')).id,
    ];
    // The examples reuse one deployment id (145988746) and one status id: one id per GitHub object.
    expect(new Set(ids).size).toBe(3);
    // Content that GitHub may change between a delivery and its redelivery does not change the id.
    const again = example('deployment_status');
    again.deployment_status.updated_at = '2019-05-15T16:00:00Z';
    again.sender.login = 'someone-else';
    expect(run('deployment_status', again).id).toBe(ids[4]);
    const other = example('deployment_status');
    other.deployment_status.id += 1;
    expect(run('deployment_status', other).id).not.toBe(ids[4]);
  });

  it('ids are per GitHub instance and repository (a GitHub Enterprise host is another scope)', () => {
    const ghes = example('deployment');
    ghes.repository.html_url = 'https://github.example.com/Codertocat/Hello-World';
    expect(run('deployment', ghes).id).not.toBe(run('deployment', example('deployment')).id);
    const fork = example('deployment');
    fork.repository.full_name = 'someone/Hello-World';
    expect(run('deployment', fork).id).not.toBe(run('deployment', example('deployment')).id);
  });
});

describe('github intake: hostile and odd payloads', () => {
  it('names the fields a recorded event lacks', () => {
    const noRepo = example('deployment');
    delete noRepo.repository;
    expect(fieldsOf(normalizeGithub('deployment', noRepo, ctx()))).toEqual(['repository']);
    const badState = example('deployment_status');
    badState.deployment_status.state = 7;
    badState.deployment.id = 'abc';
    expect(fieldsOf(normalizeGithub('deployment_status', badState, ctx())).toString()).toBe(['deployment_status.state', 'deployment.id'].toString());
    const noTag = example('release', (e) => e.action === 'published');
    noTag.release.tag_name = '   ';
    expect(fieldsOf(normalizeGithub('release', noTag, ctx()))).toEqual(['release.tag_name']);
    expect(fieldsOf(normalizeGithub('deployment', [], ctx()))).toEqual(['(body)']);
  });

  it('keeps summaries one bounded line and drops links that are not http(s)', () => {
    const p = failedStatus('failure');
    p.deployment.ref = `release/${'x'.repeat(450)}`;
    p.deployment_status.description = `first line\nsecond line ${'y'.repeat(20_000).slice(0, 9000)}`;
    p.deployment_status.log_url = 'javascript:alert(1)';
    p.repository.html_url = 'data:text/html,<script>';
    p.deployment.url = 'https://api.github.com/repos/Codertocat/Hello-World/deployments/145988746';
    const c = run('deployment_status', p);
    expect(c.summary).not.toContain('\n');
    expect(c.summary.length).toBeLessThanOrEqual(500);
    expect(c.summary).toMatch(/failed: first line$/);
    expect(c.link).toBe('https://api.github.com/repos/Codertocat/Hello-World/deployments/145988746');
  });

  it('a repository named like an Object.prototype key is no configured service', () => {
    const p = example('deployment');
    p.repository.full_name = 'constructor';
    p.repository.name = 'constructor';
    expect(run('deployment', p).service).toBe('constructor');
    const proto = example('deployment');
    proto.repository.full_name = '__proto__';
    expect(run('deployment', proto).service).toBe('Hello-World');
  });

  it('an action or state that is not a string is echoed by its type only', () => {
    const p = example('deployment');
    p.action = { deep: [[[['x']]]] };
    expect(normalizeGithub('deployment', p, ctx())).toStrictEqual({ kind: 'ignored', reason: 'deployment (object): only created deployments are recorded' });
  });
});

describe('github intake: bodies and signatures', () => {
  const json = JSON.stringify(example('deployment'));

  it('reads JSON, and the form content type as its payload field', () => {
    expect(readGithubBody(Buffer.from(json), 'application/json')).toStrictEqual({ ok: true, value: JSON.parse(json) });
    const form = Buffer.from(`payload=${encodeURIComponent(json)}`);
    expect(readGithubBody(form, 'application/x-www-form-urlencoded')).toStrictEqual({ ok: true, value: JSON.parse(json) });
    expect(readGithubBody(Buffer.from('other=1'), 'application/x-www-form-urlencoded; charset=utf-8')).toMatchObject({ ok: false, reason: expect.stringMatching(/payload/) });
    expect(readGithubBody(Buffer.from('payload=%7Bnope'), 'application/x-www-form-urlencoded')).toStrictEqual({ ok: false, reason: 'body is not valid JSON' });
    expect(readGithubBody(Buffer.from('{"a":'), undefined)).toStrictEqual({ ok: false, reason: 'body is not valid JSON' });
  });

  it('signatures are what GitHub documents (its test vector), over the exact body', async () => {
    // docs.github.com, "Validating webhook deliveries", "Testing the webhook payload validation".
    const secret = "It's a Secret to Everybody";
    expect(await sign(secret, 'Hello, World!')).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
    const form = `payload=${encodeURIComponent(json)}`;
    const signature = await sign(secret, form);
    expect(await verify(secret, form, signature)).toBe(true);
    expect(await verify(secret, json, signature)).toBe(false);
  });
});
