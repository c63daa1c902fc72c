import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkoutAlert, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';

/** Issue #7, "done when" 3: /metrics exposes the operations series after real traffic. */
describe('/metrics', () => {
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon();
  });
  afterAll(async () => {
    await b?.close();
  });

  const scrape = async () => (await fetch(`${b.url}/metrics`)).text();
  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : undefined;
  };

  it('counts alerts by source and outcome, webhook latency, jobs, Slack calls and open incidents', async () => {
    b.sim.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    await b.post('/webhooks/generic', checkoutAlert({ title: 'Metrics one', fingerprint: 'm1', group: 'm1', severity: 'critical' }));
    await b.post('/webhooks/generic', checkoutAlert({ title: 'Metrics two', fingerprint: 'm2', group: 'm2', severity: 'warning' }));
    await b.post('/webhooks/generic', { title: '' });
    await b.post('/webhooks/generic', checkoutAlert(), { auth: 'Bearer wrong' });
    await b.post('/webhooks/alertmanager', { version: '3' });

    const text = await waitFor(
      async () => {
        const t = await scrape();
        return (value(t, 'beacon_jobs_total{queue="incidents",name="incident.open",outcome="completed"}') ?? 0) >= 2 &&
          (value(t, 'beacon_slack_api_calls_total{method="chat.postMessage",outcome="rate_limited"}') ?? 0) >= 1
          ? t
          : null;
      },
      { what: 'worker counters flushed to Redis and scraped', timeout: 30_000, interval: 250 },
    );
    expect(value(text, 'beacon_alerts_received_total{source="generic",outcome="accepted"}')).toBe(2);
    expect(value(text, 'beacon_alerts_received_total{source="generic",outcome="rejected"}')).toBe(1);
    expect(value(text, 'beacon_alerts_received_total{source="generic",outcome="unauthorized"}')).toBe(1);
    expect(value(text, 'beacon_alerts_received_total{source="alertmanager",outcome="rejected"}')).toBe(1);
    expect(value(text, 'beacon_webhook_duration_seconds_count{route="generic",status="202"}')).toBe(2);
    expect(text).toMatch(/beacon_webhook_duration_seconds_bucket\{le="0.05",route="generic",status="202"\} \d/);
    expect(value(text, 'beacon_jobs_total{queue="intake",name="alert.received",outcome="completed"}')).toBe(2);
    expect(value(text, 'beacon_slack_api_calls_total{method="conversations.create",outcome="ok"}')).toBe(2);
    expect(value(text, 'beacon_open_incidents{severity="sev1"}')).toBe(1);
    expect(value(text, 'beacon_open_incidents{severity="sev3"}')).toBe(1);
    expect(value(text, 'beacon_open_incidents{severity="sev2"}')).toBe(0);
    expect(text).toContain('beacon_process_resident_memory_bytes');
  });
});
