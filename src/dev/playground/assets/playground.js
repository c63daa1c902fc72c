// Beacon playground, the page's only script (served by the playground; no inline script anywhere).
// It shows what the server renders from the simulator and sends what a person does back to the
// server, which sends it into Beacon as Slack would. It never builds markup from message text.
'use strict';

(() => {
  const body = document.body;
  const state = { channel: body.dataset.channel, user: body.dataset.user, replyTo: null };
  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------------------------------------
  // Talking to the server
  // ---------------------------------------------------------------------------------------------

  let toastTimer;
  function toast(text, isError) {
    const el = $('toast');
    el.textContent = text;
    el.classList.toggle('error', Boolean(isError));
    el.classList.toggle('shown', Boolean(text));
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => {
      el.textContent = '';
      el.classList.remove('shown', 'error');
    }, isError ? 8000 : 4000);
  }

  async function post(path, data) {
    let json = {};
    try {
      const res = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: state.user, ...data }),
      });
      json = await res.json().catch(() => ({}));
      if (!res.ok || json.ok === false) {
        const issues = Array.isArray(json.issues) ? ` (${json.issues.join('; ')})` : '';
        toast(`${json.error || `HTTP ${res.status}`}${issues}`, true);
      } else if (json.note) toast(json.note, false);
    } catch (err) {
      toast(`The playground did not answer: ${err}`, true);
    }
    // Show the server's state even if it did not change: a checkbox Beacon refused to tick must
    // not stay ticked on the page.
    shown.clear();
    scheduleRefresh();
    return json;
  }

  async function fragment(name) {
    const q = new URLSearchParams({ channel: state.channel, user: state.user });
    const res = await fetch(`/fragment/${name}?${q}`);
    if (!res.ok) throw new Error(`/fragment/${name}: HTTP ${res.status}`);
    return res.text();
  }

  // ---------------------------------------------------------------------------------------------
  // Showing what the server rendered
  // ---------------------------------------------------------------------------------------------

  function localizeTimes(root) {
    for (const t of root.querySelectorAll('time[datetime]')) {
      const d = new Date(t.getAttribute('datetime'));
      if (Number.isNaN(d.getTime())) continue;
      t.title = `${d.toLocaleString()} (${d.toISOString().slice(0, 19).replace('T', ' ')} UTC)`;
      if (t.closest('.msg-head')) t.textContent = d.toLocaleTimeString();
    }
  }

  const shown = new Map();
  let jumpToBottom = false;
  /** Threads to show open once they exist: the ones this person just replied in. */
  const openThreads = new Set();

  /** Replaces an element's content, keeping open <details>, the scroll position, and typed values. */
  function swap(el, html, keepValues) {
    if (shown.get(el) === html) return false;
    const open = new Set([...el.querySelectorAll('details[open][id]')].map((d) => d.id).concat([...openThreads]));
    const scroller = el.closest('.chan-view') || el;
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
    const top = scroller.scrollTop;
    const values = keepValues ? readInputs(el) : null;
    el.innerHTML = html;
    shown.set(el, html);
    for (const id of open) {
      const d = document.getElementById(id);
      if (d && el.contains(d)) d.open = true;
    }
    if (values) writeInputs(el, values);
    localizeTimes(el);
    scroller.scrollTop = atBottom || jumpToBottom ? scroller.scrollHeight : top;
    return true;
  }

  let refreshing = false;
  let again = false;
  let timer;
  function scheduleRefresh() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 30);
  }

  async function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    try {
      const [sidebar, channel, modal] = await Promise.all([fragment('sidebar'), fragment('channel'), fragment('modal')]);
      swap($('sidebar'), sidebar, false);
      swap($('channel'), channel, false);
      jumpToBottom = false;
      showModal(modal);
      const name = document.querySelector('.chan-head h2');
      if (name) $('composer-text').placeholder = `Message ${name.textContent.replace(/\s+/g, ' ').trim().replace(/^# /, '#')}, or /incident help`;
      body.dataset.refreshed = String(Date.now());
    } catch (err) {
      toast(String(err), true);
    } finally {
      refreshing = false;
      if (again) {
        again = false;
        scheduleRefresh();
      }
    }
  }

  function showModal(html) {
    const root = $('modal');
    const current = root.querySelector('form[data-view-id]');
    const sameView = current && html.includes(`data-view-id="${current.dataset.viewId}"`);
    if (swap(root, html, sameView) && !sameView) {
      const first = root.querySelector('input, textarea, select');
      if (first) first.focus();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reading controls: what was picked, as Slack reports it
  // ---------------------------------------------------------------------------------------------

  function checkedValues(group) {
    return [...group.querySelectorAll('input:checked')].map((i) => i.value);
  }

  function inputValue(el) {
    const type = el.dataset.type;
    if (type === 'checkboxes' || type === 'radio_buttons') {
      const values = checkedValues(el);
      return type === 'checkboxes' ? values : values[0] || null;
    }
    if (el.multiple) return [...el.selectedOptions].map((o) => o.value);
    return el.value === '' ? null : el.value;
  }

  function readInputs(root) {
    const out = {};
    for (const el of root.querySelectorAll('[data-input]')) {
      const block = el.dataset.input;
      out[block] = out[block] || {};
      out[block][el.dataset.actionId] = inputValue(el);
    }
    return out;
  }

  function writeInputs(root, values) {
    for (const el of root.querySelectorAll('[data-input]')) {
      const v = (values[el.dataset.input] || {})[el.dataset.actionId];
      if (v === undefined) continue;
      const list = Array.isArray(v) ? v : v === null ? [] : [v];
      if (el.dataset.type === 'checkboxes' || el.dataset.type === 'radio_buttons') {
        for (const i of el.querySelectorAll('input')) i.checked = list.includes(i.value);
      } else if (el.multiple) {
        for (const o of el.options) o.selected = list.includes(o.value);
      } else el.value = list[0] || '';
    }
  }

  /** The message a control is in, and the control's block and action ids. */
  function target(el) {
    const msg = el.closest('[data-ts]');
    if (!msg) return null;
    return { channel: state.channel, ts: msg.dataset.ts, actionId: el.dataset.actionId, ...(el.dataset.blockId ? { blockId: el.dataset.blockId } : {}) };
  }

  // ---------------------------------------------------------------------------------------------
  // What a person does
  // ---------------------------------------------------------------------------------------------

  function selectChannel(id) {
    state.channel = id;
    state.replyTo = null;
    $('reply-to').hidden = true;
    history.replaceState(null, '', `/?channel=${encodeURIComponent(id)}&user=${encodeURIComponent(state.user)}`);
    body.dataset.channel = id;
    jumpToBottom = true;
    refresh();
  }

  document.addEventListener('click', (ev) => {
    const el = ev.target instanceof Element ? ev.target : null;
    if (!el) return;
    const chan = el.closest('a[data-channel]');
    if (chan) {
      ev.preventDefault();
      selectChannel(chan.dataset.channel);
      return;
    }
    const button = el.closest('button[data-kind="button"]');
    if (button && !button.closest('.modal')) {
      const t = target(button);
      if (t) post('/api/action', { ...t, type: 'button', ...(button.dataset.value ? { value: button.dataset.value } : {}) });
      return;
    }
    const react = el.closest('button[data-react]');
    if (react) {
      const msg = react.closest('[data-ts]');
      post('/api/react', { channel: state.channel, ts: msg.dataset.ts, reaction: react.dataset.react });
      return;
    }
    const reply = el.closest('button[data-reply]');
    if (reply) {
      state.replyTo = reply.dataset.reply;
      $('reply-to').hidden = false;
      $('composer-text').focus();
      return;
    }
    if (el.closest('#reply-cancel')) {
      state.replyTo = null;
      $('reply-to').hidden = true;
      return;
    }
    const scenario = el.closest('button[data-scenario]');
    if (scenario) {
      post('/api/scenario', { channel: state.channel, name: scenario.dataset.scenario });
      return;
    }
    if (el.closest('[data-modal-close]')) {
      const form = el.closest('form[data-view-id]');
      post('/api/view/close', { viewId: form.dataset.viewId });
    }
  });

  document.addEventListener('change', (ev) => {
    const el = ev.target instanceof Element ? ev.target : null;
    if (!el || el.closest('.modal')) return;
    if (el.id === 'person') {
      state.user = el.value;
      body.dataset.user = el.value;
      history.replaceState(null, '', `/?channel=${encodeURIComponent(state.channel)}&user=${encodeURIComponent(state.user)}`);
      refresh();
      return;
    }
    if (el.matches('select[data-kind="select"]')) {
      const t = target(el);
      if (!t) return;
      const type = el.dataset.type;
      const picked = el.multiple ? { selectedOptions: [...el.selectedOptions].map((o) => ({ value: o.value })) } : { selectedOption: { value: el.value } };
      post('/api/action', { ...t, type, ...picked });
      return;
    }
    const group = el.closest('[data-kind="choices"]');
    if (group) {
      const t = target(group);
      if (!t) return;
      const values = checkedValues(group);
      const picked = group.dataset.type === 'checkboxes' ? { selectedOptions: values.map((value) => ({ value })) } : { selectedOption: { value: values[0] } };
      post('/api/action', { ...t, type: group.dataset.type, ...picked });
    }
  });

  document.addEventListener('submit', async (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement)) return;
    ev.preventDefault();
    if (form.id === 'composer') {
      const input = $('composer-text');
      const text = input.value.trim();
      if (!text) return;
      input.value = '';
      if (state.replyTo) openThreads.add(`t-${state.replyTo.replace('.', '-')}`);
      const answer = await post('/api/send', { channel: state.channel, text, ...(state.replyTo ? { threadTs: state.replyTo } : {}) });
      if (answer.ok === false) input.value = text;
      return;
    }
    if (form.dataset.viewId) post('/api/view', { viewId: form.dataset.viewId, values: readInputs(form) });
  });

  // ---------------------------------------------------------------------------------------------
  // Live: every change in the simulated workspace re-fetches what the page shows
  // ---------------------------------------------------------------------------------------------

  const events = new EventSource('/events');
  events.addEventListener('change', scheduleRefresh);
  events.addEventListener('hello', () => {
    body.dataset.live = 'yes';
    scheduleRefresh();
  });
  events.addEventListener('error', () => {
    body.dataset.live = 'no';
  });
  localizeTimes(document);
  const view = $('channel');
  view.scrollTop = view.scrollHeight;
})();
