// Home: is this machine healthy and earning, and if not, why and what to do.
import { Suspense, lazy, useEffect, useMemo, useState } from 'react';
import type { CheckState, GpuInventory, GpuSample, NetworkDevices, NetworkStatus, TelemetryFrame } from '../../preload/contract/index.ts';
import { CHECK_WORDS, PAUSE_SOURCE_WORDS, THROTTLE_REASON_WORDS } from '../../preload/contract/words.ts';
import { api } from '../api';
import { duration } from '../components/UptimeBar';
import type { ChartSource } from '../components/TimeChart';
import { usePoll } from '../components/usePoll';
import { LiveText } from '../components/LiveText';
import { useNow } from '../components/useNow';
import { bytes, celsius, clockDuration, clockTime, coins, localTimeZone, mib, percent, relativeTime, watts } from '../format';
import { reloadNetwork, streakSeconds, useNetwork } from '../store/network';
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
const hottest = (f: TelemetryFrame | undefined) =>
  celsius(f?.gpus.reduce<number | null>((t, g) => (g.temperatureC !== null && (t === null || g.temperatureC > t) ? g.temperatureC : t), null) ?? null);
const totalPower = (f: TelemetryFrame | undefined) => {
  const readings = f?.gpus.map((g) => g.powerW).filter((w): w is number => w !== null) ?? [];
  return watts(readings.length ? readings.reduce((a, b) => a + b, 0) : null); // no GPU reading is a dash, not "0 W"
};
const meanUtil = (f: TelemetryFrame | undefined) =>
  percent(f?.gpus.length ? f.gpus.reduce((u, g) => u + (g.utilizationPct ?? 0), 0) / f.gpus.length : f?.cpu.utilizationPct ?? null);

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


const CHECK_MARK: Record<CheckState, string> = { ok: '✓', failing: '✗', 'not-required': '–', unknown: '?' };

function Eligibility() {
  const view = useNetwork();
  const network = view.value;
  const now = useNow(1000, !!network?.streak?.running);
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState(false);
  if (view.error && !network) return <section className="card error section-gap">Network status unavailable: {view.error}</section>;
  if (!network) return null;
  if (network.connection === 'none') {
    return (
      <section className="card section-gap">
        <h2>Not on a network</h2>
        <p className="muted">This worker runs without a network, so it cannot earn. Choose one in <a href="#/settings">Settings</a>.</p>
      </section>
    );
  }
  const pause = async (paused: boolean) => {
    setBusy(true);
    setAsking(false);
    await api.request('worker.pause', { paused }).finally(() => setBusy(false));
    await reloadNetwork();
  };
  const streak = streakSeconds(view, now);
  const offline = network.offline;
  return (
    <section className="card eligibility" aria-labelledby="elig-title">
      <header className="card-head">
        <h2 id="elig-title">
          {offline
            ? 'Eligibility unknown while the network cannot be reached'
            : network.eligible
              ? 'Eligible for block rewards'
              : network.eligible === false
                ? 'Not yet eligible for block rewards'
                : 'Waiting for the network’s first judgement'}
        </h2>
        {network.pausedBy.some((p) => p.source === 'user') ? (
          <button type="button" className="primary" disabled={busy} onClick={() => void pause(false)}>
            Resume earning
          </button>
        ) : (
          <button type="button" disabled={busy || asking} onClick={() => setAsking(true)}>
            Pause
          </button>
        )}
      </header>
      {asking ? (
        // A pause costs block rewards under the network's rule (docs/protocol.md, "Pauses"): said before it happens.
        <div className="confirm" role="group" aria-label="Pause earning?" data-testid="pause-confirm">
          <p>
            <strong>Pause earning?</strong> While paused this device is left out of every block and earns no block rewards. Your uptime
            streak is kept, so rewards start again at the first block after you resume.
          </p>
          <button type="button" className="danger" onClick={() => void pause(true)}>
            Pause
          </button>
          <button type="button" onClick={() => setAsking(false)}>
            Keep earning
          </button>
        </div>
      ) : null}
      {network.pausedBy.length > 0 ? (
        <p className="paused-by" data-testid="paused-by">
          {network.pausedBy.map((p) => `${capital(PAUSE_SOURCE_WORDS[p.source])}${p.detail ? `: ${p.detail}` : ''}.`).join(' ')}
          {network.pausedBy.some((p) => p.source !== 'user') ? ' Resumes by itself when that clears.' : ''}
        </p>
      ) : null}
      <Countdown network={network} streak={streak} />
      {streak !== null ? (
        <p className="muted small" data-testid="up-for-line">
          Up for <strong data-testid="up-for">{clockDuration(streak)}</strong> without a break, as the network counts it
          {offline ? ` (stopped at ${clockTime(offline.since)}: the network cannot be reached)` : ''}.
        </p>
      ) : null}
      <ul className="checklist" data-testid="eligibility">
        {network.checks.map((check) => (
          <li key={check.id} className={check.state === 'ok' ? 'ok' : check.state === 'failing' ? 'fail' : 'unknown'} data-state={check.state}>
            <span aria-hidden="true">{CHECK_MARK[check.state]}</span>
            <span>
              <strong>{CHECK_WORDS[check.id as keyof typeof CHECK_WORDS] ?? check.id}</strong>
              <span className="muted"> · {checkDetail(check, network, streak)}</span>
              {check.state === 'failing' && check.id === 'wallet' ? (
                <>
                  {' '}
                  <a href="#/wallet">Set your wallet</a>
                </>
              ) : null}
            </span>
          </li>
        ))}
      </ul>
      {network.lastBlock ? (
        <p className="muted small">
          Last block #{network.lastBlock.block}: {network.lastBlock.status}
          {network.lastBlock.status === 'Completed' ? `, ${coins(network.lastBlock.reward)}` : network.lastBlock.reason ? ` (${network.lastBlock.reason})` : ''}.
        </p>
      ) : null}
    </section>
  );
}

