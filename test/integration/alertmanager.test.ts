import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/local-redis.js';
import { NO_ALERTMANAGER, alertmanagerConfig, explainLogs, findAlertmanager, startAlertmanager, type PushedAlert, type RunningAlertmanager } from '../support/alertmanager.js';
import { WEBHOOK_TOKEN, sleep, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';

/**
 * Issue #3, "done when" 2: a real Prometheus Alertmanager, run by this test on free ports with
 * its own config, notifies Beacon through its webhook receiver. Alerts pushed to Alertmanager's
 * API open one incident channel; ending them reports them resolved; Alertmanager's repeats and
 * retries never make a second channel.
 *
 * The receiver has two webhook_configs: the one docs/alertmanager.md publishes, straight to Beacon,
 * and a second one through a small proxy here that passes the first notification on to Beacon
 * but answers Alertmanager 503 (a lost answer), so Alertmanager really retries a delivery Beacon
 * already took. The proxy also shows what Alertmanager sends (payload, Authorization header).
 */

const ALERTNAME = 'PaymentSuccessRateLow';
const SUMMARY = 'Payment success rate below 90%';
const GENERATOR_URL = 'http://prometheus.example.com/graph?g0.expr=payment_success_rate%20%3C%200.9';

interface Delivery {
  auth: string | undefined;
  body: {
    version?: string;
    groupKey?: string;
    status?: string;
    truncatedAlerts?: number;
    alerts?: { status: string; labels: Record<string, string>; endsAt?: string; fingerprint?: string }[];
  };
  beaconStatus: number;
  answered: number;
}

describe('a real Alertmanager notifies Beacon', () => {
  let b: TestBeacon;
  let am: RunningAlertmanager | undefined;
  let proxy: Server | undefined;
  const viaProxy: Delivery[] = [];
  const startsAt = new Date(Date.now() - 60_000).toISOString();

  const alert = (instance: string, endsAt?: string): PushedAlert => ({
    labels: { alertname: ALERTNAME, service: 'checkout', severity: 'critical', instance },
    annotations: { summary: SUMMARY, description: `payment_success_rate on ${instance} fell to 0.82` },
    generatorURL: GENERATOR_URL,
    startsAt,
    ...(endsAt ? { endsAt } : {}),
  });

  const push = (alerts: PushedAlert[]) => am!.push(alerts);

  /** Re-sends the firing alerts every second, as Prometheus re-sends every active alert. */
  const keepFiring = (instances: string[]) => am!.keepPushing(instances.map((i) => alert(i)), 1000);

  const today = () => new Date().toISOString().slice(0, 10).replace(/-/g, '');
  const channelName = () => `inc-${today()}-payment-success-rate-below-90`;
  const ourChannels = () => b.sim.channels().filter((c) => c.name.includes('payment-success-rate'));
  const cardsIn = (channelId: string) =>
    b.sim.messages(channelId).filter((m) => (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key?.endsWith(':card'));
  const creates = () => b.sim.callsTo('conversations.create').filter((c) => String(c.params.name).includes('payment-success-rate'));
  async function alertsReceived(): Promise<Record<string, number>> {
    const m = await b.metrics.alertsReceived.get();
    const out: Record<string, number> = {};
    for (const v of m.values) if (v.labels.source === 'alertmanager') out[String(v.labels.outcome)] = v.value;
    return out;
  }

  beforeAll(async () => {
    if (!findAlertmanager()) throw new Error(NO_ALERTMANAGER);

    b = await startBeacon();

    // The lost-answer proxy: forwards every notification to Beacon; the first one Beacon takes
    // is answered 503 to Alertmanager all the same.
    let lost = false;
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const auth = req.headers.authorization;
        void fetch(`${b.url}/webhooks/alertmanager`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
          body: raw,
        })
          .then(async (up) => {
            const text = await up.text();
            const lose = !lost && up.status === 202;
            if (lose) lost = true;
            const answered = lose ? 503 : up.status;
            viaProxy.push({ auth, body: JSON.parse(raw.toString()) as Delivery['body'], beaconStatus: up.status, answered });
            res.writeHead(answered, { 'content-type': 'application/json' }).end(lose ? '{"error":"answer lost on the way"}' : text);
          })
          .catch((err: Error) => res.writeHead(502).end(err.message));
      });
    });
    const proxyPort = await freePort();
    await new Promise<void>((resolve) => proxy!.listen(proxyPort, '127.0.0.1', resolve));

    const webhook = (url: string) => [
      `      - url: ${url}`,
      `        send_resolved: true`,
      `        max_alerts: 100`,
      `        http_config:`,
      `          authorization:`,
      `            type: Bearer`,
      `            credentials: ${WEBHOOK_TOKEN}`,
    ];
    am = await startAlertmanager(
      alertmanagerConfig({
        receivers: ['  - name: beacon', '    webhook_configs:', ...webhook(`${b.url}/webhooks/alertmanager`), ...webhook(`http://127.0.0.1:${proxyPort}/lost-answer`)],
      }),
    );
  });

  afterAll(async () => {
    await am?.stop();
    await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
    await b?.close();
  });

  const explain = () => explainLogs(am!, b);

  it('opens one incident channel with the alert title, severity, service and link', async () => {
    const t0 = Date.now();
    await push([alert('pay-1')]);
    keepFiring(['pay-1']);
    const ch = await waitFor(() => ourChannels()[0], { what: 'incident channel', timeout: 30_000 }).catch((e: Error) => {
      throw new Error(e.message + explain());
    });
    console.info(`alert pushed to Alertmanager -> incident channel in ${Date.now() - t0} ms`);
    expect(ch.name).toBe(channelName());

    const card = await waitFor(() => cardsIn(ch.id)[0], { what: 'card' });
    const blocks = JSON.stringify(card.blocks);
    expect(blocks).toContain(SUMMARY);
    expect(blocks).toContain('*Severity*\\nSEV1 · critical');
    expect(blocks).toContain('*Service*\\ncheckout');
    expect(blocks).toContain(GENERATOR_URL);
    await waitFor(() => b.sim.transcript(ch.id).includes('1 firing, 0 resolved'), { what: 'alerts message: 1 firing' });
  });

  it('takes a notification Alertmanager retried (its answer was lost) once, in the same channel', async () => {
    // The proxy answered the first delivery 503 after Beacon took it; Alertmanager sends it again.
    const retried = await waitFor(
      () => {
        const lost = viaProxy.findIndex((d) => d.answered === 503);
        if (lost < 0) return undefined;
        const same = JSON.stringify(viaProxy[lost]!.body);
        const again = viaProxy.slice(lost + 1).find((d) => JSON.stringify(d.body) === same);
        return again ? viaProxy[lost] : undefined;
      },
      { what: 'Alertmanager retrying the delivery whose answer was lost', timeout: 30_000 },
    );
    expect(retried.beaconStatus).toBe(202);

    // What Alertmanager sends: payload version 4, grouped by alertname and service, our token.
    for (const d of viaProxy) expect(d.auth).toBe(`Bearer ${WEBHOOK_TOKEN}`);
    const body = retried.body;
    expect(body.version).toBe('4');
    expect(body.groupKey).toContain(`alertname="${ALERTNAME}"`);
    expect(body.groupKey).toContain('service="checkout"');
    expect(body.truncatedAlerts).toBe(0);
    expect(body.alerts?.[0]?.status).toBe('firing');
    expect(body.alerts?.[0]?.fingerprint).toMatch(/^[0-9a-f]{16}$/);

    // Let repeats and retries settle over several group intervals.
    await sleep(3000);
    expect(ourChannels()).toHaveLength(1);
    expect(creates()).toHaveLength(1);
    const ch = ourChannels()[0]!;
    expect(cardsIn(ch.id)).toHaveLength(1);
    const outcomes = await alertsReceived();
    expect(outcomes.unauthorized ?? 0).toBe(0);
    expect(outcomes.rejected ?? 0).toBe(0);
    expect(outcomes.accepted).toBeGreaterThanOrEqual(3); // direct + proxied + the retry
  });

  it('puts a second alert of the same Alertmanager group in the same channel', async () => {
    await push([alert('pay-2')]);
    keepFiring(['pay-1', 'pay-2']);
    const ch = ourChannels()[0]!;
    await waitFor(() => b.sim.transcript(ch.id).includes('2 firing, 0 resolved'), { what: 'alerts message: 2 firing', timeout: 30_000 }).catch(
      (e: Error) => {
        throw new Error(`${e.message}\n${b.sim.transcript(ch.id)}${explain()}`);
      },
    );
    expect(ourChannels()).toHaveLength(1);
    expect(creates()).toHaveLength(1);
  });

  it('reports the incident’s alerts resolved when they end, and still one channel', async () => {
    am!.stopPushing();
    const ch = ourChannels()[0]!;
    const t0 = Date.now();
    const ended = new Date(Date.now() - 1000).toISOString();
    await push([alert('pay-1', ended), alert('pay-2', ended)]);
    await waitFor(() => b.sim.transcript(ch.id).includes('0 firing, 2 resolved'), { what: 'alerts message: 0 firing', timeout: 30_000 }).catch(
      (e: Error) => {
        throw new Error(`${e.message}\n${b.sim.transcript(ch.id)}${explain()}`);
      },
    );
    console.info(`alerts ended in Alertmanager -> resolved in Slack in ${Date.now() - t0} ms`);
    expect(b.sim.transcript(ch.id)).toContain('Every alert of this incident has resolved');
    const resolvedNote = viaProxy.find((d) => d.body.status === 'resolved');
    expect(resolvedNote?.body.alerts?.map((a) => a.status)).toEqual(['resolved', 'resolved']);

    await sleep(3000);
    expect(ourChannels()).toHaveLength(1);
    // Nothing else was made either: #general (every workspace has it) and our one channel.
    expect(b.sim.channels().map((c) => c.name)).toEqual(['general', channelName()]);
    expect(b.sim.callsTo('conversations.create')).toHaveLength(1);
    expect(cardsIn(ch.id)).toHaveLength(1);
    expect((await alertsReceived()).unauthorized ?? 0).toBe(0);
  });
});
