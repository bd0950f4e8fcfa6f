import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HireRunner, type HireReport } from './hires.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hires-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function until(reports: HireReport[], predicate: (r: HireReport) => boolean, ms: number): Promise<HireReport> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const hit = reports.find(predicate);
      if (hit) { clearInterval(poll); resolve(hit); } else if (Date.now() - started > ms) {
        clearInterval(poll);
        reject(new Error(`no such report in ${ms} ms: ${JSON.stringify(reports)}`));
      }
    }, 20);
  });
}

describe('hire supervision', () => {
  it('runs a container with podman or docker and gives up after the restart budget, with the exit code', async () => {
    const fake = path.join(dir, 'podman');
    fs.writeFileSync(fake, '#!/bin/sh\necho "podman $*"\necho "no such image" >&2\nexit 125\n', { mode: 0o755 });
    const runner = new HireRunner({ containerCommand: fake, logDir: path.join(dir, 'logs'), maxRestarts: 2, restartDelayMs: 20 });
    const reports: HireReport[] = [];
    runner.onReport((r) => reports.push(r));
    const order = { hireId: 'hire-c1', hours: 1, endsAt: Date.now() + 3_600_000, workload: { kind: 'container' as const, image: 'ghcr.io/x/y:1', args: ['--steps', '3'] } };
    expect(runner.command(order)).toEqual({ file: fake, args: ['run', '--rm', '--name', 'io-worker-hire-c1', 'ghcr.io/x/y:1', '--steps', '3'] });
    await runner.start(order);
    const failed = await until(reports, (r) => r.state === 'failed', 5000);
    expect(failed.detail).toMatch(/failed 3 times, last: exit code 125/);
    expect(reports.filter((r) => r.state === 'restarting')).toHaveLength(2);
    expect(runner.current()).toBeNull();
    const log = fs.readFileSync(path.join(dir, 'logs', 'hire-c1.log'), 'utf8');
    expect(log.match(/^\$ \S+podman run --rm --name io-worker-hire-c1 ghcr\.io\/x\/y:1 --steps 3$/gm)).toHaveLength(3); // the supervisor's command lines
    expect(log.match(/^podman run --rm/gm)).toHaveLength(3); // what the engine saw
    expect(log).toContain('no such image');
  });

  it('runs the built-in benchmark until stopped and counts the minutes served', async () => {
    const runner = new HireRunner({ reportEveryMs: 100_000 });
    const reports: HireReport[] = [];
    runner.onReport((r) => reports.push(r));
    await runner.start({ hireId: 'hire-b1', hours: 1, endsAt: Date.now() + 3_600_000, workload: { kind: 'benchmark' } });
    await until(reports, (r) => r.state === 'running', 5000);
    const started = Date.now();
    while (!runner.current()!.tail.some((l) => /GFLOP\/s/.test(l)) && Date.now() - started < 8000) await new Promise((r) => setTimeout(r, 50));
    expect(runner.current()!.tail.some((l) => /^round 0: [\d.]+ GFLOP\/s$/.test(l))).toBe(true);
    await runner.stop('the client ended the hire');
    const done = reports.at(-1)!;
    expect(done).toMatchObject({ hireId: 'hire-b1', state: 'completed', detail: 'the client ended the hire' });
    expect(done.minutesServed).toBeGreaterThan(0);
  });

  it('ends the hire when its time is over', async () => {
    const fake = path.join(dir, 'ray');
    fs.writeFileSync(fake, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
    const runner = new HireRunner({ rayCommand: fake, stopGraceMs: 1000 });
    const reports: HireReport[] = [];
    runner.onReport((r) => reports.push(r));
    await runner.start({ hireId: 'hire-r1', hours: 0.0001, endsAt: Date.now() + 400, workload: { kind: 'ray', address: 'head:6379' } });
    await until(reports, (r) => r.state === 'running', 3000);
    expect(runner.rayService().state).toBe('running');
    const done = await until(reports, (r) => r.state === 'completed', 4000);
    expect(done.detail).toBe('the hired time is over');
    expect(runner.rayService().state).toBe('stopped');
  });
});
