// `io-worker status`'s account lines: which rows of the network's list are this account's other
// machines, what is shown for a quiet one, and what is said (never made up) when the list cannot be had;
// and the network's list is bounded in time, over a real HTTP socket, so status stays under half a second.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NetworkDevices, NetworkStatus, Status } from '../../preload/contract/index.ts';
import { acquireDataDirLock } from '../lib/data-dir-lock.ts';
import { DEVICES_TIMEOUT_MS, accountMachines, formatAccount, formatStatus, readStatus, type StatusReport } from './status-command.ts';

const NOW = Date.UTC(2026, 4, 12, 14, 0, 0);
const ACCT = 'acct-62b8fe9f28fec96d';
const OTHER = 'acct-0000000000000001';

type Row = NetworkDevices['devices'][number];
function row(id: string, account: string | null, extra: Partial<Row> = {}): Row {
  return {
    id, name: account ? `vm · H200 · ${id.slice(4, 8)}` : null, account, status: 'active', hireStatus: 'available', upForSeconds: 600,
    processorType: 'GPU', model: 'NVIDIA H200', quantity: 1, tier: 4, lastSeen: NOW - 2000,
    ...(account ? { fleet: { telemetry: { cpuPct: 11.6, gpuPct: 37, gpuTempC: 41, powerW: 69.85, at: NOW - 2000 }, earnedToday: 12.5, todaySince: NOW - 14 * 3_600_000, quietSince: null } } : {}),
    ...extra,
  };
}
const TOTALS: NetworkDevices['totals'] = { gpus: { total: 4, hired: 0, idle: 4 }, cpus: { total: 0, hired: 0, idle: 0 }, devices: 4, online: 3, coinsDistributed: 0, hirePayments: 0, blocks: 3 };
const online = { connection: 'online', detail: 'Connected.' } as NetworkStatus;

describe('accountMachines', () => {
  const self = 'dev-b536da8ec0274af0';
  const list: NetworkDevices = {
    devices: [
      row(self, ACCT),
      row('dev-62b9a4107cc73428', ACCT),
      row('dev-1111111111111111', null), // someone else's: unnamed, no account
      row('dev-2222222222222222', OTHER),
      row('dev-3333333333333333', ACCT, { status: 'offline', fleet: { telemetry: { cpuPct: 5, gpuPct: null, gpuTempC: 60, powerW: 300, at: NOW - 900_000 }, earnedToday: 3, todaySince: 0, quietSince: NOW - 900_000 } }),
    ],
    totals: TOTALS,
  };

  it('lists the account\'s other machines with the network\'s figures, none of anyone else\'s', () => {
    const view = accountMachines(self, online, list);
    expect(view.state).toBe('listed');
    expect(view.account).toBe(ACCT);
    expect(view.machines.map((m) => m.deviceId)).toEqual(['dev-62b9a4107cc73428', 'dev-3333333333333333']);
    expect(view.machines[0]).toEqual({
      deviceId: 'dev-62b9a4107cc73428', name: 'vm · H200 · 62b9', model: 'NVIDIA H200', quantity: 1, state: 'active', quietSince: null,
      temperatureC: 41, powerW: 69.85, utilizationPct: 37, earnedToday: 12.5, heardAt: NOW - 2000,
    });
    // Quiet: its figures would be old, so none; what it earned today stays.
    expect(view.machines[1]).toMatchObject({ state: 'offline', quietSince: NOW - 900_000, temperatureC: null, powerW: null, utilizationPct: null, heardAt: null, earnedToday: 3 });
  });

  it('shows a machine without GPU readings with its CPU\'s utilization', () => {
    const cpu = row('dev-4444444444444444', ACCT, { processorType: 'CPU', fleet: { telemetry: { cpuPct: 80.4, gpuPct: null, gpuTempC: null, powerW: null, at: NOW }, earnedToday: 0, todaySince: 0, quietSince: null } });
    const view = accountMachines(self, online, { devices: [row(self, ACCT), cpu], totals: TOTALS });
    expect(view.machines[0]).toMatchObject({ utilizationPct: 80.4, temperatureC: null, powerW: null });
  });

  it('says why there are no rows: no network, the network unreachable, or this machine not listed yet', () => {
    expect(accountMachines(self, { connection: 'none', detail: 'This worker runs without a network.' } as NetworkStatus, { devices: [], totals: TOTALS }))
      .toEqual({ state: 'no-network', detail: 'This worker runs without a network.', account: null, machines: [] });
    expect(accountMachines(self, online, new Error('The network at http://10.0.0.5:7430 did not answer: fetch failed')))
      .toEqual({ state: 'unreachable', detail: 'The network at http://10.0.0.5:7430 did not answer: fetch failed', account: null, machines: [] });
    expect(accountMachines(self, online, { devices: [row('dev-62b9a4107cc73428', ACCT)], totals: TOTALS }).state).toBe('not-listed');
  });

  it('prints one line per other machine after this one\'s, in words', () => {
    const lines = formatAccount(accountMachines(self, online, list), NOW);
    expect(lines[0]).toBe(`Account:   ${ACCT}: 2 other machines (as the network last heard them; today is UTC)`);
    expect(lines[1]).toMatch(/^ {2}vm · H200 · 62b9 {2}dev-62b9a4107cc73428 {2}active +\| {2}41°C, {2}37 % \| {3}70 W \| today 12\.50 IO$/);
    expect(lines[2]).toMatch(/^ {2}vm · H200 · 3333 {2}dev-3333333333333333 {2}offline, quiet since .+ \(15 min\) \| {5}–, {5}– \| {6}– \| today 3\.00 IO$/);
    expect(formatAccount(accountMachines(self, online, new Error('fetch failed')))).toEqual([
      'Account:   the network cannot be reached (fetch failed); the worker keeps no list of the other machines, so none are shown.',
    ]);
    expect(formatAccount(accountMachines(self, online, { devices: [row(self, ACCT)], totals: TOTALS }))[0]).toContain(`${ACCT}: no other machines`);
  });
});

