import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import { newDeclaredIncident, type Incident } from '../../src/incidents/model.js';
import { announce, renderEscalation, renderReminder, reply } from '../../src/slack/blocks/announce.js';
import { renderCard, renderTopic } from '../../src/slack/blocks/card.js';
import { readDeclareForm, readDeclareMeta, renderDeclareModal } from '../../src/slack/blocks/declare-modal.js';
import { renderDeclared } from '../../src/slack/blocks/declared.js';
import { renderHelp } from '../../src/slack/blocks/help.js';
import { renderList, renderStatus } from '../../src/slack/blocks/status.js';
import type { SlackMessage } from '../../src/slack/blocks/types.js';
import { mentionTarget, normalizeCommandText, plainTitle, userText } from '../../src/slack/blocks/user-text.js';
import { parseDeclare, splitCommand } from '../../src/slack/listeners/command.js';

const NOW = new Date('2024-06-03T09:15:00Z');
const base = (): Incident => ({
  ...newDeclaredIncident('inc1', 7, { title: 'Checkout <!channel> & payments', severity: 'sev1', service: 'checkout', description: 'Gateway <b>401</b>', declaredBy: 'U0000003' }, new Date('2024-06-03T08:30:00Z')),
  slack: { messages: { card: '1.1' }, pending: {}, channelId: 'C0INCIDENT1' },
});

describe('typed text', () => {
  it('keeps the people and channels a person mentioned, and escapes everything else', () => {
    const stored = normalizeCommandText('rolled back &amp; paged <@U0000002|bob> in <#C0ABCDEF1|ops> <!channel> <https://x.example|x>');
    expect(stored).toBe('rolled back & paged <@U0000002> in <#C0ABCDEF1> <!channel> <https://x.example|x>');
    expect(userText(stored)).toBe('rolled back &amp; paged <@U0000002> in <#C0ABCDEF1> &lt;!channel&gt; &lt;https://x.example|x&gt;');
    expect(userText('<@U0000002> <!here|here> &lt;')).toBe('<@U0000002> &lt;!here|here&gt; &amp;lt;');
  });

  it('titles are plain words', () => {
    expect(plainTitle('API down for <@U0000002|bob> &amp; <!subteam^S0123|@payments> see <https://x.example/a|dash>')).toBe('API down for @bob & @payments see dash');
    expect(plainTitle('  two   spaces ')).toBe('two spaces');
  });

  it('escalation targets: people and user groups', () => {
    expect(mentionTarget('U0000001')).toBe('<@U0000001>');
    expect(mentionTarget('S0123ABCD')).toBe('<!subteam^S0123ABCD>');
    expect(mentionTarget('<!channel>')).toBeNull();
  });

  it('command text splits into verb and the rest; declare takes a trailing severity', () => {
    expect(splitCommand('  SEV   2 ')).toEqual({ verb: 'sev', args: '2' });
    expect(splitCommand('update  line one\nline two')).toEqual({ verb: 'update', args: 'line one\nline two' });
    expect(splitCommand('')).toEqual({ verb: '', args: '' });
    expect(parseDeclare('Checkout down sev1')).toEqual({ title: 'Checkout down', severity: 'sev1' });
    expect(parseDeclare('Checkout down')).toEqual({ title: 'Checkout down' });
    expect(parseDeclare('SEV2')).toEqual({ title: '', severity: 'sev2' });
    expect(parseDeclare('sev4 is not a title end here')).toEqual({ title: 'sev4 is not a title end here' });
  });
});

