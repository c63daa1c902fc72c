import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { SEVERITIES, type Severity } from '../../domain.js';
import { checkArgs, findVerb, isIncidentCommand } from '../../incidents/verbs.js';
import { SEVERITY_LABEL } from '../../words.js';
import { renderDeclareModal, TITLE_MAX } from '../blocks/declare-modal.js';
import { renderHelp } from '../blocks/help.js';
import { renderList, renderStatus } from '../blocks/status.js';
import { section, slackBlocks, type SlackMessage } from '../blocks/types.js';
import { renderPrivate } from '../blocks/views.js';
import { normalizeCommandText, plainTitle } from '../blocks/user-text.js';
import { cut, esc } from '../escape.js';
import { postmortemVerb, runbookVerb, summaryVerb } from './runbook-reports.js';
import { drillVerb } from './drill.js';
import { deliveryId, type ListenerDeps } from './deps.js';
import { queuedThen } from './enqueue.js';
import type { IncidentVerbContext, IncidentVerbHandler, VerbAnswer, VerbContext } from './verb-context.js';
import { canSee, channelMembers, visibleTo } from './visibility.js';

const say = (text: string): SlackMessage => ({ text, blocks: [section(text)] });

/** The command's text split into its verb (lower case) and the rest. */
export function splitCommand(text: string | undefined): { verb: string; args: string } {
  const t = (text ?? '').trim();
  const m = /^(\S+)\s*([\s\S]*)$/.exec(t);
  return m ? { verb: m[1]!.toLowerCase(), args: m[2]!.trim() } : { verb: '', args: '' };
}

/** Changes and records: checked here for a fast answer, then queued; the worker applies and announces. */
const enqueueCommand: IncidentVerbHandler = async (ctx) => {
  const checked = checkArgs(ctx.verb, normalizeCommandText(ctx.args), ctx.deps.roles ? { roles: ctx.deps.roles } : {});
  if (!checked.ok) return renderPrivate({ kind: 'refusal', refusal: checked });
  const id = deliveryId(ctx.triggerId, ctx.userId, ctx.text);
  const command = { incidentId: ctx.incidentId, verb: ctx.verb, args: checked.args, userId: ctx.userId, channelId: ctx.channelId, sourceId: `command:${id}` };
  return queuedThen(ctx.deps, `\`/incident ${ctx.verb}\``, () => ctx.deps.queues.add('incident.command', command), null);
};

/** `/incident status`: read straight from Redis. */
const statusVerb: IncidentVerbHandler = async (ctx) => {
  const inc = await ctx.deps.store.get(ctx.incidentId);
  return inc ? renderStatus(inc, ctx.deps.now()) : say('This incident no longer exists.');
};

/**
 * The listener's half of the verbs web answers or queues itself (`answer` and `job` verbs of the
 * verb table that need an incident channel). `change` and `record` verbs need no entry here.
 */
const INCIDENT_HANDLERS: Record<string, IncidentVerbHandler> = {
  status: statusVerb,
  runbook: runbookVerb,
  summary: summaryVerb,
  postmortem: postmortemVerb,
};

/** `/incident list`: the open incidents; a private one only for the members of its channel. */
async function listVerb(ctx: VerbContext): Promise<VerbAnswer> {
  const open = await visibleTo(ctx, await ctx.deps.store.listOpen(50));
  return renderList(open.slice(0, 20), ctx.deps.now(), open.length > 20);
}

/** `declare [--private] <title> [sev1..sev4]`: a trailing severity is taken off the title, `--private` (first or last) too. */
export function parseDeclare(args: string): { title: string; severity?: Severity; private?: true } {
  let rest = args.trim();
  const flag = /^--private(?:\s+|$)|(?:^|\s+)--private$/i;
  const isPrivate = flag.test(rest);
  if (isPrivate) rest = rest.replace(flag, ' ').trim();
  const m = /^([\s\S]*?)\s*\b(sev[1-4])$/i.exec(rest);
  const severity = m ? (m[2]!.toLowerCase() as Severity) : undefined;
  const title = plainTitle(m ? m[1]! : rest);
  return { title, ...(severity && SEVERITIES.includes(severity) ? { severity } : {}), ...(isPrivate ? { private: true as const } : {}) };
}

