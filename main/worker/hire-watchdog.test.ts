// The hire watchdog over a real HireRunner and real workload processes: a workload that stalls (no
// output, GPU at 0 %, deaf to SIGTERM) is killed and restarted with its cause as a notice, then the
// hire ends as failed and is reported so, once; a workload that prints, or keeps a GPU busy, is left alone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Notice, TelemetryFrame } from '../../preload/contract/index.ts';
import { HireRunner, type HireReport } from './hires.ts';
import { hirePart } from './hire-watchdog.ts';
import { Watchdog } from './watchdog.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hire-watchdog-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A container engine whose workload prints once, then hangs ignoring SIGTERM. */
const stalled = path.join(dir, 'stalled-engine');
fs.writeFileSync(stalled, '#!/bin/sh\necho "workload up"\ntrap "" TERM\nexec sleep 60\n', { mode: 0o755 });

const frameAt = (utilizationPct: number): TelemetryFrame => ({
  t: Date.now(),
  cpu: { utilizationPct: 5, temperatureC: null, packagePowerW: null },
  memory: { usedBytes: 1, totalBytes: 2 },
  network: { rxBytesPerSec: null, txBytesPerSec: null, rxTotalBytes: null, txTotalBytes: null },
  gpus: [{
    index: 0, uuid: 'GPU-1', model: 'H100', temperatureC: 40, hotspotC: null, memoryTemperatureC: null, powerW: 80, powerLimitW: null,
    utilizationPct, memoryUtilizationPct: null, encoderPct: null, decoderPct: null, vramUsedMiB: null, vramTotalMiB: null,
    clocksMHz: { graphics: null, sm: null, memory: null }, fanPct: null, pstate: null, throttleReasons: [], pcie: { generation: null, width: null },
    energyJ: null, unavailable: {},
  }],
  health: [],
});

const order = (hireId: string, workload: { kind: 'container'; image: string; args: string[] } | { kind: 'benchmark' }) => ({ hireId, hours: 1, endsAt: Date.now() + 3_600_000, workload });

async function until(what: string, predicate: () => boolean, ms: number): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function watch(runner: HireRunner, frame: () => TelemetryFrame, notices: Notice[]) {
  const dog = new Watchdog({
    parts: [hirePart(runner, { frame, deadlineMs: 1200 })],
    notice: (n) => notices.push(n),
    budget: { restarts: 2, windowMs: 600_000 },
    backoff: { initialMs: 50, maxMs: 100 },
  });
  return dog.start(100);
}

describe('hire watchdog', () => {
  it('restarts a stalled workload within the budget, then ends the hire as failed instead of looping', async () => {
    const runner = new HireRunner({ containerCommand: stalled, logDir: path.join(dir, 'logs'), restartDelayMs: 50, stopGraceMs: 300, reportEveryMs: 100_000 });
    const reports: HireReport[] = [];
    runner.onReport((r) => reports.push(r));
    const notices: Notice[] = [];
    const stop = watch(runner, () => frameAt(0), notices);
    try {
      await runner.start(order('hire-stall1', { kind: 'container', image: 'x/y:1', args: [] }));
      await until('the hire failed', () => reports.some((r) => r.state === 'failed'), 20_000);
      const restarts = notices.filter((n) => n.id.startsWith('watchdog-restart:hire:'));
      expect(restarts).toHaveLength(2);
      expect(restarts[0]).toMatchObject({ level: 'warning', title: 'The hired workload restarted' });
      expect(restarts[0].body).toMatch(/^The hired workload stalled: no output from the workload and no GPU use for \d s \(its deadline is 1 s\)\. Restarted it \(1 of 2 in 10 min\)\.$/);
      expect(reports.filter((r) => r.state === 'restarting')).toHaveLength(2); // the supervisor restarted the killed process
      const failedNotice = notices.find((n) => n.id.startsWith('watchdog-failed:hire:'))!;
      expect(failedNotice.body).toMatch(/so it is not restarted any more; the hire was ended and reported to the network as failed\.$/);
      const failed = reports.find((r) => r.state === 'failed')!;
      expect(failed.detail).toMatch(/^The watchdog ended the hire: the hired workload stalled 3 times in 10 min: no output from the workload and no GPU use for \d s/);
      expect(runner.current()).toBeNull();
      const log = fs.readFileSync(path.join(dir, 'logs', 'hire-stall1.log'), 'utf8');
      expect(log.match(/^\[supervisor\] the watchdog restarts the workload: no output and no GPU use$/gm)).toHaveLength(2);
      expect(log.match(/^workload up$/gm)).toHaveLength(3);
      const count = notices.length;
      await new Promise((r) => setTimeout(r, 1500));
      expect(notices).toHaveLength(count); // nothing more once it is over
    } finally {
      stop();
      await runner.stop('test over');
    }
  }, 30_000);

  it('leaves alone a workload that prints, and a quiet one that keeps the GPU busy', async () => {
    const printing = new HireRunner({ reportEveryMs: 100_000 });
    const quiet = new HireRunner({ containerCommand: stalled, logDir: path.join(dir, 'logs'), stopGraceMs: 300, reportEveryMs: 100_000 });
    const notices: Notice[] = [];
    const stops = [watch(printing, () => frameAt(0), notices), watch(quiet, () => frameAt(60), notices)];
    try {
      await printing.start(order('hire-bench1', { kind: 'benchmark' }));
      await quiet.start(order('hire-quiet1', { kind: 'container', image: 'x/y:1', args: [] }));
      await new Promise((r) => setTimeout(r, 3500)); // almost three deadlines
      expect(notices).toEqual([]);
      expect(printing.current()?.hireId).toBe('hire-bench1');
      expect(quiet.current()?.hireId).toBe('hire-quiet1');
    } finally {
      for (const stop of stops) stop();
      await Promise.all([printing.stop('test over'), quiet.stop('test over')]);
    }
  }, 30_000);
});
