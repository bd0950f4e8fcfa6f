import { describe, expect, it } from 'vitest';
import { formatIO, formatIOChange } from './amounts.ts';

describe('one amount format', () => {
  it('groups thousands and keeps precision by size, always in IO', () => {
    expect(formatIO(9845.8234, 'en-US')).toBe('9,845.82 IO');
    expect(formatIO(154.18, 'en-US')).toBe('154.18 IO');
    expect(formatIO(12.3456, 'en-US')).toBe('12.346 IO');
    expect(formatIO(0.012345, 'en-US')).toBe('0.0123 IO');
    expect(formatIO(0, 'en-US')).toBe('0 IO');
    expect(formatIO(0.00001, 'en-US')).toBe('< 0.0001 IO');
    expect(formatIO(null)).toBe('–');
    expect(formatIO(Number.NaN)).toBe('–');
    expect(formatIOChange(1.5, 'en-US')).toBe('+1.50 IO');
    expect(formatIOChange(-0.25, 'en-US')).toBe('−0.25 IO');
  });
});
