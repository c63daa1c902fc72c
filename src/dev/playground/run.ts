/** The playground put together: Beacon and its simulated Slack (`start.ts`) behind the page (`server.ts`). */
import { startServer } from './server.js';
import { startBeacon, type BeaconOptions, type RunningBeacon } from './start.js';

export const DEFAULT_PORT = 3400;

export interface PlaygroundOptions extends BeaconOptions {
  /** The page's port on 127.0.0.1; 0 picks a free one. */
  port?: number;
}

export interface RunningPlayground {
  /** The page: `http://127.0.0.1:PORT`. */
  url: string;
  beacon: RunningBeacon;
  stop(): Promise<void>;
}

export async function startPlayground(opts: PlaygroundOptions = {}): Promise<RunningPlayground> {
  const beacon = await startBeacon(opts);
  try {
    const server = await startServer(beacon, opts.port ?? DEFAULT_PORT);
    return {
      url: server.url,
      beacon,
      stop: async () => {
        await server.close();
        await beacon.stop();
      },
    };
  } catch (err) {
    await beacon.stop();
    throw err;
  }
}

/** PLAYGROUND_PORT, or 3400. */
export function playgroundPort(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PLAYGROUND_PORT;
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PLAYGROUND_PORT must be a port number (0-65535), not ${JSON.stringify(raw)}`);
  return port;
}
