// Home's "Your devices": every machine of the account as the network lists them, each with the figures
// of its last heartbeat to the network and what it earned today (the network's fleet view,
// main/devnet/fleet.ts), a "quiet since" mark once its heartbeats stop, kept (marked stale) while the
// network cannot be reached, with Rename and Delete for each.
import { useEffect, useState } from 'react';
import type { NetworkDevices } from '../../preload/contract/index.ts';
import { DEVICE_STATUS_WORDS, WORKER_STATE_WORDS } from '../../preload/contract/words.ts';
import { api } from '../api';
import { celsius, clockTime, coins, percent, relativeTime, watts } from '../format';
import { useApp } from '../store/app';
import { useNetwork } from '../store/network';
import { usePoll } from './usePoll';
import { useNow } from './useNow';

type Row = NetworkDevices['devices'][number];
const NOWRAP = { whiteSpace: 'nowrap' } as const;

/** A machine's figures as the network last heard them; none while it is quiet (they would be old). */
function figures(d: Row): { temperature: string; power: string; utilization: string } {
  const t = d.fleet && d.fleet.quietSince === null ? d.fleet.telemetry : null;
  return {
    temperature: celsius(t?.gpuTempC ?? null),
    power: watts(t?.powerW ?? null),
    // A machine without GPU readings shows its CPU's.
    utilization: percent(t ? (t.gpuPct ?? t.cpuPct) : null),
  };
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
export function AccountDevices() {
  const { value: fresh, error, reload } = usePoll<NetworkDevices>(() => api.request('network.devices', {}), 10_000);
  const offline = useNetwork().value?.offline ?? null;
  useNow(30_000); // the stale mark's age moves on
  const [known, setKnown] = useState(lastDevices);
  useEffect(() => {
    if (fresh) setKnown(keepLastDevices(fresh));
  }, [fresh]);
  const ownId = useApp((s) => s.status?.deviceId);
  const ownState = useApp((s) => s.status?.state);
  const data = known?.data;
  const own = data?.devices.find((d) => d.id === ownId);
  const mine = own ? data!.devices.filter((d) => d.account === own.account) : [];
  const stale = !!(error || offline);
  if (!mine.length) {
    // Opened while the network is away, with nothing kept: say so rather than leave the card out.
    return stale && !data ? (
      <section className="card section-gap" aria-labelledby="devices-title" data-testid="devices-unreachable">
        <h2 id="devices-title">Your devices</h2>
        <p className="muted">The network cannot be reached, and only it lists the machines of your account: they show here once it answers.</p>
      </section>
    ) : null;
  }
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
            <th scope="col" title="What the network paid each machine since 00:00 UTC, the network's day">
              Today (UTC)
            </th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {mine.map((d) => {
            const self = d.id === ownId;
            const f = figures(d);
            const quietSince = d.fleet?.quietSince ?? null;
            const heardAt = self ? null : (d.fleet?.telemetry?.at ?? null);
            return (
              <tr key={d.id} data-device={d.id}>
                <td>
                  {self ? <a href="#/device">{d.name}</a> : d.name}
                  {self ? <span className="badge">this machine</span> : null}
                  <div className="muted small">
                    {d.quantity} × {d.model}
                  </div>
                </td>
                <td>
                  {/* This machine knows its own pause before the network's list does (it lists a paused machine as idle). */}
                  {self && ownState === 'paused' ? (
                    <span className="pill pill-idle" data-testid="device-status">{WORKER_STATE_WORDS.paused}</span>
                  ) : (
                    <span className={`pill pill-${d.status}`} data-testid="device-status">{DEVICE_STATUS_WORDS[d.status] ?? d.status}</span>
                  )}
                  {stale ? <span className="pill pill-stale">stale</span> : null}
                  {quietSince !== null ? (
                    <div className="muted small" style={{ whiteSpace: 'nowrap' }} data-testid="device-quiet" title={`No heartbeat since ${new Date(quietSince).toLocaleString()}`}>
                      quiet since {clockTime(quietSince)}
                    </div>
                  ) : heardAt !== null && Date.now() - heardAt > 45_000 ? (
                    // Between two heartbeats and the network's offline rule: the figures are this old.
                    <div className="muted small" style={{ whiteSpace: 'nowrap' }} data-testid="device-heard">
                      last heard {relativeTime(heardAt)}
                    </div>
                  ) : null}
                </td>
                <td data-field="temperature" style={NOWRAP}>{f.temperature}</td>
                <td data-field="power" style={NOWRAP}>{f.power}</td>
                <td data-field="utilization" style={NOWRAP}>{f.utilization}</td>
                <td data-field="today" style={{ whiteSpace: 'nowrap' }}>{d.fleet ? coins(d.fleet.earnedToday) : '–'}</td>
                <td>
                  <DeviceActions id={d.id} name={d.name ?? d.id} self={self} running={d.status !== 'offline'} onChange={reload} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted small">Each machine's figures are from its last heartbeat to the network; this machine's live readings are on its Device page.</p>
    </section>
  );
}

/** Rename and Delete for one device of the account, each confirmed before it reaches the network. */
function DeviceActions({ id, name, self, running, onChange }: { id: string; name: string; self: boolean; running: boolean; onChange: () => void }) {
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
        <span data-testid="delete-warning">
          {running
            ? `${name} is running: deleting it disconnects its worker, which stops earning for this account, and revokes its key; to come back it must be paired again. Delete it?`
            : `Remove ${name} from this account? Its key is revoked; to come back it must be paired again.`}
        </span>
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
