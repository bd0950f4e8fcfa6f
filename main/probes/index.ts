// The probes this machine has: the GPU samplers and inventory sources handed to the core.
import { RocmSmiInventory, RocmSmiSampler, findRocmSmi } from './amd.ts';
import type { GpuInventorySource } from './inventory.ts';
import { NvidiaSmiInventory, NvidiaSmiSampler, findNvidiaSmi } from './nvidia-smi.ts';
import type { GpuSampler } from './sampler.ts';

export { FaultMonitor, type FaultLimits } from './faults.ts';

export interface Probes {
  gpuSamplers: GpuSampler[];
  gpuInventorySources: GpuInventorySource[];
}

/** Says once per frame why a platform's GPU cannot be read live, instead of showing nothing. */
class UnreadableGpu implements GpuSampler {
  readonly name: string;
  readonly #detail: string;
  constructor(name: string, detail: string) {
    this.name = name;
    this.#detail = detail;
  }
  start(): void {}
  stop(): void {}
  latest() {
    return { gpus: [], health: { probe: this.name, state: 'absent' as const, detail: this.#detail } };
  }
}

/** Vendor tools found on this machine (IO_WORKER_NVIDIA_SMI / IO_WORKER_ROCM_SMI override the search). */
export function createProbes(env: NodeJS.ProcessEnv = process.env, platform = process.platform): Probes {
  const probes: Probes = { gpuSamplers: [], gpuInventorySources: [] };
  const nvidiaSmi = findNvidiaSmi(env, platform);
  if (nvidiaSmi) {
    probes.gpuSamplers.push(new NvidiaSmiSampler({ executable: nvidiaSmi }));
    probes.gpuInventorySources.push(new NvidiaSmiInventory(nvidiaSmi));
  }
  const rocmSmi = platform === 'linux' ? findRocmSmi(env) : null;
  if (rocmSmi) {
    probes.gpuSamplers.push(new RocmSmiSampler(rocmSmi));
    probes.gpuInventorySources.push(new RocmSmiInventory(rocmSmi));
  }
  if (platform === 'darwin') {
    // The model and memory still come from systeminformation's inventory.
    probes.gpuSamplers.push(
      new UnreadableGpu('apple', 'Live Apple GPU readings need powermetrics, which runs only as root; IO Worker does not ask for root.'),
    );
  }
  return probes;
}
