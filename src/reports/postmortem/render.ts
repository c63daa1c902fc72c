import { draftOf } from './draft.js';
import { measuresSection, taskListSection } from './follow-ups.js';
import type { PostmortemInput } from './input.js';
import { headerLines, issueSummarySection } from './issue-summary.js';
import { rootCauseSection } from './root-cause.js';
import { timelineSection } from './timeline.js';

/**
 * The postmortem draft as Markdown, in the shape of the seed postmortem: what Beacon saw, in
 * order, and clearly marked prompts where only the team knows the answer (impact, root cause,
 * measures). Nothing is invented: a missing fact stays a TODO.
 */
export function renderPostmortem(input: PostmortemInput): string {
  const dr = draftOf(input);
  return [
    ...headerLines(dr),
    ...issueSummarySection(dr),
    ...timelineSection(dr),
    ...rootCauseSection(dr),
    ...measuresSection(),
    ...taskListSection(dr),
  ].join('\n');
}
