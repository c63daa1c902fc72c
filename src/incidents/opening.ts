import { z } from 'zod';
import { SEVERITIES } from '../domain.js';
import { incidentIdFor } from '../ids.js';
import { channelName } from './channel-name.js';
import type { IncidentDeps } from './deps.js';
import { syncAnnouncement } from './announce-channel.js';
import { DEFAULT_ROLES, newDeclaredIncident, type Incident } from './model.js';
import type { IncidentView } from './ports.js';
import { ensurePosted, syncTopic } from './slots.js';
import type { Runbook } from '../runbooks/format.js';
import type { IncidentTimers } from './timers.js';
import { RetryLater } from '../retry-later.js';

/** A declared incident, as the `incident.declare` job carries it (its schema). */
export const declarationSchema = z.object({
  /** The delivery (`declare:<id>`, from the command's trigger_id): the incident id derives from it. */
  sourceId: z.string().min(1),
  title: z.string().min(1).max(300),
  severity: z.enum(SEVERITIES),
  service: z.string().max(200).optional(),
  description: z.string().max(4000).optional(),
  userId: z.string().min(1),
  channelId: z.string().optional(),
  /** `declare --private`, or the form's private choice: a private channel, only the declarer invited. */
  private: z.boolean().optional(),
});
export type Declaration = z.infer<typeof declarationSchema>;

/**
 * Opening an incident (channel, card, people, what changed, checklist, alerts message) and keeping
 * its card and alerts message current. Every step records what it made before the next starts,
 * so a job that died anywhere resumes where it stopped and never makes a second channel or card.
 */
export class IncidentOpening {
  constructor(
    private readonly d: IncidentDeps,
    private readonly timers: IncidentTimers,
  ) {}

  async open(incidentId: string): Promise<void> {
    const { store } = this.d;
    await store.withLock(incidentId, async () => {
      const inc = await store.get(incidentId);
      if (!inc) throw new Error(`incident ${incidentId} not found`);
      if (inc.slack.opened) return;
      await this.openSteps(await this.ensureChannel(await this.privacy(inc)));
    });
    // Alerts recorded while we were opening saw `opened` false and only asked for this job.
    await this.d.scheduler.refreshAlerts(incidentId);
    // Deterministic job ids: an opening that runs again schedules nothing twice.
    await this.timers.start(incidentId);
    await this.opened(incidentId);
  }

  private async openSteps(incident: Incident): Promise<void> {
    const { store, chat, runbooks } = this.d;
    let inc = incident;
    const channelId = inc.slack.channelId!;
    const runbook = runbooks ? await runbooks.mainRunbook(inc) : undefined;
    if (runbook && inc.runbook !== runbook.name) inc = await store.patch(inc.id, (cur) => ({ ...cur, runbook: runbook.name }));
    // The card first: responders joining at 3 a.m. find it already there, and it costs one
    // Slack round trip less before something is on screen.
    inc = await ensurePosted(this.d, inc, 'card', (cur) => this.cardView(cur));
    if (!inc.slack.pinned) {
      await chat.pin(channelId, inc.slack.messages.card!);
      inc = await store.patch(inc.id, (cur) => ({ ...cur, slack: { ...cur.slack, pinned: true } }));
    }
    if (!inc.slack.invited) {
      await chat.invite(channelId, invitees(inc, this.d.settings.responders, runbook));
      inc = await store.patch(inc.id, (cur) => ({ ...cur, slack: { ...cur.slack, invited: true } }));
    }
    // What changed before this started, then the checklist that asks about it first: the seed
    // incident lost 45 minutes because nobody looked at a credentials change.
    if (runbooks && !inc.slack.messages.changes) {
      const view = await runbooks.changesView(inc, runbook);
      inc = await ensurePosted(this.d, inc, 'changes', () => view);
    }
    if (runbooks && runbook && !inc.slack.messages.checklist) {
      await runbooks.seedFromProbe(inc, runbook);
      const view = await runbooks.checklistView(inc, runbook);
      inc = await ensurePosted(this.d, inc, 'checklist', () => view);
    }
    if (runbooks && runbook && inc.slack.messages.checklist) {
      await runbooks.rememberChecklistMessage(inc.id, runbook.name, channelId, inc.slack.messages.checklist);
    }
    // A declared incident has no alerts (its group is its own): no alerts message to keep.
    if (inc.origin !== 'declared') {
      const alerts = await store.alerts(inc.id);
      inc = await ensurePosted(this.d, inc, 'alerts', (cur) => ({ kind: 'alerts', incident: cur, alerts }));
    }
    inc = await this.topic(inc);
    inc = await syncAnnouncement(this.d, inc);
    await store.patch(inc.id, (cur) => ({ ...cur, slack: { ...cur.slack, opened: true } }));
  }

