import type { TestProject } from 'vitest/node';
import { NO_REDIS_HINT, haveRedisServer, startRedisServer, type RedisHandle } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let handle: RedisHandle | undefined;

/**
 * One private redis-server for the whole run (unless REDIS_URL points at one the developer owns).
 * Test files never flush it: each uses its own key prefix and queue names.
 */
export async function setup(project: TestProject) {
  let url = process.env.REDIS_URL;
  if (!url) {
    if (!haveRedisServer()) {
      console.error(NO_REDIS_HINT);
      throw new Error(NO_REDIS_HINT);
    }
    handle = await startRedisServer();
    url = handle.url;
  }
  project.provide('redisUrl', url);
  process.env.BEACON_TEST_REDIS_URL = url;
}

export async function teardown() {
  await handle?.stop();
}
