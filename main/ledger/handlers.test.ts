// The ledger behind the contract and the CLI: the four request channels through the real
// dispatcher (results checked against the contract), 'unavailable' without a ledger, and
// `io-worker export`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testCore } from '../../test/core-fixture.ts';
import type { Notice } from '../../preload/contract/index.ts';
import { runCli } from '../cli.ts';
import { Ledger } from './ledger.ts';
import { frameAt } from './testing/frames.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-handlers-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('contract channels', () => {
  it("answer 'unavailable' when no ledger is open", async () => {
    const core = await testCore({ ledger: undefined });
    for (const [channel, args] of [
      ['history.telemetry', { device: 'gpu0', metric: 'powerW', range: { from: 0, to: 1000 } }],
      ['uptime.bar', {}],
      ['uptime.streak', {}],
      ['export', { what: 'rewards' }],
    ] as const) {
      expect(await core.dispatch(channel, args)).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/no ledger/) } });
    }
  });

  it('serve history, uptime, streak and export from the running core', async () => {
    const ledger = Ledger.open({ dataDir: dir, log: () => {} });
    const core = await testCore({ ledger });
    const notices: Notice[] = [];
    core.events.on('notice', (n) => notices.push(n));
    await core.start();
    const t0 = Date.now();
    for (let k = 0; k < 5; k++) core.sampler.tick(t0 + k * 1000);
    const history = await core.dispatch('history.telemetry', { device: 'host', metric: 'memoryUsedBytes', range: { from: t0 - 1, to: t0 + 10_000 } });
    expect(history).toMatchObject({ ok: true, result: { resolution: 'raw' } });
    if (history.ok) expect((history.result as { points: unknown[] }).points.length).toBeGreaterThanOrEqual(5);

    const bar = await core.dispatch('uptime.bar', { days: 30, timeZone: 'UTC' });
    expect(bar.ok).toBe(true);
    if (bar.ok) {
      const buckets = (bar.result as { buckets: { uptimePct: number | null }[] }).buckets;
      expect(buckets).toHaveLength(30);
      expect(buckets.at(-1)!.uptimePct).toBe(100);
    }
    expect(await core.dispatch('uptime.streak', {})).toMatchObject({ ok: true, result: { online: true, device: core.identity.deviceId } });
    expect(await core.dispatch('uptime.bar', { timeZone: 'Nowhere/Land' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await core.dispatch('uptime.bar', { days: 60, resolution: 'hour' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });

    ledger.recordBlockReward({ device: core.identity.deviceId, blockStart: t0, status: 'passed', amount: 2.5 });
    const exported = await core.dispatch('export', { what: 'rewards' });
    expect(exported).toMatchObject({ ok: true, result: { mime: 'text/csv', rows: 1, truncated: false } });
    if (exported.ok) expect((exported.result as { csv: string }).csv).toContain(`${core.identity.deviceId},passed,2.5`);

    // the notifications history keeps what the core shows
    core.events.emit('notice', { id: 'fault-1', t: t0, level: 'warning', title: 'GPU 0 over its limit', body: '92 °C' });
    expect(ledger.notices(10).map((n) => n.id)).toContain('fault-1');
    await core.stop();
    ledger.close();
    expect(notices.map((n) => n.id)).toEqual(['fault-1']);
  });
});

describe('io-worker export', () => {
  const run = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
  };

  it('streams CSV from the data dir, to stdout or a file', async () => {
    // three days ago, 09:00-11:00 UTC (the exporting process reads the real clock)
    const start = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 3 * 86_400_000 + 9 * 3_600_000;
    const date = new Date(start).toISOString().slice(0, 10);
    let now = start;
    const ledger = Ledger.open({ dataDir: dir, now: () => now, log: () => {} });
    for (; now <= start + 2 * 3_600_000; now += 10_000) {
      ledger.recordFrame(frameAt(now, 1));
      ledger.markOnline('rig-1', now);
    }
    ledger.close();
    const uptime = await run('export', 'uptime', '--data-dir', dir, '--time-zone', 'UTC', '--from', date, '--to', date);
    expect(uptime.code).toBe(0);
    // online 09:00 to the clean close at 11:00:10; the rest of the day since then is 'app-closed'
    const [day, device, , online, down, appClosed] = uptime.out.split('\r\n')[1].split(',');
    expect([day, device, online]).toEqual([date, 'rig-1', '7210']);
    expect(Number(appClosed)).toBe(Number(down));
    expect(Number(online) + Number(down)).toBe(24 * 3600 - 9 * 3600);
    const file = path.join(dir, 'out.csv');
    const telemetry = await run('export', 'telemetry', '--data-dir', dir, '--device', 'gpu0', '--metric', 'powerW', '--out', file);
    expect(telemetry).toMatchObject({ code: 0, out: '', err: `2 rows written to ${file}.\n` });
    expect(fs.readFileSync(file, 'utf8')).toContain(`${date}T09:00:00.000Z,gpu0,powerW,1h,360,300,300,300`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses bad arguments with usage, and a missing history with a clear error', async () => {
    expect(await run('export', 'wallets', '--data-dir', dir)).toMatchObject({ code: 2, err: expect.stringMatching(/export needs one of telemetry, uptime, rewards/) });
    expect(await run('export', 'uptime', '--from', 'yesterday-ish', '--data-dir', dir)).toMatchObject({ code: 2, err: expect.stringMatching(/Cannot read/) });
    expect(await run('export', 'uptime', '--data-dir', path.join(dir, 'nothing-here'))).toMatchObject({
      code: 1,
      err: expect.stringMatching(/No history in .*ledger\.db does not exist/),
    });
    expect(fs.existsSync(path.join(dir, 'nothing-here'))).toBe(false);
  });
});
