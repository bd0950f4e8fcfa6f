// The embedded devnet: a coordinator on 127.0.0.1 that the core starts when no network is named,
// so a double-click just works. Its store lives in the app's data dir.
import path from 'node:path';
import { Coordinator } from './coordinator.ts';
import { DEFAULT_PARAMS, type Params } from './params.ts';

export async function startEmbeddedDevnet(dataDir: string, params: Params = DEFAULT_PARAMS, log?: (m: string) => void): Promise<Coordinator> {
  return Coordinator.start({ host: '127.0.0.1', port: 0, dataDir: dataDir ? path.join(dataDir, 'devnet') : null, params, log });
}
