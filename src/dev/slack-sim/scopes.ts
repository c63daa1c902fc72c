/**
 * OAuth scopes, as Slack checks them: a method called with a token that lacks every scope that
 * would allow it answers `missing_scope`, naming what was `needed` and what the token `provided`.
 * Conversation methods need the scope of the conversation's type: `channels:*` for a public
 * channel, `groups:*` for a private one (conversations.list: one for each type asked for). Only
 * checked when the simulator is given the token's scopes; without them every call is allowed.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ApiError, bool, str, type Params } from './args.js';
import type { Workspace } from './workspace.js';

type ByType = { public: string[]; private: string[] };

/** Bot scopes that allow each method the simulator serves, by conversation type where that matters. */
const CONVERSATION: Record<string, ByType> = {
  'conversations.create': { public: ['channels:manage'], private: ['groups:write'] },
  'conversations.invite': { public: ['channels:manage', 'channels:write.invites'], private: ['groups:write', 'groups:write.invites'] },
  'conversations.setTopic': { public: ['channels:manage', 'channels:write.topic'], private: ['groups:write', 'groups:write.topic'] },
  'conversations.setPurpose': { public: ['channels:manage', 'channels:write.topic'], private: ['groups:write', 'groups:write.topic'] },
  'conversations.archive': { public: ['channels:manage'], private: ['groups:write'] },
  'conversations.info': { public: ['channels:read'], private: ['groups:read'] },
  'conversations.members': { public: ['channels:read'], private: ['groups:read'] },
  'conversations.history': { public: ['channels:history'], private: ['groups:history'] },
  'conversations.replies': { public: ['channels:history'], private: ['groups:history'] },
};

const PLAIN: Record<string, string[]> = {
  'conversations.join': ['channels:join'],
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.delete': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'pins.add': ['pins:write'],
  'pins.remove': ['pins:write'],
  'pins.list': ['pins:read'],
  'reactions.add': ['reactions:write'],
  'users.info': ['users:read'],
  'users.list': ['users:read'],
  'usergroups.users.list': ['usergroups:read'],
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
};

const LIST_TYPES: Record<string, string> = { public_channel: 'channels:read', private_channel: 'groups:read', im: 'im:read', mpim: 'mpim:read' };

/** Each set of scopes of which the call needs one (several sets: it needs one of each). */
export function scopesNeeded(method: string, p: Params, ws: Workspace): string[][] {
  if (method === 'conversations.list') {
    const types = (str(p, 'types') || 'public_channel').split(',').map((t) => t.trim());
    return types.flatMap((t) => (LIST_TYPES[t] ? [[LIST_TYPES[t]!]] : []));
  }
  const byType = CONVERSATION[method];
  if (byType) {
    if (method === 'conversations.create') return [bool(p, 'is_private') ? byType.private : byType.public];
    const ch = ws.channelsById.get(str(p, 'channel') ?? '');
    // An unknown channel is the method's own answer (channel_not_found).
    return ch ? [ch.is_private ? byType.private : byType.public] : [];
  }
  return PLAIN[method] ? [PLAIN[method]!] : [];
}

/** Throws Slack's `missing_scope` when `granted` lacks a scope the call needs. */
export function checkScopes(method: string, p: Params, ws: Workspace, granted: ReadonlySet<string>): void {
  for (const anyOf of scopesNeeded(method, p, ws)) {
    if (!anyOf.some((s) => granted.has(s))) throw new ApiError('missing_scope', { needed: anyOf.join(','), provided: [...granted].join(',') });
  }
}

/** The bot scopes Beacon's `manifest.yml` asks for (`oauth_config.scopes.bot`): what an install grants. */
export function manifestBotScopes(path: string | URL = new URL('../../../manifest.yml', import.meta.url)): string[] {
  const manifest = parse(readFileSync(path, 'utf8')) as { oauth_config?: { scopes?: { bot?: unknown } } };
  const bot = manifest.oauth_config?.scopes?.bot;
  if (!Array.isArray(bot) || !bot.every((s) => typeof s === 'string')) throw new Error(`${String(path)}: no oauth_config.scopes.bot list`);
  return bot;
}
