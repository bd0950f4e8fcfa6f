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
    expect(createProbes({ PATH: '/nonexistent' }, 'win32')).toEqual({ gpuSamplers: [], gpuInventorySources: [], capabilities: [] });
    const mac = createProbes({ PATH: '/nonexistent' }, 'darwin');
    expect(mac.gpuSamplers[0].latest().health).toMatchObject({ probe: 'apple', state: 'absent' });
    expect(mac.capabilities.map((c) => [c.tool, c.can.length])).toEqual([['apple-inventory', 0]]);
  });

  it('names the capabilities of the tool it uses', () => {
    const probes = createProbes({ IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI, PATH: '' }, 'linux');
    expect(probes.capabilities[0]).toMatchObject({ tool: 'nvidia-smi', cannot: [{ reading: 'hotspot', why: 'nvidia-smi does not report the hotspot temperature' }] });
  });
});
