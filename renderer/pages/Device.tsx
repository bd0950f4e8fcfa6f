// Device details: specs, live and stored charts (15 min, 24 h, 7 d), the 30-day uptime bar and the
// figures a supplier checks: uptime, streak, traffic, connectivity, security.
import { useEffect, useMemo, useState } from 'react';
import type { GpuInventory, TelemetryFrame, TelemetryMetric, UptimeBar as UptimeBarData } from '../../preload/contract/index.ts';
import { WORKER_STATE_WORDS } from '../../preload/contract/words.ts';
import { api } from '../api';
import { LastBlockLine } from '../components/BlockLink';
import { DeviceTabs } from '../components/DeviceTabs';
import { GpuHealth } from '../components/GpuHealth';
import { Segmented } from '../components/Segmented';
import { TimeChart, type HistoryLine, type Limit, type Series } from '../components/TimeChart';
import { limitLines } from '../components/chart-stats';
import { UptimeBar } from '../components/UptimeBar';
import { usePoll } from '../components/usePoll';
import { Ticking } from '../components/useNow';
import { bytes, clockDuration, clockTime, localTimeZone, mib, rate } from '../format';
import { streakSeconds, useNetwork, useNetworkTraffic } from '../store/network';
import { useApp } from '../store/app';
import { telemetry } from '../store/telemetry';

const PALETTE = ['#3b82f6', '#f97316', '#10b981', '#a855f7', '#ef4444', '#eab308', '#06b6d4', '#ec4899'];
const RANGES = [
  { id: '15m', label: '15 min', seconds: 900 },
  { id: '24h', label: '24 h', seconds: 86_400 },
  { id: '7d', label: '7 d', seconds: 7 * 86_400 },
] as const;
type RangeId = (typeof RANGES)[number]['id'];

interface ChartSpec {
  title: string;
  /** The contract field whose `unavailable` reason explains an empty chart. */
  field?: string;
  unit: string;
  yMax?: number;
  /** How a value reads, where the number and unit do not say it well. */
  format?: (value: number) => string;
  live: Series[];
  history: HistoryLine[];
  /** Which limit stays drawn on every range. */
  limit?: 'power' | 'temperature';
}

type GpuField = 'temperatureC' | 'hotspotC' | 'memoryTemperatureC' | 'powerW' | 'utilizationPct' | 'vramUsedMiB' | 'fanPct';
const gpuPick = (index: number, field: GpuField) => (f: TelemetryFrame) => f.gpus.find((g) => g.index === index)?.[field] ?? null;
const clockPick = (index: number, which: 'graphics' | 'memory') => (f: TelemetryFrame) =>
  f.gpus.find((g) => g.index === index)?.clocksMHz[which] ?? null;

function gpuLines(gpus: GpuInventory[], field: GpuField, metric: TelemetryMetric, suffix = '', showMax = false): { live: Series[]; history: HistoryLine[] } {
  const live: Series[] = [];
  const history: HistoryLine[] = [];
  gpus.forEach((gpu, i) => {
    const label = `GPU ${gpu.index}${suffix}`;
    const color = PALETTE[i % PALETTE.length]!;
    live.push({ label, color, pick: gpuPick(gpu.index, field) });
    history.push({ label, color, device: `gpu${gpu.index}`, metric, showMax });
  });
  return { live, history };
}

