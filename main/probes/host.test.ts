import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostProbe, KernelFile, findCpuTemperatureFile, parseNetDev } from './host.ts';

let root: string;
const write = (rel: string, text: string) => {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};

const NET_DEV = (eth: [number, number], docker: [number, number]) => `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0
  eth0: ${eth[0]}  1000    0    0    0     0          0         0 ${eth[1]}  900    0    0    0     0       0          0
docker0: ${docker[0]}  10    0    0    0     0          0         0 ${docker[1]}  10    0    0    0     0       0          0
`;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-host-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('CPU temperature (hwmon)', () => {
  it('reads the package sensor of coretemp, not a core or another chip', () => {
    write('sys/class/hwmon/hwmon0/name', 'nvme\n');
    write('sys/class/hwmon/hwmon0/temp1_input', '38850\n');
    write('sys/class/hwmon/hwmon1/name', 'coretemp\n');
    write('sys/class/hwmon/hwmon1/temp1_input', '61000\n');
    write('sys/class/hwmon/hwmon1/temp1_label', 'Core 0\n');
    write('sys/class/hwmon/hwmon1/temp2_input', '67500\n');
    write('sys/class/hwmon/hwmon1/temp2_label', 'Package id 0\n');
    const probe = new HostProbe({ sys: path.join(root, 'sys'), proc: path.join(root, 'proc'), linux: true });
    expect(probe.cpuTemperature()).toBe(67.5);
  });

  it('prefers Tdie over Tctl on AMD, and is null where there is no CPU sensor', () => {
    write('sys/class/hwmon/hwmon3/name', 'k10temp\n');
    write('sys/class/hwmon/hwmon3/temp1_input', '75000\n');
    write('sys/class/hwmon/hwmon3/temp1_label', 'Tctl\n');
    write('sys/class/hwmon/hwmon3/temp2_input', '65000\n');
    write('sys/class/hwmon/hwmon3/temp2_label', 'Tdie\n');
    expect(findCpuTemperatureFile(path.join(root, 'sys'))).toMatch(/temp2_input$/);
    expect(findCpuTemperatureFile(path.join(root, 'nothing'))).toBeNull();
    expect(new HostProbe({ sys: path.join(root, 'nothing'), linux: true }).cpuTemperature()).toBeNull();
  });
});

describe('CPU package power (RAPL)', () => {
  it('is the energy delta over time, across counter wrap, summing packages but not their subzones', () => {
    const zone = (name: string, label: string, uj: number) => {
      write(`sys/class/powercap/${name}/name`, `${label}\n`);
      write(`sys/class/powercap/${name}/energy_uj`, `${uj}\n`);
      write(`sys/class/powercap/${name}/max_energy_range_uj`, '1000000000\n');
    };
    zone('intel-rapl:0', 'package-0', 999_000_000);
    zone('intel-rapl:1', 'package-1', 10_000_000);
    zone('intel-rapl:0:0', 'core', 5_000_000);
    const probe = new HostProbe({ sys: path.join(root, 'sys'), linux: true });
    expect(probe.packagePower(10_000)).toBeNull(); // first reading: nothing to compare with yet
    zone('intel-rapl:0', 'package-0', 44_000_000); // wrapped: +45 J
    zone('intel-rapl:1', 'package-1', 40_000_000); // +30 J
    zone('intel-rapl:0:0', 'core', 900_000_000);
    expect(probe.packagePower(11_000)).toBe(75);
  });

  it('is null when the counters are unreadable', () => {
    write('sys/class/powercap/intel-rapl:0/name', 'package-0\n');
    fs.mkdirSync(path.join(root, 'sys/class/powercap/intel-rapl:0/energy_uj'), { recursive: true }); // reading a directory fails like EACCES
    const probe = new HostProbe({ sys: path.join(root, 'sys'), linux: true });
    expect(probe.packagePower(1000)).toBeNull();
    expect(probe.packagePower(2000)).toBeNull();
  });
});