describe('readStatus over a real socket', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-status-'));
  let server: http.Server | null = null;
  afterAll(async () => {
    if (server) await new Promise((resolve) => server!.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`gives up on the network's list after ${DEVICES_TIMEOUT_MS} ms and says so, with this machine's screen intact`, async () => {
    const status: Status = { state: 'earning', detail: 'Earning.', since: NOW, offline: null, deviceId: 'dev-b536da8ec0274af0', deviceName: 'vm · H200 · b536', version: '0.1.0', secretsBackend: 'file', runtime: 'headless' };
    const network = { connection: 'online', detail: 'Connected.', pausedBy: [], checks: [], eligible: true, tier: 4, lastBlock: null, bufferedHeartbeats: 0 } as unknown as NetworkStatus;
    const answers: Record<string, unknown> = { 'system.status': status, 'worker.eligibility': network };
    server = http.createServer((req, res) => {
      const channel = req.url!.replace('/api/rpc/', '');
      if (req.headers.authorization !== 'Bearer t0ken') return void res.writeHead(401).end();
      // A coordinator far away: the worker's answer comes after 2 s.
      const delay = channel === 'network.devices' ? 2000 : 0;
      setTimeout(() => {
        if (res.destroyed) return;
        const ok = channel in answers;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? { ok, result: answers[channel] } : { ok, error: { message: 'not here' } }));
      }, delay).unref();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    fs.writeFileSync(path.join(dir, 'token'), 't0ken\n');
    const lock = acquireDataDirLock(dir);
    lock.update({ dashboard: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, tokenFile: path.join(dir, 'token') });
    try {
      const started = Date.now();
      const report: StatusReport = await readStatus(dir);
      expect(Date.now() - started).toBeLessThan(DEVICES_TIMEOUT_MS + 400);
      expect(report.status.deviceId).toBe('dev-b536da8ec0274af0');
      expect(report.account).toEqual({ state: 'unreachable', detail: `no answer in ${DEVICES_TIMEOUT_MS} ms`, account: null, machines: [] });
      const screen = formatStatus(report, NOW);
      expect(screen).toContain('State:     Earning');
      expect(screen).toContain(`Account:   the network cannot be reached (no answer in ${DEVICES_TIMEOUT_MS} ms)`);
    } finally {
      lock.release();
    }
  });
});
