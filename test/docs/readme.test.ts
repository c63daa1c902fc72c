import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DATADOG_TEMPLATE } from '../../src/intake/datadog.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Issue #3, "done when" 6: the README carries a working snippet for every source. */
describe('README', () => {
  it('publishes exactly the Datadog template Beacon parses', () => {
    const block = /### Datadog[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    expect(JSON.parse(block!)).toEqual(DATADOG_TEMPLATE);
  });

  it('has a configuration snippet for each source and the change webhook', () => {
    expect(readme).toMatch(/webhook_configs:[\s\S]*http_config:\s*\n\s*authorization:/);
    expect(readme).toContain('/webhooks/grafana');
    expect(readme).toContain('X-Grafana-Alerting-Signature-Timestamp');
    expect(readme).toMatch(/PagerDuty[\s\S]*incident\.triggered[\s\S]*PAGERDUTY_WEBHOOK_SECRET/);
    expect(readme).toContain('/webhooks/changes');
  });

  it('shows the two commands', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm test');
  });
});
