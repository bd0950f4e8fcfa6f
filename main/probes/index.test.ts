import { describe, expect, it } from 'vitest';
import { createProbes } from './index.ts';
import { FAKE_NVIDIA_SMI } from './testing/captures.ts';

describe('createProbes', () => {
  it('uses the nvidia-smi named by IO_WORKER_NVIDIA_SMI', () => {
    const probes = createProbes({ IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI, PATH: '' }, 'linux');
    expect(probes.gpuSamplers.map((s) => s.name)).toEqual(['nvidia-smi']);
    expect(probes.gpuInventorySources).toHaveLength(1);
  });

  it('has no GPU probes where no vendor tool is found, and says why on a Mac', () => {
    expect(createProbes({ PATH: '/nonexistent' }, 'win32')).toEqual({ gpuSamplers: [], gpuInventorySources: [] });
    const mac = createProbes({ PATH: '/nonexistent' }, 'darwin');
    expect(mac.gpuSamplers[0].latest().health).toMatchObject({ probe: 'apple', state: 'absent' });
  });
});
