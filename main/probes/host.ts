// Host telemetry that costs next to nothing per tick: CPU from os.cpus() tick deltas, memory from
// the kernel's own counters. No child processes, no systeminformation on the 1 Hz path.
import os from 'node:os';
import type { TelemetryFrame } from '../../preload/contract.ts';

interface CpuTicks {
  idle: number;
  total: number;
}

function readTicks(): CpuTicks {
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

export class HostProbe {
  #last: CpuTicks = readTicks();

  /** CPU utilization since the previous call, in percent of all logical CPUs. */
  cpuUtilization(): number | null {
    const now = readTicks();
    const total = now.total - this.#last.total;
    const idle = now.idle - this.#last.idle;
    this.#last = now;
    if (total <= 0) return null;
    return Math.round(Math.min(100, Math.max(0, (1 - idle / total) * 100)) * 10) / 10;
  }

  memory(): TelemetryFrame['memory'] {
    const totalBytes = os.totalmem();
    return { totalBytes, usedBytes: totalBytes - os.freemem() };
  }
}
