import { z } from 'zod';
import type { IncidentDeps } from './deps.js';
import { DEFAULT_ROLES, isOpen, roleHolders, type Incident } from './model.js';
import type { IncidentOpening } from './opening.js';
import { postOnceIn, tell } from './slots.js';
import type { IncidentTimers } from './timers.js';
import { checkArgs, findVerb, isIncidentCommand, publicUpdate, type Verb } from './verbs.js';

/** A person's command or card click, as the `incident.command` job carries it (its schema). */
export const incidentCommandSchema = z.object({
  incidentId: z.string().min(1),
  verb: z.string().min(1).max(20),
  args: z.string().max(4000),
  userId: z.string().min(1),
  channelId: z.string().optional(),
  /** The delivery it came from (`command:<id>`, `action:<id>`): applied, recorded and announced once. */
  sourceId: z.string().min(1),
});
export type IncidentCommand = z.infer<typeof incidentCommandSchema>;

/** `/incident runbook <name>`, as the `runbook.attach` job carries it (its schema). */
export const runbookAttachSchema = z.object({
  incidentId: z.string().min(1),
  name: z.string().min(1).max(100),
  userId: z.string().min(1),
  channelId: z.string().optional(),
  runId: z.string().min(1),
});
export type RunbookAttach = z.infer<typeof runbookAttachSchema>;

/**
 * People's commands on an incident, carried out from the verb table (incidents/verbs.ts).
 * Expected refusals (already resolved, bad argument) go back to that person only; a change is
 * announced in the channel and re-renders the card.
 *
 * Exactly once per Slack delivery: the delivery id is stored with the change in one atomic
 * write, the timeline records it under the same id, and an announcement carries it as its tag, so
 * a job retried after a crash at any step finishes the steps it missed and repeats none. Two
 * different commands racing on one incident both land: the store's compare-and-set makes the
 * later one recompute on the state the earlier one left.
 */
export class IncidentCommands {
  constructor(
    private readonly d: IncidentDeps,
    private readonly timers: IncidentTimers,
    private readonly opening: IncidentOpening,
  ) {}