const capital = (text: string) => `${text[0]!.toUpperCase()}${text.slice(1)}`;

/** A check's line: the network's words, except where the page knows better now (unknown, the streak). */
function checkDetail(check: NetworkStatus['checks'][number], network: NetworkStatus, streak: number | null): string {
  if (check.state === 'unknown') {
    return `unknown since ${check.knownAt ? clockTime(check.knownAt) : clockTime(network.offline?.since ?? Date.now())}: only the network can judge this, and it cannot be reached`;
  }
  if (check.state === 'not-required') return check.detail;
  if (check.id === 'uptime' && streak !== null && network.minUptimeSeconds !== null) {
    return network.minUptimeSeconds <= 0
      ? 'not required by this network'
      : `up for ${clockDuration(streak)}; the network asks for ${duration(network.minUptimeSeconds)} without a break`;
  }
  return check.detail;
}

/** Time left until the uptime rule passes, ticking while the session runs; stopped, with why, while it does not. */
function Countdown({ network, streak }: { network: NetworkStatus; streak: number | null }) {
  const uptime = network.checks.find((c) => c.id === 'uptime');
  const min = network.minUptimeSeconds;
  if (!uptime || uptime.state === 'ok' || uptime.state === 'not-required' || streak === null || min === null || min <= 0) return null;
  if (network.offline) {
    return (
      <p className="countdown stopped" data-testid="eligibility-countdown">
        Countdown stopped at {clockTime(network.offline.since)}: the network cannot be reached, so it is not counting this device’s uptime.
        It goes on once the network answers again.
      </p>
    );
  }
  if (network.pausedBy.length > 0 && streak < min) {
    return (
      <p className="countdown" data-testid="eligibility-countdown">
        Eligible for block rewards in <strong>{clockDuration(min - streak)}</strong> of unbroken uptime; the streak keeps counting while paused.
      </p>
    );
  }
  return (
    <p className="countdown" data-testid="eligibility-countdown">
      {streak < min ? (
        <>
          Eligible for block rewards in <strong data-testid="countdown-left">{clockDuration(min - streak)}</strong>, if the worker keeps running.
        </>
      ) : (
        <>Uptime requirement met: eligibility is confirmed when the current block closes.</>
      )}
    </p>
  );
}

/** The last rows the network gave, kept across pages and reloads: while it cannot be reached they stay, marked stale. */
const DEVICES_KEY = 'io-worker:last-devices';
let lastDevices: { data: NetworkDevices; at: number } | null = readLastDevices();

function readLastDevices(): { data: NetworkDevices; at: number } | null {
  try {
    const kept = JSON.parse(localStorage.getItem(DEVICES_KEY) ?? 'null') as { data: NetworkDevices; at: number } | null;
    return kept && Array.isArray(kept.data?.devices) && typeof kept.at === 'number' ? kept : null;
  } catch {
    return null; // unreadable or no storage: start empty
  }
}

function keepLastDevices(data: NetworkDevices): { data: NetworkDevices; at: number } {
  lastDevices = { data, at: Date.now() };
  try {
    localStorage.setItem(DEVICES_KEY, JSON.stringify(lastDevices));
  } catch {
    // storage full or refused: the rows are still kept for this page's life
  }
  return lastDevices;
}

