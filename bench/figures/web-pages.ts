/**
 * 9. The web pages' first byte: `GET /incidents` over 1,000 incidents and `GET /insights` over the
 * same, signed in through the simulator's Sign in with Slack, against `GET /healthz` on the same
 * web process in the same run. Beacon's own `web` (startWeb) runs in a child process; the incidents
 * are written through Beacon's stores beforehand.
 */
import { Agent, request } from 'node:http';
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET } from '../../src/dev/slack-sim/oidc.js';
import type { Severity } from '../../src/domain.js';
import { acknowledge, newIncidentFromAlert, resolve, type Incident } from '../../src/incidents/model.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { Keys } from '../../src/keys.js';
import { connect, whenReady } from '../../src/redis.js';
import { TimelineStore } from '../../src/timeline/store.js';
import type { BenchContext } from '../context.js';
import { Child, f0, f1, f2, pct, verdict } from '../lib.js';
import type { Section } from '../report.js';
import { signInThroughSimulator } from '../../test/web/incidents-sign-in.js';

const INCIDENTS = 1000;
const SAMPLES = 300;
const WARM_UP = 30;
const TARGET_MS = 50;
const USERS = ['U0000001', 'U0000002', 'U0000003'];
const SERVICES = ['checkout', 'payments', 'search', 'catalog', 'auth', 'shipping', 'email', 'inventory'];
const SEVERITIES: Severity[] = ['sev1', 'sev2', 'sev3', 'sev3', 'sev4'];

interface Sample {
  ms: number;
  status: number;
  bytes: number;
}

/** 1,000 incidents over the last twelve weeks: 5% open, 2% private (half in a channel the viewer is in), 1% drills; 3-4 timeline events each. */
async function seed(ctx: BenchContext, keys: Keys, now: number): Promise<void> {
  const redis = connect(ctx.redis.url, 'command', 'bench-web-seed');
  if (!(await whenReady(redis, 5000))) throw new Error('bench Redis did not answer');
  const store = new IncidentStore(redis, keys);
  const timeline = new TimelineStore(redis, keys);
  // Beacon made (and is in) every incident channel; only the viewer's membership differs.
  const mine = ctx.sim.addChannel({ name: 'inc-bench-private-mine', members: [ctx.sim.botUserId, USERS[0]!], isPrivate: true });
  const theirs = ctx.sim.addChannel({ name: 'inc-bench-private-theirs', members: [ctx.sim.botUserId, USERS[1]!], isPrivate: true });
  try {
    for (let n = 1; n <= INCIDENTS; n++) {
      const started = new Date(now - Math.round(((n * 7919) % 1000) / 1000 * 84 * 24 * 3600_000) - 3600_000);
      const service = SERVICES[n % SERVICES.length]!;
      const title = `${service}: error rate above 5% (bench ${n})`;
      let inc: Incident = newIncidentFromAlert(`bench${n}`, n, { source: 'generic', fingerprint: `fp${n}`, group: `g${n}`, status: 'firing', title, severity: SEVERITIES[n % SEVERITIES.length]!, service, labels: {}, startsAt: started.toISOString() }, started);
      const lead = USERS[n % USERS.length]!;
      const ackAt = new Date(started.getTime() + ((n % 13) + 1) * 60_000);
      if (n % 20 !== 0) inc = unwrap(acknowledge(inc, lead, ackAt));
      const resolvedAt = new Date(started.getTime() + ((n % 170) + 20) * 60_000);
      if (n % 20 > 1) inc = unwrap(resolve(inc, lead, 'fixed', resolvedAt));
      const channelId = n % 50 === 3 ? mine.id : n % 50 === 4 ? theirs.id : `CBENCH${n}`;
      inc = { ...inc, ...(n % 50 === 3 || n % 50 === 4 ? { private: true } : {}), ...(n % 100 === 7 ? { drill: { scenario: 'checkout-credentials', startedAt: started.toISOString(), speed: 1 } } : {}), slack: { ...inc.slack, channelId } };
      await store.create(inc);
      await timeline.append(inc.id, { id: `${inc.id}-open`, kind: 'incident.opened', at: started.toISOString(), actor: 'generic', text: title });
      await timeline.append(inc.id, { id: `${inc.id}-note`, kind: 'note', at: new Date(started.getTime() + 30_000).toISOString(), actor: lead, text: 'Looking at the dashboards' });
      if (inc.acknowledgedAt) await timeline.append(inc.id, { id: `${inc.id}-ack`, kind: 'acknowledged', at: inc.acknowledgedAt, actor: lead, text: '' });
      if (inc.resolvedAt) await timeline.append(inc.id, { id: `${inc.id}-res`, kind: 'resolved', at: inc.resolvedAt, actor: lead, text: 'fixed' });
    }
  } finally {
    redis.disconnect();
  }
}

function unwrap(r: { ok: true; value: Incident } | { ok: false }): Incident {
  if (!r.ok) throw new Error('bench seed: transition refused');
  return r.value;
}

