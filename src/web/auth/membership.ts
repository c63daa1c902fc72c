import { z } from 'zod';
import type { Logger } from '../../log.js';
import { SlackApiError } from '../../slack/gateway.js';

/** How long a channel's member list is trusted. */
export const MEMBERS_TTL_MS = 30_000;
const MAX_CHANNELS = 1000;

const authTestSchema = z.object({ ok: z.literal(true), team_id: z.string().min(1).max(32) });

export interface WorkspaceDeps {
  slackApiUrl: string;
  botToken: string;
  log: Logger;
  now: () => Date;
  /** A channel's members (`conversations.members`, every page): the Slack gateway's. */
  channelMembers: (channelId: string) => Promise<string[]>;
}

/**
 * Beacon's own workspace as the sign-in sees it: its team id (the bot token's `auth.test`, asked
 * once) and who is in a channel (`conversations.members`, kept 30 s per channel).
 */
export class SlackWorkspace {
  private team: Promise<string> | undefined;
  private readonly members = new Map<string, { at: number; ids: Promise<Set<string>> }>();

  constructor(private readonly d: WorkspaceDeps) {}

  /** The team id of the bot token; a failed lookup is asked again next time. */
  teamId(): Promise<string> {
    this.team ??= this.authTest();
    this.team.catch(() => {
      this.team = undefined;
    });
    return this.team;
  }

  private async authTest(): Promise<string> {
    const res = await fetch(`${this.d.slackApiUrl}auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.d.botToken}`, 'content-type': 'application/x-www-form-urlencoded' },
      signal: AbortSignal.timeout(10_000),
    });
    const body = authTestSchema.safeParse(await res.json().catch(() => null));
    if (!res.ok || !body.success) throw new Error(`auth.test failed (HTTP ${res.status})`);
    return body.data.team_id;
  }

  /** Is the user in the channel? A channel Slack does not show the bot counts as no members. */
  async isMember(userId: string, channelId: string): Promise<boolean> {
    const now = this.d.now().getTime();
    let entry = this.members.get(channelId);
    if (!entry || now - entry.at >= MEMBERS_TTL_MS) {
      entry = { at: now, ids: this.lookup(channelId) };
      this.members.delete(channelId);
      this.members.set(channelId, entry);
      if (this.members.size > MAX_CHANNELS) this.members.delete(this.members.keys().next().value!);
      const mine = entry;
      mine.ids.catch(() => {
        if (this.members.get(channelId) === mine) this.members.delete(channelId);
      });
    }
    return (await entry.ids).has(userId);
  }

  private async lookup(channelId: string): Promise<Set<string>> {
    try {
      return new Set(await this.d.channelMembers(channelId));
    } catch (err) {
      if (err instanceof SlackApiError && ['channel_not_found', 'not_in_channel', 'missing_scope'].includes(err.slackError)) {
        this.d.log.warn({ channelId, error: err.slackError }, 'web: cannot read the channel members; nobody counts as a member');
        return new Set();
      }
      throw err;
    }
  }
}
