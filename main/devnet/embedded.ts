// The embedded devnet: a coordinator on 127.0.0.1 that the core starts when no network is named,
// so a double-click just works. Its store lives in the app's data dir; where that cannot be written
// (a read-only or full disk) it runs in memory for this run rather than keep the worker from starting.
import path from 'node:path';
import { Coordinator } from './coordinator.ts';
import { DEFAULT_PARAMS, type Params } from './params.ts';

export async function startEmbeddedDevnet(dataDir: string, params: Params = DEFAULT_PARAMS, log?: (m: string) => void): Promise<Coordinator> {
  const start = (dir: string | null) => Coordinator.start({ host: '127.0.0.1', port: 0, dataDir: dir, params, log });
  if (!dataDir) return start(null);
  try {
    return await start(path.join(dataDir, 'devnet'));
  } catch (error) {
    log?.(`its store in ${path.join(dataDir, 'devnet')} cannot be written (${(error as Error).message}); it runs in memory for this run, so its blocks and network id do not outlast a restart.`);
    return start(null);
  }
}