describe('network (/proc/net/dev)', () => {
  it('counts real interfaces only and gives bytes per second between ticks', () => {
    expect(parseNetDev(NET_DEV([1000, 500], [77, 88]))).toEqual({ rx: 1000, tx: 500 });
    write('proc/net/dev', NET_DEV([1_000_000, 200_000], [5, 5]));
    const probe = new HostProbe({ sys: path.join(root, 'sys'), proc: path.join(root, 'proc'), linux: true });
    expect(probe.network(1000)).toEqual({ rxBytesPerSec: null, txBytesPerSec: null, rxTotalBytes: 1_000_000, txTotalBytes: 200_000 });
    write('proc/net/dev', NET_DEV([3_000_000, 250_000], [999_999, 999_999]));
    expect(probe.network(3000)).toEqual({ rxBytesPerSec: 1_000_000, txBytesPerSec: 25_000, rxTotalBytes: 3_000_000, txTotalBytes: 250_000 });
    write('proc/net/dev', NET_DEV([10, 10], [0, 0])); // counters reset: no rate rather than a negative one
    expect(probe.network(4000)).toMatchObject({ rxBytesPerSec: null, txBytesPerSec: null, rxTotalBytes: 10 });
  });

  it('says nothing it cannot know off Linux', () => {
    expect(new HostProbe({ linux: false }).network()).toEqual({ rxBytesPerSec: null, txBytesPerSec: null, rxTotalBytes: null, txTotalBytes: null });
    expect(new HostProbe({ linux: false }).cpuTemperature()).toBeNull();
  });
});

describe('CPU utilization (/proc/stat)', () => {
  // This machine's /proc/stat (kernel 6.18, 2 CPUs) with user and idle set; between the two reads
  // 25 ticks busy, 75 idle and 10 in I/O wait.
  const STAT = (user: number, idle: number) =>
    `cpu  ${user} 0 8465 ${idle} 550 0 350 0 0 0\ncpu0 5692 0 3522 79837 45 0 140 0 0 0\ncpu1 8606 0 4943 75002 505 0 209 0 0 0\n`;

  it('is the busy share of the ticks since the last call, I/O wait left out as os.cpus() does', () => {
    write('proc/stat', STAT(50_000, 900_000));
    const probe = new HostProbe({ sys: path.join(root, 'sys'), proc: path.join(root, 'proc'), linux: true });
    write('proc/stat', STAT(50_025, 900_075).replace(' 550 ', ' 560 '));
    expect(probe.cpuUtilization()).toBe(25);
    expect(probe.cpuUtilization()).toBeNull(); // no tick since: nothing to say
  });
});

describe('kernel files kept open', () => {
  it('reads the file anew at each call, whole however long, and opens it again once it is back', () => {
    const file = path.join(root, 'proc', 'stat');
    write('proc/stat', 'cpu  1 0 1 1 0 0\n');
    const kept = new KernelFile(file);
    expect(kept.read()).toBe('cpu  1 0 1 1 0 0\n');
    const long = `cpu  2 0 2 2 0 0\n${'cpu7 1 2 3 4 5 6 7 0 0 0\n'.repeat(2000)}`; // 50 KB: 128 CPUs and more
    write('proc/stat', long);
    expect(kept.read()).toBe(long);
    fs.rmSync(file);
    expect(kept.read()).toBe(long); // the open file still reads after its name is gone
    kept.close();
    expect(kept.read()).toBeNull(); // gone: said, not thrown
    write('proc/stat', 'cpu  3 0 3 3 0 0\n');
    expect(kept.read()).toBe('cpu  3 0 3 3 0 0\n');
    kept.close();
  });

  it('this machine’s /proc/stat moves between two reads of one open file', async () => {
    if (process.platform !== 'linux') return;
    const kept = new KernelFile('/proc/stat');
    const first = kept.read();
    await new Promise((r) => setTimeout(r, 50));
    const busy = Date.now() + 30;
    while (Date.now() < busy); // ticks to count
    expect(first).toMatch(/^cpu\s/);
    expect(kept.read()).not.toBe(first);
    kept.close();
  });
});

describe('memory (/proc/meminfo)', () => {
  it('used is the total less what the kernel says is available, from one read', () => {
    // This machine's first lines.
    write('proc/meminfo', 'MemTotal:       24683748 kB\nMemFree:        24196196 kB\nMemAvailable:   24291364 kB\nBuffers:            4388 kB\n');
    const probe = new HostProbe({ sys: path.join(root, 'sys'), proc: path.join(root, 'proc'), linux: true });
    expect(probe.memory()).toEqual({ totalBytes: 24683748 * 1024, usedBytes: (24683748 - 24291364) * 1024 });
    probe.close();
  });
});
