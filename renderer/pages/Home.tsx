// Home: is this machine healthy and earning, and if not, why and what to do.
import { Suspense, lazy, useEffect, useMemo, useState } from 'react';
import type { GpuInventory, GpuSample, TelemetryFrame } from '../../preload/contract/index.ts';
import { THROTTLE_REASON_WORDS } from '../../preload/contract/words.ts';
import { AccountDevices } from '../components/AccountDevices';
import { Eligibility } from '../components/Eligibility';
import { LiveText } from '../components/LiveText';
import type { ChartSource } from '../components/TimeChart';
import { bytes, celsius, mib, percent, watts } from '../format';
import { useApp } from '../store/app';
import { telemetry } from '../store/telemetry';

// chart.js is most of the bundle: the numbers show first, the chart follows a moment later.
const TimeChart = lazy(() => import('../components/TimeChart').then((m) => ({ default: m.TimeChart })));

export function Home() {
  return (
    <div className="page">
      <h1>Home</h1>
      <Eligibility />
      <AccountDevices />
      <div className="grid">
        <MachineCard />
        <LiveHost />
      </div>
      <Gpus />
    </div>
  );
}

function MachineCard() {
  const inventory = useApp((s) => s.inventory);
  const error = useApp((s) => s.inventoryError);
  const deviceName = useApp((s) => s.status?.deviceName);
  const deviceId = useApp((s) => s.status?.deviceId);
  const secrets = useApp((s) => s.status?.secretsBackend);

  return (
    <section className="card" aria-labelledby="machine-title">
      <header className="card-head">
        <h2 id="machine-title">This machine</h2>
        {deviceName ? <RenameButton current={deviceName} /> : null}
      </header>
      {error ? <p className="error">Hardware could not be read: {error}</p> : null}
      {!inventory && !error ? <p className="muted">Detecting hardware…</p> : null}
      {inventory ? (
        <dl className="facts">
          <dt>Name</dt>
          <dd data-testid="device-name">{deviceName}</dd>
          <dt>Processor</dt>
          <dd data-testid="cpu-brand">{inventory.cpu.brand}</dd>
          <dt>Cores</dt>
          <dd>
            {inventory.cpu.physicalCores} cores, {inventory.cpu.threads} threads
            {inventory.cpu.speedGHz ? ` at ${inventory.cpu.speedGHz} GHz` : ''}
          </dd>
          <dt>Memory</dt>
          <dd>{bytes(inventory.memory.totalBytes)}</dd>
          <dt>System</dt>
          <dd>
            {inventory.os.distro} {inventory.os.release} ({inventory.os.arch})
          </dd>
          <dt>GPUs</dt>
          <dd>{inventory.gpus.length ? inventory.gpus.map((g) => g.model).join(', ') : 'None detected'}</dd>
          <dt>Device ID</dt>
          <dd className="mono">{deviceId}</dd>
          <dt>Secrets</dt>
          <dd>{secrets === 'keytar' ? 'OS keychain' : secrets === 'safe-storage' ? 'Encrypted file (safeStorage)' : secrets === 'file' ? 'Private file (0600)' : 'Memory only'}</dd>
        </dl>
      ) : null}
    </section>
  );
}

function RenameButton({ current }: { current: string }) {
  const rename = useApp((s) => s.rename);
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(current);
  const [error, setError] = useState<string | null>(null);
  if (!editing) {
    return (
      <button type="button" className="link" onClick={() => (setName(current), setEditing(true))}>
        Rename
      </button>
    );
  }
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        rename(name)
          .then(() => setEditing(false))
          .catch((err: Error) => setError(err.message));
      }}
    >
      <label className="sr-only" htmlFor="rename">
        Device name
      </label>
      <input id="rename" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} autoFocus />
      <button type="submit">Save</button>
      <button type="button" onClick={() => setEditing(false)}>
        Cancel
      </button>
      {error ? <span className="error">{error}</span> : null}
    </form>
  );
}

