import { mdLine } from '../describe.js';
import { sortedEvents, TODO, type Draft } from './draft.js';

/** `## Corrective and Preventative Measures`: the team's alone to write. */
export function measuresSection(): string[] {
  return [
    '## Corrective and Preventative Measures',
    '',
    TODO('list what will stop this from happening again and catch it sooner next time: fixes, monitoring, process. Give each an owner and add it to the task list.'),
    '',
  ];
}

/**
 * `## Task List`: every `/incident task` recorded during the incident, then the runbook steps
 * nobody did, each an open box.
 */
export function taskListSection(dr: Draft): string[] {
  const { input, fmt } = dr;
  const tasks: string[] = [];
  for (const ev of sortedEvents(input.timeline)) {
    if (ev.kind !== 'task') continue;
    tasks.push(`- [ ] ${mdLine(ev.text)}${ev.actor ? ` (by ${fmt.who(ev.actor)})` : ''}`);
  }
  for (const step of input.checklist?.steps ?? []) {
    if (!step.done) tasks.push(`- [ ] ${mdLine(step.text)} (runbook ${mdLine(input.checklist!.runbook)}, not done during the incident)`);
  }
  return [
    '## Task List',
    '',
    ...(tasks.length ? tasks : [TODO('no follow-up tasks were recorded during the incident; list them here.')]),
    '',
  ];
}
