/**
 * The runbook checklist message (one per attached runbook) and the "what changed before this
 * started" message. Pure: state in, Block Kit out, re-rendered whole on every change.
 *
 * Block Kit limits kept here: 50 blocks a message, 10 options per checkboxes element, 75
 * characters for an option's text and description, 150 for a header, 3000 for a section or
 * context text, 255 for a block_id. Every piece of text that did not come from Beacon itself
 * (runbook text, check summaries, change summaries, authors) goes through `esc`.
 */
import type { ChangeEvent } from '../../domain.js';
import {
  formatHours,
  isRiskyChange,
  orderChanges,
  relativeToStart,
  type CheckResult,
  type CheckStatus,
} from '../../runbooks/checks/index.js';
import type { Runbook, RunbookStep } from '../../runbooks/format.js';
import type { RunbookChecklistState } from '../../runbooks/checklist-store.js';
import { capitalize, changeKindLabel } from '../../words.js';
import { cut, esc, link, mention, slackDate } from '../escape.js';
import { ACTIONS } from './ids.js';
import { context, plain, section, type Block, type SlackMessage } from './types.js';

/** Slack's limits that shape this message. */
export const MAX_BLOCKS = 50;
export const MAX_CHECKBOX_OPTIONS = 10;
export const MAX_OPTION_TEXT = 75;
const MAX_SECTION_TEXT = 3000;
const MAX_CONTEXT_ELEMENTS = 10;

/** What one step shows: a tick and/or the latest check result (the checklist store's state, less where its message is). */
export type ChecklistRenderState = Omit<RunbookChecklistState, 'message'>;

export const CHECK_ICON: Record<CheckStatus, string> = { pass: '✅', fail: '⚠️', error: '❌' };

const BLOCK_PREFIX = 'checklist';
const CONTROLS_PREFIX = 'checklist-controls';

/**
 * `checklist:<runbook>:<chunk>`: the block of steps `chunk*10+1` to `chunk*10+10`; once some of
 * them are ticked, `:<digest of the ticked ones>` too. Slack asks for a new block_id on every
 * update of a message whose inputs change ("block_id should be unique for each message and each
 * iteration of a message"): a client keeps an input's state by block_id and may go on showing the
 * old ticks otherwise. Same ticks, same id.
 */
export const checklistBlockId = (runbook: string, chunk: number, ticked: readonly string[] = []): string =>
  `${BLOCK_PREFIX}:${runbook}:${chunk}${ticked.length ? `:${digest([...ticked].sort().join(','))}` : ''}`;

