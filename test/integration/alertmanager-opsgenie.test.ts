import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../src/incidents/store.js';
import { doc, opened, type Opened } from '../e2e/lifecycle-helpers.js';
import { alertmanagerConfig, explainLogs, startAlertmanager, type PushedAlert, type RunningAlertmanager } from '../support/alertmanager.js';
import { sleep, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { keysOf } from '../support/builders.js';

/**
 * Issue 11, "Real senders": the real Prometheus Alertmanager notifies Beacon through an
 * `opsgenie_configs` receiver whose `api_url` is Beacon's `/opsgenie/`, exactly as a team that
 * moves from Opsgenie changes it. One alert group opens one incident; Alertmanager's repeats
 * (and its `update_alerts` calls) open no second one; the resolved notification (a close by
 * alias) resolves the alert; a receiver with a wrong key is refused, Alertmanager logs it, and
 * Beacon opens nothing for it.
 */

const KEY = 'og-alertmanager-key-4f1c9a';
const WRONG_KEY = 'og-not-a-beacon-key-0000';
const SUMMARY = 'Payment success rate below 90%';

describe('a real Alertmanager notifies Beacon through opsgenie_configs', () => {
  let b: TestBeacon;
  let am: RunningAlertmanager;
  let inc: Opened;
  const startsAt = new Date(Date.now() - 60_000).toISOString();

  const alert = (instance: string, over: Partial<PushedAlert> = {}, service = 'checkout'): PushedAlert => ({
    labels: { alertname: 'PaymentSuccessRateLow', service, severity: 'critical', instance },
    annotations: { summary: service === 'checkout' ? SUMMARY : 'Refused by key', description: `payment_success_rate on ${instance} fell to 0.82` },
    generatorURL: 'http://prometheus.example.com/graph?g0.expr=payment_success_rate%20%3C%200.9',
    startsAt,
    ...over,
  });

  async function outcomes(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const v of (await b.metrics.alertsReceived.get()).values) if (v.labels.source === 'opsgenie') out[String(v.labels.outcome)] = v.value;
    return out;
  }
  const alerts = async (id: string): Promise<AlertRecord[]> => (await b.redis.hvals(keysOf(b).incidentAlerts(id))).map((s) => JSON.parse(s) as AlertRecord);
  const creates = () => b.sim.callsTo('conversations.create').filter((c) => String(c.params.name).includes('payment-success-rate'));
  const explain = () => explainLogs(am, b, 2000);

  beforeAll(async () => {
    b = await startBeacon({ env: { OPSGENIE_API_KEYS: KEY } });
    const receiver = (name: string, key: string) => [
      `  - name: ${name}`,
      '    opsgenie_configs:',
      `      - api_url: ${b.url}/opsgenie/`,
      `        api_key: ${key}`,
      '        update_alerts: true',
      "        message: '{{ .CommonAnnotations.summary }}'",
      `        priority: '{{ if eq .CommonLabels.severity "critical" }}P1{{ else }}P3{{ end }}'`,
      "        tags: '{{ .CommonLabels.service }},prometheus'",
      '        responders:',
      '          - name: payments',
      '            type: team',
    ];
    am = await startAlertmanager(
      alertmanagerConfig({
        // Short, so that Alertmanager repeats the open group's notification during the test.
        repeatInterval: '2s',
        routes: ["    - matchers: ['service=\"refused\"']", '      receiver: wrong-key'],
        receivers: [...receiver('beacon', KEY), ...receiver('wrong-key', WRONG_KEY)],
      }),
    );
  });

  afterAll(async () => {
    await am?.stop();
    await b?.close();
  });

  it('opens one incident for the alert group, with the priority, service, tags and responders it sent', async () => {
    const t0 = Date.now();
    await am.push([alert('pay-1')]);
    am.keepPushing([alert('pay-1')]);
    inc = await opened(b, /-payment-success-rate-below-90$/).catch((e: Error) => {
      throw new Error(e.message + explain());
    });
    console.info(`alert pushed to Alertmanager -> incident channel via opsgenie_configs in ${Date.now() - t0} ms`);
    const d = await doc(b, inc.incidentId);
    expect(d).toMatchObject({ title: SUMMARY, severity: 'sev1', service: 'checkout' });
    expect(d.group).toMatch(/^opsgenie:[0-9a-f]{64}$/);
    expect(d.labels).toMatchObject({ alertname: 'PaymentSuccessRateLow', service: 'checkout', priority: 'P1', tags: 'checkout,prometheus', responders: 'team payments' });
    expect(d.link).toMatch(/^http:\/\/.+\/#\/alerts\?receiver=beacon$/);
    const card = JSON.stringify(b.sim.messages(inc.channelId).find((m) => m.ts === inc.cardTs)?.blocks);
    for (const shown of ['SEV1 · critical', '*Service*\\ncheckout', 'Tags: checkout, prometheus', 'Responders: team payments']) expect(card).toContain(shown);
  });

  it('takes Alertmanager’s repeats, its update calls and a second alert of the group into the same incident', async () => {
    // repeat_interval 2s: the same create (and its PUT message and description) again and again.
    await waitFor(async () => (await alerts(inc.incidentId))[0]!.count >= 3, { what: 'three notifications of the group', timeout: 30_000 }).catch((e: Error) => {
      throw new Error(e.message + explain());
    });
    expect((await outcomes()).ignored ?? 0).toBeGreaterThanOrEqual(4);
    await am.push([alert('pay-2')]);
    am.keepPushing([alert('pay-1'), alert('pay-2')]);
    await sleep(3000);
    // One alias for the group: one alert in Beacon, however many instances and notifications.
    expect(await alerts(inc.incidentId)).toHaveLength(1);
    expect(b.sim.channels().filter((c) => c.name.includes('payment-success-rate'))).toHaveLength(1);
    expect(creates()).toHaveLength(1);
    const o = await outcomes();
    expect(o.unauthorized ?? 0).toBe(0);
    expect(o.rejected ?? 0).toBe(0);
    // Alertmanager logs a failed notification as `level=error … err="beacon/opsgenie[0]: …"`.
    expect(am.logs().split('\n').filter((l) => l.includes('level=error') && l.includes('beacon/opsgenie'))).toEqual([]);
  });

  it('closes the alert when Alertmanager sends the resolved notification', async () => {
    am.stopPushing();
    const ended = new Date(Date.now() - 1000).toISOString();
    await am.push([alert('pay-1', { endsAt: ended }), alert('pay-2', { endsAt: ended })]);
    await waitFor(async () => (await alerts(inc.incidentId))[0]?.status === 'resolved', { what: 'alert resolved by the close', timeout: 30_000 }).catch((e: Error) => {
      throw new Error(e.message + explain());
    });
    expect((await alerts(inc.incidentId))[0]).toMatchObject({ title: SUMMARY, status: 'resolved' });
    await waitFor(() => b.sim.transcript(inc.channelId).includes('Every alert of this incident has resolved'), { what: 'alerts message: all resolved' });
    expect(creates()).toHaveLength(1);
  });

  it('refuses a receiver with a wrong key: Alertmanager logs the 401, Beacon opens nothing', async () => {
    const before = await outcomes();
    const channels = b.sim.channels().length;
    await am.push([alert('refused-1', {}, 'refused')]);
    const line = await waitFor(() => am.logs().split('\n').find((l) => l.includes('wrong-key') && l.includes('401')), { what: 'Alertmanager logging the refusal', timeout: 30_000 }).catch(
      (e: Error) => {
        throw new Error(e.message + explain());
      },
    );
    expect(line).toContain('Could not authenticate');
    await sleep(1500);
    const after = await outcomes();
    expect((after.unauthorized ?? 0) - (before.unauthorized ?? 0)).toBeGreaterThanOrEqual(1);
    expect(after.accepted).toBe(before.accepted);
    expect(b.sim.channels()).toHaveLength(channels);
    expect(b.sim.channels().some((c) => c.name.includes('refused'))).toBe(false);
    expect(b.logs()).not.toContain(KEY);
    expect(b.logs()).not.toContain(WRONG_KEY);
  });
});
