// The Ray node's plan and the managed install's guards, without Ray itself (ray.integration.test.ts
// runs the real thing).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HireRunner, type HireReport } from '../hires.ts';
import { containerLimits, lentInventory, NO_CAPS } from './lending.ts';
import { nodeResources, parsePortRange, planNode } from './node.ts';
import { RayNodes } from './service.ts';
import { ensureRay, findPython, RayInstallError } from './venv.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ray-unit-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const GiB = 1024 ** 3;

describe('the Ray node of a hire', () => {
  const machine = { cpus: 16, memoryBytes: 64 * GiB, gpus: [0, 1, 2, 3], shmFreeBytes: 32 * GiB };

  it('offers the machine within the owner\'s caps, only the lent GPUs, and a small object store', () => {
    expect(nodeResources({ cpuCores: null, memoryGiB: null, gpus: null }, machine)).toEqual({ cpus: 16, gpus: [0, 1, 2, 3], memoryBytes: 63 * GiB, objectStoreBytes: Math.floor(6.3 * GiB) });
    expect(nodeResources({ cpuCores: 2, memoryGiB: 1, gpus: [1, 3, 9] }, machine)).toEqual({ cpus: 2, gpus: [1, 3], memoryBytes: GiB, objectStoreBytes: Math.floor(GiB / 10) });
    // Never more cores than the machine has, never an object store Ray refuses, never past /dev/shm.
    expect(nodeResources({ cpuCores: 64, memoryGiB: 0.5, gpus: [] }, { ...machine, shmFreeBytes: 64 * 1024 ** 2 })).toMatchObject({ cpus: 16, gpus: [], objectStoreBytes: 75 * 1024 ** 2 });
  });

  it('pins everything on the command line and hands the node a clean environment', () => {
    process.env.IO_WORKER_SECRET_FOR_TEST = 'must-not-leak';
    const plan = planNode({
      ray: '/var/lib/io-worker-ray/venvs/ray-2.58.0/bin/ray', address: '10.0.0.2:6379', deviceId: 'dev-0123456789abcdef', hireDir: '/var/lib/io-worker-ray/run/hire-1', rayTemp: '/tmp/io-worker-ray-x',
      resources: { cpus: 2, gpus: [1, 3], memoryBytes: GiB, objectStoreBytes: 100_000_000 }, ports: { first: 21000, last: 21099 },
    });
    expect(plan.args).toEqual([
      'start', '--address=10.0.0.2:6379', '--num-cpus=2', '--num-gpus=2', `--memory=${GiB}`, '--object-store-memory=100000000',
      '--resources={"dev-0123456789abcdef":1}', '--labels=io.net/device=dev-0123456789abcdef', '--temp-dir=/tmp/io-worker-ray-x',
      '--node-manager-port=21000', '--object-manager-port=21001', '--runtime-env-agent-port=21002', '--dashboard-agent-grpc-port=21003',
      '--dashboard-agent-listen-port=21004', '--metrics-export-port=21005', '--min-worker-port=21006', '--max-worker-port=21099',
      '--disable-usage-stats', '--block',
    ]);
    expect(plan.env).toEqual({
      PATH: '/var/lib/io-worker-ray/venvs/ray-2.58.0/bin:/usr/local/bin:/usr/bin:/bin', HOME: '/var/lib/io-worker-ray/run/hire-1',
      TMPDIR: '/var/lib/io-worker-ray/run/hire-1/tmp', LANG: 'C.UTF-8', RAY_USAGE_STATS_ENABLED: '0', CUDA_VISIBLE_DEVICES: '1,3',
      IO_WORKER_RAY_OWNER: 'dev-0123456789abcdef', IO_WORKER_RAY_NODE: 'dev-0123456789abcdef/hire-1',
    });
    delete process.env.IO_WORKER_SECRET_FOR_TEST;
  });

  it.each(['20000', '20000-20010', '80-200', '60000-70000', '20000-20100 --head'])('refuses the port range %s', (text) => {
    expect(() => parsePortRange(text)).toThrow(/first-last within 1024-65535 and holds at least 16 ports/);
  });

  it('lends the network only the chosen GPUs, and a container only those and the caps', () => {
    const inventory = { gpus: [{ index: 0 }, { index: 1 }, { index: 2 }] } as never;
    expect(lentInventory(inventory, { ...NO_CAPS, gpus: [2] }).gpus).toEqual([{ index: 2 }]);
    expect(lentInventory(inventory, NO_CAPS).gpus).toHaveLength(3);
    expect(containerLimits({ ...NO_CAPS, cpuCores: 1, memoryGiB: 2, gpus: [0, 2] }, [0, 1, 2])).toEqual({ cpus: 1, memoryBytes: 2 * GiB, gpus: [0, 2] });
    const runner = new HireRunner({ containerCommand: 'docker', containerLimits: () => ({ cpus: 1, memoryBytes: 2 * GiB, gpus: [0, 2] }) });
    const { args } = runner.command({ hireId: 'hire-g', hours: 1, endsAt: Date.now() + 1000, workload: { kind: 'container', image: 'alpine', args: [] } });
    expect(args.slice(0, args.indexOf('--'))).toEqual(expect.arrayContaining(['--cpus=1', `--memory=${2 * GiB}`, '--gpus="device=0,2"']));
  });
});