/** FNV-1a, 32 bits, as 8 hex digits: short, stable, no crypto needed for an id's variant. */
function digest(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
/** The block holding the "Run checks" button of one runbook's checklist. */
export const checklistControlsBlockId = (runbook: string): string => `${CONTROLS_PREFIX}:${runbook}`;
/** A checkbox option's value: `<runbook>:<step id>`. */
export const stepValue = (runbook: string, stepId: string): string => `${runbook}:${stepId}`;

/** The runbook (and chunk, for a block of steps) a checklist block_id belongs to. */
export function parseChecklistBlockId(blockId: string | undefined): { runbook: string; chunk?: number } | undefined {
  if (!blockId) return undefined;
  const steps = /^checklist:([a-z0-9][a-z0-9-]{0,63}):([0-9]{1,2})(?::[0-9a-f]{8})?$/.exec(blockId);
  if (steps?.[1] && steps[2]) return { runbook: steps[1], chunk: Number(steps[2]) };
  const controls = /^checklist-controls:([a-z0-9][a-z0-9-]{0,63})$/.exec(blockId);
  if (controls?.[1]) return { runbook: controls[1] };
  return undefined;
}

/** `{ runbook, stepId }` of a checkbox option value, or undefined for anything else. */
export function parseStepValue(value: string | undefined): { runbook: string; stepId: string } | undefined {
  const m = value ? /^([a-z0-9][a-z0-9-]{0,63}):(s[0-9]{1,4})$/.exec(value) : null;
  return m?.[1] && m[2] ? { runbook: m[1], stepId: m[2] } : undefined;
}

/**
 * The steps a checkbox click changed. Slack sends every option now selected in the clicked
 * element (`selected_options`), not the one clicked; comparing with that element's
 * `initial_options` in the message as it was (`payload.message.blocks`) gives just the
 * toggled ones, so a click on a stale view never unticks what someone else ticked meanwhile.
 * Without the message blocks, only ticks are inferred (each selected step done), never unticks.
 */
export function checklistToggles(p: {
  blockId: string | undefined;
  selected: readonly string[];
  messageBlocks?: unknown;
}): { runbook: string; stepId: string; done: boolean }[] {
  const where = parseChecklistBlockId(p.blockId);
  if (!where || where.chunk === undefined) return [];
  const ofRunbook = (v: string) => {
    const s = parseStepValue(v);
    return s && s.runbook === where.runbook ? s : undefined;
  };
  const selected = new Set(p.selected);
  const element = findCheckboxes(p.messageBlocks, p.blockId);
  if (!element) {
    return [...selected].flatMap((v) => {
      const s = ofRunbook(v);
      return s ? [{ ...s, done: true }] : [];
    });
  }
  const before = new Set(optionValues(element.initial_options));
  const out: { runbook: string; stepId: string; done: boolean }[] = [];
  for (const v of optionValues(element.options)) {
    const s = ofRunbook(v);
    if (!s) continue;
    const now = selected.has(v);
    if (now !== before.has(v)) out.push({ ...s, done: now });
  }
  return out;
}

/** The checkboxes of the block of that runbook and chunk, whichever iteration of its block_id a click carried. */
function findCheckboxes(blocks: unknown, blockId: string | undefined): Record<string, unknown> | undefined {
  if (!Array.isArray(blocks)) return undefined;
  const want = parseChecklistBlockId(blockId);
  for (const b of blocks) {
    if (!b || typeof b !== 'object') continue;
    const at = parseChecklistBlockId(String((b as Block).block_id ?? ''));
    if (!want || !at || at.runbook !== want.runbook || at.chunk !== want.chunk) continue;
    const els = (b as Block).elements;
    if (!Array.isArray(els)) continue;
    for (const e of els) {
      if (e && typeof e === 'object' && (e as Block).type === 'checkboxes') return e as Record<string, unknown>;
    }
  }
  return undefined;
}

function optionValues(options: unknown): string[] {
  if (!Array.isArray(options)) return [];
  return options.flatMap((o) => (o && typeof o === 'object' && typeof (o as Block).value === 'string' ? [(o as Block).value as string] : []));
}

// ---------------------------------------------------------------------------------------------
// The checklist

/** How many of the runbook's steps are ticked. */
export function checklistProgress(runbook: Runbook, state: Pick<ChecklistRenderState, 'ticks'>): { done: number; total: number } {
  const done = runbook.steps.filter((s) => state.ticks[s.id]?.done === true).length;
  return { done, total: runbook.steps.length };
}

/**
 * One runbook's checklist: title, progress ("3/7 done"), the steps as checkboxes (ten to an
 * element, each element in its own actions block), who ticked each step and when, the latest
 * check result under the steps that have one, and a "Run checks" button when any step has a
 * check.
 */
export function renderChecklist(p: {
  incidentId: string;
  runbook: Runbook;
  state: ChecklistRenderState;
  now: Date;
}): SlackMessage {
  const { runbook, state, now } = p;
  const steps = runbook.steps.slice(0, MAX_CHECKBOX_OPTIONS * 5);
  const { done, total } = checklistProgress(runbook, state);
  const hasChecks = steps.some((s) => s.check);

  const intro = [
    runbook.description ? esc(runbook.description) : undefined,
    `${done === total && total > 0 ? '✅ ' : ''}*${done}/${total} done*`,
  ].filter(Boolean);
  const blocks: Block[] = [
    { type: 'header', text: plain(cut(esc(`📋 ${runbook.title}`), 150)) },
    section(cut(intro.join('\n'), MAX_SECTION_TEXT)),
  ];

  const chunks: RunbookStep[][] = [];
  for (let i = 0; i < steps.length; i += MAX_CHECKBOX_OPTIONS) chunks.push(steps.slice(i, i + MAX_CHECKBOX_OPTIONS));
  const resultsTotal = steps.filter((s) => state.checks[s.id]).length;
  const fixed = blocks.length + chunks.length + (hasChecks ? 2 : 0);
  const budget = Math.max(1, MAX_BLOCKS - fixed);
  // One context block per result while they fit; beyond that, several results share a block.
  const perBlock = Math.min(MAX_CONTEXT_ELEMENTS, Math.max(1, Math.ceil(resultsTotal / budget)));

  chunks.forEach((chunk, ci) => {
    const options = chunk.map((step) => stepOption(runbook, step, state, now));
    const initial = chunk.flatMap((step, i) => (state.ticks[step.id]?.done ? [options[i]] : []));
    blocks.push({
      type: 'actions',
      block_id: checklistBlockId(runbook.name, ci, chunk.flatMap((step) => (state.ticks[step.id]?.done ? [step.id] : []))),
      elements: [
        {
          type: 'checkboxes',
          action_id: ACTIONS.checklist,
          options,
          // The very same objects: Slack wants initial_options to match options exactly.
          ...(initial.length ? { initial_options: initial } : {}),
        },
      ],
    });
    const lines = chunk.flatMap((step) => {
      const r = state.checks[step.id];
      return r ? [resultLine(runbook, step, r, now)] : [];
    });
    for (let i = 0; i < lines.length; i += perBlock) blocks.push(context(...lines.slice(i, i + perBlock)));
  });

  if (hasChecks) {
    const ran = Object.values(state.checks).length > 0;
    blocks.push(
      context(`${ran ? 'Latest result of each automated check under its step' : 'Some steps have an automated check'} · runbook \`${esc(runbook.name)}\``),
      {
        type: 'actions',
        block_id: checklistControlsBlockId(runbook.name),
        elements: [{ type: 'button', action_id: ACTIONS.runCheck, text: plain(ran ? 'Run checks again' : 'Run checks'), value: p.incidentId }],
      },
    );
  }

  return {
    text: cut(`Runbook: ${esc(runbook.title)} (${done}/${total} done)`, 3000),
    blocks: blocks.slice(0, MAX_BLOCKS),
  };
}

function stepOption(runbook: Runbook, step: RunbookStep, state: ChecklistRenderState, now: Date): Block {
  const full = esc(step.text);
  const text = cut(full, MAX_OPTION_TEXT);
  const description = stepDescription(step, full, text, state, now);
  return {
    text: { type: 'mrkdwn', text },
    value: stepValue(runbook.name, step.id),
    ...(description ? { description: { type: 'mrkdwn', text: description } } : {}),
  };
}

/** Who ticked and when; else the check result; else the rest of a long step; else its first detail line. */
function stepDescription(step: RunbookStep, full: string, shown: string, state: ChecklistRenderState, now: Date): string | undefined {
  const tick = state.ticks[step.id];
  const check = state.checks[step.id];
  if (tick?.done) {
    const who = tick.by && /^[UW][A-Z0-9]+$/.test(tick.by) ? mention(tick.by) : esc(tick.by ?? 'someone');
    const when = tick.at ? ` at ${shortTime(tick.at, now)}` : '';
    const icon = check ? ` · ${CHECK_ICON[check.status]}` : '';
    return cut(`Done by ${who}${when}${icon}`, MAX_OPTION_TEXT);
  }
  if (check) return cut(`${CHECK_ICON[check.status]} ${esc(withoutIcon(check.summary))}`, MAX_OPTION_TEXT);
  if (shown !== full) {
    // `cut` kept shown.length - 1 characters (or fewer, not to split an entity).
    const rest = full.slice(shown.length - 1).trimStart();
    if (rest) return cut(`…${rest}`, MAX_OPTION_TEXT);
  }
  const detail = step.detail?.split('\n').find((l) => l.trim());
  return detail ? cut(esc(detail.trim()), MAX_OPTION_TEXT) : undefined;
}

function resultLine(runbook: Runbook, step: RunbookStep, r: CheckResult & { at: string }, now: Date): string {
  const n = runbook.steps.indexOf(step) + 1;
  const head = `${CHECK_ICON[r.status]} *Step ${n}*: ${esc(withoutIcon(r.summary))} · ${shortTime(r.at, now)}`;
  const details = r.status === 'pass' ? [] : (r.details ?? []).slice(0, 3).map((d) => `  • ${esc(d)}`);
  return cut([head, ...details].join('\n'), MAX_SECTION_TEXT);
}

/** The icon is the status's; a summary starting with its own ⚠️ would show two. */
const withoutIcon = (s: string) => s.replace(/^\s*⚠️\s*/u, '');

/** `08:42 UTC`, or `Jun 3 08:42 UTC` when not today. Plain text: `<!date>` does not fit 75 characters. */
function shortTime(iso: string, now: Date): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return esc(iso);
  const hm = t.toISOString().slice(11, 16);
  if (t.toISOString().slice(0, 10) === now.toISOString().slice(0, 10)) return `${hm} UTC`;
  const month = t.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  return `${month} ${t.getUTCDate()} ${hm} UTC`;
}

