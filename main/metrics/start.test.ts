// The desktop app's metrics setting through the one boot: off by default, turned on it serves
// /metrics on loopback without a token, off again it stops; and `--metrics-listen` wants the token.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_INVENTORY } from '../../test/core-fixture.ts';
import { bootWorker } from '../boot.ts';
import { memoryStore } from '../settings/secrets.ts';
import { memoryBackend } from '../settings/store.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-metrics-start-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const boot = (dataDir: string, metricsListen?: string) =>
  bootWorker({
    runtime: 'electron',
    dataDir,
    settingsBackend: memoryBackend(),
    openSecrets: async () => memoryStore('metrics test'),
    network: 'http://127.0.0.1:9',
    metricsListen,
    probes: { inventory: async () => TEST_INVENTORY },
    warn: () => {},
    log: () => {},
  });

const waitFor = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
};

describe('worker metrics', () => {
  it('follow the settings: off, on (loopback, no token), off', async () => {
    const worker = await boot(path.join(dir, 'app'));
    try {
      expect(worker.settings.get().metrics).toEqual({ enabled: false, listen: '127.0.0.1:9400' });
      expect(worker.metrics.listening()).toBeNull();
      await worker.core.dispatch('settings.update', { metrics: { enabled: true, listen: '127.0.0.1:0' } });
      await waitFor(() => worker.metrics.listening() !== null);
      const url = worker.metrics.listening()!;
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('io_worker_info{device="');
      await worker.core.dispatch('settings.update', { metrics: { enabled: false } });
      await waitFor(() => worker.metrics.listening() === null);
      await expect(fetch(url)).rejects.toThrow();
    } finally {
      await worker.close();
    }
  });

  it('--metrics-listen wants the bearer token kept 0600 in the data dir', async () => {
    const dataDir = path.join(dir, 'serve');
    const worker = await boot(dataDir, '127.0.0.1:0');
    try {
      const url = worker.metrics.listening()!;
      const token = fs.readFileSync(path.join(dataDir, 'metrics-token'), 'utf8').trim();
      expect(fs.statSync(path.join(dataDir, 'metrics-token')).mode & 0o777).toBe(0o600);
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      await worker.close();
    }
  });
});
