import type { RespondFn } from '@slack/bolt';
import { section } from '../blocks/types.js';
import type { ListenerDeps } from './deps.js';
import type { VerbAnswer } from './verb-context.js';

/**
 * Queuing what someone did in Slack, without losing it silently. A listener acknowledges a click
 * or command only after its job is queued; when the queue does not take it (Redis down or too
 * slow for Slack's 3 seconds), the person is told so and asked to try again, instead of the click
 * vanishing or the command failing with Slack's own "dispatch failed".
 */

/** How long a listener may wait for its job to be queued: Slack wants the ack within 3 seconds. */
export const ENQUEUE_TIMEOUT_MS = 2000;

/** What the person sees when their `what` (`your tick`, `your click`…) could not be queued. */
export const notQueued = (what: string): string => `⚠️ Beacon could not record ${what} just now (its queue did not take it). Please try again in a moment.`;

/** Runs `enqueue` within ENQUEUE_TIMEOUT_MS; false (logged) when it failed or took too long. */
export async function tryEnqueue(deps: Pick<ListenerDeps, 'log'>, what: string, enqueue: () => Promise<void>): Promise<boolean> {
  try {
    await withTimeout(enqueue(), ENQUEUE_TIMEOUT_MS);
    return true;
  } catch (err) {
    deps.log.warn({ err: (err as Error).message, what }, 'could not queue what someone did in Slack');
    return false;
  }
}

/**
 * Queues a click's job, then acknowledges it. When the job cannot be queued, the click is
 * acknowledged with an answer the clicker sees (through the response_url), instead of vanishing:
 * a ticked box Beacon never recorded, a button that did nothing, and they must know to click again.
 */
export async function enqueueThenAck(deps: Pick<ListenerDeps, 'log'>, ack: () => Promise<void>, respond: RespondFn, what: string, enqueue: () => Promise<void>): Promise<void> {
  const queued = await tryEnqueue(deps, what, enqueue);
  await ack();
  if (!queued) await respond({ response_type: 'ephemeral', replace_original: false, text: notQueued(what) });
}

/**
 * A command's answer once its job is queued (`answer`: null when the worker will say it), or,
 * when the job could not be queued, the ephemeral answer saying so.
 */
export async function queuedThen(deps: Pick<ListenerDeps, 'log'>, what: string, enqueue: () => Promise<void>, answer: VerbAnswer): Promise<VerbAnswer> {
  if (await tryEnqueue(deps, what, enqueue)) return answer;
  const text = notQueued(what);
  return { text, blocks: [section(text)] };
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
