// Home: is this machine healthy and earning, and if not, why and what to do.
import { Suspense, lazy, useEffect, useState } from 'react';
import type { TelemetryFrame } from '../../preload/contract/index.ts';
import { AccountDevices } from '../components/AccountDevices';
import { Eligibility } from '../components/Eligibility';
import { GpuCard } from '../components/GpuCard';
import { LiveText } from '../components/LiveText';
import type { ChartSource } from '../components/TimeChart';
import { bytes, celsius, percent } from '../format';
import { useApp } from '../store/app';
import { telemetry } from '../store/telemetry';

// chart.js is most of the bundle: the numbers show first, the chart follows a moment later.
const TimeChart = lazy(() => import('../components/TimeChart').then((m) => ({ default: m.TimeChart })));

export function Home() {
  const gpuCount = useApp((s) => s.inventory?.gpus.length ?? 0);
  return (
    <div className="page page-wide">
      <h1>Home</h1>
      {/* The GPUs lead; CPU and memory and this machine follow in the same grid, then the network. */}
      <div className="home-grid" data-gpus={gpuCount}>
        <Gpus />
        <LiveHost />
        <MachineCard />
      </div>
      <Eligibility />
      <AccountDevices />
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
          <dd>{inventory.gpus.length ? gpuModels(inventory.gpus.map((g) => g.model)) : 'None detected'}</dd>
          <dt>Device ID</dt>
          <dd className="mono">{deviceId}</dd>
          <dt>Secrets</dt>
          <dd>{secrets === 'keytar' ? 'OS keychain' : secrets === 'safe-storage' ? 'Encrypted file (safeStorage)' : secrets === 'file' ? 'Private file (0600)' : 'Memory only'}</dd>
        </dl>
      ) : null}
    </section>
  );
}

/** "8 × NVIDIA H200", not the model eight times. */
function gpuModels(models: string[]): string {
  const counts = new Map<string, number>();
  for (const m of models) counts.set(m, (counts.get(m) ?? 0) + 1);
  return [...counts].map(([m, n]) => (n > 1 ? `${n} × ${m}` : m)).join(', ');
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
        <Stat label="CPU" read={cpuUtil} testId="cpu-util" fit={5.5} />
        <Stat label="CPU temperature" read={cpuTemp} fit={6} />
        <Stat label="Memory used" read={memoryUsed} fit={24} />
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

function Stat({ label, read, testId, fit }: { label: string; read: (frame: TelemetryFrame | undefined) => string; testId?: string; fit: number }) {
  return (
    <div className="stat">
      <LiveText className="stat-value" testId={testId} read={read} fit={fit} />
      <div className="stat-label">{label}</div>
    </div>
  );
}

function Gpus() {
  const inventory = useApp((s) => s.inventory);
  if (!inventory) return null;
  if (inventory.gpus.length === 0) {
    return (
      <section className="card empty gpu-none" aria-labelledby="gpu-title">
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
  // The cards join the page's grid (display: contents), ahead of CPU and memory.
  return (
    <section className="gpu-section" aria-labelledby="gpu-title">
      <h2 id="gpu-title" className="sr-only">
        GPUs
      </h2>
      {inventory.gpus.map((gpu) => (
        <GpuCard key={gpu.uuid ?? gpu.index} gpu={gpu} />
      ))}
    </section>
  );
}