  /**
   * An alert's incident whose runbook says `private: true` is private, decided before its channel
   * exists. Intake already makes it private when it creates it (AlertIntake.withPrivacy); this
   * catches an incident written before that (an older Beacon, a runbook attached in between).
   */
  private async privacy(inc: Incident): Promise<Incident> {
    if (inc.private || inc.slack.channelId || inc.origin !== 'alert' || !this.d.runbooks) return inc;
    const runbook = await this.d.runbooks.mainRunbook(inc);
    if (!runbook?.private) return inc;
    return this.d.store.patch(inc.id, (cur) => ({ ...cur, private: true }));
  }

  private cardView(inc: Incident): IncidentView {
    return { kind: 'card', incident: inc, now: this.d.now(), roles: this.d.settings.roles ?? DEFAULT_ROLES };
  }

  /** What follows an opening: periodic summaries, and the runbook's automated checks. */
  private async opened(incidentId: string): Promise<void> {
    await this.startSummaries(incidentId);
    const inc = await this.d.store.get(incidentId);
    if (inc) await this.d.runbooks?.startChecks(inc);
  }

  /** Periodic summaries of an open incident (SUMMARY_INTERVAL_MINUTES; 0 = off). */
  async startSummaries(incidentId: string): Promise<void> {
    const ms = Math.round((this.d.settings.summaryIntervalMinutes ?? 0) * 60_000);
    if (ms > 0) await this.d.scheduler.summariesEvery(incidentId, ms);
  }

  /** Re-renders the alerts message from the latest state (debounced by the scheduler). */
  async refreshAlerts(incidentId: string): Promise<void> {
    await this.d.store.withLock(incidentId, async () => {
      // Cleared before reading: an alert recorded after this line queues the next refresh, one
      // recorded before it is in what we read.
      await this.d.store.clearAlertsRefresh(incidentId);
      const inc = await this.d.store.get(incidentId);
      const ts = inc?.slack.messages.alerts;
      if (!inc || !ts || !inc.slack.channelId) return;
      await this.d.chat.update(inc.slack.channelId, ts, { kind: 'alerts', incident: inc, alerts: await this.d.store.alerts(incidentId) });
    });
  }

  /**
   * Re-renders the card from the whole state, and the topic and the announce channel's message
   * with it (posted there once the incident is of an announced severity).
   */
  async refreshCard(incidentId: string): Promise<void> {
    await this.d.store.withLock(incidentId, async () => {
      const inc = await this.d.store.get(incidentId);
      const ts = inc?.slack.messages.card;
      if (!inc || !ts || !inc.slack.channelId) return;
      await this.d.chat.update(inc.slack.channelId, ts, this.cardView(inc));
      await syncAnnouncement(this.d, await this.topic(inc));
    });
  }

  /**
   * The channel topic is cosmetic: what a responder needs (channel, card, pin, invites) never
   * waits for it. When Slack's allowance for topics is spent (RetryLater: nothing was sent), it is
   * put off into its own job, which reads the state again when it runs.
   */
  private async topic(inc: Incident): Promise<Incident> {
    try {
      return await syncTopic(this.d, inc);
    } catch (err) {
      if (!(err instanceof RetryLater) || !this.d.scheduler.syncTopic) throw err;
      await this.d.scheduler.syncTopic(inc.id, err.delayMs);
      return inc;
    }
  }

