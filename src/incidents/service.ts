import { createHash } from 'node:crypto';
import type { Alert, Severity } from '../domain.js';
import type { Logger } from '../log.js';
import { renderAlerts } from '../slack/blocks/alerts.js';
import { announce, renderEscalation, renderReminder, reply } from '../slack/blocks/announce.js';
import { renderCard, renderTopic } from '../slack/blocks/card.js';
import { renderDeclared } from '../slack/blocks/declared.js';
import { METADATA } from '../slack/blocks/ids.js';
import { section, type SlackMessage } from '../slack/blocks/types.js';
import { esc } from '../slack/escape.js';
import type { SlackGateway } from '../slack/gateway.js';
import type { TimelineKind } from '../timeline/events.js';
import type { TimelineStore } from '../timeline/store.js';
import type { ChangeEvent } from '../domain.js';
import type { RunbookRuntime } from '../runbooks/runtime.js';
import { channelName } from './channel-name.js';
import { checkArgs, isStateVerb } from './commands.js';
import {
  acknowledge,
  isOpen,
  mitigate,
  newDeclaredIncident,
  newIncidentFromAlert,
  postUpdate,
  reminderAnchor,
  reopen,
  resolve,
  setLead,
  setSeverity,
  type Incident,
  type Outcome,
} from './model.js';
import type { IncidentStore } from './store.js';

/** An unacknowledged incident is escalated at most this many times, ESCALATION_MINUTES apart. */
export const MAX_ESCALATIONS = 3;
/** A quiet incident's lead is nudged at most this many times per quiet period (6 h at 30 min). */
export const MAX_REMINDERS = 12;

/** Follow-up work the service asks for; BullMQ carries it (jobs/scheduler.ts). */
export interface Scheduler {
  /** Runs the opening steps of an incident (idempotent: one job id per incident). */
  openIncident(incidentId: string): Promise<void>;
  /** Debounced: many calls within a moment make one `chat.update` of the alerts message. */
  refreshAlerts(incidentId: string): Promise<void>;
  refreshCard(incidentId: string): Promise<void>;
  /** Escalation number `n` after `delayMs`; one job id per incident and `n`. */
  escalate(incidentId: string, n: number, delayMs: number): Promise<void>;
  /** Drops pending escalations (the job also re-checks the state when it runs). */
  cancelEscalation(incidentId: string): Promise<void>;
  /** Reminder `n` of the quiet period that started at `anchor`; one job id per incident, anchor and `n`. */
  remind(incidentId: string, anchor: string, n: number, delayMs: number): Promise<void>;
}

export interface IncidentServiceDeps {
  store: IncidentStore;
  timeline: TimelineStore;
  slack: SlackGateway;
  scheduler: Scheduler;
  log: Logger;
  now: () => Date;
  settings: {
    responders: string[];
    channelPrefix: string;
    /** ESCALATION_MINUTES; 0 turns escalation off. Default 10. */
    escalationMinutes?: number;
    /** How long an open incident may go without `/incident update` before its lead is nudged. Default 30. */
    reminderMinutes?: number;
  };
  /**
   * Who else an escalation should reach besides INCIDENT_RESPONDERS: user ids (`U…`) or user
   * group ids (`S…`). The hook for the runbook's `escalation` group.
   */
  escalationTargets?: (incident: Incident) => Promise<string[]>;
  /** Runbooks: the matched checklist and "what changed" in the first messages, and checks. */
  runbooks?: RunbookRuntime;
  /** Follow-ups on the incident's life: summaries start and stop, the postmortem on resolve. */
  lifecycle?: {
    opened(incidentId: string): Promise<void>;
    resolved(incidentId: string, sourceId: string): Promise<void>;
    reopened(incidentId: string): Promise<void>;
  };
}

/** A person's command or card click, as the `incident.command` job carries it. */
export interface IncidentCommand {
  incidentId: string;
  verb: string;
  args: string;
  userId: string;
  channelId?: string;
  /** The Slack delivery it came from: applied, recorded and announced once. */
  sourceId: string;
}

