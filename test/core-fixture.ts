// A real core for tests: real dispatcher, sampler and settings, with in-memory storage and a fixed
// inventory so tests do not wait on systeminformation.
import type { Inventory } from '../preload/contract/index.ts';
import { createCore, type CoreOptions } from '../main/core.ts';
import { Ledger } from '../main/ledger/ledger.ts';
import { memoryStore } from '../main/settings/secrets.ts';
import { SettingsStore, memoryBackend } from '../main/settings/store.ts';

export const TEST_INVENTORY: Inventory = {
  hostname: 'test-rig',
  os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', arch: 'x64' },
  cpu: { manufacturer: 'AMD', brand: 'AMD Ryzen 9 7950X', physicalCores: 16, threads: 32, speedGHz: 4.5 },
  memory: { totalBytes: 64 * 2 ** 30 },
  disks: [],
  network: [],
  gpus: [],
  warnings: [],
  collectedAt: 1_700_000_000_000,
};

export async function testCore(overrides: Partial<CoreOptions> = {}) {
  return createCore({
    dataDir: '',
    runtime: 'headless',
    settings: new SettingsStore(memoryBackend()),
    secrets: memoryStore('test'),
    inventory: async () => TEST_INVENTORY,
    log: () => {},
    network: null,
    ledger: Ledger.open({ dataDir: '', memory: true, log: () => {} }),
    ...overrides,
  });
}
