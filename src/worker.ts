import { boot } from './boot.js';
import { startWorker } from './wiring.js';

await boot('worker', async (config, log) => [await startWorker({ config, log })]);
