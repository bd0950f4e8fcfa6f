import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gpuHealth } from './gpu-health.ts';
import { CommandSource, KmsgSource, XidWatch, parseKmsgRecords, parseXidLine } from './kernel-log.ts';
import { busKey, parseMigList, parseQuery } from './nvidia-smi-query.ts';
import { findSection, loadCapture } from './testing/capture-file.mjs';
import { captureFiles, capturePath } from './testing/captures.ts';

const report = (namePart: string, state = 'load') => parseQuery(findSection(loadCapture(capturePath(namePart)), state, 'query (-q)')!.body.join('\n'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-health-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('nvidia-smi -q, from the real captures', () => {
  it('every capture gives one GPU with its PCIe link, maximum and replay counter', () => {
    for (const file of captureFiles()) {
      const sections = loadCapture(file);
      for (const state of ['idle', 'load']) {
        const [gpu, extra] = parseQuery(findSection(sections, state, 'query (-q)')!.body.join('\n'));
        expect(extra, file).toBeUndefined();
        expect(gpu.pcie.maxWidth, file).toBe(16);
        expect(gpu.pcie.maxGeneration, file).toBeGreaterThanOrEqual(3);
        expect(gpu.pcie.replays, file).not.toBeNull();
        expect(gpu.slowdownTemperatureC, file).toBeGreaterThan(70);
      }
    }
  });

  it('H100: 9 PCIe replays, ECC on with zero errors, remapped rows read; slowdown = current + T.Limit - slowdown margin', () => {
    const [h100] = report('nvidia-h100-80gb');
    expect(h100.pcie).toEqual({ generation: 5, maxGeneration: 5, width: 16, maxWidth: 16, replays: 9 });
    expect(h100.ecc).toEqual({ mode: 'enabled', volatile: { corrected: 0, uncorrected: 0 }, aggregate: { corrected: 0, uncorrected: 0 } });
    expect(h100.remappedRows).toEqual({ correctable: 0, uncorrectable: 0, pending: false, failed: false });
    const [h200mig] = report('nvidia-h200-mig');
    expect(h200mig.slowdownTemperatureC).toBe(36 + 46 + 2); // "GPU Current Temp 36 C", "T.Limit 46 C", "Slowdown T.Limit -2 C"
  });

  it('GeForce: no ECC, no row remapping; the slowdown temperature is given directly', () => {
    const [rtx] = report('rtx-4080');
    expect(rtx.ecc.mode).toBe('unsupported');
    expect(rtx.remappedRows).toBeNull();
    expect(rtx.slowdownTemperatureC).toBe(96);
  });

  it('H200 MIG: five instances with their own memory, GI 2 shared by two compute instances', () => {
    const [gpu] = report('nvidia-h200-mig');
    expect(gpu.mig.map((m) => [m.index, m.gpuInstanceId, m.computeInstanceId, m.memoryUsedMiB, m.memoryTotalMiB, m.multiprocessors])).toEqual([
      [0, 2, 0, 16925, 71424, 16],
      [1, 2, 1, 16925, 71424, 32],
      [2, 3, 0, 17, 33280, 32],
      [3, 9, 0, 9, 16384, 16],
      [4, 10, 0, 9, 16384, 16],
    ]);
    const list = findSection(loadCapture(capturePath('nvidia-h200-mig')), 'capabilities', 'list')!.body.join('\n');
    expect(parseMigList(list).get(0)?.[0]).toEqual({ index: 0, profile: '1c.3g.71gb', uuid: 'MIG-00000000-0000-0000-0000-000000000000' });
  });

  it('H100 MIG: four instances', () => {
    const [gpu] = report('nvidia-h100-mig');
    expect(gpu.mig.map((m) => m.memoryTotalMiB)).toEqual([40448, 20096, 9984, 9984]);
  });

  it('bus ids of nvidia-smi and the kernel meet', () => {
    expect(busKey('00000000:83:00.0')).toBe('0000:83:00');
    expect(busKey('0000:83:00')).toBe('0000:83:00');
    expect(busKey('00000001:3B:00.0')).toBe('0001:3b:00');
  });
});

describe('Xid errors from kernel log lines', () => {
  // Line shapes as published: NVIDIA/NVSentinel#155 (maintainer's example, no pid), aws-samples
  // HyperPod docs (`pid=<unknown>, name=<unknown>`), NVIDIA's Xid catalogue (`pid=…, name=…`),
  // a dmesg line with its `[seconds]` prefix, and a journalctl -k short-iso line.
  const cases: [string, { xid: number; pciBusId: string; pid: number | null; processName: string | null; message: string }][] = [
    ['NVRM: Xid (PCI:0000:44:00): 79, GPU has fallen off the bus.', { xid: 79, pciBusId: '0000:44:00', pid: null, processName: null, message: 'GPU has fallen off the bus.' }],
    [
      'kernel: NVRM: Xid (PCI:0000:b9:00): 74, pid=<unknown>, name=<unknown>, NVLink: fatal error detected on link 6(0x10000, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0)',
      { xid: 74, pciBusId: '0000:b9:00', pid: null, processName: null, message: 'NVLink: fatal error detected on link 6(0x10000, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0)' },
    ],
    [
      '[  168.498891] NVRM: Xid (PCI:0000:65:00): 13, pid=2383, name=python3, Graphics SM Warp Exception on (GPC 0, TPC 0, SM 0): Out Of Range Address',
      { xid: 13, pciBusId: '0000:65:00', pid: 2383, processName: 'python3', message: 'Graphics SM Warp Exception on (GPC 0, TPC 0, SM 0): Out Of Range Address' },
    ],
    [
      "2026-07-03T22:10:45+0000 gpu-1 kernel: NVRM: Xid (PCI:0000:03:00): 31, pid='1234', name='python3', 'Illegal memory access'",
      { xid: 31, pciBusId: '0000:03:00', pid: 1234, processName: 'python3', message: 'Illegal memory access' },
    ],
    ['[12345.678901] NVRM: Xid (PCI:0000:18:00): 79, pid=1234, GPU has fallen off the bus.', { xid: 79, pciBusId: '0000:18:00', pid: 1234, processName: null, message: 'GPU has fallen off the bus.' }],
  ];
  it.each(cases)('%s', (line, expected) => {
    expect(parseXidLine(line)).toEqual({ ...expected, at: null });
  });

  it('ignores lines that are no Xid', () => {
    expect(parseXidLine('[ 1843.308145] NVRM: The NVIDIA GPU 0000:b3:00.0')).toBeNull();
    expect(parseXidLine('mlx5_core 0000:ab:00.0 mlx5_5: Port: 1 Link ACTIVE')).toBeNull();
  });

  it('/dev/kmsg records carry microseconds since boot', () => {
    const { lines } = parseKmsgRecords('4,1021,168498891,-;NVRM: Xid (PCI:0000:65:00): 13, pid=2383, name=python3, Graphics Exception\n SUBSYSTEM=pci', 1_000_000);
    expect(lines).toEqual([{ at: 1_000_000 + 168_499, text: 'NVRM: Xid (PCI:0000:65:00): 13, pid=2383, name=python3, Graphics Exception' }]);
  });

  it('XidWatch reads the first readable source, keeps each GPU’s events once, and says why when none is readable', async () => {
    const kmsg = path.join(tmp, 'kmsg');
    fs.writeFileSync(kmsg, '6,1,100,-;nvidia: module loaded\n4,2,200000000,-;NVRM: Xid (PCI:0000:83:00): 79, pid=0, GPU has fallen off the bus.\n');
    const watch = new XidWatch([new KmsgSource(path.join(tmp, 'missing')), new KmsgSource(kmsg)]);
    // The same record read again and again is one event (its time from boot must not drift by a ms).
    for (let i = 0; i < 50; i++) await watch.poll();
    expect(watch.unavailable).toBeNull();
    expect(watch.events('0000:83:00').map((e) => e.xid)).toEqual([79]);
    const none = new XidWatch([new KmsgSource(path.join(tmp, 'missing')), new CommandSource('dmesg', path.join(tmp, 'no-dmesg'), [])]);
    await none.poll();
    expect(none.unavailable).toMatch(/not readable by this user.*missing is not readable \(ENOENT\).*dmesg not found/);
    expect(new XidWatch([]).unavailable).toMatch(/Linux kernel log/);
  });

  it('a command source (dmesg --time-format iso) is a real child process, its ISO times kept', async () => {
    const script = path.join(tmp, 'dmesg.sh');
    fs.writeFileSync(script, `#!/bin/sh\necho '2026-07-03T22:10:45,123456+00:00 NVRM: Xid (PCI:0000:83:00): 48, pid=10309, name=gpu_burn, An uncorrectable double bit error (DBE) has been detected on GPU in the framebuffer at partition 6, subpartition 0.'\n`, { mode: 0o755 });
    const watch = new XidWatch([new CommandSource('dmesg', script, [])]);
    await watch.poll();
    const [event] = watch.events('0000:83:00');
    expect(event.at).toBe(Date.parse('2026-07-03T22:10:45.123456+00:00'));
    expect(event).toMatchObject({ xid: 48, pid: 10309, processName: 'gpu_burn' });
  });
});

describe('the health read', () => {
  const live = { throttleReasons: [] as string[], pcie: { generation: 5, width: 16 }, utilizationPct: 100 };
  it('a healthy H100 from its capture is ok, with every counter filled', () => {
    const [q] = report('nvidia-h100-80gb');
    const health = gpuHealth(live, { checkedAt: 1, ...q, xid: [] });
    expect(health.severity).toBe('ok');
    expect(health.pcie).toEqual({ generation: 5, maxGeneration: 5, width: 16, maxWidth: 16, replays: 9 });
    expect(health.unavailable).toEqual({});
  });

  it('judges uncorrectable ECC, failed remapping, a narrow link, heat and an Xid 79 into typed problems', () => {
    const [q] = report('nvidia-h100-80gb');
    const health = gpuHealth(
      { throttleReasons: ['hw-thermal'], pcie: { generation: 5, width: 8 }, utilizationPct: 100 },
      {
        checkedAt: 1,
        ...q,
        ecc: { ...q.ecc, volatile: { corrected: 3, uncorrected: 2 } },
        remappedRows: { correctable: 0, uncorrectable: 1, pending: false, failed: true },
        pcie: { ...q.pcie, replays: 250 },
        xid: [parseXidLine('NVRM: Xid (PCI:0000:00:09): 79, GPU has fallen off the bus.')!],
      },
    );
    expect(health.severity).toBe('critical');
    expect(health.problems.map((p) => [p.problem, p.severity])).toEqual([
      ['ecc-uncorrected', 'critical'],
      ['rows-remap-failed', 'critical'],
      ['xid-error', 'critical'],
      ['pcie-link-degraded', 'warning'],
      ['pcie-replays', 'warning'],
      ['thermal-slowdown', 'warning'],
    ]);
    expect(health.problems[2].detail).toBe('Xid 79: GPU has fallen off the bus');
  });

  it('a GeForce idling at Gen 1 is not degraded; its missing ECC is said, not zero', () => {
    const [q] = report('rtx-2080-super__595', 'idle');
    const health = gpuHealth({ throttleReasons: ['idle'], pcie: { generation: 1, width: 16 }, utilizationPct: 0 }, { checkedAt: 1, ...q });
    expect(health.severity).toBe('ok');
    expect(health.ecc.volatile.uncorrected).toBeNull();
    expect(health.unavailable.ecc).toBe('this GPU has no ECC memory');
    expect(health.unavailable.remappedRows).toBe('this GPU does not remap memory rows');
  });
});
