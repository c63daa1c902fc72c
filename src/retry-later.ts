import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * "Not now, in `delayMs`": thrown before an effect is attempted, when doing it now would be
 * refused (Slack's rate limit, by Beacon's own pacing). Nothing was done, so the job that threw
 * it runs again later from the start and finds its recorded steps done (src/jobs/catalog.ts
 * re-queues it delayed, without counting an attempt); the domain may catch it to put off a
 * cosmetic step (the channel topic) and carry on with the rest.
 */
export class RetryLater extends Error {
  constructor(
    readonly delayMs: number,
    what: string,
  ) {
    super(`${what}: not before ${Math.ceil(delayMs)} ms`);
    this.name = 'RetryLater';
  }
}

const work = new AsyncLocalStorage<{ priority: number; id?: string }>();

/**
 * Runs `fn` as the work of a job: its priority (BullMQ's: 0, none, comes first; then 1, 2, ...
 * the most severe incident's opening before the others) and its id, so that a rate-limited
 * effect deep inside can give a scarce slot to the more urgent work, and keep a slot for a
 * re-queued job to claim when it runs again.
 */
export function withPriority<T>(priority: number, fn: () => Promise<T>, id?: string): Promise<T> {
  return work.run({ priority, ...(id ? { id } : {}) }, fn);
}

/** The priority of the work in progress; 0 (first) outside any job. */
export function currentPriority(): number {
  return work.getStore()?.priority ?? 0;
}

/** The id of the job in progress, if any. */
export function currentWorkId(): string | undefined {
  return work.getStore()?.id;
}