describe('the managed Ray install', () => {
  it.each(['2.58', '2.58.0 --index-url http://evil', '>=2.0', '2.58.0;id', '../../x', 'latest'])('never hands pip the version %j', async (version) => {
    await expect(ensureRay(version, { home: path.join(dir, 'home') })).rejects.toThrow(RayInstallError);
    expect(fs.existsSync(path.join(dir, 'home'))).toBe(false);
  });

  it('says what to install when no usable Python is there', async () => {
    const old = path.join(dir, 'python3.9');
    fs.writeFileSync(old, '#!/bin/sh\necho 3.9\n', { mode: 0o755 });
    const error = await findPython([path.join(dir, 'no-python'), old], null).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RayInstallError);
    expect((error as Error).message).toMatch(/Ray needs Python 3\.10 or newer .*no-python: not found; .*python3\.9: Python 3\.9\)\. Install it \(Debian\/Ubuntu: sudo apt install python3 python3-venv\)/);
  });

  it('finds the system Python 3.10+', async () => {
    const found = await findPython(['/usr/bin/python3', 'python3'], null).catch(() => null);
    if (found) expect(found.version).toMatch(/^3\.(1\d|[2-9]\d)$/);
  });
});

describe('a Ray hire that cannot run', () => {
  it('is refused with the reason, runs nothing, and the Services row says why', async () => {
    const ray = new RayNodes({ deviceId: 'dev-0123456789abcdef', home: path.join(dir, 'ray-home'), userRay: () => path.join(dir, 'no-such-ray') });
    const runner = new HireRunner({ ray, logDir: path.join(dir, 'logs') });
    const reports: HireReport[] = [];
    runner.onReport((r) => reports.push(r));
    expect(await runner.start({ hireId: 'hire-refused', hours: 1, endsAt: Date.now() + 3_600_000, workload: { kind: 'ray', address: '127.0.0.1:6379', version: '2.58.0' } })).toBeNull();
    const started = Date.now();
    while (!reports.some((r) => r.state === 'failed') && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 50));
    const failed = reports.find((r) => r.state === 'failed');
    const why = process.getuid?.() === 0 ? /does not exist; give the full path of its `ray` command/ : /must run as root/;
    expect(failed?.detail).toMatch(why);
    expect(runner.current()).toBeNull();
    expect(runner.rayService()).toMatchObject({ name: 'Ray', state: 'stopped', detail: expect.stringMatching(why) });
    expect(fs.readFileSync(path.join(dir, 'logs', 'hire-refused.log'), 'utf8')).not.toMatch(/^\$ /m);
  });
});
