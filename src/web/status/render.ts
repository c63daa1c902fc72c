import { html, type Html } from '../html.js';
import { PUBLIC_STATE_WORDS, SERVICE_HEALTH_WORDS, type StatusIncident, type StatusReport, type StatusService } from '../../status/model.js';

/**
 * The public status page's body, from the status model (src/status/model.ts). Every piece of text
 * is escaped by the `html` template; there is no markup in it that came from a person. Times are
 * UTC in `<time datetime>` (the optional local-time script adds the viewer's zone beside them).
 * Public updates are listed newest first, as status pages do.
 */

/** `2026-12-01 08:12 UTC`. */
export function utc(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const time = (iso: string): Html => html`<time datetime="${new Date(Date.parse(iso)).toISOString()}">${utc(iso)}</time>`;

function incident(i: StatusIncident, n: string): Html {
  const head = `inc-${n}`;
  return html`<article class="status-incident state-${i.state}" aria-labelledby="${head}">
<h3 id="${head}">${i.title}</h3>
<p class="status-facts"><span class="status-state state-${i.state}">${PUBLIC_STATE_WORDS[i.state]}</span> <span class="muted">Started ${time(i.startedAt)}${i.resolvedAt ? html` · resolved ${time(i.resolvedAt)}` : ''}</span></p>
<ol class="status-updates">${i.updates.map(
    (u) => html`<li><p class="status-update-head"><strong class="state-${u.state}">${PUBLIC_STATE_WORDS[u.state]}</strong> <span class="muted">${time(u.at)}</span></p><p class="status-update-text">${u.text}</p></li>`,
  )}</ol>
</article>`;
}

function service(s: StatusService, n: number): Html {
  const head = `svc-${n}`;
  return html`<section class="status-service health-${s.health}" aria-labelledby="${head}">
<h2 id="${head}"><span class="status-service-name">${s.name}</span> <span class="status-health health-${s.health}">${SERVICE_HEALTH_WORDS[s.health]}</span></h2>
${s.incidents.map((i, k) => incident(i, `${n}-${k + 1}`))}
</section>`;
}

export function renderStatusBody(r: StatusReport): Html {
  return html`<div class="status">
<section class="status-banner health-${r.health}">
<h1>${r.summary}</h1>
<p class="muted">As of ${time(r.generatedAt)}.<span class="zone-note"></span></p>
</section>
${r.services.length ? r.services.map((s, n) => service(s, n + 1)) : html`<p class="status-quiet">No incidents reported in the last 7 days.</p>`}
<footer class="status-foot muted"><p>${r.services.length ? 'Updates are listed newest first. ' : ''}Resolved incidents stay listed for 7 days. Also as <a href="/status.json">JSON</a>.</p></footer>
</div>`;
}
