import type { SlackConfig } from '../config.js';
import type { Logger } from '../log.js';
import { cachedAuthorize } from './authorize.js';
import { registerListeners, type ListenerDeps } from './listeners/index.js';
import { slackLogger } from './logger.js';
import { BeaconReceiver } from './receiver.js';

export interface SlackApp {
  /** The HTTP receiver's handler for `/slack/events` (none in Socket Mode). */
  receiver?: BeaconReceiver;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The Bolt app with Beacon's listeners, over HTTP (signed requests into `/slack/events`) or Socket
 * Mode when an app token is set. Only `web` calls this: the worker never loads Bolt (and its
 * Express), about 20 MB of its resident memory.
 */
export async function createSlackApp(slack: SlackConfig, log: Logger, deps: ListenerDeps): Promise<SlackApp> {
  // Imported here, not at the top: a bundler that inlines this module (the bench bundles web and
  // worker into one file) would otherwise hoist Bolt into the worker's start-up.
  const { App } = await import('@slack/bolt');
  const socketMode = !!slack.appToken;
  const receiver = socketMode ? undefined : new BeaconReceiver(slack.signingSecret!, log.child({ mod: 'slack' }));
  const app = new App({
    authorize: cachedAuthorize(slack.botToken, slack.apiUrl, log.child({ mod: 'bolt' })),
    ...(receiver ? { receiver } : { socketMode: true, appToken: slack.appToken! }),
    clientOptions: { slackApiUrl: slack.apiUrl },
    logger: slackLogger(log.child({ mod: 'bolt' })),
    ignoreSelf: false,
  });
  registerListeners(app, deps);
  app.error(async (err) => {
    log.error({ err: err.message }, 'Slack listener error');
  });
  return {
    ...(receiver ? { receiver } : {}),
    start: async () => {
      if (socketMode) await app.start();
    },
    stop: async () => {
      if (socketMode) await app.stop();
    },
  };
}