/** The account's devices: this machine and the owner's others on the same network. */
function AccountDevices() {
  const { value: fresh, error, reload } = usePoll<NetworkDevices>(() => api.request('network.devices', {}), 10_000);
  const { value: summary } = usePoll(() => api.request('rewards.summary', { days: 1, timeZone: localTimeZone() }), 30_000);
  const offline = useNetwork().value?.offline ?? null;
  useNow(30_000); // the stale mark's age moves on
  const [known, setKnown] = useState(lastDevices);
  useEffect(() => {
    if (fresh) setKnown(keepLastDevices(fresh));
  }, [fresh]);
  const ownId = useApp((s) => s.status?.deviceId);
  const data = known?.data;
  const own = data?.devices.find((d) => d.id === ownId);
  const mine = own ? data!.devices.filter((d) => d.account === own.account) : [];
  if (!mine.length) return null;
  const stale = !!(error || offline);
  return (
    <section className="card section-gap" aria-labelledby="devices-title">
      <h2 id="devices-title">Your devices</h2>
      {stale && known ? (
        <p className="stale-note" data-testid="devices-stale">
          Last known {relativeTime(known.at)} (at {clockTime(known.at)}): the network cannot be reached, so these rows may be out of date.
        </p>
      ) : null}
      <table data-testid="account-devices">
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">Status</th>
            <th scope="col">Temperature</th>
            <th scope="col">Power</th>
            <th scope="col">Utilization</th>
            <th scope="col">Today</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {mine.map((d) => {
            const self = d.id === ownId;
            return (
              <tr key={d.id}>
                <td>
                  {self ? <a href="#/device">{d.name}</a> : d.name}
                  {self ? <span className="badge">this machine</span> : null}
                  <div className="muted small">
                    {d.quantity} × {d.model}
                  </div>
                </td>
                <td>
                  <span className={`pill pill-${d.status}`}>{d.status}</span>
                  {stale ? <span className="pill pill-stale">stale</span> : null}
                </td>
                {self ? <LiveText as="td" read={hottest} /> : <td>–</td>}
                {self ? <LiveText as="td" read={totalPower} /> : <td>–</td>}
                {self ? <LiveText as="td" read={meanUtil} /> : <td>–</td>}
                <td>{self && summary ? coins(summary.totals.today) : '–'}</td>
                <td>
                  <DeviceActions id={d.id} name={d.name ?? d.id} self={self} onChange={reload} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {mine.length > 1 ? <p className="muted small">Live readings show for this machine; the others report to their own dashboards.</p> : null}
    </section>
  );
}

/** Rename and Delete for one device of the account, each confirmed before it reaches the network. */
function DeviceActions({ id, name, self, onChange }: { id: string; name: string; self: boolean; onChange: () => void }) {
  const renameLocal = useApp((s) => s.rename);
  const [mode, setMode] = useState<'idle' | 'rename' | 'delete'>('idle');
  const [draft, setDraft] = useState(name);
  const [error, setError] = useState<string | null>(null);
  const run = async (work: () => Promise<unknown>) => {
    try {
      await work();
      setMode('idle');
      setError(null);
      onChange();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  if (mode === 'rename') {
    return (
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            // This machine keeps its name in its own settings too (the tray, the window title).
            if (self) await renameLocal(draft);
            await api.request('network.device', { action: 'rename', deviceId: id, name: draft });
          });
        }}
      >
        <label className="sr-only" htmlFor={`rename-${id}`}>
          New name for {name}
        </label>
        <input id={`rename-${id}`} value={draft} maxLength={64} onChange={(e) => setDraft(e.target.value)} autoFocus />
        <button type="submit">Save</button>
        <button type="button" onClick={() => setMode('idle')}>
          Cancel
        </button>
        {error ? <span className="error">{error}</span> : null}
      </form>
    );
  }
  if (mode === 'delete') {
    return (
      <div className="inline-form" role="group" aria-label={`Delete ${name}`}>
        <span>Remove {name} from this account?</span>
        <button type="button" className="danger" onClick={() => void run(() => api.request('network.device', { action: 'delete', deviceId: id }))}>
          Delete
        </button>
        <button type="button" onClick={() => setMode('idle')}>
          Keep it
        </button>
        {error ? <span className="error">{error}</span> : null}
      </div>
    );
  }
  return (
    <div className="inline-form">
      <button type="button" className="link" onClick={() => (setDraft(name), setMode('rename'))}>
        Rename
      </button>
      {self ? (
        <span className="muted small" title="A running worker registers itself again: stop IO Worker on this machine, then delete it from another of your devices.">
          (running here)
        </span>
      ) : (
        <button type="button" className="link" onClick={() => setMode('delete')}>
          Delete
        </button>
      )}
    </div>
  );
}