async function declareVerb(ctx: VerbContext): Promise<VerbAnswer> {
  const { title, severity = 'sev3', private: isPrivate } = parseDeclare(ctx.args);
  if (title.length > TITLE_MAX) return say(`That title is ${title.length} characters; keep it under ${TITLE_MAX}, and put the details in \`/incident update\` once the channel is open.`);
  // One incident per Slack delivery: the id derives from the trigger_id, so a retry declares nothing new.
  const id = deliveryId('declare', ctx.triggerId);
  const declare = () => ctx.deps.queues.add('incident.declare', { sourceId: `declare:${id}`, title, severity, userId: ctx.userId, channelId: ctx.channelId, ...(isPrivate ? { private: true } : {}) });
  const answer = isPrivate
    ? say(`🔒 Declaring *${esc(cut(title, 200))}* (${SEVERITY_LABEL[severity]}) as a private incident. Beacon is opening a private channel and will invite only you; bring others in with \`/incident role &lt;role&gt; @someone\` or by inviting them.`)
    : say(`🚨 Declaring *${esc(cut(title, 200))}* (${SEVERITY_LABEL[severity]}). Beacon is opening the incident channel and will invite you to it.`);
  return queuedThen(ctx.deps, 'your declaration', declare, answer);
}

const notHere = (verb: string) =>
  say(`\`/incident ${esc(verb)}\` works inside an incident channel. \`/incident list\` shows the open incidents and their channels; \`/incident declare &lt;title&gt;\` opens a new one.`);

/** Everything `/incident` can answer without a modal. */
export async function answerCommand(ctx: VerbContext): Promise<VerbAnswer> {
  const { verb } = ctx;
  if (verb === '' || verb === 'help') return renderHelp();
  if (verb === 'list') return listVerb(ctx);
  if (verb === 'declare') return declareVerb(ctx);
  if (verb === 'drill') return drillVerb(ctx);
  const spec = findVerb(verb);
  const handler = isIncidentCommand(spec) ? enqueueCommand : INCIDENT_HANDLERS[verb];
  if (!spec || spec.where !== 'incident' || !handler) return renderHelp(`Beacon does not know \`/incident ${esc(cut(verb, 40))}\`.`);
  const incidentId = await ctx.deps.store.byChannel(ctx.channelId);
  if (!incidentId) return notHere(verb);
  // A private incident is not there for someone outside its channel: not even its existence.
  const inc = await ctx.deps.store.get(incidentId);
  if (inc?.private && !(await canSee(ctx, inc))) return notHere(verb);
  const ictx: IncidentVerbContext = { ...ctx, incidentId };
  return handler(ictx);
}

/** `declare` without a title: the form, opened at once (a trigger_id is good for 3 seconds). */
async function openDeclareModal(client: WebClient, ctx: VerbContext, initial: { severity?: Severity; private?: true }): Promise<string | null> {
  try {
    await client.views.open({
      trigger_id: ctx.triggerId,
      view: renderDeclareModal({ trigger: ctx.triggerId, channel: ctx.channelId }, initial),
    });
    return null;
  } catch (err) {
    ctx.deps.log.warn({ err: (err as Error).message }, 'could not open the declare form');
    return 'Beacon could not open the declare form. Type `/incident declare &lt;title&gt; [sev1..sev4]` instead.';
  }
}

const ephemeral = (m: SlackMessage) => ({ response_type: 'ephemeral' as const, text: m.text, blocks: slackBlocks(m.blocks) });

export function registerCommand(app: App, deps: ListenerDeps): void {
  app.command('/incident', async ({ ack, command, client, respond }) => {
    const { verb, args } = splitCommand(command.text);
    const ctx: VerbContext = {
      verb,
      args,
      userId: command.user_id,
      channelId: command.channel_id,
      triggerId: command.trigger_id,
      text: (command.text ?? '').trim(),
      deps,
      members: channelMembers(client),
    };
    if (verb === 'declare') {
      const parsed = parseDeclare(args);
      if (!parsed.title) {
        await ack();
        const problem = await openDeclareModal(client, ctx, { ...(parsed.severity ? { severity: parsed.severity } : {}), ...(parsed.private ? { private: true } : {}) });
        if (problem) await respond({ response_type: 'ephemeral', text: problem });
        return;
      }
    }
    const answer = await answerCommand(ctx);
    await ack(answer ? ephemeral(answer) : undefined);
  });
}
