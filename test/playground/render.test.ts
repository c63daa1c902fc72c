import { HtmlValidate } from 'html-validate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderBlocks } from '../../src/dev/playground/blocks.js';
import { renderChannel, renderSidebar } from '../../src/dev/playground/channel.js';
import { Modals, stateValues } from '../../src/dev/playground/modal.js';
import { mrkdwnHtml } from '../../src/dev/playground/mrkdwn.js';
import { renderFilePage, renderShell } from '../../src/dev/playground/page.js';
import { asTyped } from '../../src/dev/playground/typed.js';
import type { NameLookup } from '../../src/dev/mrkdwn-text.js';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';

/** The playground's Block Kit to HTML renderer: every block type, and hostile text kept as text. */

const names: NameLookup = {
  userName: (id) => ({ U0000001: 'alice', U0000002: 'bob' })[id],
  channelName: (id) => ({ C0INC00001: 'inc-20240603-checkout' })[id],
};
const ctx = { names, interactive: true };
const render = (blocks: unknown[]) => renderBlocks(blocks, ctx).value;

const HOSTILE = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>', "' onmouseover='alert(1)"];

/**
 * Markup that could run script or style the page: no such element, no event-handler or style
 * attribute, no javascript: URL. The renderer escapes every `<`, `>` and quote it did not write,
 * so every tag in its output is one it wrote, and scanning tags and their attributes is exact.
 */