/** A declared incident, as the `incident.declare` job carries it. */
export interface Declaration {
  /** The Slack delivery (the command's trigger_id): the incident id derives from it. */
  sourceId: string;
  title: string;
  severity: Severity;
  service?: string;
  description?: string;
  userId: string;
  channelId?: string;
}

/** Incident ids derive from what created them, so a retried job finds the id it made before. */
export function incidentIdFor(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').replace(/[-_]/g, '').slice(0, 10).toLowerCase();
}

const shortHash = (s: string) => createHash('sha1').update(s).digest('hex').slice(0, 12);

export class IncidentService {
  constructor(private readonly d: IncidentServiceDeps) {}

  /**
   * Applies one alert notification: find or open the incident of its group (one open incident
   * per group, atomically), record the alert once per job, then ask for the Slack work.
   */
  async onAlert(alert: Alert, jobId: string, truncated?: number): Promise<{ incidentId: string | null }> {
    const { store, timeline, log } = this.d;
    const now = this.d.now();
    let id = await store.openIncidentOf(alert.group);
    if (!id) {
      if (alert.status !== 'firing') {
        log.info({ group: alert.group, fingerprint: alert.fingerprint, status: alert.status }, 'alert for a group with no open incident: nothing to do');
        return { incidentId: null };
      }
      id = (await store.claimGroup(alert.group, incidentIdFor(alert.group, jobId))).id;
    }

    let inc = await store.brief(id);
    if (!inc) {
      // The claimer (maybe this very job, before a crash) did not write the incident yet.
      const number = await store.nextNumber();
      await store.create(newIncidentFromAlert(id, number, alert, now));
      inc = (await store.brief(id))!;
    }
    if (inc.status === 'resolved') {
      // The incident resolved while this alert was on its way. A new firing starts a new incident.
      await store.releaseGroup(alert.group, id);
      if (alert.status === 'firing') return this.onAlert(alert, `${jobId}:after-${id}`, truncated);
      return { incidentId: id };
    }

    const rec = await store.recordAlert(id, alert, jobId, now);
    // A redelivered job (applied false) may have died before its timeline entries: it writes them
    // again, and the entries' ids (incident; alert, status and start) keep that from doubling.
    const retried = !rec.applied;
    if (rec.isNew || retried) {
      const doc = (await store.get(id))!;
      await timeline.append(id, {
        id: 'incident.opened',
        kind: 'incident.opened',
        at: doc.detectedAt,
        actor: doc.origin === 'alert' ? alert.source : (doc.declaredBy ?? 'beacon'),
        text: doc.title,
        data: { severity: doc.severity, ...(doc.service ? { service: doc.service } : {}) },
      });
    }
    // PagerDuty's `acknowledged` is a state of the incident, not of the alert: it goes on the
    // timeline as the acknowledgement below, never as a second firing.
    if ((rec.isNew || rec.statusChanged || retried) && !(alert.status === 'acknowledged' && !rec.isNew)) {
      const resolved = alert.status === 'resolved';
      await timeline.append(id, {
        id: `alert:${alert.fingerprint}:${alert.status}:${resolved ? (alert.endsAt ?? '') : alert.startsAt}`,
        kind: resolved ? 'alert.resolved' : 'alert.firing',
        at: resolved ? (alert.endsAt ?? now.toISOString()) : alert.startsAt,
        actor: alert.source,
        text: alert.title,
        data: { fingerprint: alert.fingerprint, severity: alert.severity },
      });
    }
    if (truncated !== undefined && truncated !== inc.truncated) {
      await store.patch(id, (cur) => ({ ...cur, truncatedAlerts: truncated }));
    }
    if (alert.status === 'acknowledged' && inc.status === 'triggered') {
      const res = await store.update(id, (cur) => acknowledge(cur, undefined, now));
      if (res.ok) {
        await timeline.append(id, { id: `ack:${alert.source}:${alert.fingerprint}`, kind: 'acknowledged', at: now.toISOString(), actor: alert.source, text: `Acknowledged in ${alert.source}` });
        await this.d.scheduler.cancelEscalation(id);
        await this.d.scheduler.refreshCard(id);
      }
    }
    if (!inc.opened) await this.d.scheduler.openIncident(id);
    else if (rec.refreshNeeded) await this.d.scheduler.refreshAlerts(id);
    return { incidentId: id };
  }