function chartSpecs(gpus: GpuInventory[]): ChartSpec[] {
  const specs: ChartSpec[] = [];
  if (gpus.length) {
    const temps = gpuLines(gpus, 'temperatureC', 'temperatureC', ' core', true);
    if (gpus.length === 1) {
      // One card: its hotspot and memory (HBM/GDDR) temperatures beside the core.
      temps.live.push({ label: 'Hotspot', color: '#ef4444', pick: gpuPick(gpus[0]!.index, 'hotspotC') });
      temps.live.push({ label: 'Memory', color: '#a855f7', pick: gpuPick(gpus[0]!.index, 'memoryTemperatureC') });
      temps.history.push({ label: 'Hotspot', color: '#ef4444', device: `gpu${gpus[0]!.index}`, metric: 'hotspotC', showMax: true });
      temps.history.push({ label: 'Memory', color: '#a855f7', device: `gpu${gpus[0]!.index}`, metric: 'memoryTemperatureC', showMax: true });
    }
    specs.push({ title: 'Temperature', unit: ' °C', limit: 'temperature', ...temps });
    specs.push({ title: 'Power against limit', unit: ' W', limit: 'power', ...gpuLines(gpus, 'powerW', 'powerW') });
    specs.push({ title: 'Utilization', unit: ' %', yMax: 100, ...gpuLines(gpus, 'utilizationPct', 'utilizationPct') });
    const vram = gpuLines(gpus, 'vramUsedMiB', 'vramUsedMiB');
    // GiB reads better than five-digit MiB for today's cards.
    vram.live = vram.live.map((s) => ({ ...s, pick: (f) => { const v = s.pick(f); return v === null ? null : v / 1024; } }));
    const vramMax = gpus[0]?.vramMiB ? gpus[0].vramMiB / 1024 : undefined;
    specs.push({ title: 'VRAM used', unit: ' GiB', yMax: vramMax, ...vram, history: vram.history.map((h) => ({ ...h, scale: 1 / 1024 })) });
    const g0 = gpus[0]!.index;
    specs.push({
      title: 'Clocks',
      unit: ' MHz',
      live: [
        { label: 'Graphics', color: '#3b82f6', pick: clockPick(g0, 'graphics') },
        { label: 'Memory', color: '#10b981', pick: clockPick(g0, 'memory') },
      ],
      history: [
        { label: 'Graphics', color: '#3b82f6', device: `gpu${g0}`, metric: 'graphicsClockMHz' },
        { label: 'Memory', color: '#10b981', device: `gpu${g0}`, metric: 'memoryClockMHz' },
      ],
    });
    specs.push({ title: 'Fan', field: 'fanPct', unit: ' %', yMax: 100, ...gpuLines(gpus, 'fanPct', 'fanPct') });
  }
  specs.push({
    title: 'CPU utilization',
    unit: ' %',
    yMax: 100,
    live: [{ label: 'CPU', color: '#3b82f6', pick: (f) => f.cpu.utilizationPct }],
    history: [{ label: 'CPU', color: '#3b82f6', device: 'host', metric: 'cpuUtilizationPct' }],
  });
  specs.push({
    title: 'Network',
    unit: ' B/s',
    format: rate,
    live: [
      { label: 'Received', color: '#10b981', pick: (f) => f.network.rxBytesPerSec },
      { label: 'Sent', color: '#f97316', pick: (f) => f.network.txBytesPerSec },
    ],
    history: [
      { label: 'Received', color: '#10b981', device: 'host', metric: 'networkRxBytesPerSec' },
      { label: 'Sent', color: '#f97316', device: 'host', metric: 'networkTxBytesPerSec' },
    ],
  });
  return specs;
}

export function Device() {
  // One uptime history for the bar and the side metrics, asked once a minute.
  const uptime = usePoll<UptimeBarData>(
    () => api.request('uptime.bar', { days: 30, resolution: 'day', timeZone: localTimeZone() }),
    60_000,
  );
  const inventory = useApp((s) => s.inventory);
  const deviceName = useApp((s) => s.status?.deviceName);
  const [range, setRange] = useState<RangeId>('15m');
  const gpus = useMemo(() => inventory?.gpus ?? [], [inventory]);
  const specs = useMemo(() => chartSpecs(gpus), [gpus]);
  const seconds = RANGES.find((r) => r.id === range)!.seconds;
  // Drawn on every range, live and stored (the ledger keeps readings, not limits).
  const powerLimits = useMemo(() => limitLines(gpus.map((g) => ({ gpu: g.index, value: g.powerLimitW?.enforced })), 'limit'), [gpus]);
  const slowdown = useSlowdownTemperatures();
  const temperatureLimits = useMemo(() => limitLines(slowdown, 'slowdown'), [slowdown]);
  const limits: Record<NonNullable<ChartSpec['limit']>, Limit[]> = { power: powerLimits, temperature: temperatureLimits };

  return (
    <div className="page">
      <h1>{deviceName ?? 'This machine'}</h1>
      <div className="device-layout">
        <div className="device-main">
          <Specs />
          <section className="card" aria-labelledby="charts-title">
            <header className="card-head">
              <h2 id="charts-title">Charts</h2>
              <Segmented label="Time range" options={RANGES} value={range} onChange={setRange} />
            </header>
            <div className="chart-grid">
              {specs.map((spec) => (
                // The card, and its chart, stay while the range changes: only the lines are swapped.
                <div key={spec.title} className="chart-card">
                  <h3>{spec.title}</h3>
                  {notReported(spec) ? (
                    <p className="muted chart-note">Not reported: {notReported(spec)}.</p>
                  ) : (
                    <TimeChart
                      source={range === '15m' ? { kind: 'live', series: spec.live, windowSeconds: seconds } : { kind: 'history', lines: spec.history, rangeSeconds: seconds }}
                      unit={spec.unit}
                      yMax={spec.yMax}
                      format={spec.format}
                      ariaLabel={`${spec.title}, last ${range === '15m' ? '15 minutes' : range}`}
                      limits={spec.limit ? limits[spec.limit] : undefined}
                      stats
                    />
                  )}
                </div>
              ))}
            </div>
          </section>
          <GpuHealth />
          <Uptime bar={uptime.value} error={uptime.error} />
          <DeviceTabs />
        </div>
        <Metrics bar={uptime.value} />
      </div>
    </div>
  );
}

