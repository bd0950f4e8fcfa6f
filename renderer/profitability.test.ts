import { describe, expect, it } from 'vitest';
import { profitability, weightedAverage } from './profitability';

describe('profitability', () => {
  it('prices the measured power and the rewards per hour, day and month', () => {
    // An H200 at 600 W, 0.20 per kWh, earning 0.5 coin/h at 1.5 per coin.
    const r = profitability({ averagePowerW: 600, pricePerKWh: 0.2, coinsPerHour: 0.5, coinPrice: 1.5 });
    expect(r.hour.energyKWh).toBeCloseTo(0.6);
    expect(r.hour.cost).toBeCloseTo(0.12);
    expect(r.hour.revenue).toBeCloseTo(0.75);
    expect(r.hour.profit).toBeCloseTo(0.63);
    expect(r.day.profit).toBeCloseTo(0.63 * 24);
    expect(r.month.hours).toBeCloseTo(730.5);
    expect(r.breakEvenCoinPrice).toBeCloseTo(0.24);
  });

  it('has no revenue without a coin price, and no break-even without rewards', () => {
    const r = profitability({ averagePowerW: 300, pricePerKWh: 0.3, coinsPerHour: 0, coinPrice: null });
    expect(r.day.revenue).toBeNull();
    expect(r.day.cost).toBeCloseTo(2.16);
    expect(r.breakEvenCoinPrice).toBeNull();
  });

  it('weights bucket averages by their sample counts', () => {
    expect(weightedAverage([{ n: 60, avg: 100 }, { n: 20, avg: 500 }])).toBe(200);
    expect(weightedAverage([])).toBeNull();
  });
});
