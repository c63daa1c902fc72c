import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../src/incidents/store.js';
import { sleep, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { alertmanagerConfig, explainLogs, startAlertmanager, type PushedAlert, type RunningAlertmanager } from '../support/alertmanager.js';
import { keysOf } from '../support/builders.js';
import { doc, opened, type Opened } from '../e2e/lifecycle-helpers.js';

/**
 * Issue 11, "Real senders": the real Prometheus Alertmanager notifies Beacon through its
 * `pagerduty_configs` receiver, whose `url` is Beacon's `/pagerduty/v2/enqueue`, exactly as a team
 * moving from PagerDuty would point it. One alert group opens one incident; Alertmanager's repeated
 * notifications make no second, nor does a second alert of the group (another body, the group's
 * same dedup_key); ending the alerts sends `resolve` and Beacon resolves the alert. A
 * second receiver with a routing key Beacon does not take is refused as PagerDuty refuses it:
 * Alertmanager logs the failure, Beacon opens nothing.
 */

const KEY = 'R0alertmanagerpagerduty000000e5e';
const WRONG_KEY = 'R0notakeyofbeacon0000000000000f6';
const ALERTNAME = 'PdCheckoutErrorBudgetBurn';
const WRONG_ALERTNAME = 'PdIntruderAlert';

describe('a real Alertmanager notifies Beacon through pagerduty_configs', () => {
  let b: TestBeacon;
  let am: RunningAlertmanager;
  let inc: Opened;
  const startsAt = new Date(Date.now() - 60_000).toISOString();

  const alert = (alertname: string, over: Partial<PushedAlert> = {}): PushedAlert => ({
    labels: { alertname, service: 'checkout', severity: 'critical', instance: 'pay-1' },
    annotations: { summary: 'Checkout error budget burning', description: 'errors at 14x the budget' },
    generatorURL: 'http://prometheus.example.com/graph?g0.expr=checkout_errors',
    startsAt,
    ...over,
  });

  /** The second instance of the group: same alertname and service, another instance label. */
  const second = () => alert(ALERTNAME, { labels: { ...alert(ALERTNAME).labels, instance: 'pay-2' } });
  const alerts = async (id: string): Promise<AlertRecord[]> => (await b.redis.hvals(keysOf(b).incidentAlerts(id))).map((s) => JSON.parse(s) as AlertRecord);
  const ours = () => b.sim.channels().filter((c) => c.name.includes(ALERTNAME.toLowerCase()));
  const creates = () => b.sim.callsTo('conversations.create');
  async function outcomes(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const v of (await b.metrics.alertsReceived.get()).values) if (v.labels.source === 'pagerduty-events') out[String(v.labels.outcome)] = v.value;
    return out;
  }
  const explain = () => explainLogs(am, b);

  beforeAll(async () => {
    b = await startBeacon({ env: { PAGERDUTY_ROUTING_KEYS: `${KEY}=checkout` } });
    const receiver = (name: string, key: string) => [
      `  - name: ${name}`,
      '    pagerduty_configs:',
      `      - url: ${b.url}/pagerduty/v2/enqueue`,
      `        routing_key: ${key}`,
      `        severity: '{{ .CommonLabels.severity }}'`,
    ];
    am = await startAlertmanager(
      alertmanagerConfig({
        // Short, so Alertmanager repeats the notification while the test watches.
        repeatInterval: '2s',
        routes: ['    - receiver: wrong-key', '      matchers:', `        - alertname="${WRONG_ALERTNAME}"`],
        receivers: [...receiver('beacon', KEY), ...receiver('wrong-key', WRONG_KEY)],
      }),
    );
  });

  afterAll(async () => {
    await am?.stop();
    await b?.close();
  });

  it('an alert group opens one incident, of the routing key’s service, with Alertmanager’s summary and severity', async () => {
    const t0 = Date.now();
    await am.push([alert(ALERTNAME)]);
    am.keepPushing([alert(ALERTNAME)]);
    const o = await opened(b, new RegExp(ALERTNAME.toLowerCase())).catch((e: Error) => {
      throw new Error(e.message + explain());
    });
    console.info(`alert pushed to Alertmanager -> incident channel in ${Date.now() - t0} ms`);
    inc = o;
    const d = await doc(b, o.incidentId);
    expect(d.title).toMatch(new RegExp(`^\\[FIRING:1\\] ${ALERTNAME} checkout`));
    expect(d.severity).toBe('sev1');
    expect(d.service).toBe('checkout');
    expect(d.group).toMatch(/^pagerduty-events:service:checkout:[0-9a-f]{64}$/);
    expect(d.labels).toMatchObject({ source: 'Alertmanager', client: 'Alertmanager', severity: 'critical' });
    expect(d.link).toMatch(/\/#\/alerts\?receiver=beacon$/);
    expect(d.description).toContain(`alertname = ${ALERTNAME}`);
    await waitFor(() => b.sim.transcript(o.channelId).includes('1 firing, 0 resolved'), { what: 'alerts message: 1 firing' });
  });

  it('repeated notifications, and a second alert of the group, make no second incident', async () => {
    // repeat_interval is 2 s: Alertmanager sends the same trigger again, and again.
    await waitFor(async () => ((await outcomes()).accepted ?? 0) >= 2, { what: 'Alertmanager repeating the notification', timeout: 30_000 }).catch((e: Error) => {
      throw new Error(e.message + explain());
    });
    expect(am.logs()).toMatch(/Notify success/);
    // Identical repeats are one job at intake; a second alert of the group is another body (its
    // summary says [FIRING:2]) under the group's same dedup_key: it must join this incident.
    const [first, ...others] = await alerts(inc.incidentId);
    expect(others).toHaveLength(0);
    expect(first!.title).toMatch(/^\[FIRING:1\]/);
    await am.push([second()]);
    am.keepPushing([alert(ALERTNAME), second()]);
    const joined = await waitFor(async () => (await alerts(inc.incidentId)).find((a) => a.title.startsWith('[FIRING:2]')), { what: 'the [FIRING:2] notification on the alert', timeout: 30_000 }).catch(
      (e: Error) => {
        throw new Error(e.message + explain());
      },
    );
    expect(joined.fingerprint).toBe(first!.fingerprint);
    expect(joined.count).toBeGreaterThan(first!.count);
    expect(await alerts(inc.incidentId)).toHaveLength(1);
    await waitFor(() => b.sim.transcript(inc.channelId).includes('1 firing, 0 resolved'), { what: 'alerts message: still 1 firing' });
    await sleep(1500);
    expect(ours()).toHaveLength(1);
    expect(creates()).toHaveLength(1);
    expect((await outcomes()).rejected ?? 0).toBe(0);
  });

  it('ending the alerts sends resolve, and Beacon resolves the alert', async () => {
    am.stopPushing();
    const ch = ours()[0]!;
    const t0 = Date.now();
    const ended = new Date(Date.now() - 1000).toISOString();
    await am.push([alert(ALERTNAME, { endsAt: ended }), { ...second(), endsAt: ended }]);
    await waitFor(() => b.sim.transcript(ch.id).includes('0 firing, 1 resolved'), { what: 'alerts message: resolved', timeout: 30_000 }).catch((e: Error) => {
      throw new Error(`${e.message}\n${b.sim.transcript(ch.id)}${explain()}`);
    });
    console.info(`alert ended in Alertmanager -> resolved in Slack in ${Date.now() - t0} ms`);
    expect(b.sim.transcript(ch.id)).toContain('Every alert of this incident has resolved');
    expect(ours()).toHaveLength(1);
  });

  it('a receiver with a routing key Beacon does not take is refused: Alertmanager logs it, Beacon opens nothing', async () => {
    const refusedBefore = (await outcomes()).unauthorized ?? 0;
    await am.push([alert(WRONG_ALERTNAME)]);
    await waitFor(() => /Notify for alerts failed.*Invalid routing key/.test(am.logs()), { what: 'Alertmanager logging the refusal', timeout: 30_000 }).catch((e: Error) => {
      throw new Error(e.message + explain());
    });
    // PagerDuty's 400 is not retried: Alertmanager gives up on that notification at once.
    expect(am.logs()).toMatch(/unexpected status code 400: Event object is invalid: Invalid routing key/);
    expect((await outcomes()).unauthorized ?? 0).toBeGreaterThan(refusedBefore);
    await sleep(1500);
    expect(b.sim.channels().filter((c) => c.name.includes(WRONG_ALERTNAME.toLowerCase()))).toHaveLength(0);
    expect(creates()).toHaveLength(1);
    expect(b.logs()).not.toContain(WRONG_KEY);
  });
});
