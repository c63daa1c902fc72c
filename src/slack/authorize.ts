import type { Authorize } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Logger } from '../log.js';
import { slackLogger } from './logger.js';

/**
 * Bolt's authorization for a single-workspace bot token, with the `auth.test` answer cached.
 * Bolt's own single-token path (with token verification off, so that `web` starts while Slack is
 * unreachable) calls `auth.test` again on every incoming request: a Slack round trip in front of
 * every slash-command ack, and a rate-limited method. A failed call is not cached, and does not
 * stop the request: Beacon's listeners need only the token, so a person still gets an answer
 * while `auth.test` is failing.
 */
export function cachedAuthorize(token: string, apiUrl: string, log: Logger): Authorize<boolean> {
  const client = new WebClient(token, { slackApiUrl: apiUrl, logger: slackLogger(log), retryConfig: { retries: 2, minTimeout: 100, maxTimeout: 1000 } });
  let cached: Promise<{ botId?: string; botUserId?: string; teamId?: string; enterpriseId?: string }> | undefined;
  const identity = () => {
    cached ??= client.auth
      .test()
      .then((r) => ({
        ...(r.bot_id ? { botId: r.bot_id } : {}),
        ...(r.user_id ? { botUserId: r.user_id } : {}),
        ...(r.team_id ? { teamId: r.team_id } : {}),
        ...(r.enterprise_id ? { enterpriseId: r.enterprise_id } : {}),
      }))
      .catch((err: Error) => {
        cached = undefined;
        throw err;
      });
    return cached;
  };
  return async () => {
    try {
      return { botToken: token, ...(await identity()) };
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'auth.test failed; answering with the bot token alone');
      return { botToken: token };
    }
  };
}
