import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { assetPath } from './assets.js';
import { html, type Html } from './html.js';

/** Who is looking at a page, once signed in with Slack. */
export interface Viewer {
  userId: string;
  teamId: string;
  name: string;
}

export type Nav = 'incidents' | 'insights' | 'status';

export interface PageOptions {
  title: string;
  body: Html;
  status?: number;
  nav?: Nav;
  /** Signed in: the header shows the name and a sign-out form carrying `csrf`. */
  viewer?: { viewer: Viewer; csrf: string };
  /** Public pages (the status page) may be cached for a few seconds; signed-in pages never. */
  cacheSeconds?: number;
  /** More stylesheets served by Beacon (`/assets/<name>.css`), after beacon.css. */
  styles?: string[];
  /** Scripts served by Beacon (`/assets/<name>.js`), each given the page's nonce. */
  scripts?: string[];
  /** Show the navigation to signed-in pages (false on the public status page). */
  signedInNav?: boolean;
}

/**
 * The headers every page carries: a strict Content-Security-Policy (nothing from elsewhere, no
 * inline script without the page's nonce, no inline style), no framing, no sniffing, no referrer
 * beyond the origin.
 */
export function securityHeaders(nonce: string): Record<string, string> {
  return {
    'content-security-policy': [
      "default-src 'none'",
      `script-src 'self' 'nonce-${nonce}'`,
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'same-origin',
  };
}

const NAV: { id: Nav; href: string; label: string }[] = [
  { id: 'incidents', href: '/incidents', label: 'Incidents' },
  { id: 'insights', href: '/insights', label: 'Insights' },
  { id: 'status', href: '/status', label: 'Status' },
];

function header(o: PageOptions): Html {
  const links = (o.signedInNav ?? true) ? NAV : NAV.filter((n) => n.id === 'status');
  return html`<header class="top"><a class="brand" href="${o.signedInNav === false ? '/status' : '/incidents'}">Beacon</a><nav aria-label="Main">${links.map(
    (n) => html`<a href="${n.href}"${n.id === o.nav ? html` aria-current="page"` : ''}>${n.label}</a>`,
  )}</nav>${
    o.viewer
      ? html`<form class="signout" method="post" action="/auth/logout"><input type="hidden" name="csrf" value="${o.viewer.csrf}"><span class="who">${o.viewer.viewer.name}</span> <button type="submit">Sign out</button></form>`
      : ''
  }</header>`;
}

/** The whole document around a page's body. */
export function renderPage(o: PageOptions, nonce: string): string {
  const scripts = (o.scripts ?? []).map((s) => html`<script nonce="${nonce}" src="${assetPath(`${s}.js`)}" defer></script>`);
  return `<!DOCTYPE html>\n${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><title>${o.title} · Beacon</title><link rel="icon" type="image/svg+xml" href="${assetPath('favicon.svg')}"><link rel="stylesheet" href="${assetPath('beacon.css')}">${(o.styles ?? []).map((s) => html`<link rel="stylesheet" href="${assetPath(`${s}.css`)}">`)}${scripts}</head><body>${header(o)}<main>${o.body}</main></body></html>`.value}\n`;
}

/** Sends a page with its headers; every page gets a fresh nonce. */
export function sendPage(res: ServerResponse, o: PageOptions): void {
  const nonce = randomBytes(16).toString('base64');
  const body = renderPage(o, nonce);
  res.writeHead(o.status ?? 200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': o.cacheSeconds ? `public, max-age=${o.cacheSeconds}` : 'no-store',
    ...(o.viewer ? { vary: 'Cookie' } : {}),
    ...securityHeaders(nonce),
  });
  res.end(body);
}
