// Home's "Your devices": the account's machines as the network lists them, kept (marked stale) while
// the network cannot be reached, with Rename and Delete for each.
import { useEffect, useState } from 'react';
import type { NetworkDevices, TelemetryFrame } from '../../preload/contract/index.ts';
import { api } from '../api';
import { celsius, clockTime, coins, localTimeZone, percent, relativeTime, watts } from '../format';
import { useApp } from '../store/app';
import { useNetwork } from '../store/network';
import { LiveText } from './LiveText';
import { usePoll } from './usePoll';
import { useNow } from './useNow';

// This machine's live figures in its row.
const hottest = (f: TelemetryFrame | undefined) =>
  celsius(f?.gpus.reduce<number | null>((t, g) => (g.temperatureC !== null && (t === null || g.temperatureC > t) ? g.temperatureC : t), null) ?? null);
const totalPower = (f: TelemetryFrame | undefined) => {
  const readings = f?.gpus.map((g) => g.powerW).filter((w): w is number => w !== null) ?? [];
  return watts(readings.length ? readings.reduce((a, b) => a + b, 0) : null); // no GPU reading is a dash, not "0 W"
};
const meanUtil = (f: TelemetryFrame | undefined) =>
  percent(f?.gpus.length ? f.gpus.reduce((u, g) => u + (g.utilizationPct ?? 0), 0) / f.gpus.length : f?.cpu.utilizationPct ?? null);


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
