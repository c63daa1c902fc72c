import { ConfigError, loadConfig, secretValues, type Config, type Role } from './config.js';
import { createLogger, type Logger } from './log.js';
import type { Running } from './wiring.js';

/**
 * Shared start-up for the entry points: parse the config (one line and exit 1 on a bad value),
 * build the logger, start, and shut down gracefully on SIGTERM/SIGINT.
 */
export async function boot(role: Role, start: (config: Config, log: Logger) => Promise<Running[]>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env, role);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger({ level: config.logLevel, secrets: secretValues(config), name: `beacon-${role}` });
  let running: Running[];
  try {
    running = await start(config, log);
  } catch (err) {
    log.fatal({ err }, 'start failed');
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight work');
    const hard = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 25_000);
    hard.unref();
    // Web first (stop taking work), then workers (finish what is active).
    for (const r of running) await r.close().catch((err) => log.error({ err }, 'close failed'));
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
