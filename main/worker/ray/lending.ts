// What the owner lends (Settings' lending group) applied to hires: the GPUs the network sees, the
// Ray node's resources, a container's --cpus/--memory/--gpus, and the hire runner built with them.
import os from 'node:os';
import path from 'node:path';
import type { Inventory, LendingSettings } from '../../../preload/contract/index.ts';
import { HireRunner } from '../hires.ts';
import { parsePortRange } from './node.ts';
import { RayNodes } from './service.ts';

export const NO_CAPS: LendingSettings = { gpus: null, cpuCores: null, memoryGiB: null, diskGiB: null, vramGiB: null, rayPorts: '20000-20199', rayPath: null };

/** The inventory as the network sees it: only the lent GPUs (it scores and hires only those). */
export function lentInventory(inventory: Inventory, lending: LendingSettings): Inventory {
  return lending.gpus === null ? inventory : { ...inventory, gpus: inventory.gpus.filter((g) => lending.gpus!.includes(g.index)) };
}

/** A container's limits: the machine within the caps, a gigabyte kept back when memory is uncapped. */
export function containerLimits(lending: LendingSettings, machineGpus: number[]): { cpus: number; memoryBytes: number; gpus: number[] } {
  const cpus = Math.min(os.availableParallelism(), lending.cpuCores ?? Infinity);
  const memoryBytes = Math.max(512 * 1024 ** 2, Math.min(os.totalmem() - 1024 ** 3, (lending.memoryGiB ?? Infinity) * 1024 ** 3));
  const gpus = lending.gpus === null ? machineGpus : machineGpus.filter((g) => lending.gpus!.includes(g));
  return { cpus, memoryBytes: Math.floor(memoryBytes), gpus };
}

export interface LendingRunnerOptions {
  dataDir: string | null;
  deviceId: string;
  lending: () => LendingSettings;
  inventory: () => Promise<Inventory>;
  log?: (message: string) => void;
}

/** The worker's hire runner, its Ray node and containers bounded by what the owner lends. */
export function createHireRunner(o: LendingRunnerOptions): HireRunner {
  const gpus = async () => (await o.inventory()).gpus.map((g) => g.index);
  let machineGpus: number[] = [];
  void gpus().then((found) => { machineGpus = found; }, () => {});
  const lending = () => o.lending() ?? NO_CAPS;
  return new HireRunner({
    logDir: o.dataDir ? path.join(o.dataDir, 'hires') : path.join(os.tmpdir(), 'io-worker-hires'),
    deviceId: o.deviceId,
    containerLimits: () => containerLimits(lending(), machineGpus),
    ray: new RayNodes({
      deviceId: o.deviceId,
      userRay: () => lending().rayPath,
      ports: () => safePorts(lending().rayPorts),
      caps: () => lending(),
      gpus,
      log: o.log,
    }),
  });
}

function safePorts(text: string) {
  try {
    return parsePortRange(text);
  } catch {
    return undefined;
  }
}
