import { boot } from './boot.js';
import { startWeb } from './wiring.js';

await boot('web', async (config, log) => [await startWeb({ config, log })]);
