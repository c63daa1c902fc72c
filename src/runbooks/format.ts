/**
 * The runbook file format: one Markdown file per runbook, YAML front matter for the machine,
 * a Markdown checklist for the humans. The schema, the parser and the diagnostics live in
 * `./format/`; this module is the one the rest of Beacon imports. `docs/runbooks.md`
 * documents the format for the people who write runbooks; keep the two in step.
 */
export {
  CHECK_ID,
  CHECK_TYPES,
  checkSchema,
  frontMatterSchema,
  headerFromEnvSchema,
  httpCheckSchema,
  matchSchema,
  MAX_STEP_TEXT,
  MAX_STEPS,
  recentChangesCheckSchema,
  RUNBOOK_NAME,
  runbookSchema,
  SLACK_USER_ID,
  SLACK_USERGROUP_ID,
  stepSchema,
  type HttpCheck,
  type RecentChangesCheck,
  type Runbook,
  type RunbookCheck,
  type RunbookFrontMatter,
  type RunbookMatch,
  type RunbookStep,
} from './format/schema.js';
export { type ProblemSeverity, type RunbookProblem } from './format/diagnostics.js';
export { parseRunbook, type ParseResult } from './format/parser.js';
