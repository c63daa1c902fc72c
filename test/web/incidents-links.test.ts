import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newDeclaredIncident } from '../../src/incidents/model.js';
import { renderCard } from '../../src/slack/blocks/card.js';
import { startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';
import { ALICE, alertIncident, command } from '../e2e/lifecycle-helpers.js';

/**
 * Issue 14: with PUBLIC_URL set, the pinned card and the channel summaries link to the incident's
 * page, as the simulator recorded the messages Beacon posted. The same Beacon (no SLACK_CLIENT_ID)
 * answers the incident pages 404, like any unknown path, and serves its assets.
 */
describe('links from Slack to the incident page', () => {
  const PUBLIC_URL = 'https://beacon.example.com';
  let b: TestBeacon;
  beforeAll(async () => {
    b = await startBeacon({ env: { PUBLIC_URL: `${PUBLIC_URL}/` } });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('the card and a summary carry "Open in Beacon" to PUBLIC_URL/incidents/<id>', async () => {
    const o = await alertIncident(b, 'weblinks');
    const link = `<${PUBLIC_URL}/incidents/${o.incidentId}|Open in Beacon>`;
    const card = b.sim.messages(o.channelId).find((m) => m.ts === o.cardTs);
    expect(JSON.stringify(card?.blocks)).toContain(JSON.stringify(link).slice(1, -1));
    await command(b, o.channelId, ALICE, 'summary');
    const summary = await waitFor(() => b.sim.messages(o.channelId).find((m) => m.text.startsWith('Summary of incident')), { what: 'summary' });
    const context = (summary.blocks ?? []).filter((bl) => bl.type === 'context').map((bl) => JSON.stringify(bl));
    expect(context.some((c) => c.includes(JSON.stringify(link).slice(1, -1)))).toBe(true);
  });

  it('without PUBLIC_URL the card has no such link', () => {
    const inc = newDeclaredIncident('nolink', 1, { title: 'No link', severity: 'sev3', declaredBy: ALICE }, new Date());
    expect(JSON.stringify(renderCard(inc, new Date()).blocks)).not.toContain('Open in Beacon');
    expect(JSON.stringify(renderCard(inc, new Date(), { publicUrl: PUBLIC_URL }).blocks)).toContain(`<${PUBLIC_URL}/incidents/nolink|Open in Beacon>`);
  });

  it('without SLACK_CLIENT_ID the pages answer like an unknown path; the assets are served', async () => {
    const unknown = await fetch(`${b.url}/no-such-page`);
    const unknownBody = await unknown.text();
    for (const path of ['/incidents', '/incidents/abc123', '/insights']) {
      const res = await fetch(`${b.url}${path}`, { redirect: 'manual' });
      expect([res.status, await res.text()], path).toEqual([unknown.status, unknownBody]);
    }
    const css = await fetch(`${b.url}/assets/beacon.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });
});
