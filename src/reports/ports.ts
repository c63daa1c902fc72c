import type { TaggedPoster } from '../incidents/post-once.js';
import type { SummaryInput } from './summary.js';

/** The messages reports post; the chat adapter renders them. */
export type ReportView = { kind: 'summary'; summary: SummaryInput };

/** The postmortem draft as a file for the incident's channel; the adapter words its title and message. */
export interface PostmortemFile {
  filename: string;
  content: string;
  incident: { number: number; title: string; drill: boolean };
  /** Uploaded because the incident was resolved, or because someone asked for the draft. */
  reason: 'resolved' | 'asked';
}

/** What summaries, the postmortem and pinned-to-timeline need from a chat platform. */
export interface ReportChat extends Pick<TaggedPoster<ReportView>, 'post' | 'findTagged'> {
  upload(channelId: string, file: PostmortemFile): Promise<void>;
  /** True when a recent message of the channel carries a file of that name (an upload that went through). */
  hasFile(channelId: string, filename: string): Promise<boolean>;
  /** One message of a channel (text, author, time), for pinned-to-timeline. */
  getMessage(channelId: string, ts: string): Promise<{ text: string; user?: string; ts: string } | null>;
  /** Display names of users; unknown ids are left out. */
  userNames(ids: string[]): Promise<Record<string, string>>;
}