  /** The topic job: the topic from the latest state (paced again: RetryLater re-queues the job). */
  async syncTopic(incidentId: string): Promise<void> {
    await this.d.store.withLock(incidentId, async () => {
      const inc = await this.d.store.get(incidentId);
      if (inc?.slack.channelId) await syncTopic(this.d, inc);
    });
  }

  /**
   * Declares an incident for a person: the same opening as an alert's (channel, responders and
   * the declarer invited, pinned card), under an id derived from the Slack delivery so that a
   * retried command or a double-submitted form opens one incident.
   */
  async declare(p: Declaration): Promise<string> {
    const { store, timeline } = this.d;
    const id = incidentIdFor('declared', p.sourceId);
    if (!(await store.get(id))) {
      const number = await store.nextNumber();
      const params = {
        title: p.title,
        severity: p.severity,
        declaredBy: p.userId,
        ...(p.private ? { private: true } : {}),
        ...(p.service ? { service: p.service } : {}),
        ...(p.description ? { description: p.description } : {}),
      };
      await store.create(newDeclaredIncident(id, number, params, this.d.now()));
    }
    const inc = (await store.get(id))!;
    await timeline.append(id, {
      id: 'incident.declared',
      kind: 'incident.declared',
      at: inc.createdAt,
      actor: p.userId,
      text: inc.title,
      data: { severity: inc.severity, ...(inc.service ? { service: inc.service } : {}) },
    });
    await store.claimGroup(inc.group, id);
    await this.open(id);
    // Who declared it and why, first thing in the channel after the card.
    await store.withLock(id, async () => {
      const cur = await store.get(id);
      if (cur?.slack.channelId) await ensurePosted(this.d, cur, 'declared', (x) => ({ kind: 'declared', incident: x }));
    });
    return id;
  }

  private async ensureChannel(inc: Incident): Promise<Incident> {
    const { store, chat, log } = this.d;
    if (inc.slack.channelId) return inc;
    const date = new Date(inc.detectedAt);
    for (let attempt = inc.slack.channelAttempt ?? 1; attempt <= 100; attempt++) {
      // A drill's channel says so in its name: `drill-<yyyymmdd>-<slug>`.
      const name = channelName(inc.drill ? 'drill' : this.d.settings.channelPrefix, date, inc.title, attempt);
      // Beacon's own reservation: two incidents of this install never race for one name.
      if ((await store.reserveChannelName(name, inc.id)) !== inc.id) continue;
      const sentBefore = inc.slack.channelPending === name;
      if (!sentBefore) {
        inc = await store.patch(inc.id, (cur) => ({ ...cur, slack: { ...cur.slack, channelPending: name, channelAttempt: attempt } }));
      }
      const res = await chat.openChannel(name, { private: !!inc.private });
      // Our earlier attempt may have created it and died before recording the id: adopt the
      // channel if our bot made it (the name was reserved for this incident alone).
      const channelId = res.ok ? res.id : res.reason === 'name_taken' && sentBefore ? await chat.findOwnChannel(name) : null;
      if (channelId) {
        log.info({ incidentId: inc.id, channel: name, channelId }, 'incident channel ready');
        return store.patch(inc.id, (cur) => ({ ...cur, slack: { ...cur.slack, channelId, channelName: name } }));
      }
      if (!res.ok && res.reason === 'invalid_name') throw new Error(`Slack rejected the channel name ${name}`);
      // Taken by someone else (a person, an archived channel): try the next suffix.
    }
    throw new Error(`incident ${inc.id}: no free channel name after 100 tries`);
  }
}

/**
 * Who an opening invites: the responders, the runbook's responders and the declarer. A private
 * incident invites only the declarer, and the responders of a runbook that is private itself.
 */
export function invitees(inc: Incident, responders: readonly string[], runbook: Runbook | undefined): string[] {
  const declarer = inc.declaredBy ? [inc.declaredBy] : [];
  // A drill invites its starter alone; they bring in whoever they practise with.
  if (inc.drill) return declarer;
  if (inc.private) return [...new Set([...(runbook?.private ? runbook.responders : []), ...declarer])];
  return [...new Set([...responders, ...(runbook?.responders ?? []), ...declarer])];
}
