// The PCIe line of GPU health: the link as it runs, and the card's best where it runs below it.
import { describe, expect, it } from 'vitest';
import type { GpuSample } from '../../preload/contract/index.ts';
import { pcieWords } from './GpuHealth';

const health = (pcie: Partial<NonNullable<GpuSample['health']>['pcie']>) =>
  ({ pcie: { generation: null, maxGeneration: null, width: null, maxWidth: null, replays: null, ...pcie } }) as NonNullable<GpuSample['health']>;

describe('pcieWords', () => {
  it('says the link, and the best the card can run where it runs below it', () => {
    expect(pcieWords({ generation: 5, width: 16 }, health({ generation: 5, maxGeneration: 5, width: 16, maxWidth: 16 }))).toBe('Gen 5 x16');
    expect(pcieWords({ generation: 1, width: 16 }, health({ generation: 1, maxGeneration: 3, width: 16, maxWidth: 16 }))).toBe(
      'Gen 1 x16 now; up to Gen 3 x16 (an idle card slows its link to save power)',
    );
    expect(pcieWords({ generation: 4, width: 8 }, null)).toBe('Gen 4 x8');
    expect(pcieWords({ generation: null, width: null }, null)).toBe('–');
  });
});
