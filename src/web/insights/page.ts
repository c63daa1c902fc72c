/**
 * `GET /insights` for a signed-in viewer (the router checks the session first): how incidents
 * went over the last `?weeks=` ISO weeks (4 to 52, default 12). The figures are read in two round
 * trips (`src/insights/load.ts`) and the rendered body is kept 30 seconds per window, so
 * repeated views cost a lookup; after that the old body is answered while a new one is computed
 * in the background (up to 5 minutes old), so a viewer waits only when there is nothing recent.
 * The page says when its figures are from.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { TtlCache } from '../../insights/cache.js';
import { loadInsights } from '../../insights/load.js';
import type { SignedIn } from '../auth/types.js';
import { html, type Html } from '../html.js';
import { sendPage } from '../page.js';
import type { WebSources } from '../sources.js';
import { insightsBody, weeksForm } from './view.js';

export const DEFAULT_WEEKS = 12;
/** How long computed figures are shown before they are read again. */
export const FIGURES_TTL_MS = 30_000;
/** After that, the old figures are still shown at once (for at most this long) while new ones are read. */
export const FIGURES_STALE_MS = 5 * 60_000;

export const insightsQuery = z.object({
  weeks: z.preprocess((v) => (v === null || v === '' ? undefined : v), z.coerce.number().int().min(4).max(52).default(DEFAULT_WEEKS)),
});

export type InsightsHandler = (req: IncomingMessage, res: ServerResponse, url: URL, who: SignedIn) => Promise<void>;

function badWeeks(given: string): Html {
  return html`<div class="insights"><div class="insights-head"><h1>Insights</h1>${weeksForm(DEFAULT_WEEKS)}</div><p class="problem" role="alert">“${given}” is not a number of weeks Insights shows: choose a whole number from 4 to 52.</p></div>`;
}

export function insightsPage(src: WebSources): InsightsHandler {
  const cache = new TtlCache<number, Html>(FIGURES_TTL_MS, () => src.now().getTime(), FIGURES_STALE_MS);
  const deps = { incidents: src.incidents, redis: src.redis, keys: src.keys, now: src.now, ...(src.drills ? { drills: src.drills } : {}) };
  return async (_req, res, url, who) => {
    const given = url.searchParams.get('weeks');
    const q = insightsQuery.safeParse({ weeks: given });
    const page = { title: 'Insights', nav: 'insights' as const, viewer: who, styles: ['insights'] };
    if (!q.success) {
      sendPage(res, { ...page, status: 400, body: badWeeks(String(given ?? '').slice(0, 40)) });
      return;
    }
    const { weeks } = q.data;
    const body = await cache.get(weeks, async () => insightsBody(await loadInsights(deps, weeks), weeks));
    sendPage(res, { ...page, body });
  };
}