// ---------------------------------------------------------------------------------------------
// What changed before this started

const MAX_CHANGES_SHOWN = 30;

/**
 * The deploys and configuration changes recorded for the service from `since` on, credentials
 * and config changes first and called out, each with its time relative to the incident start.
 * Says so explicitly when there are none: an empty list is a finding too.
 */
export function renderRecentChanges(
  changes: readonly ChangeEvent[],
  p: { service?: string; since: Date; incidentStart: Date },
): SlackMessage {
  const hours = Math.max(0, (p.incidentStart.getTime() - p.since.getTime()) / 3_600_000);
  const window = `the ${formatHours(hours)} before this started`;
  const svc = p.service ? ` for *${esc(cut(p.service, 200))}*` : '';
  const blocks: Block[] = [{ type: 'header', text: plain('🔎 What changed before this started') }];

  if (changes.length === 0) {
    const line = `No deploys or config changes recorded${svc} in ${window} — check your deploy tool too.`;
    blocks.push(section(line), context('Beacon only knows the changes sent to its `/webhooks/changes` endpoint.'));
    return { text: `No deploys or config changes recorded${p.service ? ` for ${esc(p.service)}` : ''} in ${window}`, blocks };
  }

  const ordered = orderChanges(changes);
  const risky = ordered.filter(isRiskyChange);
  const rest = ordered.filter((c) => !isRiskyChange(c));
  blocks.push(
    context(
      `${changes.length} change${changes.length === 1 ? '' : 's'} recorded${svc} from ${slackDate(p.since.toISOString())} (${formatHours(hours)} before this started) until now` +
        (risky.length ? ` · *${risky.length} credentials/config*` : ''),
    ),
  );

  let shown = 0;
  // Credentials and config changes: one section each, called out.
  for (const c of risky) {
    if (shown >= MAX_CHANGES_SHOWN) break;
    blocks.push(section(cut(`⚠️ *${capitalize(changeKindLabel(c.kind))} ${relativeToStart(c.at, p.incidentStart)}*\n${changeBody(c)}`, MAX_SECTION_TEXT)));
    shown++;
  }
  // Everything else: one line each, packed into sections.
  const lines: string[] = [];
  for (const c of rest) {
    if (shown >= MAX_CHANGES_SHOWN) break;
    lines.push(`• *${capitalize(changeKindLabel(c.kind))}* ${relativeToStart(c.at, p.incidentStart)}: ${changeBody(c)}`);
    shown++;
  }
  let buf = '';
  for (const l of lines) {
    const line = cut(l, 1000);
    if (buf && buf.length + 1 + line.length > MAX_SECTION_TEXT) {
      blocks.push(section(buf));
      buf = '';
    }
    buf = buf ? `${buf}\n${line}` : line;
  }
  if (buf) blocks.push(section(buf));
  if (ordered.length > shown) blocks.push(context(`… and ${ordered.length - shown} more`));

  const first = risky[0];
  const text = first
    ? `⚠️ ${changeKindLabel(first.kind)} ${relativeToStart(first.at, p.incidentStart)}: ${esc(cut(first.summary, 200))}`
    : `${changes.length} change${changes.length === 1 ? '' : 's'}${p.service ? ` to ${esc(p.service)}` : ''} in ${window}`;
  return { text, blocks: blocks.slice(0, MAX_BLOCKS) };
}

/** `<link|summary> · v1.2.3 · by alice · at 08:18` */
function changeBody(c: ChangeEvent): string {
  const summary = cut(c.summary, 300);
  const parts = [
    c.link ? link(c.link, summary) : esc(summary),
    c.version ? `\`${esc(cut(c.version, 60))}\`` : undefined,
    c.author ? `by ${esc(cut(c.author, 80))}` : undefined,
    `at ${slackDate(c.at, '{time}')}`,
  ];
  return parts.filter(Boolean).join(' · ');
}
