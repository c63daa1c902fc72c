/**
 * Every alert source Beacon takes, by name: what the webhook routes look up.
 */
import type { WebhookSource } from '../domain.js';
import { alertmanagerIntake } from './alertmanager.js';
import { datadogIntake } from './datadog.js';
import { grafanaIntake } from './grafana.js';
import type { IntakeModule } from './index.js';
import { genericIntake } from './index.js';
import { pagerdutyIntake } from './pagerduty.js';

export { alertmanagerIntake } from './alertmanager.js';
export { datadogIntake, DATADOG_TEMPLATE } from './datadog.js';
export { grafanaIntake } from './grafana.js';
export { pagerdutyIntake } from './pagerduty.js';
export { verifyGrafanaSignature, verifyPagerDutySignature } from './signatures.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each module has its own body type
export const intakeModules: Record<WebhookSource, IntakeModule<any>> = {
  alertmanager: alertmanagerIntake,
  grafana: grafanaIntake,
  datadog: datadogIntake,
  pagerduty: pagerdutyIntake,
  generic: genericIntake,
};
