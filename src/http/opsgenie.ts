import type { BodyRoute, SenderDeps } from './routes.js';

/** Placeholder: the routes of this sender are being built (issue 11). */
export function opsgenieRoutes(deps: SenderDeps): BodyRoute[] {
  void deps;
  return [];
}
