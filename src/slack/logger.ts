import { LogLevel, type Logger as SlackLogger } from '@slack/logger';
import type { Logger } from '../log.js';

/** Routes the Slack SDKs' logging into pino (and so through secret scrubbing). */
export function slackLogger(log: Logger): SlackLogger {
  const text = (m: unknown[]) => m.map((x) => (x instanceof Error ? x.message : typeof x === 'string' ? x : JSON.stringify(x))).join(' ');
  return {
    debug: (...m: unknown[]) => log.debug({ slack: text(m) }),
    info: (...m: unknown[]) => log.debug({ slack: text(m) }),
    warn: (...m: unknown[]) => log.warn({ slack: text(m) }),
    error: (...m: unknown[]) => log.error({ slack: text(m) }),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}
