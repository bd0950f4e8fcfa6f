// The device's history tabs: Services (the network session's services, Version Control from the
// updater), Jobs history, Notifications history, Block Rewards. WAI-ARIA tabs: arrow keys, Home and
// End move between tabs; only the active tab is in the Tab order; a panel loads when first shown.
import { useRef, useState, type KeyboardEvent } from 'react';
import type { JobsHistory, NetworkStatus, NoticeHistory, UpdateStatus } from '../../preload/contract/index.ts';
import { api } from '../api';
import { arrowMove } from './arrow-keys';
import { usePoll } from './usePoll';
import { useApp } from '../store/app';
import { RewardsTable } from './RewardsTable';
import { Time } from './Time';
import { RayNode } from './RayNode';
import { coins } from '../format';

const TABS = [
  { id: 'services', label: 'Services' },
  { id: 'jobs', label: 'Jobs history' },
  { id: 'notices', label: 'Notifications history' },
  { id: 'rewards', label: 'Block Rewards' },
] as const;
type TabId = (typeof TABS)[number]['id'];

export function DeviceTabs() {
  const deviceId = useApp((s) => s.status?.deviceId);
  const [active, setActive] = useState<TabId>('services');
  const refs = useRef(new Map<TabId, HTMLButtonElement>());

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const next = arrowMove(event.key, TABS.findIndex((t) => t.id === active), TABS.length, 'horizontal');
    if (next === null) return;
    event.preventDefault();
    const id = TABS[next]!.id;
    setActive(id);
    refs.current.get(id)?.focus();
  };

  return (
    <section className="card tabs-card" aria-label="Device history">
      <div role="tablist" aria-label="Device history" className="tablist" onKeyDown={onKeyDown}>
        {TABS.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              if (el) refs.current.set(t.id, el);
              else refs.current.delete(t.id);
            }}
            type="button"
            role="tab"
            id={`device-tab-${t.id}`}
            aria-selected={active === t.id}
            aria-controls={`device-panel-${t.id}`}
            tabIndex={active === t.id ? 0 : -1}
            onClick={() => setActive(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      {TABS.map((t) => (
        <div key={t.id} role="tabpanel" id={`device-panel-${t.id}`} aria-labelledby={`device-tab-${t.id}`} hidden={active !== t.id} tabIndex={0} className="tabpanel">
          {active === t.id ? <Panel id={t.id} deviceId={deviceId} /> : null}
        </div>
      ))}
    </section>
  );
}

function Panel({ id, deviceId }: { id: TabId; deviceId?: string }) {
  switch (id) {
    case 'services':
      return <Services />;
    case 'jobs':
      return <Jobs />;
    case 'notices':
      return <Notices />;
    case 'rewards':
      return <RewardsTable caption="Block Rewards of this device" device={deviceId} pageSize={20} compact />;
  }
}


const UPDATE_STATE: Record<UpdateStatus['state'], { state: 'running' | 'stopped' | 'failing'; label: string }> = {
  idle: { state: 'running', label: 'Up to date' },
  checking: { state: 'running', label: 'Checking' },
  downloading: { state: 'running', label: 'Downloading' },
  ready: { state: 'running', label: 'Update ready' },
  error: { state: 'failing', label: 'Failing' },
  unsupported: { state: 'stopped', label: 'Manual updates' },
};
const SERVICE_LABEL = { running: 'Running', stopped: 'Stopped', failing: 'Failing' } as const;

