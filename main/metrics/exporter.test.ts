// The exporter against a real ledger and the core's real event bus: dcgm-exporter's names and
// labels for each GPU, io_worker_* from the status, the network view and the ledger's reads.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NetworkStatus, Status } from '../../preload/contract/index.ts';
import { EventBus } from '../events.ts';
import { Ledger } from '../ledger/ledger.ts';
import { frameAt } from '../ledger/testing/frames.ts';
import { createMetricsExporter } from './exporter.ts';
import { parseListenAddress, startMetricsListener } from './listen.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const status: Status = {
  state: 'paused', detail: 'Paused by you.', since: 1_700_000_000_000, offline: null,
  deviceId: 'dev-0123456789abcdef', deviceName: 'rig', version: '0.1.0', secretsBackend: 'file', runtime: 'headless',
} as Status;
const network = {
  network: 'http://127.0.0.1:1', connection: 'online', detail: '', eligible: true, tier: 3, checks: [], paused: { source: 'user', detail: '' },
  pausedBy: [{ source: 'user', detail: '' }, { source: 'limits', detail: 'too hot' }], bufferedHeartbeats: 4, services: [], lastBlock: null, trust: null, trustPending: null,
} as unknown as NetworkStatus;

const value = (body: string, line: RegExp) => Number(body.split('\n').find((l) => line.test(l))?.split(' ').at(-1));

describe('metrics exporter', () => {
  it('serves the GPUs under dcgm-exporter names and the worker as io_worker_*', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-metrics-'));
    dirs.push(dir);
    const ledger = Ledger.open({ dataDir: dir, log: () => {} });
    const events = new EventBus();
    const exporter = createMetricsExporter({ hostname: 'rig-host', deviceId: status.deviceId, version: '0.1.0', events, status: () => status, eligibility: async () => network, ledger });
    try {
      const first = await exporter.scrape();
      let { body } = first;
      expect(first.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(body).not.toContain('DCGM_FI_DEV_GPU_TEMP{'); // no frame yet: no made-up readings
      const frame = frameAt(Date.now(), 2, (i) => 40 + i);
      events.emit('telemetry', frame);
      ({ body } = await exporter.scrape());
      const gpu = frame.gpus[1]!;
      const labels = `gpu="1",UUID="${gpu.uuid}",device="nvidia1",modelName="${gpu.model}",Hostname="rig-host"`;
      expect(body).toContain(`DCGM_FI_DEV_GPU_TEMP{${labels}} 41`);
      expect(value(body, /^DCGM_FI_DEV_POWER_USAGE\{gpu="1"/)).toBe(gpu.powerW);
      expect(value(body, /^DCGM_FI_DEV_FB_USED\{gpu="1"/)).toBe(gpu.vramUsedMiB);
      expect(value(body, /^DCGM_FI_DEV_SM_CLOCK\{gpu="1"/)).toBe(gpu.clocksMHz.sm);
      expect(body).toContain('io_worker_state{state="paused"} 1');
      expect(body).toContain('io_worker_state{state="earning"} 0');
      expect(body).toContain('io_worker_paused{source="user"} 1');
      expect(body).toContain('io_worker_paused{source="limits"} 1');
      expect(body).toContain('io_worker_paused{source="gaming"} 0');
      expect(body).toContain('io_worker_heartbeats_buffered 4');
      expect(body).toContain('io_worker_eligible 1');
      expect(body).toContain('io_worker_blocks_total{result="passed"} 0');
      expect(body).toContain('io_worker_rewards_tokens_total 0');
    } finally {
      exporter.close();
      ledger.close();
    }
  });

  it('its own listener wants the bearer token; a bad address is said plainly', async () => {
    expect(parseListenAddress('0.0.0.0:9400')).toEqual({ host: '0.0.0.0', port: 9400 });
    expect(parseListenAddress('[::1]:9400')).toEqual({ host: '::1', port: 9400 });
    expect(() => parseListenAddress('9400')).toThrow(/HOST:PORT/);
    const listener = await startMetricsListener({ host: '127.0.0.1', port: 0, exporter: { scrape: async () => ({ contentType: 'text/plain', body: 'up 1\n' }) }, token: () => 't'.repeat(43) });
    try {
      expect((await fetch(listener.url)).status).toBe(401);
      expect((await fetch(listener.url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const ok = await fetch(listener.url, { headers: { authorization: `Bearer ${'t'.repeat(43)}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe('up 1\n');
      expect((await fetch(listener.url.replace('/metrics', '/api'), { headers: { authorization: `Bearer ${'t'.repeat(43)}` } })).status).toBe(404);
    } finally {
      await listener.close();
    }
  });
});
