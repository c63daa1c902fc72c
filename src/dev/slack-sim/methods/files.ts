/**
 * Slack's two-step upload: `files.getUploadURLExternal` hands out an upload URL, the bytes are
 * POSTed there, and `files.completeUploadExternal` shares the file (in a channel, optionally).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, int, invalidArguments, isObj, jsonArg, NOT_JSON, str, type Obj, type Params } from '../args.js';
import { fileObject, fileType } from '../api-objects.js';
import { parseMultipart, sendText } from '../http.js';
import { randomId } from '../ids.js';
import { messageContent } from '../message-content.js';
import type { SimChannel, SimFile } from '../types.js';
import type { Handler, Workspace } from '../workspace.js';

const getUploadURLExternal: Handler = (p, ws) => {
  const filename = str(p, 'filename');
  const length = int(p, 'length');
  const missing = [filename ? undefined : 'filename', length === undefined ? 'length' : undefined].filter((x): x is string => !!x);
  if (missing.length) throw invalidArguments(missing.map((m) => `missing required field: ${m}`));
  if (!length || length < 1) throw new ApiError('missing_argument');
  const fileId = randomId('F', 10);
  const ticket = `/upload/v1/${randomBytes(24).toString('base64url')}`;
  ws.files.set(fileId, { id: fileId, name: filename ?? fileId, title: filename ?? fileId, length, completed: false });
  ws.uploadTickets.set(ticket, fileId);
  return { ok: true, upload_url: `${ws.origin ?? ''}${ticket}`, file_id: fileId };
};

/** The `files` argument: the entries and, for each, the uploaded file it names. */
function filesToComplete(p: Params, ws: Workspace): { entries: Obj[]; files: (SimFile | undefined)[] } {
  const filesArg = jsonArg(p, 'files');
  if (filesArg === undefined) throw invalidArguments(['missing required field: files']);
  if (filesArg === NOT_JSON || !Array.isArray(filesArg) || filesArg.length === 0) throw invalidArguments(['must provide an array [json-pointer:/files]']);
  const entries = filesArg.filter(isObj);
  // An id never issued, or one whose bytes never reached the upload URL, has nothing to complete.
  const files = entries.map((e) => ws.files.get(String(e.id)));
  if (files.some((f) => !f || f.content === undefined || f.completed)) throw new ApiError('file_not_found');
  return { entries, files };
}

/** The channel to share in, when one is given: `channel_id`, or the older `channels`. */
function shareChannel(p: Params, ws: Workspace): SimChannel | undefined {
  const channelId = str(p, 'channel_id') ?? str(p, 'channels');
  const ch = channelId ? ws.channelsById.get(channelId) : undefined;
  if (channelId) {
    if (!ch || (ch.is_private && !ws.isMember(ch))) throw new ApiError('invalid_channel');
    if (!ws.isMember(ch)) throw new ApiError('not_in_channel');
    if (ch.is_archived) throw new ApiError('is_archived');
  }
  return ch;
}

/** The message that shares the files, with `initial_comment` as its text. */
function postFiles(p: Params, ws: Workspace, ch: SimChannel, done: SimFile[]): void {
  const content = messageContent({ text: p.initial_comment, blocks: p.blocks });
  const msg = ws.botMessage(content.text ?? '');
  msg.files = done.map((f) => ({ id: f.id, name: f.name, title: f.title, mimetype: fileType(f.name)[0], size: f.content?.length ?? 0 }));
  if (content.blocks) msg.blocks = content.blocks;
  const threadTs = str(p, 'thread_ts');
  if (threadTs) ws.attachToThread(ch.id, msg, threadTs);
  ws.messagesOf(ch.id).push(msg);
}

const completeUploadExternal: Handler = (p, ws) => {
  const { entries, files } = filesToComplete(p, ws);
  const ch = shareChannel(p, ws);
  entries.forEach((e, i) => {
    const f = files[i];
    if (!f) return;
    f.completed = true;
    if (typeof e.title === 'string' && e.title) f.title = e.title;
  });
  const done = files.filter((f): f is SimFile => f !== undefined);
  if (ch) postFiles(p, ws, ch, done);
  return { ok: true, files: done.map((f) => fileObject(ws, f.id, ch?.id)) };
};

export const filesMethods: Record<string, Handler> = {
  'files.getUploadURLExternal': getUploadURLExternal,
  'files.completeUploadExternal': completeUploadExternal,
};

/** The upload URL from files.getUploadURLExternal: raw bytes or a multipart form, as Slack accepts. */
export function receiveUpload(ws: Workspace, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
  const fileId = ws.uploadTickets.get(url.pathname);
  const file = fileId === undefined ? undefined : ws.files.get(fileId);
  if (!file) return sendText(res, 404, 'Not Found');
  if (req.method !== 'POST') return sendText(res, 405, 'Method Not Allowed');
  const contentType = req.headers['content-type'] ?? '';
  let data = body;
  if (/^multipart\/form-data/i.test(contentType)) {
    const parts = parseMultipart(body, contentType);
    const part = parts.find((x) => x.filename !== undefined) ?? parts[0];
    data = part?.data ?? Buffer.alloc(0);
  }
  file.content = Buffer.from(data);
  sendText(res, 200, `OK - ${data.length}`);
}