function LiveHost() {
  const loaded = useFirstFigures();
  return (
    <section className="card" aria-labelledby="live-title">
      <header className="card-head">
        <h2 id="live-title">CPU and memory, live</h2>
      </header>
      <div className="stats">
        <Stat label="CPU" read={cpuUtil} testId="cpu-util" />
        <Stat label="CPU temperature" read={cpuTemp} />
        <Stat label="Memory used" read={memoryUsed} />
      </div>
      {/* chart.js (200 KB) loads once the first figures are on screen, not while they are on the way. */}
      {loaded ? (
        <Suspense fallback={<div className="chart" />}>
          <TimeChart unit=" %" yMax={100} ariaLabel="CPU utilization over the last 15 minutes" source={CPU_SOURCE} />
        </Suspense>
      ) : (
        <div className="chart" />
      )}
    </section>
  );
}

/** True from the frame after the first live figures were painted. */
function useFirstFigures(): boolean {
  const [painted, setPainted] = useState(false);
  useEffect(() => {
    if (painted) return;
    let frame = 0;
    const paintedOnce = () => (frame = requestAnimationFrame(() => setTimeout(() => setPainted(true))));
    if (telemetry.latest()) {
      paintedOnce();
      return () => cancelAnimationFrame(frame);
    }
    const off = telemetry.subscribe(() => {
      off();
      paintedOnce();
    });
    return () => {
      off();
      cancelAnimationFrame(frame);
    };
  }, [painted]);
  return painted;
}

// Live figures, written straight into the page each tick (LiveText): defined once, outside render.
const cpuUtil = (f: TelemetryFrame | undefined) => percent(f?.cpu.utilizationPct);
const cpuTemp = (f: TelemetryFrame | undefined) => celsius(f?.cpu.temperatureC);
const memoryUsed = (f: TelemetryFrame | undefined) => (f ? `${bytes(f.memory.usedBytes)} of ${bytes(f.memory.totalBytes)}` : '–');
const CPU_SOURCE: ChartSource = { kind: 'live', windowSeconds: 900, series: [{ label: 'CPU', color: '#3b82f6', pick: (f: TelemetryFrame) => f.cpu.utilizationPct }] };

function Stat({ label, read, testId }: { label: string; read: (frame: TelemetryFrame | undefined) => string; testId?: string }) {
  return (
    <div className="stat">
      <LiveText className="stat-value" testId={testId} read={read} />
      <div className="stat-label">{label}</div>
    </div>
  );
}

function Gpus() {
  const inventory = useApp((s) => s.inventory);
  if (!inventory) return null;
  if (inventory.gpus.length === 0) {
    return (
      <section className="card empty" aria-labelledby="gpu-title">
        <h2 id="gpu-title">GPUs</h2>
        <p>
          <strong>No GPU found on this machine.</strong> IO Worker can still lend its CPU.
        </p>
        <p className="muted">
          Have an NVIDIA card? Install the NVIDIA driver (it brings <code>nvidia-smi</code>), then restart IO Worker. AMD
          cards need ROCm&apos;s <code>amd-smi</code> (or the older <code>rocm-smi</code>).
        </p>
        {inventory.warnings.map((w) => (
          <p key={w} className="muted">
            {w}
          </p>
        ))}
      </section>
    );
  }
  return (
    <section aria-labelledby="gpu-title">
      <h2 id="gpu-title" className="section-title">
        GPUs
      </h2>
      <div className="grid">
        {inventory.gpus.map((gpu) => (
          <GpuCard key={gpu.uuid ?? gpu.index} gpu={gpu} />
        ))}
      </div>
    </section>
  );
}

