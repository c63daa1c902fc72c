import { z } from 'zod';
import type { Incident } from '../incidents/model.js';
import { postOnce, tagOf } from '../incidents/post-once.js';
import type { Scheduler } from '../incidents/ports.js';
import type { Logger } from '../log.js';
import { findRunbook } from '../runbooks/match.js';
import { recordedAfter } from '../timeline/store.js';
import { gatherPostmortem, namesOf, peopleIn, type ReportSources } from './gather.js';
import { renderPostmortem } from './postmortem.js';
import type { ReportChat } from './ports.js';
import { summaryEvents, type SummaryInput } from './summary.js';
import type { SummaryMarks } from './summary-marks.js';

/** A `:pushpin:` reaction in an incident channel, as the `timeline.pin` job carries it (its schema). */
export const pinSchema = z.object({ channelId: z.string().min(1), ts: z.string().min(1).max(40), reactor: z.string().min(1), delivery: z.string().min(1).max(64) });
export type PinRequest = z.infer<typeof pinSchema>;

export interface ReportServiceDeps {
  sources: ReportSources;
  chat: ReportChat;
  marks: SummaryMarks;
  scheduler: Pick<Scheduler, 'stopSummaries'>;
  now: () => Date;
  log: Logger;
}

/** Summaries, the postmortem and `:pushpin:` marks: what the timeline is for. */
export class ReportService {
  constructor(private readonly d: ReportServiceDeps) {}

  /**
   * Posts a channel summary. A periodic one is skipped when nothing happened since the last one
   * and stops itself once the incident resolved; one asked for with `/incident summary` always
   * posts, covering the whole incident. `runId` makes a retried job post once: it looks for its
   * earlier post first, and a failed look throws (the job retries) instead of posting again.
   */
  async postSummary(incidentId: string, p: { periodic: boolean; runId: string }): Promise<'posted' | 'skipped'> {
    const { sources } = this.d;
    const inc = await sources.incidents.get(incidentId);
    const channelId = inc?.slack.channelId;
    if (!inc || !channelId) return 'skipped';
    if (p.periodic && inc.status === 'resolved') {
      await this.d.scheduler.stopSummaries(incidentId);
      return 'skipped';
    }
    const mark = p.periodic ? await this.d.marks.get(incidentId) : { since: null, pos: null };
    const [entries, alerts, openSteps] = await Promise.all([sources.timeline.entries(incidentId), sources.incidents.alerts(incidentId), this.openSteps(inc)]);
    // What is new is what was recorded after the last summary read the stream, whatever its time.
    const fresh = mark.pos ? new Set(entries.filter((e) => recordedAfter(e.pos, mark.pos!)).map((e) => e.event.id)) : undefined;
    const pos = entries.reduce((max, e) => (recordedAfter(e.pos, max) ? e.pos : max), '0-0');
    const now = this.d.now();
    // People are named, not mentioned: a summary asks nobody to act.
    const users = await namesOf(sources, peopleIn(inc, entries.map((e) => e.event)));
    const summary: SummaryInput = {
      incident: inc,
      users,
      ...(mark.since ? { since: mark.since, ...(fresh ? { fresh } : {}) } : {}),
      timeline: entries.map((e) => e.event),
      alerts,
      openSteps,
      now,
    };
    if (summary.since && summaryEvents(summary).length === 0) return 'skipped';
    await postOnce({ chat: this.d.chat, channelId, tag: tagOf(incidentId, `summary:${p.runId}`), view: () => ({ kind: 'summary', summary }), mayExist: true });
    await this.d.marks.set(incidentId, now, pos);
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
    if (await this.d.chat.hasFile(inc.slack.channelId, filename)) return;
    await this.d.chat.upload(inc.slack.channelId, { filename, content: markdown, incident: { number: inc.number, title: inc.title, drill: !!inc.drill }, reason: p.reason });
  }

  /**
   * A `:pushpin:` on a message in an incident channel: the message's own text, author and time go
   * on the timeline, once however often Slack delivers the reaction.
   */
  async pin(p: PinRequest): Promise<void> {
    const incidentId = await this.d.sources.incidents.byChannel(p.channelId);
    if (!incidentId) return;
    const msg = await this.d.chat.getMessage(p.channelId, p.ts);
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