function Services() {
  const network = usePoll<NetworkStatus>(() => api.request('worker.eligibility', {}), 10_000);
  const updates = usePoll<UpdateStatus>(() => api.request('updates.status', {}), 60_000);
  const rows: { name: string; state: 'running' | 'stopped' | 'failing'; label: string; detail: string; ray?: NetworkStatus['services'][number]['ray'] }[] = [];
  if (updates.value) {
    const u = UPDATE_STATE[updates.value.state];
    rows.push({ name: 'Version Control', state: u.state, label: u.label, detail: `Version ${updates.value.currentVersion}. ${updates.value.detail}` });
  }
  for (const s of network.value?.services ?? []) {
    if (/^version control$/i.test(s.name)) continue; // the updater above says it first-hand
    rows.push({ name: s.name, state: s.state, label: SERVICE_LABEL[s.state], detail: s.detail, ray: s.ray });
  }
  return (
    <>
      {network.error ? <p className="error">Network services unavailable: {network.error}</p> : null}
      {updates.error ? <p className="error">Updater unavailable: {updates.error}</p> : null}
      {network.value && network.value.services.length === 0 ? (
        <p className="muted">{network.value.connection === 'none' ? 'This worker runs without a network, so Monitor and Ray are not running.' : 'The network session has not reported its services yet.'}</p>
      ) : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Service</th>
            <th scope="col">State</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name}>
              <td>{r.name}</td>
              <td>
                <span className={`pill pill-${r.state === 'running' ? 'ok' : r.state === 'failing' ? 'bad' : 'idle'}`}>{r.label}</span>
              </td>
              <td className="muted">{r.detail}{r.ray ? <RayNode node={r.ray} /> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

const hoursMinutes = (minutes: number) => (minutes < 60 ? `${Math.round(minutes)} min` : `${Math.floor(minutes / 60)} h ${Math.round(minutes % 60)} min`);

function Jobs() {
  const { value, error } = usePoll<JobsHistory>(() => api.request('jobs.list', { limit: 100 }));
  if (error) return <p className="error">Jobs history unavailable: {error}</p>;
  if (!value) return <p className="muted">Loading…</p>;
  if (value.hires.length === 0 && value.jobs.length === 0) {
    return (
      <p className="muted empty-note" data-testid="jobs-empty">
        No jobs yet. When someone hires this machine, the hire and the workloads it runs (benchmark, Ray, containers)
        are listed here with how long they ran.
      </p>
    );
  }
  return (
    <>
      <h3 className="table-title">Hires</h3>
      {value.hires.length === 0 ? <p className="muted">No hires yet.</p> : (
        <table>
          <thead>
            <tr>
              <th scope="col">Hire</th>
              <th scope="col">Started</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">Served</th>
              <th scope="col" className="num">Paid</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {value.hires.map((h) => (
              <tr key={h.id}>
                <td className="mono">{h.id}</td>
                <td><Time t={h.started} /></td>
                <td>{h.status}</td>
                <td className="num">{hoursMinutes(h.minutesServed)}</td>
                <td className="num">{h.paid > 0 ? coins(h.paid) : '–'}</td>
                <td className="muted">{h.detail ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3 className="table-title">Jobs</h3>
      {value.jobs.length === 0 ? <p className="muted">No workloads recorded.</p> : (
        <table>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Kind</th>
              <th scope="col">Started</th>
              <th scope="col">Status</th>
              <th scope="col">Exit code</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {value.jobs.map((j) => (
              <tr key={j.id}>
                <td className="mono">{j.id}</td>
                <td>{j.kind}</td>
                <td><Time t={j.started} /></td>
                <td>{j.status}</td>
                <td>{j.exitCode ?? '–'}</td>
                <td className="muted">{j.detail ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Notices() {
  const { value, error } = usePoll<NoticeHistory>(() => api.request('notices.list', { limit: 200 }));
  if (error) return <p className="error">Notifications history unavailable: {error}</p>;
  if (!value) return <p className="muted">Loading…</p>;
  if (value.length === 0) {
    return (
      <p className="muted empty-note" data-testid="notices-empty">
        No notifications yet. Temperature and power warnings, network messages and history problems are kept here.
      </p>
    );
  }
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Level</th>
          <th scope="col">Notification</th>
        </tr>
      </thead>
      <tbody>
        {value.map((n) => (
          <tr key={n.id}>
            <td><Time t={n.t} /></td>
            <td>
              <span className={`pill pill-${n.level === 'error' ? 'bad' : n.level === 'warning' ? 'warn' : 'idle'}`}>{n.level}</span>
            </td>
            <td>
              <strong>{n.title}</strong>
              <div className="muted small">{n.body}</div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