function tagsOf(out: string): { name: string; attrs: [string, string][] }[] {
  const tags = [...out.matchAll(/<([a-zA-Z][\w-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*\/?>/g)];
  // Every `<` that opens a tag is one of those tags: nothing half-open slipped through.
  expect(out.match(/<[a-zA-Z]/g)?.length ?? 0).toBe(tags.length);
  return tags.map(([, name = '', attrs = '']) => ({
    name: name.toLowerCase(),
    attrs: [...attrs.matchAll(/\s+([^\s=/>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?/g)].map(([, a = '', v = '']) => [a.toLowerCase(), v.replace(/^["']|["']$/g, '')]),
  }));
}

/** No handler or style attribute, no javascript: (or other non-http) URL, in any tag. */
function assertNoHandlers(out: string): void {
  for (const tag of tagsOf(out)) {
    for (const [attr, value] of tag.attrs) {
      expect(attr).not.toMatch(/^on|^style$|^srcdoc$/);
      // (`data:,` is the page's empty favicon, so the browser asks for none.)
      if (/^(href|src|action|formaction)$/.test(attr)) expect(value).toMatch(/^(https?:\/\/|\?|#|\/|data:,$)/);
    }
  }
}

function assertInert(out: string): void {
  for (const tag of tagsOf(out)) expect(['script', 'img', 'svg', 'iframe', 'object', 'embed', 'style', 'link', 'meta', 'base', 'form']).not.toContain(tag.name);
  assertNoHandlers(out);
}

describe('mrkdwn to HTML', () => {
  it('renders emphasis, code, strike, quotes and line breaks', () => {
    expect(mrkdwnHtml('*bold* and _italic_ and ~gone~ and `x < y`')).toBe('<strong>bold</strong> and <em>italic</em> and <del>gone</del> and <code>x &lt; y</code>');
    expect(mrkdwnHtml('one\ntwo')).toBe('one<br>two');
    expect(mrkdwnHtml('&gt; quoted\nplain')).toBe('<blockquote>quoted</blockquote>plain');
    expect(mrkdwnHtml('```\nif (a < b) *x*\n```')).toBe('<pre class="code">if (a &lt; b) *x*\n</pre>');
    // Markers inside words are not emphasis (snake_case_names, 2*3*4).
    expect(mrkdwnHtml('snake_case_name 2*3*4')).toBe('snake_case_name 2*3*4');
  });

  it('renders links, mentions, channels, broadcasts and dates', () => {
    expect(mrkdwnHtml('<https://grafana.example.com/d/x|Dashboard>')).toBe('<a href="https://grafana.example.com/d/x" target="_blank" rel="noopener noreferrer">Dashboard</a>');
    expect(mrkdwnHtml('lead <@U0000001>, then <@U0000009|zed>', names)).toBe('lead <span class="mention">@alice</span>, then <span class="mention">@zed</span>');
    expect(mrkdwnHtml('see <#C0INC00001>', names)).toContain('>#inc-20240603-checkout</a>');
    expect(mrkdwnHtml('<!here> <!channel>')).toBe('<span class="mention">@here</span> <span class="mention">@channel</span>');
    expect(mrkdwnHtml('<!date^1717403400^{date_short_pretty} {time}|08:30>')).toBe('<time datetime="2024-06-03T08:30:00.000Z">Jun 3 08:30 UTC</time>');
    expect(mrkdwnHtml('*<https://x.example|bold link>*')).toBe('<strong><a href="https://x.example" target="_blank" rel="noopener noreferrer">bold link</a></strong>');
  });

  it('keeps hostile text as text, raw or entity-encoded as Slack sends it', () => {
    for (const h of HOSTILE) {
      const encoded = h.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      for (const out of [mrkdwnHtml(h), mrkdwnHtml(encoded), mrkdwnHtml(`*${encoded}*`), mrkdwnHtml(`<https://x.example|${encoded}>`)]) assertInert(out);
    }
    expect(mrkdwnHtml('&lt;script&gt;alert(1)&lt;/script&gt;')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mrkdwnHtml('<@U1|&lt;img src=x onerror=alert(1)&gt;>')).toBe('<span class="mention">@&lt;img src=x onerror=alert(1)&gt;</span>');
    // Only http(s) becomes a link.
    expect(mrkdwnHtml('<javascript:alert(1)|click me>')).toBe('click me');
    expect(mrkdwnHtml('<data:text/html,hi|x>')).toBe('x');
    // The placeholders the renderer uses inside cannot be smuggled in.
    expect(mrkdwnHtml('\uE0000\uE001 <https://x.example|a>')).toBe('0 <a href="https://x.example" target="_blank" rel="noopener noreferrer">a</a>');
  });
});

describe('what a person types, as Slack passes it on', () => {
  it('escapes &, < and > and turns @name, #channel and @here into their tokens (should_escape)', () => {
    const users = [{ id: 'U0000003', name: 'carol', real_name: 'Carol Chen', is_bot: false }];
    const channels = new SlackSimulator({ botToken: 'xoxb-x' }).channels();
    const general = channels.find((c) => c.name === 'general')!;
    expect(asTyped('role comms @carol', users, channels)).toBe('role comms <@U0000003|carol>');
    expect(asTyped('update a <b> & c, see #general @here; mail@carol.example @nobody', users, channels)).toBe(
      `update a &lt;b&gt; &amp; c, see <#${general.id}|general> <!here>; mail@carol.example @nobody`,
    );
  });
});

describe('Block Kit to HTML', () => {
  it('renders a header, a section with text, fields and a button accessory, a context and a divider', () => {
    const out = render([
      { type: 'header', text: { type: 'plain_text', text: '🔴 #1 Checkout down' } },
      {
        type: 'section',
        block_id: 'summary',
        text: { type: 'mrkdwn', text: '*Status* triggered' },
        fields: [
          { type: 'mrkdwn', text: '*Severity*\nSEV1' },
          { type: 'mrkdwn', text: '*Lead*\n<@U0000001>' },
        ],
        accessory: { type: 'button', action_id: 'open', text: { type: 'plain_text', text: 'Open' }, value: 'v1' },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'by _beacon_' }, { type: 'image', image_url: 'https://img.example/x.png', alt_text: 'logo' }] },
      { type: 'divider' },
    ]);
    expect(out).toContain('<div class="bk-header">🔴 #1 Checkout down</div>');
    expect(out).toContain('<div class="bk-text"><strong>Status</strong> triggered</div>');
    expect(out).toContain('<div class="bk-field"><strong>Severity</strong><br>SEV1</div>');
    expect(out).toContain('<div class="bk-field"><strong>Lead</strong><br><span class="mention">@alice</span></div>');
    expect(out).toContain('<div class="bk-accessory" data-block-id="summary"><button type="button" class="btn" data-kind="button" data-type="button" data-action-id="open" data-block-id="summary" data-value="v1">Open</button></div>');
    expect(out).toContain('<span class="bk-context-part">by <em>beacon</em></span><a class="bk-img" href="https://img.example/x.png" target="_blank" rel="noopener noreferrer">🖼 logo</a>');
    expect(out).toContain('<hr class="bk-divider">');
    assertInert(out);
  });

  it('renders actions: styled buttons, a static select with its choice, an overflow menu', () => {
    const options = ['sev1', 'sev2'].map((v) => ({ text: { type: 'plain_text', text: v.toUpperCase() }, value: v }));
    const out = render([
      {
        type: 'actions',
        block_id: 'incident_controls',
        elements: [
          { type: 'button', action_id: 'incident.acknowledge', style: 'primary', text: { type: 'plain_text', text: 'Acknowledge' } },
          { type: 'button', action_id: 'incident.resolve', style: 'danger', text: { type: 'plain_text', text: 'Resolve' } },
          { type: 'button', action_id: 'docs', url: 'https://docs.example', text: { type: 'plain_text', text: 'Docs' } },
          { type: 'static_select', action_id: 'incident.severity', options, initial_option: options[1], placeholder: { type: 'plain_text', text: 'Severity' } },
          { type: 'overflow', action_id: 'more', options },
        ],
      },
    ]);
    expect(out).toContain('<div class="bk-actions" data-block-id="incident_controls">');
    expect(out).toContain('class="btn btn-primary" data-kind="button" data-type="button" data-action-id="incident.acknowledge" data-block-id="incident_controls"');
    expect(out).toContain('class="btn btn-danger"');
    expect(out).toContain('<a class="btn" href="https://docs.example" target="_blank" rel="noopener noreferrer">Docs</a>');
    expect(out).toContain('<select class="bk-select" data-kind="select" data-type="static_select" data-action-id="incident.severity" data-block-id="incident_controls" aria-label="Severity">');
    expect(out).toContain('<option value="sev2" selected>SEV2</option>');
    expect(out).toContain('<option value="" disabled>Severity</option>');
    expect(out).toContain('data-type="overflow"');
    expect(out).toContain('<option value="" selected disabled>⋯</option>');
  });

  it('renders checkboxes with the ticked ones checked, and radio buttons', () => {
    const steps = [
      { text: { type: 'mrkdwn', text: '*Step 1*: verify the credentials' }, value: 'checkout-payments:s1', description: { type: 'mrkdwn', text: 'ticked by <@U0000002>' } },
      { text: { type: 'mrkdwn', text: '*Step 2*: list changes' }, value: 'checkout-payments:s2' },
    ];
    const out = render([
      { type: 'actions', block_id: 'checklist:checkout-payments:0', elements: [{ type: 'checkboxes', action_id: 'checklist.toggle', options: steps, initial_options: [steps[0]] }] },
      { type: 'section', block_id: 'pick', text: { type: 'mrkdwn', text: 'Pick' }, accessory: { type: 'radio_buttons', action_id: 'r', options: steps } },
    ]);
    expect(out).toContain('<div class="bk-choices" data-kind="choices" data-type="checkboxes" data-action-id="checklist.toggle" data-block-id="checklist:checkout-payments:0" role="group">');
    expect(out).toContain('<input type="checkbox" name="checklist:checkout-payments:0/checklist.toggle" value="checkout-payments:s1" checked>');
    expect(out).toContain('<input type="checkbox" name="checklist:checkout-payments:0/checklist.toggle" value="checkout-payments:s2">');
    expect(out).toContain('<span class="bk-choice-text"><strong>Step 1</strong>: verify the credentials<span class="bk-choice-desc">ticked by <span class="mention">@bob</span></span></span>');
    expect(out).toContain('<input type="radio" name="pick/r" value="checkout-payments:s1">');
  });

  it('renders images as links (nothing is loaded from elsewhere), rich text, markdown and unknown blocks', () => {
    const out = render([
      { type: 'image', image_url: 'https://grafana.example.com/render.png', alt_text: 'payments graph', title: { type: 'plain_text', text: 'Payments' } },
      { type: 'image', image_url: 'javascript:alert(1)', alt_text: 'bad' },
      { type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'hi ' }, { type: 'user', user_id: 'U0000001' }, { type: 'link', url: 'https://x.example', text: 'x' }] }] },
      { type: 'markdown', text: '**not** <b>html</b>' },
      { type: 'carousel' },
    ]);
    expect(out).toContain('<div class="bk-image"><a class="bk-img" href="https://grafana.example.com/render.png" target="_blank" rel="noopener noreferrer">🖼 Payments</a></div>');
    expect(out).toContain('<div class="bk-image"><span class="bk-img">🖼 bad</span></div>');
    expect(out).toContain('<div class="bk-rich"><div>hi <span class="mention">@alice</span><a href="https://x.example" target="_blank" rel="noopener noreferrer">x</a></div></div>');
    expect(out).toContain('<div class="bk-markdown">**not** &lt;b&gt;html&lt;/b&gt;</div>');
    expect(out).toContain('<div class="bk-unknown">[carousel block]</div>');
    assertInert(out);
  });

  it('escapes hostile text in every place a block carries text', () => {
    for (const h of HOSTILE) {
      const plain = { type: 'plain_text', text: h };
      const md = { type: 'mrkdwn', text: h };
      const option = { text: plain, value: h, description: md };
      const out = render([
        { type: 'header', text: plain },
        { type: 'section', block_id: h, text: md, fields: [md, plain], accessory: { type: 'button', action_id: h, text: plain, value: h } },
        { type: 'context', elements: [md, plain, { type: 'image', image_url: h, alt_text: h }] },
        { type: 'actions', block_id: h, elements: [{ type: 'static_select', action_id: h, options: [option], placeholder: plain }, { type: 'checkboxes', action_id: h, options: [option] }] },
        { type: 'image', image_url: `https://x.example/${h}`, alt_text: h },
        { type: 'input', block_id: h, label: plain, hint: md, element: { type: 'plain_text_input', action_id: h, placeholder: plain, initial_value: h } },
        { type: 'markdown', text: h },
        { type: h },
      ]);
      assertInert(out);
      expect(out).toContain(h.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'));
    }
  });

  it('shows controls of a message nobody can act on as disabled', () => {
    const out = renderBlocks([{ type: 'actions', elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'A' } }] }], { names, interactive: false }).value;
    expect(out).toMatch(/<button [^>]*disabled>A<\/button>/);
  });
});

describe('modals', () => {
  const view = {
    id: 'V0000000001',
    userId: 'U0000001',
    view: {
      type: 'modal',
      callback_id: 'declare',
      title: { type: 'plain_text', text: 'Declare an incident' },
      submit: { type: 'plain_text', text: 'Declare' },
      blocks: [
        { type: 'input', block_id: 't', label: { type: 'plain_text', text: 'Title' }, element: { type: 'plain_text_input', action_id: 'title' } },
        {
          type: 'input',
          block_id: 's',
          label: { type: 'plain_text', text: 'Severity' },
          element: { type: 'static_select', action_id: 'severity', options: [{ text: { type: 'plain_text', text: 'SEV2' }, value: 'sev2' }] },
        },
        {
          type: 'input',
          block_id: 'p',
          optional: true,
          label: { type: 'plain_text', text: 'Who sees it' },
          element: { type: 'checkboxes', action_id: 'private', options: [{ text: { type: 'plain_text', text: 'Private' }, value: 'private' }] },
        },
        { type: 'input', block_id: 'd', optional: true, label: { type: 'plain_text', text: 'What' }, element: { type: 'plain_text_input', action_id: 'description', multiline: true } },
      ],
    },
  };

  it('renders the view as a form with its inputs and the errors Beacon sent back', () => {
    const modals = new Modals();
    modals.setErrors(view.id, { t: 'Give the incident a title.' });
    const out = modals.render(view, names).value;
    expect(out).toContain('<form class="modal" role="dialog" aria-modal="true" aria-labelledby="modal-title" data-view-id="V0000000001" novalidate>');
    expect(out).toContain('<h2 id="modal-title">Declare an incident</h2>');
    expect(out).toContain('<input type="text" data-input="t" data-action-id="title" data-type="plain_text_input" placeholder="" value="">');
    expect(out).toContain('<select data-input="s" data-action-id="severity" data-type="static_select">');
    expect(out).toContain('<textarea rows="4" data-input="d" data-action-id="description" data-type="plain_text_input" placeholder=""></textarea>');
    expect(out).toContain('<div class="bk-error" role="alert">Give the incident a title.</div>');
    expect(out).toContain('<button type="submit" class="btn btn-primary">Declare</button>');
    modals.close(view.id);
    expect(modals.render(undefined, names).value).toBe('');
  });

  it("builds view.state.values as Slack does, from the view's own inputs and options", () => {
    const values = stateValues(view, { t: { title: 'Checkout down' }, s: { severity: 'sev2' }, p: { private: ['private', 'made-up'] }, x: { y: 'ignored' } });
    expect(values).toEqual({
      t: { title: { type: 'plain_text_input', value: 'Checkout down' } },
      s: { severity: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'SEV2' }, value: 'sev2' } } },
      p: { private: { type: 'checkboxes', selected_options: [{ text: { type: 'plain_text', text: 'Private' }, value: 'private' }] } },
      d: { description: { type: 'plain_text_input', value: null } },
    });
  });
});

