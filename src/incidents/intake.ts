import { SEVERITIES, type Alert, type ChangeEvent, type Severity } from '../domain.js';
import { incidentIdFor } from '../ids.js';
import type { IncidentDeps } from './deps.js';
import { acknowledge, newIncidentFromAlert, setSeverity, type Incident } from './model.js';
import { postOnceIn } from './slots.js';

/**
 * Alert intake, the worker half: one alert notification or change at a time, from the intake
 * queue. Opening the channel is asked of the scheduler, never done here: a storm only records.
 */
export class AlertIntake {
  constructor(private readonly d: IncidentDeps) {}

  /**
   * Applies one alert notification: find or open the incident of its group (one open incident
   * per group, atomically), record the alert once per job, then ask for the Slack work.
   */
  async onAlert(alert: Alert, jobId: string, truncated?: number): Promise<{ incidentId: string | null }> {
    const { store, log } = this.d;
    const now = this.d.now();
    let id = await store.openIncidentOf(alert.group);
    if (!id) {
      // A drill's alert only ever joins its drill (its group is claimed when the drill starts):
      // once the drill is over, it opens nothing.
      if (alert.labels.beacon_drill) {
        log.info({ group: alert.group, fingerprint: alert.fingerprint }, 'drill alert after its drill ended: nothing to do');
        return { incidentId: null };
      }
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
      await store.create(await this.withPrivacy(newIncidentFromAlert(id, number, alert, now)));
      inc = (await store.brief(id))!;
    }
    if (inc.status === 'resolved') {
      // The incident resolved while this alert was on its way. A new firing starts a new incident.
      await store.releaseGroup(alert.group, id);
      if (alert.status === 'firing') return this.onAlert(alert, `${jobId}:after-${id}`, truncated);
      return { incidentId: id };
    }

    const rec = await store.recordAlert(id, alert, jobId, now);
    await this.recordOnTimeline(id, alert, rec, now);
    if (truncated !== undefined && truncated !== inc.truncated) {
      await store.patch(id, (cur) => ({ ...cur, truncatedAlerts: truncated }));
    }
    if (alert.status === 'acknowledged' && inc.status === 'triggered') await this.acknowledgedAtSource(id, alert, now);
    if (alert.status === 'firing' && worse(alert.severity, inc.severity ?? (await store.get(id))?.severity)) await this.raiseSeverity(id, alert, now);
    if (!inc.opened) await this.d.scheduler.openIncident(id, inc.severity);
    else if (rec.refreshNeeded) await this.d.scheduler.refreshAlerts(id);
    return { incidentId: id };
  }

  /**
   * An alert's incident whose runbook says `private: true` is private from its first write, so
   * that `list`, `status`, the status page and `/metrics` never see it public, not even while its
   * opening job waits. The runbook is found as the opening finds it (`mainRunbook`, which attaches
   * it); without a private runbook in the set, nothing is looked up.
   */
  private async withPrivacy(inc: Incident): Promise<Incident> {
    const runbooks = this.d.runbooks;
    if (!runbooks || !runbooks.list().some((r) => r.private)) return inc;
    return (await runbooks.mainRunbook(inc))?.private ? { ...inc, private: true } : inc;
  }

  private async recordOnTimeline(id: string, alert: Alert, rec: { isNew: boolean; statusChanged: boolean; applied: boolean }, now: Date): Promise<void> {
    const { store, timeline } = this.d;
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
    // timeline as the acknowledgement, never as a second firing.
    if ((rec.isNew || rec.statusChanged || retried) && !(alert.status === 'acknowledged' && !rec.isNew)) {
      const resolved = alert.status === 'resolved';
      await timeline.append(id, {
        id: `alert:${alert.fingerprint}:${alert.status}:${resolved ? (alert.endsAt ?? '') : alert.startsAt}`,
        kind: resolved ? 'alert.resolved' : 'alert.firing',
        at: resolved ? (alert.endsAt ?? now.toISOString()) : alert.startsAt,
        actor: alert.source,
        // A resolve by key (PagerDuty Events, Opsgenie close) carries no title of its own.
        text: alert.title || (await store.get(id))?.title || alert.fingerprint,
        data: { fingerprint: alert.fingerprint, severity: alert.severity },
      });
    }
  }

  /**
   * A worse alert of the same group raises the incident to its severity (never lowers it), with a
   * timeline entry; the card and the announce channel follow (an incident raised into
   * ANNOUNCE_SEVERITIES is announced then).
   */
  private async raiseSeverity(id: string, alert: Alert, now: Date): Promise<void> {
    const res = await this.d.store.update(id, (cur) => (worse(alert.severity, cur.severity) ? setSeverity(cur, alert.severity) : null));
    if (!res.ok || !res.before || res.before.version === res.value.version) return;
    await this.d.timeline.append(id, {
      id: `severity:${alert.fingerprint}:${alert.severity}`,
      kind: 'severity',
      at: now.toISOString(),
      actor: alert.source,
      text: alert.title,
      data: { from: res.before.severity, to: res.value.severity, fingerprint: alert.fingerprint },
    });
    if (res.value.slack.opened) await this.d.scheduler.refreshCard(id);
  }

  /** The sender (PagerDuty) says someone acknowledged there. */
  private async acknowledgedAtSource(id: string, alert: Alert, now: Date): Promise<void> {
    const res = await this.d.store.update(id, (cur) => acknowledge(cur, undefined, now));
    if (!res.ok) return;
    await this.d.timeline.append(id, { id: `ack:${alert.source}:${alert.fingerprint}`, kind: 'acknowledged', at: now.toISOString(), actor: alert.source, text: `Acknowledged in ${alert.source}` });
    await this.d.scheduler.cancelEscalation(id);
    await this.d.scheduler.refreshCard(id);
  }

  /**
   * A deploy or config change arrived for a service with open incidents: it goes on their
   * timelines and is said in their channels, once per change.
   */
  async onChange(change: ChangeEvent): Promise<void> {
    const open = (await this.d.store.listOpen(200)).filter((i) => i.service && i.service.toLowerCase() === change.service.toLowerCase());
    for (const inc of open) {
      if (!inc.slack.channelId) continue;
      await this.d.runbooks?.recordChange(inc.id, change);
      await postOnceIn(this.d, inc, `change:${change.id}`, { kind: 'change-during', change }, true);
    }
  }
}

/** `sev1` is worse than `sev2`; nothing is worse than an unknown severity. */
function worse(a: Severity, than: Severity | undefined): boolean {
  return than !== undefined && SEVERITIES.indexOf(a) < SEVERITIES.indexOf(than);
}
