import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HireRunner, logFile, type HireReport } from './hires.ts';
import { HireOrderSchema } from './protocol.ts';

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
    expect(runner.command(order)).toEqual({
      file: fake,
      args: ['run', '--rm', '--name=io-worker-hire-c1', '--cap-drop=ALL', '--security-opt=no-new-privileges', '--pids-limit=4096', '--', 'ghcr.io/x/y:1', '--steps', '3'],
    });
    await runner.start(order);
    const failed = await until(reports, (r) => r.state === 'failed', 5000);
    expect(failed.detail).toMatch(/failed 3 times, last: exit code 125/);
    expect(reports.filter((r) => r.state === 'restarting')).toHaveLength(2);
    expect(runner.current()).toBeNull();
    const log = fs.readFileSync(path.join(dir, 'logs', 'hire-c1.log'), 'utf8');
    expect(log.match(/^\$ \S+podman run --rm --name=io-worker-hire-c1 .* -- ghcr\.io\/x\/y:1 --steps 3$/gm)).toHaveLength(3); // the supervisor's command lines
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

describe('hostile hire orders', () => {
  const base = { hours: 1, endsAt: Date.now() + 3_600_000 };
  const container = (image: string, args: string[] = [], hireId = 'hire-h1') => ({ ...base, hireId, workload: { kind: 'container' as const, image, args } });

  it.each([
    ['an image that is an engine option', container('--privileged', ['--pid=host', '-v', '/:/host', 'alpine', 'chroot', '/host', 'id'])],
    ['an image with a second option glued on', container('alpine --privileged')],
    ['an image with upper case in its path', container('ghcr.io/Evil/X')],
    ['a NUL byte in an argument', container('alpine', ['echo', 'a\u0000b'])],
    ['a newline in an argument', container('alpine', ['echo', 'a\nb'])],
    ['a hire id that climbs out of the log folder', container('alpine', [], '../../../../tmp/x')],
    ['a hire id with a slash', container('alpine', [], 'a/b')],
    ['a Ray address that is an option', { ...base, hireId: 'hire-r2', workload: { kind: 'ray' as const, address: '--head' } }],
    ['a Ray address with a second argument', { ...base, hireId: 'hire-r3', workload: { kind: 'ray' as const, address: 'head:6379 --block' } }],
    ['an extra field smuggling engine options', { ...base, hireId: 'hire-x', workload: { kind: 'container' as const, image: 'alpine', args: [], engineArgs: ['--privileged'] } }],
    ['a hire of ten thousand years', { ...container('alpine'), hours: 24 * 365 * 10_000 }],
  ])('refuses %s and runs nothing', async (_what, order) => {
    const engine = path.join(dir, 'engine-must-not-run');
    fs.writeFileSync(engine, `#!/bin/sh\ntouch ${JSON.stringify(path.join(dir, 'engine-ran'))}\n`, { mode: 0o755 });
    const logDir = path.join(dir, 'hostile-logs');
    const runner = new HireRunner({ containerCommand: engine, rayCommand: engine, logDir });
    const refused = await runner.start(order as never);
    expect(refused).toMatch(/^refused: /);
    expect(runner.current()).toBeNull();
    await new Promise((r) => setTimeout(r, 100));
    expect(fs.existsSync(path.join(dir, 'engine-ran'))).toBe(false);
    expect(fs.existsSync('/tmp/x.log')).toBe(false);
  });

  it('never gives a container more than confinement allows, whatever its arguments', () => {
    const runner = new HireRunner({ containerCommand: 'docker', containerLimits: { cpus: 8, memoryBytes: 16e9 } });
    const { args } = runner.command(container('alpine', ['--privileged', '-v', '/:/host']));
    const end = args.indexOf('--');
    const engineOptions = args.slice(0, end);
    expect(engineOptions).toEqual(['run', '--rm', '--name=io-worker-hire-h1', '--cap-drop=ALL', '--security-opt=no-new-privileges', '--pids-limit=4096', '--cpus=8', '--memory=16000000000']);
    // The order's own words come after `--` and the image: the container's command, not docker's options.
    expect(args.slice(end + 1)).toEqual(['alpine', '--privileged', '-v', '/:/host']);
  });

  it('keeps a Ray address a value of --address', () => {
    const runner = new HireRunner({ rayCommand: 'ray' });
    expect(runner.command({ ...base, hireId: 'hire-r4', workload: { kind: 'ray', address: '10.0.0.2:6379' } }).args).toEqual(['start', '--address=10.0.0.2:6379', '--block']);
  });

  it('ends a hire after the hours it reserved, whatever end time the order names', async () => {
    const fake = path.join(dir, 'ray-long');
    fs.writeFileSync(fake, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
    const runner = new HireRunner({ rayCommand: fake, stopGraceMs: 500 });
    const reports: HireReport[] = [];
    runner.onReport((r) => reports.push(r));
    expect(await runner.start({ hireId: 'hire-r5', hours: 0.0001, endsAt: Date.now() + 3_600_000, workload: { kind: 'ray', address: 'head:6379' } })).toBeNull();
    const done = await until(reports, (r) => r.state === 'completed', 4000);
    expect(done.detail).toBe('the hired time is over');
  });

  it.each(['ghcr.io/org/name:1.2', 'alpine', 'localhost:5000/a/b_c__d--e:latest', `nvcr.io/nvidia/pytorch@sha256:${'a'.repeat(64)}`])('accepts the image reference %s', (image) => {
    expect(HireOrderSchema.safeParse(container(image)).success).toBe(true);
  });
});

describe('hire log files', () => {
  it('are named by a checked id and stay in their folder', () => {
    expect(logFile('/data/hires', 'hire-ab12')).toBe('/data/hires/hire-ab12.log');
    expect(() => logFile('/data/hires', '../../../../tmp/x')).toThrow(/Not a hire id/);
    expect(() => logFile('/data/hires', '..')).toThrow(/Not a hire id/);
  });
});
