// Profitability arithmetic, kept pure so it is tested apart from the page: what the machine's
// measured power costs, against what it earns at the coin price the user enters.

export interface ProfitInputs {
  /** Measured average draw of the machine's GPUs (and CPU package where read), in watts. */
  averagePowerW: number;
  pricePerKWh: number;
  /** Coins earned per hour: measured from the ledger, or the network's estimate. */
  coinsPerHour: number;
  /** The user's coin price, in the same currency as the electricity price; null: unknown. */
  coinPrice: number | null;
}

export interface ProfitPeriod {
  hours: number;
  coins: number;
  energyKWh: number;
  cost: number;
  revenue: number | null;
  profit: number | null;
}

export interface ProfitReport {
  hour: ProfitPeriod;
  day: ProfitPeriod;
  month: ProfitPeriod;
  /** The coin price at which rewards exactly pay for the power; null when nothing is earned. */
  breakEvenCoinPrice: number | null;
}

const HOURS_PER_MONTH = (365.25 * 24) / 12;

function period(hours: number, inputs: ProfitInputs): ProfitPeriod {
  const energyKWh = (inputs.averagePowerW / 1000) * hours;
  const cost = energyKWh * inputs.pricePerKWh;
  const coins = inputs.coinsPerHour * hours;
  const revenue = inputs.coinPrice === null ? null : coins * inputs.coinPrice;
  return { hours, coins, energyKWh, cost, revenue, profit: revenue === null ? null : revenue - cost };
}

export function profitability(inputs: ProfitInputs): ProfitReport {
  const hour = period(1, inputs);
  return {
    hour,
    day: period(24, inputs),
    month: period(HOURS_PER_MONTH, inputs),
    breakEvenCoinPrice: inputs.coinsPerHour > 0 ? hour.cost / inputs.coinsPerHour : null,
  };
}

/** Weighted mean of bucket averages (each bucket holds n samples). */
export function weightedAverage(points: { n: number; avg: number }[]): number | null {
  let sum = 0;
  let n = 0;
  for (const p of points) {
    sum += p.avg * p.n;
    n += p.n;
  }
  return n ? sum / n : null;
}
