import { boot } from './boot.js';
import { createMetrics } from './metrics.js';
import { startWeb, startWorker } from './wiring.js';

// Web and worker in one process, sharing one metrics registry, for small installs.
await boot('all', async (config, log) => {
  const metrics = createMetrics();
  const web = await startWeb({ config, log, metrics });
  const worker = await startWorker({ config, log, metrics });
  return [web, worker];
});
