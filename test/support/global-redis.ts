import { NO_REDIS_HINT, haveRedisServer, startRedisServer, type RedisHandle } from '../../src/dev/local-redis.js';

let handle: RedisHandle | undefined;

/**
 * One private redis-server for the whole run (unless REDIS_URL points at one the developer owns).
 * Test files never flush it: each uses its own key prefix and queue names. The URL reaches the
 * test workers through BEACON_TEST_REDIS_URL (they are forked after this runs).
 */
export async function setup() {
  let url = process.env.REDIS_URL;
  if (!url) {
    if (!haveRedisServer()) {
      // One line, then stop: a stack trace would only bury the fix.
      process.stderr.write(`${NO_REDIS_HINT}\n`);
      process.exit(1);
    }
    handle = await startRedisServer();
    url = handle.url;
  }
  process.env.BEACON_TEST_REDIS_URL = url;
}

export async function teardown() {
  await handle?.stop();
}