/** Each GPU's slowdown temperature from the newest frame; a render only when one changes. */
function useSlowdownTemperatures(): readonly { gpu: number; value: number | null | undefined }[] {
  const [limits, setLimits] = useState(() => slowdownOf(telemetry.latest()));
  useEffect(() => {
    // Compared here, not in a state updater: a tick that changes nothing schedules no render.
    let shown = limits;
    return telemetry.subscribe((frame) => {
      const same = shown.length === frame.gpus.length && frame.gpus.every((g, i) => shown[i]!.gpu === g.index && shown[i]!.value === g.temperatureLimitC);
      if (same) return;
      shown = slowdownOf(frame);
      setLimits(shown);
    });
    // Subscribed once; `shown` follows what it set.
  }, []);
  return limits;
}

function slowdownOf(frame: TelemetryFrame | undefined) {
  return frame?.gpus.map((g) => ({ gpu: g.index, value: g.temperatureLimitC })) ?? [];
}

/** Why a chart would stay empty (e.g. a passively cooled card has no fan), from the newest frame. */
function notReported(spec: ChartSpec): string | null {
  const latest = telemetry.latest();
  if (!latest || !spec.field || spec.live.some((s) => s.pick(latest) !== null)) return null;
  return latest.gpus.map((g) => g.unavailable[spec.field!]).find(Boolean) ?? 'no reading from this device';
}

function Specs() {
  const inventory = useApp((s) => s.inventory);
  if (!inventory) return null;
  return (
    <section className="card" aria-labelledby="specs-title">
      <h2 id="specs-title">Specs</h2>
      <dl className="facts cols">
        <dt>Processor</dt>
        <dd>{inventory.cpu.brand} ({inventory.cpu.threads} threads)</dd>
        <dt>Memory</dt>
        <dd>{bytes(inventory.memory.totalBytes)}</dd>
        <dt>System</dt>
        <dd>{inventory.os.distro} {inventory.os.release}</dd>
        {inventory.gpus.map((g) => (
          <GpuSpec key={g.index} gpu={g} />
        ))}
      </dl>
    </section>
  );
}

function GpuSpec({ gpu }: { gpu: GpuInventory }) {
  const parts = [
    gpu.vramMiB ? mib(gpu.vramMiB) : null,
    gpu.powerLimitW?.enforced ? `${gpu.powerLimitW.enforced} W limit` : null,
    gpu.computeCapability ? `compute ${gpu.computeCapability}` : null,
    gpu.driver ? `driver ${gpu.driver}` : null,
    gpu.mig && gpu.mig.mode === 'enabled' ? `MIG: ${gpu.mig.instances} instances` : null,
  ].filter(Boolean);
  return (
    <>
      <dt>GPU {gpu.index}</dt>
      <dd data-testid="gpu-spec">
        {gpu.model}
        {parts.length ? <span className="muted"> · {parts.join(' · ')}</span> : null}
      </dd>
    </>
  );
}

