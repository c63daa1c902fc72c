import type { Alert, ChangeEvent } from '../domain.js';
import { IncidentCommands, type IncidentCommand } from './commanding.js';
import type { IncidentDeps } from './deps.js';
import { AlertIntake } from './intake.js';
import { IncidentOpening, type Declaration } from './opening.js';
import { IncidentTimers } from './timers.js';

export { MAX_ESCALATIONS, MAX_REMINDERS, type IncidentDeps } from './deps.js';
export type { IncidentCommand } from './commanding.js';
export type { Declaration } from './opening.js';

/**
 * The incident service, one entry per job the worker runs, each handed to the phase it serves:
 * intake (alerts, changes), opening (channel, card, refreshes, declare), commands, timers.
 */
export class IncidentService {
  private readonly intake: AlertIntake;
  private readonly opening: IncidentOpening;
  private readonly commands: IncidentCommands;
  private readonly timers: IncidentTimers;

  constructor(d: IncidentDeps) {
    this.intake = new AlertIntake(d);
    this.timers = new IncidentTimers(d);
    this.opening = new IncidentOpening(d, this.timers);
    this.commands = new IncidentCommands(d, this.timers, this.opening);
  }

  onAlert(alert: Alert, jobId: string, truncated?: number) {
    return this.intake.onAlert(alert, jobId, truncated);
  }
  onChange(change: ChangeEvent) {
    return this.intake.onChange(change);
  }
  open(incidentId: string) {
    return this.opening.open(incidentId);
  }
  declare(p: Declaration) {
    return this.opening.declare(p);
  }
  refreshAlerts(incidentId: string) {
    return this.opening.refreshAlerts(incidentId);
  }
  refreshCard(incidentId: string) {
    return this.opening.refreshCard(incidentId);
  }
  syncTopic(incidentId: string) {
    return this.opening.syncTopic(incidentId);
  }
  command(c: IncidentCommand) {
    return this.commands.command(c);
  }
  attachRunbook(p: Parameters<IncidentCommands['attachRunbook']>[0]) {
    return this.commands.attachRunbook(p);
  }
  escalate(incidentId: string, n: number) {
    return this.timers.escalate(incidentId, n);
  }
  remind(incidentId: string, anchor: string, n: number) {
    return this.timers.remind(incidentId, anchor, n);
  }
}
