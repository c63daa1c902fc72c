import { shortHash } from '../ids.js';
import { MAX_ESCALATIONS, MAX_REMINDERS, type IncidentDeps } from './deps.js';
import { isOpen, reminderAnchor, type Incident } from './model.js';
import { ensurePosted } from './slots.js';

/**
 * The incident's clocks: escalation while nobody acknowledged, and the reminder when no update
 * was posted for a while. Each job re-checks the state when it runs, so a cancel that missed a
 * job never makes it act on an incident that moved on.
 */
export class IncidentTimers {
  constructor(private readonly d: IncidentDeps) {}

  /** The timers of a freshly opened incident: escalation while unacknowledged, the quiet-period reminder. */
  async start(incidentId: string): Promise<void> {
    const inc = await this.d.store.get(incidentId);
    if (!inc || !isOpen(inc)) return;
    const esc = this.escalationMs();
    // Counted from when the incident was created, however long opening the channel took. A
    // drill never escalates: nobody outside it may be paged for practice.
    if (inc.status === 'triggered' && esc > 0 && !inc.drill) {
      await this.d.scheduler.escalate(inc.id, 1, Math.max(0, Date.parse(inc.createdAt) + esc - this.d.now().getTime()));
    }
    await this.scheduleReminder(inc, 1);
  }

  /**
   * Everyone an escalation mentions: the responders, and the runbook's escalation group or users.
   * A private incident pages only people who may see it: a private runbook's escalation and
   * responders, and the declarer.
   */
  async escalationTargets(incident: Incident): Promise<string[]> {
    if (incident.private) return this.privatePeople(incident, true);
    const extra = this.d.runbooks ? await this.d.runbooks.escalationTargets(incident) : [];
    return [...new Set([...this.d.settings.responders, ...extra])];
  }

  /** Who a private incident may call on: its private runbook's people, and the declarer. */
  private async privatePeople(incident: Incident, withEscalation: boolean): Promise<string[]> {
    const rb = this.d.runbooks ? await this.d.runbooks.mainRunbook(incident) : undefined;
    const fromRunbook = rb?.private ? [...(withEscalation ? rb.escalation : []), ...rb.responders] : [];
    return [...new Set([...fromRunbook, ...(incident.declaredBy ? [incident.declaredBy] : [])])];
  }

  /**
   * Escalation `n` of an incident nobody acknowledged. An acknowledgement in the meantime (even
   * one whose cancel missed the job) ends the chain.
   */
  async escalate(incidentId: string, n: number): Promise<void> {
    const { store, timeline } = this.d;
    const inc = await store.get(incidentId);
    if (!inc || inc.status !== 'triggered' || n > MAX_ESCALATIONS || inc.drill) return;
    // Not opened yet (Slack trouble): fail, and BullMQ's backoff tries again.
    if (!inc.slack.channelId || !inc.slack.messages.card) throw new Error(`incident ${incidentId}: escalation ${n} before the channel is open`);
    const targets = await this.escalationTargets(inc);
    const now = this.d.now();
    await store.withLock(incidentId, async () => {
      const cur = await store.get(incidentId);
      if (!cur || cur.status !== 'triggered') return;
      await ensurePosted(this.d, cur, `escalation-${n}`, (x) => ({ kind: 'escalation', incident: x, targets, n, max: MAX_ESCALATIONS, now }));
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
    const quietMs = this.d.now().getTime() - Date.parse(anchor);
    // A drill's reminder goes to those in it (its starter), never to the responders.
    const fallback = inc.private || inc.drill ? await this.privatePeople(inc, false) : this.d.settings.responders;
    await this.d.store.withLock(incidentId, async () => {
      const cur = await this.d.store.get(incidentId);
      if (!cur || !isOpen(cur) || reminderAnchor(cur) !== anchor) return;
      await ensurePosted(this.d, cur, `reminder-${shortHash(anchor)}-${n}`, (x) => ({ kind: 'reminder', incident: x, quietMs, fallback }));
    });
    if (n < MAX_REMINDERS) await this.scheduleReminder(inc, n + 1);
  }

  /** Reminder `n` of the incident's current quiet period. */
  async scheduleReminder(inc: Incident, n: number): Promise<void> {
    const ms = (this.d.settings.reminderMinutes ?? 30) * 60_000;
    if (ms <= 0) return;
    const anchor = reminderAnchor(inc);
    const due = Date.parse(anchor) + n * ms;
    await this.d.scheduler.remind(inc.id, anchor, n, Math.max(0, due - this.d.now().getTime()));
  }

  private escalationMs(): number {
    return (this.d.settings.escalationMinutes ?? 10) * 60_000;
  }
}
