// The probes this machine has: the GPU samplers and inventory sources handed to the core.
import { AmdSmiInventory, AmdSmiSampler, findAmdSmi } from './amd-smi.ts';
import { RocmSmiInventory, RocmSmiSampler, findRocmSmi } from './amd.ts';
import type { GpuCapabilities } from '../../preload/contract/index.ts';
import { capabilitiesFor } from './gpu-capabilities.ts';
import type { GpuInventorySource } from './inventory.ts';
import { NvidiaSmiInventory, NvidiaSmiSampler, findNvidiaSmi } from './nvidia-smi.ts';
import type { GpuSampler } from './sampler.ts';

export { FaultMonitor, type FaultLimits } from './faults.ts';

export interface Probes {
  gpuSamplers: GpuSampler[];
  gpuInventorySources: GpuInventorySource[];
  /** What each GPU tool in use can and cannot show (for empty states and Device details). */
  capabilities: GpuCapabilities[];
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

/** Vendor tools found on this machine (IO_WORKER_NVIDIA_SMI / IO_WORKER_AMD_SMI / IO_WORKER_ROCM_SMI override the search). */
export function createProbes(env: NodeJS.ProcessEnv = process.env, platform = process.platform): Probes {
  const probes: Probes = { gpuSamplers: [], gpuInventorySources: [], capabilities: [] };
  const nvidiaSmi = findNvidiaSmi(env, platform);
  if (nvidiaSmi) {
    probes.gpuSamplers.push(new NvidiaSmiSampler({ executable: nvidiaSmi, extras: {} }));
    probes.gpuInventorySources.push(new NvidiaSmiInventory(nvidiaSmi));
    probes.capabilities.push(capabilitiesFor('nvidia-smi'));
  }
  // amd-smi (ROCm 6+) first; rocm-smi only where amd-smi is not installed.
  const amdSmi = platform === 'linux' ? findAmdSmi(env) : null;
  const rocmSmi = platform === 'linux' && !amdSmi ? findRocmSmi(env) : null;
  if (amdSmi) {
    probes.gpuSamplers.push(new AmdSmiSampler(amdSmi));
    probes.gpuInventorySources.push(new AmdSmiInventory(amdSmi));
    probes.capabilities.push(capabilitiesFor('amd-smi'));
  }
  if (rocmSmi) {
    probes.gpuSamplers.push(new RocmSmiSampler(rocmSmi));
    probes.gpuInventorySources.push(new RocmSmiInventory(rocmSmi));
    probes.capabilities.push(capabilitiesFor('rocm-smi'));
  }
  if (platform === 'darwin') {
    probes.capabilities.push(capabilitiesFor('apple-inventory'));
    // The model and memory still come from systeminformation's inventory.
    probes.gpuSamplers.push(
      new UnreadableGpu('apple', 'Live Apple GPU readings need powermetrics, which runs only as root; IO Worker does not ask for root.'),
    );
  }
  return probes;
}
