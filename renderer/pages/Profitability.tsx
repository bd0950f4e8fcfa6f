// Profitability: the machine's measured power times your electricity price, against what it earns
// (measured from the ledger, and the network's last block as an estimate) at the coin price you enter.
import { useEffect, useMemo, useState } from 'react';
import type { HistorySeries, NetworkStatus, RewardsSummary, UptimeBar } from '../../preload/contract/index.ts';
import { api } from '../api';
import { BarChart } from '../components/BarChart';
import { useApp } from '../store/app';
import { profitability, weightedAverage, type ProfitPeriod } from '../profitability';
import { telemetry } from '../store/telemetry';
import { coins, localTimeZone } from '../format';
import { duration } from '../components/UptimeBar';

const DAY = 86_400_000;

interface Measured {
  /** Average draw over the last 24 h (GPUs, plus CPU package where read); null: no readings. */
  averagePowerW: number | null;
  samples: number;
  /** Coins per online hour over the last 7 days (block rewards and hire payments). */
  coinsPerHour: number | null;
  /** The online hours those coins came from: how much data backs the figure. */
  onlineHours: number;
  /** Per local day for the chart: energy in kWh. */
  dailyKWh: Map<string, number>;
  summary: RewardsSummary | null;
  network: NetworkStatus | null;
}

const localDay = (t: number, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);

async function measure(gpuIndexes: number[]): Promise<Measured> {
  const timeZone = localTimeZone();
  const now = Date.now();
  const devices = [...gpuIndexes.map((i) => ({ device: `gpu${i}`, metric: 'powerW' as const })), { device: 'host', metric: 'cpuPowerW' as const }];
  const safe = <T,>(p: Promise<T>) => p.catch(() => null);
  const [recent, month, summary, uptime, network] = await Promise.all([
    Promise.all(devices.map((d) => safe(api.request('history.telemetry', { ...d, range: { from: now - DAY, to: now }, resolution: '1m' })))),
    Promise.all(devices.map((d) => safe(api.request('history.telemetry', { ...d, range: { from: now - 30 * DAY, to: now }, resolution: '1h' })))),
    safe(api.request('rewards.summary', { days: 30, timeZone })),
    safe(api.request('uptime.bar', { days: 7, timeZone })),
    safe(api.request('worker.eligibility', {})),
  ]);
  let averagePowerW: number | null = null;
  let samples = 0;
  for (const series of recent.filter((s): s is HistorySeries => s !== null)) {
    const avg = weightedAverage(series.points);
    if (avg === null) continue;
    averagePowerW = (averagePowerW ?? 0) + avg;
    samples += series.points.reduce((n, p) => n + p.n, 0);
  }
  const dailyKWh = new Map<string, number>();
  for (const series of month.filter((s): s is HistorySeries => s !== null)) {
    for (const p of series.points) {
      const day = localDay(p.t, timeZone);
      dailyKWh.set(day, (dailyKWh.get(day) ?? 0) + (p.avg * Math.min(p.n, 3600)) / 3600 / 1000);
    }
  }
  const onlineHours = (uptime as UptimeBar | null)?.buckets.reduce((h, b) => h + b.onlineSeconds / 3600, 0) ?? 0;
  const week = summary?.daily.slice(-7) ?? [];
  const earnedWeek = week.reduce((sum, d) => sum + d.earned + d.jobEarned, 0);
  return {
    averagePowerW,
    samples,
    coinsPerHour: summary && onlineHours > 0.05 ? earnedWeek / onlineHours : null,
    onlineHours,
    dailyKWh,
    summary,
    network,
  };
}

