import { createHash } from 'node:crypto';
import type { Alert } from '../domain.js';
import type { Logger } from '../log.js';
import { renderAlerts } from '../slack/blocks/alerts.js';
import { renderCard, renderTopic } from '../slack/blocks/card.js';
import { METADATA } from '../slack/blocks/ids.js';
import type { SlackMessage } from '../slack/blocks/types.js';
import type { SlackGateway } from '../slack/gateway.js';
import type { TimelineStore } from '../timeline/store.js';
import { channelName } from './channel-name.js';
import { SEVERITIES, type Severity } from '../domain.js';
import { esc } from '../slack/escape.js';
import { section } from '../slack/blocks/types.js';
import { acknowledge, mitigate, newIncidentFromAlert, resolve, setSeverity, type Incident, type Outcome } from './model.js';
import type { IncidentStore } from './store.js';

/** Follow-up work the service asks for; BullMQ carries it (jobs/scheduler.ts). */
export interface Scheduler {
  /** Runs the opening steps of an incident (idempotent: one job id per incident). */
  openIncident(incidentId: string): Promise<void>;
  /** Debounced: many calls within a moment make one `chat.update` of the alerts message. */
  refreshAlerts(incidentId: string): Promise<void>;
  refreshCard(incidentId: string): Promise<void>;
}

export interface IncidentServiceDeps {
  store: IncidentStore;
  timeline: TimelineStore;
  slack: SlackGateway;
  scheduler: Scheduler;
  log: Logger;
  now: () => Date;
  settings: { responders: string[]; channelPrefix: string };
}

function parseSeverity(arg: string): Severity | null {
  const m = /^(?:sev)?\s*([1-4])$/i.exec(arg.trim());
  return m ? SEVERITIES[Number(m[1]) - 1]! : null;
}

