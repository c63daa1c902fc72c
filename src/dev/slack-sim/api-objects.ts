/**
 * The objects Slack's Web API answers with (channels, messages, files, users, views), built from
 * the workspace with the fields Slack sends, so Beacon's parsing meets what it would meet in Slack.
 */
import { randomBytes } from 'node:crypto';
import type { Obj } from './args.js';
import { normalizeBlocks } from './block-kit.js';
import type { SimChannel, SimMessage, SimUser } from './types.js';
import type { Workspace } from './workspace.js';

const MIME_TYPES: Record<string, [mimetype: string, filetype: string]> = {
  md: ['text/markdown', 'markdown'],
  txt: ['text/plain', 'text'],
  json: ['application/json', 'json'],
  csv: ['text/csv', 'csv'],
  log: ['text/plain', 'text'],
  yaml: ['text/plain', 'yaml'],
  yml: ['text/plain', 'yaml'],
  png: ['image/png', 'png'],
  jpg: ['image/jpeg', 'jpg'],
  pdf: ['application/pdf', 'pdf'],
};

/** The mimetype and filetype Slack gives a file, from its extension. */
export function fileType(name: string): [mimetype: string, filetype: string] {
  const ext = name.includes('.') ? name.split('.').pop()?.toLowerCase() ?? '' : '';
  return MIME_TYPES[ext] ?? ['application/octet-stream', 'binary'];
}

/** A message's permalink: `p` and its ts without the dot. */
export function messagePermalink(ws: Workspace, channelId: string, ts: string): string {
  return `https://${ws.teamDomain}.slack.com/archives/${channelId}/p${ts.replace('.', '')}`;
}

/** The channel object Slack's conversations.* methods return. */
export function channelView(ws: Workspace, ch: SimChannel, withNumMembers = false): Obj {
  return {
    id: ch.id,
    name: ch.name,
    is_channel: true,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: ch.is_private,
    created: ch.created,
    is_archived: ch.is_archived,
    is_general: ch.name === 'general',
    unlinked: 0,
    name_normalized: ch.name,
    is_shared: false,
    is_org_shared: false,
    is_ext_shared: false,
    is_pending_ext_shared: false,
    pending_shared: [],
    context_team_id: ws.teamId,
    updated: ch.created * 1000,
    parent_conversation: null,
    creator: ch.creator,
    is_member: ws.isMember(ch),
    topic: { ...ch.topic },
    purpose: { ...ch.purpose },
    previous_names: [],
    ...(withNumMembers ? { num_members: ch.members.length } : {}),
  };
}

function botProfile(ws: Workspace): Obj {
  return { id: ws.botId, app_id: ws.appId, name: 'Beacon', icons: {}, deleted: false, updated: 1700000000, team_id: ws.teamId };
}

/** A message as conversations.history returns it; metadata only when asked for. */
export function apiMessage(ws: Workspace, ch: SimChannel, m: SimMessage, opts: { withMetadata: boolean }): Obj {
  const out: Obj = { type: 'message' };
  if (m.subtype) out.subtype = m.subtype;
  out.text = m.text;
  out.user = m.user;
  out.ts = m.ts;
  out.team = ws.teamId;
  if (m.bot_id) {
    out.bot_id = m.bot_id;
    out.app_id = ws.appId;
    out.bot_profile = botProfile(ws);
  }
  if (m.blocks) out.blocks = structuredClone(m.blocks);
  if (m.attachments) out.attachments = structuredClone(m.attachments);
  if (m.files) {
    out.files = m.files.map((f) => fileObject(ws, f.id, ch.id));
    out.upload = true;
    out.display_as_bot = false;
  }
  if (m.edited) out.edited = { ...m.edited };
  if (m.thread_ts) out.thread_ts = m.thread_ts;
  if (m.reply_count !== undefined) out.reply_count = m.reply_count;
  if (m.reactions?.length) out.reactions = structuredClone(m.reactions);
  if (ch.pins.includes(m.ts)) out.pinned_to = [ch.id];
  for (const extra of ['inviter', 'topic', 'purpose'] as const) {
    if (m[extra] !== undefined) out[extra] = m[extra];
  }
  if (opts.withMetadata && m.metadata) out.metadata = structuredClone(m.metadata);
  return out;
}

/** A file as files.completeUploadExternal and message `files` show it. */
export function fileObject(ws: Workspace, fileId: string, channelId?: string): Obj {
  const f = ws.files.get(fileId);
  const name = f?.name ?? fileId;
  const [mimetype, filetype] = fileType(name);
  const created = Math.floor(Date.now() / 1000);
  return {
    id: fileId,
    created,
    timestamp: created,
    name,
    title: f?.title ?? name,
    mimetype,
    filetype,
    pretty_type: filetype,
    user: ws.botUserId,
    user_team: ws.teamId,
    editable: false,
    size: f?.content?.length ?? f?.length ?? 0,
    mode: 'hosted',
    is_external: false,
    external_type: '',
    is_public: channelId !== undefined && !ws.channelsById.get(channelId)?.is_private,
    public_url_shared: false,
    display_as_bot: false,
    username: '',
    url_private: `https://files.slack.com/files-pri/${ws.teamId}-${fileId}/${encodeURIComponent(name)}`,
    url_private_download: `https://files.slack.com/files-pri/${ws.teamId}-${fileId}/download/${encodeURIComponent(name)}`,
    permalink: `https://${ws.teamDomain}.slack.com/files/${ws.botUserId}/${fileId}/${encodeURIComponent(name)}`,
    comments_count: 0,
    channels: channelId ? [channelId] : [],
    groups: [],
    ims: [],
    has_rich_preview: false,
    file_access: 'visible',
  };
}

/** A user as users.info and users.list return them. */
export function userObject(ws: Workspace, u: SimUser): Obj {
  return {
    id: u.id,
    team_id: ws.teamId,
    name: u.name,
    deleted: false,
    real_name: u.real_name,
    tz: 'Etc/UTC',
    tz_label: 'Coordinated Universal Time',
    tz_offset: 0,
    profile: {
      real_name: u.real_name,
      real_name_normalized: u.real_name,
      display_name: u.name,
      display_name_normalized: u.name,
      team: ws.teamId,
      ...(u.is_bot && u.id === ws.botUserId ? { bot_id: ws.botId, api_app_id: ws.appId } : {}),
    },
    is_admin: false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: u.is_bot,
    is_app_user: false,
    updated: 1700000000,
  };
}

/** A modal as views.open / views.update return it, blocks stored as Slack stores them. */
export function viewObject(ws: Workspace, id: string, view: Obj, previous?: Obj): Obj {
  return {
    id,
    team_id: ws.teamId,
    type: view.type,
    title: view.title,
    ...(view.submit !== undefined ? { submit: view.submit } : {}),
    ...(view.close !== undefined ? { close: view.close } : {}),
    blocks: normalizeBlocks(Array.isArray(view.blocks) ? view.blocks : []),
    private_metadata: typeof view.private_metadata === 'string' ? view.private_metadata : '',
    callback_id: typeof view.callback_id === 'string' ? view.callback_id : '',
    state: { values: {} },
    hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
    clear_on_close: view.clear_on_close === true,
    notify_on_close: view.notify_on_close === true,
    root_view_id: previous?.root_view_id ?? id,
    previous_view_id: null,
    app_id: ws.appId,
    external_id: typeof view.external_id === 'string' ? view.external_id : '',
    app_installed_team_id: ws.teamId,
    bot_id: ws.botId,
  };
}
