// A bar chart's text alternative: the latest day's values and each series' total, in the chart's own format.
import { describe, expect, it } from 'vitest';
import { barChartText } from './BarChart';

describe('barChartText', () => {
  it('reads the latest day and the totals, saying where a value was not estimated', () => {
    const series = [
      { label: 'Passed', color: '#0f0', data: [3, 4, null] },
      { label: 'Failed', color: '#f00', data: [1, 0, 2] },
    ];
    expect(barChartText(['Dec 3', 'Dec 4', 'Dec 5'], series, (v) => `${v} blocks`)).toBe(
      'Dec 5: Passed not estimated, Failed 2 blocks. Over the 3 days shown: Passed 7 blocks, Failed 3 blocks.',
    );
    expect(barChartText([], series, String)).toBe('No days to show yet.');
  });
});
