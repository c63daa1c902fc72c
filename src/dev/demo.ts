/**
 * `npm run demo`: the whole loop offline. A private redis-server, the Slack simulator, a stand-in
 * payment gateway and Beacon (web and worker) in one process. It replays the seed incident: a
 * gateway probe passes, a routine update rotates the payment gateway's API key at 08:18, the
 * probe fails and opens an incident at 08:19, the transaction alert fires at 08:30 and opens a
 * second one, responders work it from Slack and resolve it. It prints what they would see in
 * Slack and the postmortem Beacon drafted. The story is in `./demo/`.
 */
import { NO_REDIS_HINT } from './local-redis.js';
import { runDemo } from './demo/run.js';

runDemo().then(
  () => process.exit(0),
  (err: unknown) => {
    // No redis-server: one line, then stop; a stack trace would only bury the fix.
    if (err instanceof Error && err.message === NO_REDIS_HINT) process.stderr.write(`${NO_REDIS_HINT}\n`);
    else process.stderr.write(`demo failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
