import { SEVERITIES } from '../../domain.js';
import { capitalize, formatDuration, SEVERITY_ICON, SEVERITY_LABEL, STATUS_LABEL } from '../../words.js';
import { durations, type Incident } from '../../incidents/model.js';
import { cut, esc, link, mention, slackDate } from '../escape.js';
import { ACTIONS } from './ids.js';
import { context, plain, section, type Block, type SlackMessage } from './types.js';
import { mentions, type Who } from './people.js';
import { userText } from './user-text.js';

/**
 * The pinned incident card, re-rendered from the whole state on every change. It shows every role
 * of `roles` (INCIDENT_ROLES) with its holder. The card is posted once, before anyone holds a
 * role, and edited afterwards; Slack notifies no one for an edit, so the holders are shown as
 * mentions (a reader sees who, one click away). Everyone else is named by `who`.
 */
export function renderCard(inc: Incident, now: Date, opts: { roles?: readonly string[]; who?: Who; publicUrl?: string } = {}): SlackMessage {
  const who = opts.who ?? mentions;
  const d = durations(inc, now);
  const title = `${SEVERITY_ICON[inc.severity]} #${inc.number} ${inc.title}`;
  const fields = [
    `*Severity*\n${SEVERITY_LABEL[inc.severity]}`,
    `*Status*\n${STATUS_LABEL[inc.status]}`,
    `*Lead*\n${mention(inc.lead)}`,
    `*Service*\n${inc.service ? esc(cut(inc.service, 200)) : '—'}`,
    `*Started*\n${slackDate(inc.detectedAt)}`,
    inc.status === 'resolved' ? `*Duration*\n${formatDuration(d.toResolve)}` : `*Elapsed*\n${formatDuration(d.elapsed)} (at ${slackDate(now.toISOString(), '{time}')})`,
  ];
  const blocks: Block[] = [
    { type: 'header', text: plain(cut(esc(title), 150)) },
    { type: 'section', fields: fields.map((t) => ({ type: 'mrkdwn', text: t })) },
  ];
  const roles = rolesBlock(inc, opts.roles ?? []);
  if (roles) blocks.push(roles);
  if (inc.description) blocks.push(section(cut(esc(inc.description), 2900)));
  if (inc.lastUpdate) {
    const by = inc.lastUpdateBy ? ` by ${who(inc.lastUpdateBy)}` : '';
    blocks.push(section(`*Latest update* (${slackDate(inc.lastUpdateAt ?? now.toISOString(), '{time}')}${by})\n${cut(userText(inc.lastUpdate), 2800)}`));
  }
  if (inc.status !== 'resolved' && inc.mitigation) blocks.push(section(`*Mitigation*\n${cut(userText(inc.mitigation), 2900)}`));
  if (inc.status === 'resolved' && inc.resolution) blocks.push(section(`*Resolution*\n${cut(userText(inc.resolution), 2900)}`));

  const links = [
    ...(opts.publicUrl ? [beaconLink(opts.publicUrl, inc.id)] : []),
    ...(inc.link ? [link(inc.link, 'Alert source')] : []),
    ...inc.links.slice(0, 6).map((l) => link(l.url, l.label)),
  ];
  const milestones = [
    inc.acknowledgedAt ? `acknowledged after ${formatDuration(d.toAcknowledge)}` : undefined,
    inc.mitigatedAt ? `mitigated after ${formatDuration(d.toMitigate)}` : undefined,
  ].filter(Boolean);
  blocks.push(
    context(
      [`Incident \`${esc(inc.id)}\``, ...milestones, ...(links.length ? [links.join(' · ')] : [])].join(' · '),
    ),
  );
  // A new block_id whenever the severity picker's value changes: Slack asks for one, or clients keep showing the old value.
  blocks.push({ type: 'actions', block_id: `incident_controls:${inc.severity}`, elements: controls(inc) });
  if (inc.status === 'resolved') blocks.push(context('Resolved. `/incident reopen` takes it back if it is not over.'));
  return {
    text: `${SEVERITY_LABEL[inc.severity]} ${STATUS_LABEL[inc.status]}: ${esc(cut(inc.title, 300))}`,
    blocks,
  };
}

/** `Open in Beacon`: the incident's web page, when PUBLIC_URL is set. */
export function beaconLink(publicUrl: string, incidentId: string): string {
  return link(`${publicUrl}/incidents/${encodeURIComponent(incidentId)}`, 'Open in Beacon');
}

/** The roles other than lead (which has its field above), each with its holder or `—`. */
function rolesBlock(inc: Incident, roles: readonly string[]): Block | null {
  const others = roles.filter((r) => r !== 'lead').slice(0, 10);
  if (!others.length) return null;
  const held = inc.roles ?? {};
  return { type: 'section', fields: others.map((r) => ({ type: 'mrkdwn', text: `*${esc(capitalize(r))}*\n${mention(held[r])}` })) };
}

function controls(inc: Incident): Block[] {
  const v = inc.id;
  const els: Block[] = [];
  if (inc.status === 'triggered') els.push({ type: 'button', action_id: ACTIONS.acknowledge, text: plain('Acknowledge'), style: 'primary', value: v });
  if (inc.status === 'triggered' || inc.status === 'acknowledged') els.push({ type: 'button', action_id: ACTIONS.mitigate, text: plain('Mitigated'), value: v });
  if (inc.status !== 'resolved')
    els.push({
      type: 'button',
      action_id: ACTIONS.resolve,
      text: plain('Resolve'),
      style: 'danger',
      value: v,
      confirm: {
        title: plain('Resolve this incident?'),
        text: { type: 'mrkdwn', text: 'The postmortem draft is written when it resolves.' },
        confirm: plain('Resolve'),
        deny: plain('Not yet'),
      },
    });
  const options = SEVERITIES.map((s) => ({ text: plain(SEVERITY_LABEL[s]), value: s }));
  els.push({
    type: 'static_select',
    action_id: ACTIONS.severity,
    placeholder: plain('Severity'),
    options,
    initial_option: options.find((o) => o.value === inc.severity),
  });
  return els;
}

/** The channel topic, kept in step with the card. */
export function renderTopic(inc: Incident, leadName?: string): string {
  const lead = inc.lead ? ` | lead ${leadName ? `@${leadName}` : `<@${inc.lead}>`}` : '';
  return cut(`${inc.severity} | ${inc.status}${lead} | ${esc(inc.title)}`, 250);
}
