import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every Prometheus series Beacon exposes, on one registry per process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'beacon_' });
  return {
    registry,
    alertsReceived: new Counter({
      name: 'beacon_alerts_received_total',
      help: 'Alerts received by webhook, by source and outcome (accepted, rejected, unauthorized, unavailable)',
      labelNames: ['source', 'outcome'] as const,
      registers: [registry],
    }),
    webhookLatency: new Histogram({
      name: 'beacon_webhook_duration_seconds',
      help: 'Time to answer a webhook request, by route and status',
      labelNames: ['route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    jobs: new Counter({
      name: 'beacon_jobs_total',
      help: 'Jobs processed by queue, name and outcome (completed, failed)',
      labelNames: ['queue', 'name', 'outcome'] as const,
      registers: [registry],
    }),
    slackCalls: new Counter({
      name: 'beacon_slack_api_calls_total',
      help: 'Slack Web API calls by method and outcome (ok, error, rate_limited, http_error)',
      labelNames: ['method', 'outcome'] as const,
      registers: [registry],
    }),
    openIncidents: new Gauge({
      name: 'beacon_open_incidents',
      help: 'Open incidents by severity',
      labelNames: ['severity'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
