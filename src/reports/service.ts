import type { Incident } from '../incidents/model.js';
import type { Logger } from '../log.js';
import { findRunbook } from '../runbooks/match.js';
import { METADATA } from '../slack/blocks/ids.js';
import type { SlackGateway } from '../slack/gateway.js';
import type { Redis } from '../redis.js';
import type { Keys } from '../keys.js';
import { gatherPostmortem, type ReportSources } from './gather.js';
import { renderPostmortem } from './postmortem.js';
import { renderSummary } from './summary.js';
import { recordedAfter } from '../timeline/store.js';

/** Repeating jobs, one per incident (BullMQ job schedulers in jobs/scheduler.ts). */
export interface SummaryTimers {
  every(incidentId: string, ms: number): Promise<void>;
  stop(incidentId: string): Promise<void>;
}

export interface ReportServiceDeps {
  sources: ReportSources;
  slack: SlackGateway;
  redis: Redis;
  keys: Keys;
  timers: SummaryTimers;
  summaryIntervalMinutes: number;
  now: () => Date;
  log: Logger;
}

/** Summaries, the postmortem and `:pushpin:` marks: what the timeline is for. */
export class ReportService {
  constructor(private readonly d: ReportServiceDeps) {}

  private lastSummaryKey(id: string) {
    return `${this.d.keys.incident(id)}:last-summary`;
  }

  /** Where the timeline stream stood when the last summary read it. */
  private lastSummaryPosKey(id: string) {
    return `${this.d.keys.incident(id)}:last-summary-pos`;
  }

  /** Starts the periodic summary of a newly opened incident (SUMMARY_INTERVAL_MINUTES; 0 = off). */
  async startSummaries(incidentId: string): Promise<void> {
    const ms = Math.round(this.d.summaryIntervalMinutes * 60_000);
    if (ms <= 0) return;
    await this.d.timers.every(incidentId, ms);
  }

  async stopSummaries(incidentId: string): Promise<void> {
    await this.d.timers.stop(incidentId);
  }

  /**
   * Posts a channel summary. A periodic one is skipped when nothing happened since the last one
   * and stops itself once the incident resolved; one asked for with `/incident summary` always
   * posts, covering the whole incident. `runId` makes a retried job post once.
   */
  async postSummary(incidentId: string, p: { periodic: boolean; runId: string }): Promise<'posted' | 'skipped'> {
    const { sources, slack } = this.d;
    const inc = await sources.incidents.get(incidentId);
    if (!inc?.slack.channelId) return 'skipped';
    if (p.periodic && inc.status === 'resolved') {
      await this.stopSummaries(incidentId);
      return 'skipped';
    }
    const [since, sincePos] = p.periodic ? await this.d.redis.mget(this.lastSummaryKey(incidentId), this.lastSummaryPosKey(incidentId)) : [null, null];
    const [entries, alerts, openSteps] = await Promise.all([sources.timeline.entries(incidentId), sources.incidents.alerts(incidentId), this.openSteps(inc)]);
    const timeline = entries.map((e) => e.event);
    // What is new is what was recorded after the last summary read the stream, whatever its time.
    const fresh = sincePos ? new Set(entries.filter((e) => recordedAfter(e.pos, sincePos)).map((e) => e.event.id)) : undefined;
    const pos = entries.reduce((max, e) => (recordedAfter(e.pos, max) ? e.pos : max), '0-0');
    const now = this.d.now();
    const msg = renderSummary({ incident: inc, ...(since ? { since, ...(fresh ? { fresh } : {}) } : {}), timeline, alerts, openSteps, now });
    if (!msg) return 'skipped';
    const key = `${incidentId}:summary:${p.runId}`;
    const posted = await slack.findMessageByMetadata(inc.slack.channelId, METADATA.message, key).catch(() => null);
    if (!posted) await slack.postMessage(inc.slack.channelId, msg, { eventType: METADATA.message, key });
    const ttl = 90 * 24 * 3600;
    await this.d.redis.multi().set(this.lastSummaryKey(incidentId), now.toISOString(), 'EX', ttl).set(this.lastSummaryPosKey(incidentId), pos, 'EX', ttl).exec();
    await sources.timeline.append(incidentId, { id: `summary:${p.runId}`, kind: 'summary', at: now.toISOString(), actor: 'beacon', text: p.periodic ? 'Periodic summary posted' : 'Summary posted' });
    return 'posted';
  }

  private async openSteps(inc: Incident): Promise<{ text: string }[]> {
    const state = await this.d.sources.checklists.state(inc.id);
    const out: { text: string }[] = [];
    for (const name of state.runbooks) {
      const rb = findRunbook(this.d.sources.runbooks(), name);
      const ticks = state.byRunbook[name]?.ticks ?? {};
      for (const s of rb?.steps ?? []) if (!ticks[s.id]?.done) out.push({ text: s.text });
    }
    return out;
  }

  /** The postmortem draft as Markdown (the same document `GET /incidents/<id>/postmortem.md` serves). */
  async postmortem(incidentId: string): Promise<string | null> {
    const input = await gatherPostmortem(this.d.sources, incidentId, this.d.now());
    return input ? renderPostmortem(input) : null;
  }

  /**
   * Uploads the postmortem draft into the incident channel as a file with a short message. The
   * file name carries the run id, so a retried job that already uploaded it does not upload again.
   */
  async postPostmortem(incidentId: string, p: { runId: string; reason: 'resolved' | 'asked' }): Promise<void> {
    const inc = await this.d.sources.incidents.get(incidentId);
    if (!inc?.slack.channelId) return;
    const markdown = await this.postmortem(incidentId);
    if (!markdown) return;
    const filename = `postmortem-${inc.number}-${p.runId.replace(/[^a-z0-9]/gi, '').slice(-10)}.md`;
    if (await this.d.slack.hasFile(inc.slack.channelId, filename)) return;
    const comment =
      p.reason === 'resolved'
        ? `📝 The postmortem draft for #${inc.number} is ready. Fill in the parts marked TODO (team) and move it to your postmortem docs.`
        : `📝 Postmortem draft for #${inc.number} as of now.`;
    await this.d.slack.uploadFile(inc.slack.channelId, { filename, title: `Postmortem draft: #${inc.number} ${inc.title}`.slice(0, 250), content: markdown, comment });
  }

  /**
   * A `:pushpin:` on a message in an incident channel: the message's own text, author and time go
   * on the timeline, once however often Slack delivers the reaction.
   */
  async pin(p: { channelId: string; ts: string; reactor: string }): Promise<void> {
    const incidentId = await this.d.sources.incidents.byChannel(p.channelId);
    if (!incidentId) return;
    const msg = await this.d.slack.getMessage(p.channelId, p.ts);
    if (!msg) return;
    await this.d.sources.timeline.append(incidentId, {
      id: `pin:${p.channelId}:${p.ts}`,
      kind: 'pinned',
      at: new Date(Math.round(Number(p.ts) * 1000)).toISOString(),
      ...(msg.user ? { actor: msg.user } : {}),
      text: msg.text,
      data: { ts: p.ts, markedBy: p.reactor },
    });
  }
}
