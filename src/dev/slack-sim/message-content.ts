/** The content arguments of message-writing methods, checked as Slack checks them. */
import { ApiError, charCount, isObj, jsonArg, NOT_JSON, str, type Obj, type Params } from './args.js';
import { blockProblems, invalidBlocksDetail, normalizeBlocks } from './block-kit.js';
import type { SimMessage } from './types.js';

/** Slack sets this text on a message posted with blocks and no `text`. */
export const NO_FALLBACK_TEXT = "This content can't be displayed.";

/** Checked message arguments; `metadata: null` means "remove it" (chat.update with `{}`). */
export interface MessageContent {
  text?: string;
  blocks?: Obj[];
  attachments?: Obj[];
  metadata?: SimMessage['metadata'] | null;
}

/** The text Slack stores: the given text, else its fallback when there are blocks. */
export function storedText(content: MessageContent): string {
  return content.text || (content.blocks?.length ? NO_FALLBACK_TEXT : '');
}

/** Nothing to show: no text, no blocks, no attachments. */
export function isEmpty(content: MessageContent): boolean {
  return !content.text && !content.blocks?.length && !content.attachments?.length;
}

/**
 * text / blocks / attachments / metadata of chat.postMessage and friends, checked as Slack
 * checks them. Absent arguments stay undefined so chat.update can tell "not given" from "empty".
 */
export function messageContent(p: Params): MessageContent {
  const out: MessageContent = {};
  const text = str(p, 'text');
  if (text !== undefined) {
    // Slack's limit: longer text is refused rather than cut.
    if (charCount(text) > 40000) throw new ApiError('msg_too_long');
    out.text = text;
  }
  const blocks = jsonArg(p, 'blocks');
  if (blocks !== undefined) {
    if (blocks === NOT_JSON || !Array.isArray(blocks)) throw new ApiError('invalid_blocks_format');
    const problems = blockProblems(blocks, 'message', '/blocks');
    if (problems.length) throw new ApiError('invalid_blocks', invalidBlocksDetail(problems));
    out.blocks = normalizeBlocks(blocks);
  }
  const attachments = jsonArg(p, 'attachments');
  if (attachments !== undefined) {
    if (attachments === NOT_JSON || !Array.isArray(attachments)) throw new ApiError('invalid_attachments');
    if (attachments.length > 100) throw new ApiError('too_many_attachments');
    out.attachments = attachments.filter(isObj);
  }
  const metadata = metadataArg(p);
  if (metadata !== undefined) out.metadata = metadata;
  return out;
}

function metadataArg(p: Params): MessageContent['metadata'] {
  const metadata = jsonArg(p, 'metadata');
  if (metadata === undefined) return undefined;
  if (metadata === NOT_JSON || !isObj(metadata)) throw new ApiError('invalid_metadata_format');
  if (Object.keys(metadata).length === 0) return null; // chat.update: `{}` removes metadata
  if (typeof metadata.event_type !== 'string' || !metadata.event_type || !isObj(metadata.event_payload)) {
    throw new ApiError('invalid_metadata_schema');
  }
  return { event_type: metadata.event_type, event_payload: structuredClone(metadata.event_payload) };
}
