/**
 * The postmortem draft. The document is written section by section in `./postmortem/`; this
 * module is its public face, so importers need not know the layout.
 */
export { renderPostmortem } from './postmortem/render.js';
export { CHANGE_WINDOW_MS, type ChecklistStep, type PostmortemInput } from './postmortem/input.js';
export { describeEvent, mdLine, type EventFormat } from './describe.js';