describe('renderers', () => {
  it('the card re-renders from the whole state, escaping untrusted text', () => {
    const inc: Incident = { ...base(), status: 'acknowledged', lead: 'U0000001', acknowledgedAt: '2024-06-03T08:35:00Z', lastUpdate: 'failing over <!channel> ask <@U0000002>', lastUpdateBy: 'U0000001', lastUpdateAt: '2024-06-03T09:00:00Z' };
    const text = JSON.stringify(renderCard(inc, NOW).blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('ask <@U0000002>');
    expect(text).toContain('*Lead*\\n<@U0000001>');
    expect(text).toContain('*Elapsed*\\n45m');
    expect(renderTopic(inc)).toBe('sev1 | acknowledged | lead <@U0000001> | Checkout &lt;!channel&gt; &amp; payments');
  });

  it('announcements name who did what; typed text is escaped', () => {
    const inc: Incident = { ...base(), status: 'resolved', resolvedAt: '2024-06-03T09:45:00Z', lead: 'U0000002' };
    expect(announce.resolved(inc, 'U0000001', 'fixed <!here>', NOW).text).toBe('✅ <@U0000001> resolved the incident after 1h 15m: fixed &lt;!here&gt;');
    expect(announce.lead(inc, 'U0000001').text).toBe('🧭 <@U0000001> handed the lead to <@U0000002>.');
    expect(announce.severity(inc, 'U0000001', 'sev3').text).toContain('from sev3 to *SEV1 · critical*');
    expect(reply.task('add <!channel> alert').text).toContain('&lt;!channel&gt;');
  });

  it('escalation mentions responders and groups, and says which of three it is', () => {
    const m = renderEscalation(base(), ['U0000001', 'S0123ABCD', 'U0000001'], 2, 3, NOW);
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('Escalation 2 of 3');
    expect(text).toContain('<@U0000001> <!subteam^S0123ABCD> please take a look');
    expect(text).toContain('after 45m');
    expect(text).not.toContain('<!channel>');
  });

  it('the reminder nudges the lead, or the responders when nobody leads', () => {
    expect(JSON.stringify(renderReminder({ ...base(), lead: 'U0000002' }, 30 * 60_000, ['U0000001']).blocks)).toContain('<@U0000002>, no status update for 30m');
    expect(JSON.stringify(renderReminder(base(), 30 * 60_000, ['U0000001']).blocks)).toContain('take the lead');
  });

  it('the declare form reads back what it renders', () => {
    const view = renderDeclareModal({ trigger: 't1', channel: 'C1' }, { severity: 'sev2' });
    expect(readDeclareMeta(view.private_metadata as string)).toEqual({ trigger: 't1', channel: 'C1' });
    expect(readDeclareMeta('{"nope":1}')).toBeNull();
    expect(readDeclareForm({ declare_title: { title: { value: '  A   title ' } }, declare_severity: { severity: { selected_option: { value: 'sev2' } } } })).toEqual({ ok: true, value: { title: 'A title', severity: 'sev2' } });
    expect(readDeclareForm({ declare_title: { title: { value: '' } }, declare_severity: { severity: { selected_option: { value: 'sev9' } } } })).toEqual({
      ok: false,
      errors: { declare_title: expect.any(String), declare_severity: expect.any(String) },
    });
  });

  describe('pass Slack Block Kit validation', () => {
    const sim = new SlackSimulator({ botToken: 'xoxb-blocks-test' });
    let api = '';
    beforeAll(async () => {
      api = await sim.start();
    });
    afterAll(async () => {
      await sim.stop();
    });
    const post = async (m: SlackMessage) => {
      const ch = sim.channelByName('blocks') ?? sim.addChannel({ name: 'blocks', members: ['UBEACONBOT'] });
      const res = await fetch(`${api}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: 'Bearer xoxb-blocks-test', 'content-type': 'application/json' },
        body: JSON.stringify({ channel: ch.id, text: m.text, blocks: m.blocks }),
      });
      return (await res.json()) as { ok: boolean; error?: string; response_metadata?: unknown };
    };

    it('every lifecycle message', async () => {
      const inc: Incident = { ...base(), status: 'mitigated', lead: 'U0000001', mitigation: 'x'.repeat(5000), lastUpdate: 'y'.repeat(5000) };
      const many = Array.from({ length: 60 }, (_, n) => ({ ...base(), id: `i${n}`, number: n, title: 'z'.repeat(300) }));
      const messages: [string, SlackMessage][] = [
        ['card', renderCard(inc, NOW)],
        ['status', renderStatus(inc, NOW)],
        ['status, no update', renderStatus(base(), NOW)],
        ['list', renderList(many, NOW, true)],
        ['empty list', renderList([], NOW)],
        ['help', renderHelp('Beacon does not know `/incident x`.')],
        ['declared', renderDeclared(inc)],
        ['escalation', renderEscalation(inc, ['U0000001'], 1, 3, NOW)],
        ['reminder', renderReminder(inc, 1_800_000, [])],
        ['update', announce.update(inc, 'U0000001', 'u'.repeat(5000))],
        ['acknowledged', announce.acknowledged(inc, 'U0000001')],
        ['mitigated', announce.mitigated(inc, 'U0000001', 'm'.repeat(5000))],
        ['reopened', announce.reopened(inc, 'U0000001')],
        ['noted', reply.noted()],
      ];
      for (const [name, m] of messages) expect(await post(m), name).toMatchObject({ ok: true });
    });
  });
});