/** One GET, timed to the response event (status line and headers in), its body read to the end. */
function timed(agent: Agent, port: number, path: string, cookie?: string): Promise<Sample> {
  return new Promise((ok, fail) => {
    const t = performance.now();
    const req = request({ host: '127.0.0.1', port, path, agent, headers: cookie ? { cookie } : {} }, (res) => {
      const ms = performance.now() - t;
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => ok({ ms, status: res.statusCode ?? 0, bytes }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end();
  });
}

interface Measured {
  healthz: Sample[];
  incidents: Sample[];
  insights: Sample[];
  /** /insights?weeks=<n> once per n: a figure not yet cached. */
  insightsCold: Sample[];
}

async function measure(port: number, cookie: string): Promise<Measured> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const paths = { healthz: '/healthz', incidents: '/incidents', insights: '/insights' } as const;
  const m: Measured = { healthz: [], incidents: [], insights: [], insightsCold: [] };
  const order = Object.keys(paths) as (keyof typeof paths)[];
  try {
    for (let i = 0; i < WARM_UP; i++) for (const k of order) await timed(agent, port, paths[k], cookie);
    for (let i = 0; i < SAMPLES; i++) {
      // Rotate which path goes first, so none always follows the same one.
      for (let j = 0; j < order.length; j++) {
        const k = order[(i + j) % order.length]!;
        m[k].push(await timed(agent, port, paths[k], cookie));
      }
    }
    for (let weeks = 4; weeks <= 52; weeks++) if (weeks !== 12) m.insightsCold.push(await timed(agent, port, `/insights?weeks=${weeks}`, cookie));
  } finally {
    agent.destroy();
  }
  return m;
}

export async function webPages(ctx: BenchContext): Promise<Section> {
  const keys = new Keys('bench-web');
  const now = Date.now();
  await seed(ctx, keys, now);
  const oauthUrl = ctx.sim.url.replace(/api\/$/, '');
  const env = { ...ctx.env(keys.prefix), SLACK_CLIENT_ID: SIM_CLIENT_ID, SLACK_CLIENT_SECRET: SIM_CLIENT_SECRET, SLACK_OAUTH_URL: oauthUrl, SESSION_SECRET: 'bench-session-secret-0123456789abcdef0123456789' };
  const web = await Child.start('web-pages', { type: 'start', role: 'web', env });
  try {
    const base = `http://127.0.0.1:${web.port}`;
    const cookie = await signInThroughSimulator(base, ctx.sim.teamId, USERS[0]!);
    return section(await measure(web.port!, cookie));
  } finally {
    await web.stop();
  }
}

function section(m: Measured): Section {
  const ms = (s: Sample[]) => s.map((x) => x.ms);
  const bad = (s: Sample[]) => s.filter((x) => x.status !== 200).length;
  const p = (s: Sample[], q: number) => pct(ms(s), q);
  const pair = (s: Sample[]) => `${f1(p(s, 50))} / ${f1(p(s, 99))}`;
  const base = p(m.healthz, 50);
  const kb = (s: Sample[]) => f0((s[0]?.bytes ?? 0) / 1024);
  const statusNote = [m.incidents, m.insights, m.insightsCold, m.healthz].map(bad).some((n) => n > 0)
    ? [`not HTTP 200: /incidents ${bad(m.incidents)}, /insights ${bad(m.insights)}, cold /insights ${bad(m.insightsCold)}, /healthz ${bad(m.healthz)}; the figures are not those of the pages.`]
    : [];
  return {
    title: '9. Web pages: first byte (1,000 incidents)',
    rows: [
      { figure: `GET /incidents signed in: p50 / p99 (ms), ${m.incidents.length} samples`, value: pair(m.incidents) },
      { figure: 'GET /incidents first byte p50 (ms)', value: f1(p(m.incidents, 50)), target: `< ${TARGET_MS}`, verdict: verdict(p(m.incidents, 50), TARGET_MS, 'max') },
      { figure: `GET /insights signed in: p50 / p99 (ms), ${m.insights.length} samples`, value: pair(m.insights) },
      { figure: 'GET /insights first byte p50 (ms)', value: f1(p(m.insights, 50)), target: `< ${TARGET_MS}`, verdict: verdict(p(m.insights, 50), TARGET_MS, 'max') },
      { figure: `  /insights?weeks=n not cached yet: p50 / p99 (ms), ${m.insightsCold.length} samples`, value: pair(m.insightsCold) },
      { figure: `baseline GET /healthz, same process: p50 / p99 (ms), ${m.healthz.length} samples`, value: pair(m.healthz) },
      { figure: 'ratio p50 /incidents / /healthz', value: f2(p(m.incidents, 50) / base) },
      { figure: 'ratio p50 /insights / /healthz', value: f2(p(m.insights, 50) / base) },
    ],
    notes: [
      `${INCIDENTS} incidents written through IncidentStore and TimelineStore (3-4 timeline events each) over the last 12 weeks: 5% open, 2% private (half in a channel the viewer is a member of, asked of the simulator's conversations.members), 1% drills. Beacon's web (startWeb, SLACK_CLIENT_ID set) in its own process; signed in for real through /auth/slack and the simulator's authorize page.`,
      `Sequential GETs on one keep-alive connection from the bench process, timed from request() to the 'response' event (status line and headers received; the page is written in one piece, so that is its first byte), bodies read to the end; ${WARM_UP} warm-up rounds, then ${SAMPLES} rounds of the three paths in rotating order.`,
      `Body sizes: /incidents ${kb(m.incidents)} KiB (the first 100 rows of the list, all 1,000 read and filtered), /insights ${kb(m.insights)} KiB. /insights keeps its figures for 30 s per weeks value, so its warm samples are mostly cache hits; the cold row asks each other weeks value (4..52) once.`,
      ...statusNote,
    ],
  };
}