/** Incident ids derive from what created them, so a retried job finds the id it made before. */
export function incidentIdFor(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').replace(/[-_]/g, '').slice(0, 10).toLowerCase();
}

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

    let inc = await store.get(id);
    if (!inc) {
      // The claimer (maybe this very job, before a crash) did not write the incident yet.
      const number = await store.nextNumber();
      await store.create(newIncidentFromAlert(id, number, alert, now));
      inc = (await store.get(id))!;
      await timeline.append(id, {
        id: 'incident.opened',
        kind: 'incident.opened',
        at: inc.detectedAt,
        actor: alert.source,
        text: inc.title,
        data: { severity: inc.severity, ...(inc.service ? { service: inc.service } : {}) },
      });
    }
    if (inc.status === 'resolved') {
      // The incident resolved while this alert was on its way. A new firing starts a new incident.
      await store.releaseGroup(alert.group, id);
      if (alert.status === 'firing') return this.onAlert(alert, `${jobId}:after-${id}`, truncated);
      return { incidentId: id };
    }

    const rec = await store.recordAlert(id, alert, jobId, now);
    if (rec.applied && (rec.isNew || rec.statusChanged)) {
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
    if (truncated !== undefined && truncated !== inc.truncatedAlerts) {
      inc = await store.patch(id, (cur) => ({ ...cur, truncatedAlerts: truncated }));
    }
    if (alert.status === 'acknowledged' && inc.status === 'triggered') {
      const res = await store.update(id, (cur) => acknowledge(cur, undefined, now));
      if (res.ok) {
        await timeline.append(id, { id: `ack:${alert.source}:${alert.fingerprint}`, kind: 'acknowledged', at: now.toISOString(), actor: alert.source, text: `Acknowledged in ${alert.source}` });
        await this.d.scheduler.refreshCard(id);
      }
    }
    if (!inc.slack.opened) await this.d.scheduler.openIncident(id);
    else await this.d.scheduler.refreshAlerts(id);
    return { incidentId: id };
  }

  /**
   * The opening steps: channel, responders, card (pinned), alerts message. Every step records
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
      if (!inc.slack.invited) {
        const invitees = [...new Set([...this.d.settings.responders, ...(inc.declaredBy ? [inc.declaredBy] : [])])];
        await this.d.slack.invite(channelId, invitees);
        inc = await store.patch(incidentId, (cur) => ({ ...cur, slack: { ...cur.slack, invited: true } }));
      }
      inc = await this.ensurePosted(inc, 'card', (cur) => renderCard(cur, this.d.now()));
      if (!inc.slack.pinned) {
        await this.d.slack.pin(channelId, inc.slack.messages.card!);
        inc = await store.patch(incidentId, (cur) => ({ ...cur, slack: { ...cur.slack, pinned: true } }));
      }
      const alerts = await store.alerts(incidentId);
      inc = await this.ensurePosted(inc, 'alerts', (cur) => renderAlerts(cur, alerts));
      inc = await this.syncTopic(inc);
      await store.patch(incidentId, (cur) => ({ ...cur, slack: { ...cur.slack, opened: true } }));
    });
    // Alerts recorded while we were opening saw `opened` false and only asked for this job.
    await this.d.scheduler.refreshAlerts(incidentId);
  }

  /** Re-renders the alerts message from the latest state (debounced by the scheduler). */
  async refreshAlerts(incidentId: string): Promise<void> {
    await this.d.store.withLock(incidentId, async () => {
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
   */
  async command(c: { incidentId: string; verb: string; args: string; userId: string; channelId?: string; sourceId: string }): Promise<void> {
    const now = this.d.now();
    const { store, timeline, slack } = this.d;
    const text = c.args.trim() || undefined;
    let change: (i: Incident) => Outcome<Incident>;
    let announce: (i: Incident) => string;
    let kind: 'acknowledged' | 'mitigated' | 'resolved' | 'severity';
    switch (c.verb) {
      case 'ack':
        change = (i) => acknowledge(i, c.userId, now);
        announce = (i) => `👀 <@${c.userId}> acknowledged the incident${i.lead === c.userId ? ' and leads it' : ''}.`;
        kind = 'acknowledged';
        break;
      case 'mitigate':
        change = (i) => mitigate(i, c.userId, text, now);
        announce = () => `🩹 <@${c.userId}> marked the incident mitigated${text ? `: ${esc(text)}` : '.'}`;
        kind = 'mitigated';
        break;
      case 'resolve':
        change = (i) => resolve(i, c.userId, text, now);
        announce = () => `✅ <@${c.userId}> resolved the incident${text ? `: ${esc(text)}` : '.'}`;
        kind = 'resolved';
        break;
      case 'sev': {
        const sev = parseSeverity(c.args);
        if (!sev) return this.tell(c, 'Give a severity from 1 (worst) to 4, e.g. `/incident sev 2`.');
        change = (i) => setSeverity(i, sev);
        announce = (i) => `<@${c.userId}> changed the severity to *${i.severity}*.`;
        kind = 'severity';
        break;
      }
      default:
        return this.tell(c, `\`/incident ${esc(c.verb)}\` is not something Beacon can do here.`);
    }
    // The delivery id is stored with the change in one write: a job retried after a crash finds
    // its change already made and goes on to the timeline and announcement it may have missed.
    const res = await store.update(c.incidentId, (cur) => {
      if (cur.appliedCommands?.includes(c.sourceId)) return null;
      const out = change(cur);
      if (!out.ok) return out;
      return { ok: true, value: { ...out.value, appliedCommands: [...(cur.appliedCommands ?? []), c.sourceId].slice(-100) } };
    });
    if (!res.ok) return this.tell(c, res.reason);
    const inc = res.value;
    const fresh = await timeline.append(inc.id, {
      id: c.sourceId,
      kind,
      at: now.toISOString(),
      actor: c.userId,
      text: text ?? '',
      ...(kind === 'severity' ? { data: { from: res.before?.severity, to: inc.severity } } : {}),
    });
    if (inc.status === 'resolved') await store.releaseGroup(inc.group, inc.id);
    if (fresh && inc.slack.channelId) await slack.postMessage(inc.slack.channelId, { text: announce(inc), blocks: [section(announce(inc))] });
    await this.d.scheduler.refreshCard(inc.id);
  }

  private async tell(c: { incidentId: string; userId: string; channelId?: string }, text: string): Promise<void> {
    const channel = c.channelId ?? (await this.d.store.get(c.incidentId))?.slack.channelId;
    if (channel) await this.d.slack.postEphemeral(channel, c.userId, { text, blocks: [section(text)] });
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