  /**
   * The opening steps: channel, card (pinned), responders, what changed, checklist, alerts
   * message. Every step records
   * what it made before the next one starts, so a job that died anywhere resumes where it stopped
   * and never makes a second channel or card.
   */
  async open(incidentId: string): Promise<void> {
    const { store } = this.d;
    await store.withLock(incidentId, async () => {
      let inc = await store.get(incidentId);
      if (!inc) throw new Error(`incident ${incidentId} not found`);
      if (inc.slack.opened) return;
      inc = await this.ensureChannel(inc);
      const channelId = inc.slack.channelId!;
      const runbooks = this.d.runbooks;
      const runbook = runbooks ? await runbooks.mainRunbook(inc) : undefined;
      if (runbook && inc.runbook !== runbook.name) inc = await store.patch(incidentId, (cur) => ({ ...cur, runbook: runbook.name }));
      // The card first: responders joining at 3 a.m. find it already there, and it costs one
      // Slack round trip less before something is on screen.
      inc = await this.ensurePosted(inc, 'card', (cur) => renderCard(cur, this.d.now()));
      if (!inc.slack.pinned) {
        await this.d.slack.pin(channelId, inc.slack.messages.card!);
        inc = await store.patch(incidentId, (cur) => ({ ...cur, slack: { ...cur.slack, pinned: true } }));
      }
      if (!inc.slack.invited) {
        const invitees = [...new Set([...this.d.settings.responders, ...(runbook?.responders ?? []), ...(inc.declaredBy ? [inc.declaredBy] : [])])];
        await this.d.slack.invite(channelId, invitees);
        inc = await store.patch(incidentId, (cur) => ({ ...cur, slack: { ...cur.slack, invited: true } }));
      }
      // What changed before this started, then the checklist that asks about it first: the seed
      // incident lost 45 minutes because nobody looked at a credentials change.
      if (runbooks && !inc.slack.messages.changes) {
        const msg = await runbooks.changesMessage(inc, runbook);
        inc = await this.ensurePosted(inc, 'changes', () => msg);
      }
      if (runbooks && runbook && !inc.slack.messages.checklist) {
        const msg = await runbooks.checklistMessage(inc, runbook);
        inc = await this.ensurePosted(inc, 'checklist', () => msg);
      }
      if (runbooks && runbook && inc.slack.messages.checklist) {
        await runbooks.rememberChecklistMessage(incidentId, runbook.name, channelId, inc.slack.messages.checklist);
      }
      // A declared incident has no alerts (its group is its own): no alerts message to keep.
      if (inc.origin !== 'declared') {
        const alerts = await store.alerts(incidentId);
        inc = await this.ensurePosted(inc, 'alerts', (cur) => renderAlerts(cur, alerts));
      }
      inc = await this.syncTopic(inc);
      await store.patch(incidentId, (cur) => ({ ...cur, slack: { ...cur.slack, opened: true } }));
    });
    // Alerts recorded while we were opening saw `opened` false and only asked for this job.
    await this.d.scheduler.refreshAlerts(incidentId);
    // Deterministic job ids: an opening that runs again schedules nothing twice.
    await this.startTimers(incidentId);
    await this.d.lifecycle?.opened(incidentId);
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
      const msg = renderAlerts(inc, await this.d.store.alerts(incidentId));
      await this.d.slack.updateMessage(inc.slack.channelId, ts, msg);
    });
  }

  /** Re-renders the card from the whole state, and the topic with it. */
  async refreshCard(incidentId: string): Promise<void> {
    await this.d.store.withLock(incidentId, async () => {
      let inc = await this.d.store.get(incidentId);
      const ts = inc?.slack.messages.card;
      if (!inc || !ts || !inc.slack.channelId) return;
      await this.d.slack.updateMessage(inc.slack.channelId, ts, renderCard(inc, this.d.now()));
      inc = await this.syncTopic(inc);
    });
  }

  /**
   * A person's command or card click. Expected refusals (already resolved, bad argument) go back
   * to that person only; a change is announced in the channel and re-renders the card.
   *
   * Exactly once per Slack delivery: the delivery id is stored with the change in one atomic
   * write, the timeline records it under the same id, and an announcement carries it as message
   * metadata, so a job retried after a crash at any step finishes the steps it missed and repeats
   * none. Two different commands racing on one incident both land: the store's compare-and-set
   * makes the later one recompute on the state the earlier one left.
   */
  async command(c: IncidentCommand): Promise<void> {
    const now = this.d.now();
    const { store, timeline, slack, scheduler } = this.d;
    if (!isStateVerb(c.verb)) return this.tell(c, `\`/incident ${c.verb.replace(/[<>&`]/g, '')}\` is not something Beacon can do here. Try \`/incident help\`.`);
    const checked = checkArgs(c.verb, c.args);
    if (!checked.ok) return this.tell(c, checked.reason);
    const args = checked.args;
    const text = args || undefined;

    // Timeline-only verbs: nothing on the incident document changes.
    if (c.verb === 'note' || c.verb === 'task') {
      const inc = await store.get(c.incidentId);
      if (!inc) return this.tell(c, 'This incident no longer exists.');
      const fresh = await timeline.append(inc.id, { id: c.sourceId, kind: c.verb, at: now.toISOString(), actor: c.userId, text: args });
      if (fresh) await this.tellMessage(c, c.verb === 'note' ? reply.noted() : reply.task(args));
      return;
    }

    let change: (i: Incident) => Outcome<Incident>;
    let kind: TimelineKind;
    switch (c.verb) {
      case 'ack':
        change = (i) => acknowledge(i, c.userId, now);
        kind = 'acknowledged';
        break;
      case 'mitigate':
        change = (i) => mitigate(i, c.userId, text, now);
        kind = 'mitigated';
        break;
      case 'resolve':
        change = (i) => resolve(i, c.userId, text, now);
        kind = 'resolved';
        break;
      case 'reopen':
        change = (i) => reopen(i, c.userId, now);
        kind = 'reopened';
        break;
      case 'sev':
        change = (i) => setSeverity(i, args as Severity);
        kind = 'severity';
        break;
      case 'lead':
        change = (i) => setLead(i, args);
        kind = 'lead';
        break;
      case 'update':
        change = (i) => postUpdate(i, c.userId, args, now);
        kind = 'update';
        break;
    }
    const res = await store.update(c.incidentId, (cur) => {
      if (cur.appliedCommands?.includes(c.sourceId)) return null;
      const out = change(cur);
      if (!out.ok) return out;
      return { ok: true, value: { ...out.value, appliedCommands: [...(cur.appliedCommands ?? []), c.sourceId].slice(-100) } };
    });
    if (!res.ok) return this.tell(c, res.reason);
    const inc = res.value;
    const before = res.before ?? inc;
    // `update` returns the unchanged document when this delivery was applied before (a retry).
    const retried = before.version === inc.version;

    await timeline.append(inc.id, {
      id: c.sourceId,
      kind,
      at: now.toISOString(),
      actor: c.userId,
      text: kind === 'lead' ? (inc.lead ?? '') : (text ?? ''),
      ...(kind === 'severity' ? { data: { from: before.severity, to: inc.severity } } : {}),
      ...(kind === 'lead' ? { data: { from: before.lead ?? null, to: inc.lead } } : {}),
    });

    // Timers and the group claim follow the new state; each step is idempotent.
    if (before.status === 'triggered' && inc.status !== 'triggered') await scheduler.cancelEscalation(inc.id);
    if (inc.status === 'resolved') {
      await store.releaseGroup(inc.group, inc.id);
      if (kind === 'resolved') await this.d.lifecycle?.resolved(inc.id, c.sourceId);
    }
    if (kind === 'reopened') await this.d.lifecycle?.reopened(inc.id);
    if (kind === 'reopened') {
      // The group's next alert comes here again, unless a newer incident took the group meanwhile.
      const claim = await store.claimGroup(inc.group, inc.id);
      if (!claim.claimed) this.d.log.info({ incidentId: inc.id, group: inc.group, holder: claim.id }, 'reopened incident left its group to a newer incident');
    }
    if ((kind === 'update' || kind === 'reopened') && isOpen(inc)) await this.scheduleReminder(inc, 1);
    // A new lead who is not in the channel yet is brought in (members already there are fine).
    if (kind === 'lead' && inc.lead && inc.slack.channelId) await slack.invite(inc.slack.channelId, [inc.lead]);

    const message = this.announcement(kind, inc, before, c.userId, text, now);
    if (message && inc.slack.channelId) await this.postOnce(inc, `cmd:${c.sourceId}`, message, retried);
    await scheduler.refreshCard(inc.id);
  }

  private announcement(kind: TimelineKind, inc: Incident, before: Incident, user: string, text: string | undefined, now: Date): SlackMessage | null {
    switch (kind) {
      case 'acknowledged':
        return announce.acknowledged(inc, user);
      case 'mitigated':
        return announce.mitigated(inc, user, text);
      case 'resolved':
        return announce.resolved(inc, user, text, now);
      case 'reopened':
        return announce.reopened(inc, user);
      case 'severity':
        return announce.severity(inc, user, before.severity);
      case 'lead':
        return announce.lead(inc, user);
      case 'update':
        return announce.update(inc, user, text ?? '');
      default:
        return null;
    }
  }

  /**
   * Posts a channel message tagged with `key`. On a retried delivery the message may already be
   * there (the job died after posting): Beacon looks for its tag first and posts only if missing.
   */
  /**
   * A deploy or config change arrived for a service with open incidents: it goes on their
   * timelines and is said in their channels, once per change.
   */
  async onChange(change: ChangeEvent): Promise<void> {
    const open = (await this.d.store.listOpen(200)).filter((i) => i.service && i.service.toLowerCase() === change.service.toLowerCase());
    for (const inc of open) {
      if (!inc.slack.channelId) continue;
      await this.d.runbooks?.recordChange(inc.id, change);
      const text = `🔧 New ${change.kind.replace('_', ' ')} change to *${esc(change.service)}* during this incident: ${esc(change.summary)}${change.author ? ` (${esc(change.author)})` : ''}`;
      await this.postOnce(inc, `change:${change.id}`, { text, blocks: [section(text)] }, true);
    }
  }

  /** `/incident runbook <name>`: attaches it and posts its checklist, or tells why not. */
  async attachRunbook(p: { incidentId: string; name: string; userId: string; channelId?: string; runId: string }): Promise<void> {
    if (!this.d.runbooks) return this.tell(p, 'Runbooks are not set up on this Beacon.');
    const res = await this.d.runbooks.attach(p.incidentId, p.name, p.runId);
    if (!res.ok) return this.tell(p, res.reason);
  }

  private async postOnce(inc: Incident, key: string, message: SlackMessage, retried: boolean): Promise<void> {
    const channelId = inc.slack.channelId!;
    const meta = { eventType: METADATA.message, key: `${inc.id}:${key}` };
    if (retried && (await this.d.slack.findMessageByMetadata(channelId, meta.eventType, meta.key))) return;
    await this.d.slack.postMessage(channelId, message, meta);
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
      if (cur?.slack.channelId) await this.ensurePosted(cur, 'declared', (x) => renderDeclared(x));
    });
    return id;
  }

  /** Everyone an escalation mentions: the responders, and whatever the hook adds (runbook groups). */
  async escalationTargets(incident: Incident): Promise<string[]> {
    const extra = this.d.escalationTargets ? await this.d.escalationTargets(incident) : [];
    return [...new Set([...this.d.settings.responders, ...extra])];
  }

  /**
   * Escalation `n` of an incident nobody acknowledged. The job re-checks the state when it runs:
   * an acknowledgement in the meantime (even one whose cancel missed the job) ends the chain.
   */
  async escalate(incidentId: string, n: number): Promise<void> {
    const { store, timeline } = this.d;
    const inc = await store.get(incidentId);
    if (!inc || inc.status !== 'triggered' || n > MAX_ESCALATIONS) return;
    // Not opened yet (Slack trouble): fail, and BullMQ's backoff tries again.
    if (!inc.slack.channelId || !inc.slack.messages.card) throw new Error(`incident ${incidentId}: escalation ${n} before the channel is open`);
    const targets = await this.escalationTargets(inc);
    const now = this.d.now();
    await store.withLock(incidentId, async () => {
      const cur = await store.get(incidentId);
      if (!cur || cur.status !== 'triggered') return;
      await this.ensurePosted(cur, `escalation-${n}`, (x) => renderEscalation(x, targets, n, MAX_ESCALATIONS, now));
    });
    await timeline.append(incidentId, {
      id: `escalation:${n}`,
      kind: 'escalation',
      at: now.toISOString(),
      actor: 'beacon',
      text: `Escalation ${n} of ${MAX_ESCALATIONS}: not acknowledged`,
      data: { n, targets },
    });
    if (n < MAX_ESCALATIONS) await this.d.scheduler.escalate(incidentId, n + 1, this.escalationMs());
  }

  /**
   * Reminder `n` for the quiet period that started at `anchor`. Every update (and reopening) starts
   * a new period with its own jobs; a job of an older period finds the anchor moved and does nothing.
   */
  async remind(incidentId: string, anchor: string, n: number): Promise<void> {
    const inc = await this.d.store.get(incidentId);
    if (!inc || !isOpen(inc) || reminderAnchor(inc) !== anchor || n > MAX_REMINDERS) return;
    if (!inc.slack.channelId) throw new Error(`incident ${incidentId}: reminder before the channel is open`);
    const quiet = this.d.now().getTime() - Date.parse(anchor);
    const fallback = this.d.settings.responders;
    await this.d.store.withLock(incidentId, async () => {
      const cur = await this.d.store.get(incidentId);
      if (!cur || !isOpen(cur) || reminderAnchor(cur) !== anchor) return;
      await this.ensurePosted(cur, `reminder-${shortHash(anchor)}-${n}`, (x) => renderReminder(x, quiet, fallback));
    });
    if (n < MAX_REMINDERS) await this.scheduleReminder(inc, n + 1);
  }

  private escalationMs(): number {
    return (this.d.settings.escalationMinutes ?? 10) * 60_000;
  }

  private reminderMs(): number {
    return (this.d.settings.reminderMinutes ?? 30) * 60_000;
  }

  private async scheduleReminder(inc: Incident, n: number): Promise<void> {
    const ms = this.reminderMs();
    if (ms <= 0) return;
    const anchor = reminderAnchor(inc);
    const due = Date.parse(anchor) + n * ms;
    await this.d.scheduler.remind(inc.id, anchor, n, Math.max(0, due - this.d.now().getTime()));
  }

  /** The timers of a freshly opened incident: escalation while unacknowledged, the quiet-period reminder. */
  private async startTimers(incidentId: string): Promise<void> {
    const inc = await this.d.store.get(incidentId);
    if (!inc || !isOpen(inc)) return;
    const esc = this.escalationMs();
    // Counted from when the incident was created, however long opening the channel took.
    if (inc.status === 'triggered' && esc > 0) {
      await this.d.scheduler.escalate(inc.id, 1, Math.max(0, Date.parse(inc.createdAt) + esc - this.d.now().getTime()));
    }
    await this.scheduleReminder(inc, 1);
  }

  private async tell(c: { incidentId: string; userId: string; channelId?: string }, text: string): Promise<void> {
    return this.tellMessage(c, { text, blocks: [section(text)] });
  }

  private async tellMessage(c: { incidentId: string; userId: string; channelId?: string }, msg: SlackMessage): Promise<void> {
    const channel = c.channelId ?? (await this.d.store.get(c.incidentId))?.slack.channelId;
    if (channel) await this.d.slack.postEphemeral(channel, c.userId, msg);
  }

  private async syncTopic(inc: Incident): Promise<Incident> {
    const topic = renderTopic(inc);
    if (inc.slack.topic === topic || !inc.slack.channelId) return inc;
    await this.d.slack.setTopic(inc.slack.channelId, topic);
    return this.d.store.patch(inc.id, (cur) => ({ ...cur, slack: { ...cur.slack, topic } }));
  }

  private async ensureChannel(inc: Incident): Promise<Incident> {
    const { store, slack, log } = this.d;
    if (inc.slack.channelId) return inc;
    const botUser = await slack.botUserId();
    const date = new Date(inc.detectedAt);
    for (let attempt = inc.slack.channelAttempt ?? 1; attempt <= 100; attempt++) {
      const name = channelName(this.d.settings.channelPrefix, date, inc.title, attempt);
      // Beacon's own reservation: two incidents of this install never race for one name.
      if ((await store.reserveChannelName(name, inc.id)) !== inc.id) continue;
      const sentBefore = inc.slack.channelPending === name;
      if (!sentBefore) {
        inc = await store.patch(inc.id, (cur) => ({ ...cur, slack: { ...cur.slack, channelPending: name, channelAttempt: attempt } }));
      }
      const res = await slack.createChannel(name);
      let channelId: string | undefined;
      if (res.ok) channelId = res.id;
      else if (res.error === 'name_taken' && sentBefore) {
        // Our earlier attempt may have created it and died before recording the id: adopt the
        // channel if our bot made it (the name was reserved for this incident alone).
        const found = await slack.findChannelByName(name);
        if (found && found.creator === botUser) channelId = found.id;
      }
      if (channelId) {
        const id = channelId;
        log.info({ incidentId: inc.id, channel: name, channelId: id }, 'incident channel ready');
        return store.patch(inc.id, (cur) => ({ ...cur, slack: { ...cur.slack, channelId: id, channelName: name } }));
      }
      if (!res.ok && res.error === 'invalid_name') throw new Error(`Slack rejected the channel name ${name}`);
      // Taken by someone else (a person, an archived channel): try the next suffix.
    }
    throw new Error(`incident ${inc.id}: no free channel name after 100 tries`);
  }

  private async ensurePosted(inc: Incident, slot: string, render: (inc: Incident) => SlackMessage): Promise<Incident> {
    const { store, slack } = this.d;
    if (inc.slack.messages[slot]) return inc;
    const channelId = inc.slack.channelId!;
    const meta = { eventType: METADATA.message, key: `${inc.id}:${slot}` };
    let ts: string | null = null;
    // A previous attempt sent the post but may have died before recording its ts: look first.
    if (inc.slack.pending[slot]) ts = await slack.findMessageByMetadata(channelId, meta.eventType, meta.key);
    if (!ts) {
      inc = await store.patch(inc.id, (cur) => ({ ...cur, slack: { ...cur.slack, pending: { ...cur.slack.pending, [slot]: true } } }));
      ts = await slack.postMessage(channelId, render(inc), meta);
    }
    const posted = ts;
    return store.patch(inc.id, (cur) => {
      const { [slot]: _done, ...pending } = cur.slack.pending;
      return { ...cur, slack: { ...cur.slack, messages: { ...cur.slack.messages, [slot]: posted }, pending } };
    });
  }
}