  async command(c: IncidentCommand): Promise<void> {
    const verb = findVerb(c.verb);
    if (!isIncidentCommand(verb)) {
      return tell(this.d, c, { kind: 'refusal', refusal: { reason: `\`/incident ${c.verb.replace(/[<>&`]/g, '')}\` is not something Beacon can do here. Try \`/incident help\`.` } });
    }
    const checked = checkArgs(verb, c.args, { roles: this.roles() });
    if (!checked.ok) return tell(this.d, c, { kind: 'refusal', refusal: checked });
    if (verb.run === 'record') return this.record(c, verb, checked.args);
    return this.change(c, verb, checked.args);
  }

  /** Timeline-only verbs (note, task): nothing on the incident document changes. */
  private async record(c: IncidentCommand, verb: Verb & { timeline: string }, args: string): Promise<void> {
    const inc = await this.d.store.get(c.incidentId);
    if (!inc) return tell(this.d, c, { kind: 'refusal', refusal: { reason: 'This incident no longer exists.' } });
    const fresh = await this.d.timeline.append(inc.id, { id: c.sourceId, kind: verb.timeline, at: this.d.now().toISOString(), actor: c.userId, text: args });
    if (fresh) await tell(this.d, c, { kind: 'recorded', verb: verb.name, text: args });
  }

  private async change(c: IncidentCommand, verb: Verb & { timeline: string }, args: string): Promise<void> {
    const now = this.d.now();
    const apply = verb.apply;
    if (!apply) throw new Error(`verb ${verb.name} changes the incident but has no transition`);
    const res = await this.d.store.update(c.incidentId, (cur) => {
      if (cur.appliedCommands?.includes(c.sourceId)) return null;
      const out = apply(cur, { user: c.userId, args, now, roles: this.roles() });
      if (!out.ok) return out;
      return { ok: true, value: { ...out.value, appliedCommands: [...(cur.appliedCommands ?? []), c.sourceId].slice(-100) } };
    });
    if (!res.ok) return tell(this.d, c, { kind: 'refusal', refusal: res });
    const inc = res.value;
    const before = res.before ?? inc;
    // `update` returns the unchanged document when this delivery was applied before (a retry).
    const retried = before.version === inc.version;
    const entry = verb.entry ? verb.entry(before, inc, args) : { text: args };
    await this.d.timeline.append(inc.id, { id: c.sourceId, kind: verb.timeline, at: now.toISOString(), actor: c.userId, ...entry });

    if (before.status === 'triggered' && inc.status !== 'triggered') await this.d.scheduler.cancelEscalation(inc.id);
    if (inc.status === 'resolved') await this.d.store.releaseGroup(inc.group, inc.id);
    for (const f of verb.followUps ?? []) await this.followUp(f, inc, c, { args, now });

    if (verb.announce && inc.slack.channelId) {
      const view = { kind: 'announcement' as const, verb: verb.name, incident: inc, before, by: c.userId, ...(args ? { text: args } : {}), now };
      await postOnceIn(this.d, inc, `cmd:${c.sourceId}`, view, retried);
    }
    await this.d.scheduler.refreshCard(inc.id);
  }

  private roles(): readonly string[] {
    return this.d.settings.roles ?? DEFAULT_ROLES;
  }

  /** Timers, the group claim and reports follow the new state; each step is idempotent. */
  private async followUp(f: NonNullable<Verb['followUps']>[number], inc: Incident, c: IncidentCommand, applied: { args: string; now: Date }): Promise<void> {
    const { scheduler, store, log } = this.d;
    switch (f) {
      case 'resolved':
        await scheduler.stopSummaries(inc.id);
        await scheduler.draftPostmortem(inc.id, c.sourceId, 'resolved');
        if (inc.drill) await scheduler.scoreDrill?.(inc.id, c.sourceId);
        return;
      case 'reopened': {
        await this.opening.startSummaries(inc.id);
        // The group's next alert comes here again, unless a newer incident took the group meanwhile.
        const claim = await store.claimGroup(inc.group, inc.id);
        if (!claim.claimed) log.info({ incidentId: inc.id, group: inc.group, holder: claim.id }, 'reopened incident left its group to a newer incident');
        return;
      }
      case 'restart-reminder':
        if (isOpen(inc)) await this.timers.scheduleReminder(inc, 1);
        return;
      case 'invite-lead':
        // A new lead who is not in the channel yet is brought in (members already there are fine).
        if (inc.lead && inc.slack.channelId) await this.d.chat.invite(inc.slack.channelId, [inc.lead]);
        return;
      case 'status-page': {
        // `update --public`: on the status page too, once per delivery (apply refused private incidents and drills).
        const u = publicUpdate(applied.args);
        if (u.public && this.d.statusPage) await this.d.statusPage.record(inc.id, { id: c.sourceId, at: applied.now.toISOString(), text: u.text, status: inc.status });
        return;
      }
      case 'invite-roles': {
        // Whoever was given a role is brought in; those already there are fine.
        const holders = [...new Set(Object.values(roleHolders(inc)))];
        if (holders.length && inc.slack.channelId) await this.d.chat.invite(inc.slack.channelId, holders);
        return;
      }
    }
  }

  /** `/incident runbook <name>`: attaches it and posts its checklist, or tells why not. */
  async attachRunbook(p: RunbookAttach): Promise<void> {
    if (!this.d.runbooks) return tell(this.d, p, { kind: 'refusal', refusal: { reason: 'Runbooks are not set up on this Beacon.' } });
    const res = await this.d.runbooks.attach(p.incidentId, p.name, p.runId);
    if (!res.ok) return tell(this.d, p, { kind: 'refusal', refusal: res });
  }
}
