/**
 * `npm run playground`: Beacon in a browser. A private redis-server, the Slack simulator and
 * Beacon (web and worker) in this process, behind a Slack-like page on
 * http://127.0.0.1:${PLAYGROUND_PORT:-3400}: channels, messages rendered from their Block Kit,
 * a composer for `/incident …` as Alice, Bob or Carol, clickable buttons, checkboxes and the
 * declare form, and one-click scenarios. The parts are in `./playground/`.
 */
import { NO_REDIS_HINT } from './local-redis.js';
import { playgroundPort, startPlayground } from './playground/run.js';

async function main(): Promise<void> {
  const playground = await startPlayground({ port: playgroundPort() });
  process.stdout.write(`Beacon playground: ${playground.url}\n`);
  process.stdout.write(`Runbooks from ${playground.beacon.config.runbooksDir}, drills from ${playground.beacon.config.drillsDir}. Ctrl-C stops it.\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    playground.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  if (err instanceof Error && err.message === NO_REDIS_HINT) process.stderr.write(`${NO_REDIS_HINT}\n`);
  else if (err instanceof Error && 'code' in err && err.code === 'EADDRINUSE') process.stderr.write(`playground: port ${playgroundPort()} is taken; set PLAYGROUND_PORT to another one\n`);
  else process.stderr.write(`playground failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