describe('the page, a channel and a file', () => {
  const sim = new SlackSimulator({ botToken: 'xoxb-render-test' });
  let api = '';
  const call = async (method: string, args: Record<string, unknown>) => {
    const res = await fetch(`${api}${method}`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer xoxb-render-test' }, body: JSON.stringify(args) });
    const body = (await res.json()) as { ok: boolean; channel?: { id: string }; ts?: string; error?: string };
    if (!body.ok) throw new Error(`${method}: ${body.error}`);
    return body;
  };
  let channelId = '';
  let cardTs = '';

  beforeAll(async () => {
    api = await sim.start();
    channelId = (await call('conversations.create', { name: 'inc-20240603-checkout' })).channel!.id;
    await call('conversations.invite', { channel: channelId, users: 'U0000001,U0000002' });
    await call('conversations.setTopic', { channel: channelId, topic: 'sev1 | triggered | <script>alert(1)</script>' });
    const card = await call('chat.postMessage', {
      channel: channelId,
      text: 'card',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '🔴 #1 <img src=x onerror=alert(1)>' } },
        { type: 'actions', block_id: 'incident_controls', elements: [{ type: 'button', action_id: 'incident.acknowledge', text: { type: 'plain_text', text: 'Acknowledge' } }] },
      ],
    });
    cardTs = card.ts!;
    await call('pins.add', { channel: channelId, timestamp: cardTs });
    await call('chat.update', { channel: channelId, ts: cardTs, text: 'card', blocks: [{ type: 'header', text: { type: 'plain_text', text: '🔴 #1 <img src=x onerror=alert(1)> (acked)' } }] });
    sim.userMessage({ userId: 'U0000001', channelId, text: 'looking &lt;b&gt;now&lt;/b&gt;', threadTs: cardTs });
    sim.ephemerals.push({ channel: channelId, user: 'U0000002', text: 'Only for *bob*', source: 'command_ack', at: Date.now() });
  });
  afterAll(() => sim.stop());

  it('renders the channel: topic, pinned list and mark, edited, the thread under its parent, ephemerals only for their person', () => {
    const forBob = renderChannel(sim, channelId, 'U0000002').value;
    expect(forBob).toContain('<div class="topic" title="Channel topic">sev1 | triggered | &lt;script&gt;alert(1)&lt;/script&gt;</div>');
    expect(forBob).toMatch(/<details class="pins" id="pins-C\w+"><summary>📌 1 pinned<\/summary><ol><li><a href="#m-\d+-\d+">🔴 #1 &lt;img src=x onerror=alert\(1\)&gt; \(acked\)<\/a><\/li><\/ol><\/details>/);
    expect(forBob).toContain('<span class="edited">(edited)</span><span class="pin-mark" title="Pinned">📌 Pinned</span>');
    expect(forBob).toMatch(/<details class="thread" id="t-\d+-\d+"><summary>1 reply<\/summary><div class="thread-list"><article class="msg reply"/);
    expect(forBob).toContain('looking &lt;b&gt;now&lt;/b&gt;');
    expect(forBob).toContain('<span class="only-you">Only visible to you</span>');
    expect(forBob).toContain('Only for <strong>bob</strong>');
    expect(renderChannel(sim, channelId, 'U0000001').value).not.toContain('Only visible to you');
    assertInert(forBob);
  });

  it("tells subscribers what may have changed (the page's live updates hang on it)", async () => {
    const seen: string[] = [];
    const off = sim.onChange((c) => seen.push(c.method ? `${c.source}:${c.method}` : c.source));
    await call('chat.postMessage', { channel: channelId, text: 'hello' });
    sim.userMessage({ userId: 'U0000001', channelId, text: 'hi' });
    off();
    await call('chat.postMessage', { channel: channelId, text: 'unseen' });
    expect(seen).toEqual(['api:chat.postMessage', 'person']);
  });

  it('hides private channels from people who are not in them', async () => {
    await call('conversations.create', { name: 'inc-private-one', is_private: true });
    expect(renderSidebar(sim, 'U0000001', channelId).value).not.toContain('inc-private-one');
    const secret = sim.channelByName('inc-private-one')!;
    await call('conversations.invite', { channel: secret.id, users: 'U0000001' });
    expect(renderSidebar(sim, 'U0000001', channelId).value).toContain('<span class="chan-mark" title="private channel">🔒</span> <span class="chan-name">inc-private-one</span>');
  });

  it('renders a whole page and a file page that pass the HTML validator, with no inline script or style', async () => {
    const validator = new HtmlValidate({ extends: ['html-validate:recommended'], rules: { 'no-inline-style': 'error', 'require-sri': 'off' } });
    const page = renderShell({
      nonce: 'bm9uY2U=',
      channelId,
      userId: 'U0000001',
      people: sim.users().filter((u) => !u.is_bot).slice(0, 3),
      sidebar: renderSidebar(sim, 'U0000001', channelId),
      channel: renderChannel(sim, channelId, 'U0000001'),
      modal: new Modals().render(undefined, names),
      runbooksDir: './runbooks',
      drillsDir: './drills',
    });
    const file = renderFilePage({ nonce: 'bm9uY2U=', id: 'F0000001', name: 'postmortem-1.md', content: '# Postmortem\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))' });
    for (const doc of [page, file]) {
      const report = await validator.validateString(doc);
      expect(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`))).toEqual([]);
      const scripts = tagsOf(doc).filter((t) => t.name === 'script');
      expect(scripts.map((t) => t.attrs)).toEqual(doc === page ? [[['nonce', 'bm9uY2U='], ['src', '/assets/playground.js'], ['defer', '']]] : []);
      expect(tagsOf(doc).filter((t) => t.name === 'style')).toEqual([]);
      assertNoHandlers(doc);
    }
    expect(file).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // markdown-it refuses the javascript: link: it stays text.
    expect(file).toContain('<p>[x](javascript:alert(1))</p>');
  });
});
