import { describe, expect, it } from 'vitest';
import type { TelemetryFrame } from '../../preload/contract/index.ts';
import { ProbeWatch } from './probe-watch.ts';

const frame = (t: number, detail: string) => ({ t, health: [{ probe: 'nvidia-smi', state: 'degraded', detail }] }) as unknown as TelemetryFrame;

describe('probe watch', () => {
  it('names a probe degraded for a while, in words that do not change every second', () => {
    const watch = new ProbeWatch(3000);
    expect(watch.observe(frame(0, 'No GPU readings from nvidia-smi for 1 s.'))).toBeNull();
    const at4 = watch.observe(frame(4000, 'No GPU readings from nvidia-smi for 5 s.'));
    const at5 = watch.observe(frame(5000, 'No GPU readings from nvidia-smi for 6 s.'));
    expect(at4).toBe('GPU probe failed: No GPU readings from nvidia-smi.');
    expect(at5).toBe(at4); // the same status: no event per tick
    expect(watch.observe({ t: 6000, health: [{ probe: 'nvidia-smi', state: 'ok', detail: '' }] } as unknown as TelemetryFrame)).toBeNull();
  });
});
