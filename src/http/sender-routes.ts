import { githubRoutes } from './github.js';
import { opsgenieRoutes } from './opsgenie.js';
import { pagerdutyEventsRoutes } from './pagerduty-events.js';
import type { BodyRoute, SenderDeps } from './routes.js';
import { vaultRoutes } from './vault.js';

/** Every sender that speaks its own API to Beacon, as the originals answer it. */
export function senderRoutes(deps: SenderDeps): BodyRoute[] {
  return [...pagerdutyEventsRoutes(deps), ...opsgenieRoutes(deps), ...githubRoutes(deps), ...vaultRoutes(deps)];
}