function Uptime({ bar, error }: { bar: UptimeBarData | null; error: string | null }) {
  return (
    <section className="card" aria-labelledby="uptime-title">
      <h2 id="uptime-title">Uptime, last 30 days</h2>
      {error ? <p className="muted">{error}</p> : bar ? <UptimeBar bar={bar} /> : <p className="muted">Loading…</p>}
    </section>
  );
}

function Metrics({ bar }: { bar: UptimeBarData | null }) {
  // The network's streak, the same answer Home's countdown and "Up for" read (store/network.ts).
  const network = useNetwork();
  const streakAt = (now: number) => clockDuration(streakSeconds(network, now));
  const traffic = useNetworkTraffic();
  const state = useApp((s) => s.status?.state);
  const detail = useApp((s) => s.status?.detail);
  const secretsBackend = useApp((s) => s.status?.secretsBackend);
  const deviceId = useApp((s) => s.status?.deviceId);
  const known = bar?.buckets.filter((b) => b.uptimePct !== null) ?? [];
  const online = known.reduce((s, b) => s + b.onlineSeconds, 0);
  const total = known.reduce((s, b) => s + b.onlineSeconds + b.downtimeSeconds, 0);
  return (
    <aside className="card metrics" aria-label="Device metrics">
      <div className="metric">
        <div className="metric-label">Uptime (30 days)</div>
        <div className="metric-value" data-testid="uptime-pct">{total > 0 ? `${((online / total) * 100).toFixed(2)} %` : '–'}</div>
      </div>
      <div className="metric">
        <div className="metric-label">Continuous uptime</div>
        <Ticking as="div" className="metric-value live-box" testId="continuous-uptime" read={streakAt} />
        <div className="muted small">
          {network.value?.connection === 'none'
            ? 'Not on a network: nobody counts it.'
            : network.value?.offline
              ? `As the network last counted it; stopped at ${clockTime(network.value.offline.since)} while it cannot be reached.`
              : 'As the network counts it.'}
        </div>
      </div>
      <div className="metric">
        <div className="metric-label">Traffic transmitted</div>
        <div className="metric-value" data-testid="traffic">{traffic ? bytes(traffic.sentBytes + traffic.receivedBytes) : '–'}</div>
        <div className="muted small">
          {traffic
            ? `${bytes(traffic.sentBytes)} sent, ${bytes(traffic.receivedBytes)} received by this worker since it started at ${clockTime(traffic.since)}.`
            : 'This worker’s own traffic with the network; none without a network.'}
        </div>
        <TrafficToday />
      </div>
      <div className="metric">
        <div className="metric-label">Connectivity</div>
        <div className="metric-value small-value" data-testid="connectivity-tier">
          {network.value?.tier != null ? `Tier ${network.value.tier}` : '–'}
        </div>
        <div className="muted small">
          {network.value?.tier != null ? 'As the network measured this worker’s link (its own timing, not the worker’s claim). ' : ''}
          {state ? `${WORKER_STATE_WORDS[state]}: ` : ''}
          {detail}
        </div>
      </div>
      <div className="metric">
        <div className="metric-label">Security</div>
        <div className="metric-value small-value">{secretsBackend === 'keytar' || secretsBackend === 'safe-storage' ? 'Key in OS keychain' : 'Key not in a keychain'}</div>
        <div className="muted small">Device key: Ed25519; every network message signed.</div>
      </div>
      <div className="metric">
        <div className="metric-label">Last block</div>
        <div className="small">
          <LastBlockLine />
        </div>
      </div>
      <div className="metric">
        <div className="metric-label">Device ID</div>
        <div className="mono small">{deviceId}</div>
      </div>
    </aside>
  );
}

/** Today's bytes and the last 7 days', from the ledger (every run of this worker, not only this one). */
function TrafficToday() {
  const days = usePoll(() => api.request('traffic.days', { days: 7, timeZone: localTimeZone() }), 60_000);
  const list = days.value ?? [];
  if (list.length === 0) return null;
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: localTimeZone(), year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now());
  const t = list.find((d) => d.day === today);
  const week = list.reduce((sum, d) => sum + d.sentBytes + d.receivedBytes, 0);
  return (
    <div className="muted small" data-testid="traffic-days">
      Today {t ? `${bytes(t.sentBytes)} sent, ${bytes(t.receivedBytes)} received` : 'nothing yet'}; last 7 days {bytes(week)} in all (kept by day in the history).
    </div>
  );
}
