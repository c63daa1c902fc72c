/**
 * The playground's documents: the Slack-like page itself (sidebar with the person picker, the
 * channels, the scenarios and the runbooks note; the channel; the composer; the modal), and the
 * page that opens an uploaded file (the postmortem, rendered from its Markdown with raw HTML off).
 */
import MarkdownIt from 'markdown-it';
import { html, raw, type Html } from '../../web/html.js';
import type { SimUser } from '../slack-simulator.js';

export interface Shell {
  nonce: string;
  channelId: string;
  userId: string;
  people: SimUser[];
  sidebar: Html;
  channel: Html;
  modal: Html;
  runbooksDir: string;
  drillsDir: string;
}

function head(title: string, nonce: string, script: boolean): Html {
  return html`<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><title>${title}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/playground.css">${
    script ? html`<script nonce="${nonce}" src="/assets/playground.js" defer></script>` : ''
  }</head>`;
}

const SCENARIO_BUTTONS: { name: string; label: string; what: string }[] = [
  { name: 'seed', label: 'Seed incident', what: "2024-06-03 again: the payment gateway key is rotated, then checkout's payments alert fires" },
  { name: 'storm', label: 'Alert storm', what: '1,000 alerts of one group in one delivery: one incident, counted' },
  { name: 'drill', label: 'Drill', what: '/incident drill checkout-credentials, typed by you in this channel' },
];

function sidebar(s: Shell): Html {
  return html`<aside class="sidebar"><div class="workspace"><strong>Beacon playground</strong><span>a simulated Slack workspace</span></div><label class="person"><span>You are</span> <select id="person">${s.people.map(
    (p) => html`<option value="${p.id}"${p.id === s.userId ? raw(' selected') : ''}>${p.real_name} (@${p.name})</option>`,
  )}</select></label><h3 class="side-title">Channels</h3><nav id="sidebar" aria-label="Channels">${s.sidebar}</nav><section class="scenarios" aria-labelledby="scenarios-title"><h3 class="side-title" id="scenarios-title">Scenarios</h3>${SCENARIO_BUTTONS.map(
    (b) => html`<div class="scenario"><button type="button" class="btn" data-scenario="${b.name}">${b.label}</button><small>${b.what}</small></div>`,
  )}</section><section class="note"><h3 class="side-title">Runbooks</h3><p>Beacon reads runbooks from <code>RUNBOOKS_DIR</code> (here <code>${s.runbooksDir}</code>) and drills from <code>DRILLS_DIR</code> (<code>${s.drillsDir}</code>). Edit one, restart <code>npm run playground</code> and it is what you see here: a preview before you commit it.</p></section></aside>`;
}

export function renderShell(s: Shell): string {
  const doc = html`<html lang="en">${head('Beacon playground', s.nonce, true)}<body data-channel="${s.channelId}" data-user="${s.userId}"><div class="app">${sidebar(
    s,
  )}<main class="main"><section id="channel" class="chan-view" aria-label="Channel">${s.channel}</section><div id="reply-to" class="reply-to" hidden>Replying in a thread <button type="button" class="link" id="reply-cancel">cancel</button></div><form id="composer" class="composer"><label class="visually-hidden" for="composer-text">Message</label><input type="text" id="composer-text" name="text" autocomplete="off" maxlength="4000" placeholder="Message, or /incident help"><button type="submit" class="btn btn-primary">Send</button></form><div id="toast" class="toast" role="status" aria-live="polite"></div></main></div><div id="modal">${s.modal}</div></body></html>`;
  return `<!DOCTYPE html>\n${doc.value}\n`;
}

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

/** An uploaded file opened from its message: Markdown rendered (no raw HTML), anything else as text. */
export function renderFilePage(p: { nonce: string; id: string; name: string; content: string }): string {
  const isMarkdown = /\.(md|markdown)$/i.test(p.name);
  const body = isMarkdown ? raw(md.render(p.content)) : html`<pre>${p.content}</pre>`;
  const doc = html`<html lang="en">${head(p.name, p.nonce, false)}<body class="file-page"><header class="file-head"><h1>📎 ${p.name}</h1><a href="/files/${p.id}?raw=1">raw</a></header><article class="file-body">${body}</article></body></html>`;
  return `<!DOCTYPE html>\n${doc.value}\n`;
}