export function Profitability() {
  const settings = useApp((s) => s.settings);
  const save = useApp((s) => s.saveSettings);
  const inventory = useApp((s) => s.inventory);
  const [measured, setMeasured] = useState<Measured | null>(null);
  const [coinInput, setCoinInput] = useState<string>('');
  const [coinError, setCoinError] = useState<string | null>(null);
  const gpuIndexes = useMemo(() => inventory?.gpus.map((g) => g.index) ?? [], [inventory]);

  useEffect(() => {
    let live = true;
    const load = () => void measure(gpuIndexes).then((m) => live && setMeasured(m));
    load();
    const timer = setInterval(load, 60_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [gpuIndexes]);
  useEffect(() => setCoinInput(settings?.energy.coinPrice?.toString() ?? ''), [settings?.energy.coinPrice]);

  if (!settings) return <div className="page"><h1>Profitability</h1><p className="muted">Loading…</p></div>;
  const { pricePerKWh, currency, coinPrice } = settings.energy;
  const money = (v: number | null) => (v === null ? '–' : new Intl.NumberFormat(undefined, { style: 'currency', currency, maximumFractionDigits: Math.abs(v) < 1 ? 4 : 2 }).format(v));

  // Before 24 h of history exist, the live draw stands in for the average.
  const latest = telemetry.latest();
  const livePower = latest ? latest.gpus.reduce((w, g) => w + (g.powerW ?? 0), 0) + (latest.cpu.packagePowerW ?? 0) : null;
  const averagePowerW = measured?.averagePowerW ?? (livePower && livePower > 0 ? livePower : null);
  const lastBlock = measured?.network?.lastBlock ?? null;
  const blockSeconds = measured?.network?.blockSeconds ?? null;
  // The last block's reward over the network's real block length (not "blocks are hourly").
  const estimatedPerHour = lastBlock && lastBlock.status === 'Completed' && blockSeconds ? (lastBlock.reward * 3600) / blockSeconds : null;
  // A period is projected only from enough data: at least a twenty-fourth of it (an hour needs 2.5 min).
  const backingHours = measured?.onlineHours ?? 0;
  const projected = (hours: number) => backingHours * 24 >= hours;
  const actual = averagePowerW !== null ? profitability({ averagePowerW, pricePerKWh, coinsPerHour: measured?.coinsPerHour ?? 0, coinPrice }) : null;
  const estimated = averagePowerW !== null && estimatedPerHour !== null ? profitability({ averagePowerW, pricePerKWh, coinsPerHour: estimatedPerHour, coinPrice }) : null;

  const days = measured?.summary?.daily ?? [];
  const labels = days.map((d) => d.date.slice(5));
  const costs = days.map((d) => (measured?.dailyKWh.get(d.date) ?? 0) * pricePerKWh);
  const revenue = days.map((d) => (coinPrice === null ? null : (d.earned + d.jobEarned) * coinPrice));

  const saveCoinPrice = () => {
    const value = coinInput.trim() === '' ? null : Number(coinInput);
    if (value !== null && (!Number.isFinite(value) || value < 0)) {
      setCoinError(`Coin price: a number of 0 or more, in ${currency} (or empty for unknown).`);
      return;
    }
    setCoinError(null);
    void save({ energy: { coinPrice: value } });
  };

  return (
    <div className="page">
      <h1>Profitability</h1>
      <div className="grid">
        <section className="card" aria-labelledby="inputs-title">
          <h2 id="inputs-title">What goes in</h2>
          <dl className="facts">
            <dt>Average power</dt>
            <dd data-testid="avg-power">
              {averagePowerW === null ? 'No power readings yet' : `${averagePowerW.toFixed(0)} W`}
              <span className="muted small">
                {' '}
                {measured?.averagePowerW != null ? `measured over the last 24 h (${measured.samples.toLocaleString()} samples)` : averagePowerW !== null ? 'live draw (history still filling)' : ''}
              </span>
            </dd>
            <dt>Electricity</dt>
            <dd>
              {money(pricePerKWh)} per kWh <a href="#/settings">change</a>
            </dd>
            <dt>Earnings per online hour</dt>
            <dd data-testid="coins-per-hour">
              {measured?.coinsPerHour != null ? `${coins(measured.coinsPerHour)} per hour` : 'nothing earned yet'}
              {measured?.coinsPerHour != null ? <span className="muted small"> from {backing(backingHours)} online in the last 7 days</span> : null}
            </dd>
            <dt>Estimate</dt>
            <dd data-testid="estimate">
              {estimatedPerHour !== null && lastBlock && blockSeconds
                ? `${coins(estimatedPerHour)} per hour (the last block paid ${coins(lastBlock.reward)}; blocks last ${duration(blockSeconds)})`
                : 'no completed block yet'}
            </dd>
          </dl>
          <div className="field">
            <label htmlFor="coin-price">Coin price in {currency}</label>
            <div className="inline-form">
              <input id="coin-price" type="number" min="0" step="0.0001" value={coinInput} onChange={(e) => setCoinInput(e.target.value)} placeholder="e.g. 1.85" />
              <button type="button" onClick={saveCoinPrice}>
                Use this price
              </button>
            </div>
            {coinError ? <p className="error" role="alert" data-testid="coin-price-error">{coinError}</p> : null}
          </div>
        </section>
        <section className="card" aria-labelledby="result-title">
          <h2 id="result-title">What comes out</h2>
          {actual ? (
            <div className="table-fit">
            <table data-testid="profit-table">
              <thead>
                <tr>
                  <th scope="col">Per</th>
                  <th scope="col">Energy</th>
                  <th scope="col">Power cost</th>
                  <th scope="col">Earned (actual)</th>
                  <th scope="col">Profit (actual)</th>
                  <th scope="col">Profit (estimate)</th>
                </tr>
              </thead>
              <tbody>
                {(['hour', 'day', 'month'] as const).map((p) => (
                  <Row key={p} label={p} period={actual[p]} estimate={estimated?.[p] ?? null} money={money} projected={projected(actual[p].hours)} backing={backingHours} />
                ))}
              </tbody>
            </table>
            </div>
          ) : (
            <p className="muted">Power readings are needed: they come from the GPU probes (nvidia-smi, amd-smi or rocm-smi) or the CPU’s RAPL counters.</p>
          )}
          <p className="break-even" data-testid="break-even">
            Break-even coin price:{' '}
            <strong>{actual?.breakEvenCoinPrice != null ? money(actual.breakEvenCoinPrice) : estimated?.breakEvenCoinPrice != null ? `${money(estimated.breakEvenCoinPrice)} (from the estimate)` : '– (nothing earned yet)'}</strong>
            {coinPrice !== null && (actual?.breakEvenCoinPrice ?? estimated?.breakEvenCoinPrice) != null ? (
              <span className="muted">
                {' '}
                · at {money(coinPrice)} the power {coinPrice >= (actual?.breakEvenCoinPrice ?? estimated!.breakEvenCoinPrice!) ? 'is paid for' : 'costs more than the rewards bring'}
              </span>
            ) : null}
            {coinPrice === null ? <span className="muted"> · enter a coin price to see revenue and profit</span> : null}
          </p>
        </section>
      </div>
      <section className="card section-gap" aria-labelledby="daily-title">
        <h2 id="daily-title">Power cost and revenue per day</h2>
        {days.length ? (
          <BarChart
            labels={labels}
            series={[
              { label: 'Power cost', color: '#f97316', data: costs },
              { label: 'Revenue', color: '#10b981', data: revenue },
            ]}
            format={(v) => money(v)}
            ariaLabel="Power cost and revenue per day, last 30 days"
          />
        ) : (
          <p className="muted">No history yet: the chart fills in as the worker runs.</p>
        )}
      </section>
    </div>
  );
}

/** "3 min", "5.2 h": how much online time backs a figure. */
const backing = (hours: number) => (hours < 1 ? `${Math.max(1, Math.round(hours * 60))} min` : `${hours.toFixed(1)} h`);

function Row({ label, period, estimate, money, projected, backing: hours }: {
  label: string; period: ProfitPeriod; estimate: ProfitPeriod | null; money: (v: number | null) => string; projected: boolean; backing: number;
}) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td>{period.energyKWh.toFixed(label === 'hour' ? 3 : 1)} kWh</td>
      <td>{money(period.cost)}</td>
      {projected ? (
        <>
          <td>
            {coins(period.coins)}
            {period.revenue !== null ? ` · ${money(period.revenue)}` : ''}
          </td>
          <td className={period.profit !== null && period.profit < 0 ? 'error' : undefined}>{money(period.profit)}</td>
        </>
      ) : (
        // Minutes of earnings do not make a month: said, not extrapolated.
        <td colSpan={2} className="muted small">not projected from {backing(hours)} of earnings</td>
      )}
      <td>{money(estimate?.profit ?? null)}</td>
    </tr>
  );
}
