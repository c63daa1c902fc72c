import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisHandle } from '../../src/dev/local-redis.js';
import { SlackSimulator } from '../../src/dev/slack-simulator.js';
import { Keys } from '../../src/keys.js';
import { BOT_TOKEN, SIGNING_SECRET, checkoutAlert, startBeacon, waitFor, type TestBeacon } from '../support/beacon.js';

/**
 * Issue #7: a Redis restart with AOF (`appendonly yes`) loses no accepted alert. Redis is killed
 * hard (SIGKILL) right after the 202s, with no worker running yet, then started again on the
 * same port and data dir; a worker started afterwards must find every accepted alert.
 */
describe('Redis restart with AOF', () => {
  let redis: RedisHandle;
  let sim: SlackSimulator;
  let web: TestBeacon;
  let full: TestBeacon | undefined;
  beforeAll(async () => {
    redis = await startRedisServer({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    sim = new SlackSimulator({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });
    await sim.start();
    web = await startBeacon({ sim, worker: false, env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await full?.close();
    await web?.web.close();
    web?.redis.disconnect();
    await sim?.stop();
    await redis?.stop();
  });

  it('keeps every alert answered 202 across a hard Redis restart', async () => {
    const accepted: string[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await web.post('/webhooks/generic', checkoutAlert({ title: `AOF alert ${i % 3}`, fingerprint: `aof-${i}`, group: `aof-${i % 3}`, description: `n=${i}` }));
      if (res.status === 202) accepted.push(`aof-${i}`);
    }
    expect(accepted).toHaveLength(60);
    await redis.kill('SIGKILL');
    // While it is down, webhooks say 503 (never 202).
    expect((await web.post('/webhooks/generic', checkoutAlert({ fingerprint: 'down' }))).status).toBe(503);
    const again = await startRedisServer({ port: redis.port, dir: redis.dir, args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    redis = { ...again, stop: async () => { await again.stop(); } };
    // The running web reconnects on its own.
    await waitFor(async () => (await web.post('/webhooks/generic', checkoutAlert({ title: 'AOF alert 0', fingerprint: 'after', group: 'aof-0' }))).status === 202, { what: 'web back', timeout: 20_000 });
    accepted.push('after');

    full = await startBeacon({ sim, env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: web.config.redis.prefix } });
    const keys = new Keys(web.config.redis.prefix);
    await waitFor(
      async () => {
        let n = 0;
        for (const ch of sim.channels().filter((c) => c.name.includes('aof-alert'))) {
          const id = await full!.redis.get(keys.channel(ch.id));
          if (id) n += await full!.redis.hlen(keys.incidentAlerts(id));
        }
        return n === accepted.length;
      },
      { what: 'every accepted alert recorded', timeout: 60_000, interval: 200 },
    );
    expect(sim.channels().filter((c) => c.name.includes('aof-alert'))).toHaveLength(3);
  });
});
