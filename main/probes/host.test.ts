import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostProbe, findCpuTemperatureFile, parseNetDev } from './host.ts';

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
