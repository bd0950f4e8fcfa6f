// The probes this machine has: the GPU samplers and inventory sources handed to the core.
import type { GpuInventorySource } from './inventory.ts';
import type { GpuSampler } from './sampler.ts';

export interface Probes {
  gpuSamplers: GpuSampler[];
  gpuInventorySources: GpuInventorySource[];
}

export function createProbes(): Probes {
  return { gpuSamplers: [], gpuInventorySources: [] };
}
