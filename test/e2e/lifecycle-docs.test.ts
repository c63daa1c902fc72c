import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMAND_VERBS, HELP_TEXT } from '../../src/slack/blocks/help.js';

/**
 * Issue #4, "done when" 5: the Slack manifest's usage hint, the README and `/incident help` list
 * every verb, from the one list the listener dispatches on.
 */
describe('every /incident verb is documented', () => {
  const verbs = COMMAND_VERBS.map((v) => v.verb);

  it('covers the contract: the verbs interface.md names', () => {
    expect(verbs).toEqual(['help', 'declare', 'list', 'status', 'ack', 'sev', 'lead', 'role', 'update', 'note', 'task', 'runbook', 'summary', 'mitigate', 'resolve', 'reopen', 'postmortem', 'drill']);
  });

  it('in the manifest: the /incident usage_hint names each verb', () => {
    const manifest = parse(readFileSync('manifest.yml', 'utf8')) as { features: { slash_commands: { command: string; usage_hint: string }[] } };
    const incident = manifest.features.slash_commands.find((c) => c.command === '/incident');
    expect(incident).toBeDefined();
    const hinted = incident!.usage_hint.split('|').map((part) => part.trim().split(/\s+/)[0]);
    expect(hinted).toEqual(verbs);
    for (const v of COMMAND_VERBS) {
      const args = v.usage.split(/\s+/).slice(1).filter((a) => a.startsWith('<'));
      for (const a of args) expect(incident!.usage_hint).toContain(`${v.verb} ${a}`);
    }
  });

  it('in the README: the /incident section has a row for each verb', () => {
    const readme = readFileSync('README.md', 'utf8');
    const start = readme.indexOf('## The `/incident` command');
    expect(start).toBeGreaterThan(-1);
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    for (const v of COMMAND_VERBS) expect(section).toMatch(new RegExp(`^\\| \`${v.verb}( [^\`]*)?\` \\|`, 'm'));
  });

  it('in /incident help', () => {
    for (const v of verbs) expect(HELP_TEXT).toContain(`/incident ${v}`);
  });
});