function GpuCard({ gpu }: { gpu: GpuInventory }) {
  // This card's figures from each frame, found by UUID (indices can shift when a card drops out).
  const read = useMemo(() => {
    const sample = (f: TelemetryFrame | undefined): GpuSample | undefined => f?.gpus.find((g) => (gpu.uuid ? g.uuid === gpu.uuid : g.index === gpu.index));
    return {
      temperature: (f: TelemetryFrame | undefined) => celsius(sample(f)?.temperatureC),
      power: (f: TelemetryFrame | undefined) => watts(sample(f)?.powerW),
      limit: (f: TelemetryFrame | undefined) => {
        const limit = sample(f)?.powerLimitW;
        return limit != null ? ` / ${watts(limit)}` : '';
      },
      utilization: (f: TelemetryFrame | undefined) => percent(sample(f)?.utilizationPct),
      vram: (f: TelemetryFrame | undefined) => mib(sample(f)?.vramUsedMiB),
      clocks: (f: TelemetryFrame | undefined) => {
        const c = sample(f)?.clocksMHz;
        return c && (c.sm ?? c.graphics) !== null ? `${c.sm ?? c.graphics} / ${c.memory ?? '–'} MHz` : '–';
      },
      fan: (f: TelemetryFrame | undefined) => {
        const g = sample(f);
        return g?.fanPct != null ? percent(g.fanPct) : g?.unavailable.fanPct ? 'none' : '–';
      },
      pstate: (f: TelemetryFrame | undefined) => sample(f)?.pstate ?? '–',
      // Why the clocks are lowered right now, in words (idle alone is not news).
      throttle: (f: TelemetryFrame | undefined) => {
        const reasons = (sample(f)?.throttleReasons ?? []).filter((r) => r !== 'idle');
        return reasons.length ? `Clocks lowered: ${reasons.map((r) => THROTTLE_REASON_WORDS[r as keyof typeof THROTTLE_REASON_WORDS] ?? r).join(', ')}` : '';
      },
      // What else uses this GPU: 100 % while the worker is idle is explained by another process.
      others: (f: TelemetryFrame | undefined) => {
        const procs = sample(f)?.processes ?? [];
        if (!procs.length) return '';
        const memory = procs.reduce((m, p) => m + (p.usedMemoryMiB ?? 0), 0);
        const names = [...new Set(procs.map((p) => p.name))].slice(0, 3).join(', ');
        return `In use by ${procs.length === 1 ? 'another process' : `${procs.length} processes`} (${names})${memory ? `: ${mib(memory)}` : ''}`;
      },
    };
  }, [gpu]);
  return (
    <article className="card gpu" data-testid="gpu-card">
      <header className="card-head">
        <h3>{gpu.model}</h3>
        <span className="muted">{gpu.vramMiB ? mib(gpu.vramMiB) : ''}</span>
      </header>
      <div className="stats">
        <div className="stat">
          <LiveText className="stat-value" testId="gpu-temp" read={read.temperature} />
          <div className="stat-label">Temperature</div>
        </div>
        <div className="stat">
          <div className="stat-value" data-testid="gpu-power">
            <LiveText as="span" read={read.power} />
            <LiveText as="span" className="muted" read={read.limit} />
          </div>
          <div className="stat-label">Power</div>
        </div>
        <div className="stat">
          <LiveText className="stat-value" read={read.utilization} />
          <div className="stat-label">Utilization</div>
        </div>
        <div className="stat">
          <LiveText className="stat-value" read={read.vram} />
          <div className="stat-label">VRAM used</div>
        </div>
      </div>
      <div className="stats stats-small">
        <div className="stat">
          <LiveText className="stat-value" read={read.clocks} />
          <div className="stat-label">SM / memory clock</div>
        </div>
        <div className="stat">
          <LiveText className="stat-value" read={read.fan} />
          <div className="stat-label">Fan</div>
        </div>
        <div className="stat">
          <LiveText className="stat-value" read={read.pstate} />
          <div className="stat-label">Power state</div>
        </div>
      </div>
      <LiveText className="muted small" testId="gpu-throttle" read={read.throttle} />
      <LiveText className="muted small" testId="gpu-others" read={read.others} />
      {gpu.driver ? <p className="muted small">Driver {gpu.driver}</p> : null}
    </article>
  );
}
