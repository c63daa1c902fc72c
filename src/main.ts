import { boot } from './boot.js';
import { startWeb, startWorker } from './wiring.js';

// Web and worker in one process, for small installs.
await boot('all', async (config, log) => {
  const web = await startWeb({ config, log });
  const worker = await startWorker({ config, log });
  return [web, worker];
});
