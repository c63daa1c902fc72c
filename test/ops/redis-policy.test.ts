import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisHandle } from '../../src/dev/local-redis.js';
import { startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';

/** Issue #7: Redis's eviction policy is checked at start, with a warning unless noeviction. */
describe('maxmemory-policy check', () => {
  let lru: RedisHandle;
  let b: TestBeacon;
  let ok: TestBeacon;
  beforeAll(async () => {
    lru = await startRedisServer({ args: ['--maxmemory', '100mb', '--maxmemory-policy', 'allkeys-lru'] });
    b = await startBeacon({ env: { REDIS_URL: lru.url } });
    ok = await startBeacon(); // the suite's Redis: noeviction, Redis's default
  });
  afterAll(async () => {
    await b?.close();
    await ok?.close();
    await lru?.stop();
  });

  it('warns from web and worker when Redis may evict keys', async () => {
    await waitFor(() => (b.logs().match(/maxmemory-policy is allkeys-lru/g) ?? []).length >= 2, { what: 'two warnings' });
  });
  it('says nothing with noeviction', () => {
    expect(ok.logs()).not.toContain('maxmemory-policy is');
  });
});
