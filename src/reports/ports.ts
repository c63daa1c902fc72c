import type { TaggedPoster } from '../incidents/post-once.js';
import type { SummaryInput } from './summary.js';

/** The messages reports post; the chat adapter renders them. */
export type ReportView = { kind: 'summary'; summary: SummaryInput };

export interface UploadedFile {
  filename: string;
  title: string;
  content: string;
  /** The message the file is posted with. */
  comment: string;
}

/** What summaries, the postmortem and pinned-to-timeline need from a chat platform. */
export interface ReportChat extends Pick<TaggedPoster<ReportView>, 'post' | 'findTagged'> {
  upload(channelId: string, file: UploadedFile): Promise<void>;
  /** True when a recent message of the channel carries a file of that name (an upload that went through). */
  hasFile(channelId: string, filename: string): Promise<boolean>;
  /** One message of a channel (text, author, time), for pinned-to-timeline. */
  getMessage(channelId: string, ts: string): Promise<{ text: string; user?: string; ts: string } | null>;
  /** Display names of users; unknown ids are left out. */
  userNames(ids: string[]): Promise<Record<string, string>>;
}
