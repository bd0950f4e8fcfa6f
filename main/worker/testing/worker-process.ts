// A worker as its own process for the multi-process tests and the benchmark: a real WorkerClient
// with an in-memory identity; `--forge` swaps in a POW backend that answers garbage.
// Usage: node main/worker/testing/worker-process.ts <network-url> [--forge] [--gpu <model>]
import { memoryStore } from '../../settings/secrets.ts';
import { WorkerClient } from '../client.ts';
import { loadOrCreateAccount, loadOrCreateIdentity } from '../identity.ts';
import type { PowBackend } from '../pow.ts';

const [network, ...flags] = process.argv.slice(2);
const gpuAt = flags.indexOf('--gpu');
const forger: PowBackend = {
  name: 'forger',
  async solve({ size }) { return new Uint32Array(size * size).fill(1); },
  async close() {},
};
const secrets = memoryStore('test worker');
const identity = await loadOrCreateIdentity(secrets);
const account = await loadOrCreateAccount(secrets);
const client = new WorkerClient({
  network,
  identity,
  account,
  name: () => 'test worker',
  wallet: () => 'test-wallet',
  inventory: async () => ({
    hostname: 'test', os: 'test', cpu: { brand: 'Test CPU', threads: 2 }, memoryBytes: 1e9,
    gpus: gpuAt >= 0 ? [{ model: flags[gpuAt + 1], vramMiB: 24_000 }] : [],
  }),
  pow: flags.includes('--forge') ? forger : undefined,
  backoff: { initialMs: 200, maxMs: 1000 },
  speedTestBytes: 256 * 1024,
  onState: (s) => process.stdout.write(`${JSON.stringify({ connection: s.connection, lastBlock: s.lastResult?.block ?? null })}\n`),
});
process.stdout.write(`device ${identity.deviceId}\n`);
client.start();
process.on('SIGTERM', () => void client.stop().then(() => process.exit(0)));
