import type { ChangeKind, IncidentStatus, Severity } from './domain.js';

/**
 * The words Beacon uses for its own vocabulary, once: every renderer (Slack blocks, the
 * postmortem's Markdown, later the web pages) reads these tables. Pure data and formatting; no
 * markup of any chat platform.
 */

export const SEVERITY_ICON: Record<Severity, string> = { sev1: '🔴', sev2: '🟠', sev3: '🟡', sev4: '🔵' };
export const SEVERITY_LABEL: Record<Severity, string> = {
  sev1: 'SEV1 · critical',
  sev2: 'SEV2 · major',
  sev3: 'SEV3 · minor',
  sev4: 'SEV4 · low',
};
export const STATUS_LABEL: Record<IncidentStatus, string> = {
  triggered: '🚨 Triggered',
  acknowledged: '👀 Acknowledged',
  mitigated: '🩹 Mitigated',
  resolved: '✅ Resolved',
};

/** A change kind as a noun phrase in a sentence (`credentials change`); capitalize for a heading. */
export const CHANGE_KIND_LABEL: Record<ChangeKind, string> = {
  credentials: 'credentials change',
  config: 'config change',
  deploy: 'deploy',
  feature_flag: 'feature flag change',
  infra: 'infrastructure change',
};

export const changeKindLabel = (kind: ChangeKind | string): string => CHANGE_KIND_LABEL[kind as ChangeKind] ?? `${String(kind)} change`;

export const capitalize = (s: string): string => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

export type DurationStyle =
  /** `1h 45m`, `12m`, `40s`, `2d 3h`: cards and status lines (rounded to the second). */
  | 'compact'
  /** `1 h 45 min`, `2 d 3 h 5 min`, `40 s`: the postmortem (whole seconds, never rounded up). */
  | 'words'
  /** `1 h 45 min`, `2 d 3 h`, `40 s`: how far a change was from the start (rounded to the minute). */
  | 'span'
  /** `3 days`, `5 hours`, `20 minutes`: one unit, spelled out (how long a certificate has left). */
  | 'unit';

/**
 * The one duration formatter. Four styles, because a card has room for `1h 45m`, a postmortem
 * reader should not misread it, "12 min before the incident" rounds to the minute, and a
 * certificate "expires in 3 days".
 */
export function formatDuration(ms: number | undefined, style: DurationStyle = 'compact'): string {
  if (ms === undefined || Number.isNaN(ms)) return '—';
  if (style === 'span') return spanOf(Math.abs(ms));
  if (style === 'unit') return unitOf(Math.abs(ms));
  const s = Math.max(0, style === 'words' ? Math.floor(ms / 1000) : Math.round(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (style === 'words') {
    if (s < 60) return `${s} s`;
    return [d ? `${d} d` : '', h ? `${h} h` : '', m ? `${m} min` : ''].filter(Boolean).join(' ');
  }
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m`;
  return `${s}s`;
}

function unitOf(ms: number): string {
  const [n, unit]: [number, string] =
    ms >= 86400_000 ? [Math.round(ms / 86400_000), 'day'] : ms >= 3600_000 ? [Math.round(ms / 3600_000), 'hour'] : [Math.max(1, Math.round(ms / 60_000)), 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

function spanOf(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}
