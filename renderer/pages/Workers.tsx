// Workers: the network's public explorer. Every device with its status, hire status, up-for time,
// type and quantity; filter, sort, search, and a details panel for the one you pick.
import { useMemo, useState } from 'react';
import type { NetworkDevices } from '../../preload/contract/index.ts';
import { api } from '../api';
import { Time } from '../components/Time';
import { duration } from '../components/UptimeBar';
import { usePoll } from '../components/usePoll';
import { coins } from '../format';
import { DEVICE_STATUS_WORDS, HIRE_STATUS_WORDS } from '../../preload/contract/words.ts';
import { useApp } from '../store/app';
import { useNetwork } from '../store/network';

type Device = NetworkDevices['devices'][number];
type SortKey = 'name' | 'status' | 'hireStatus' | 'upForSeconds' | 'model' | 'quantity' | 'tier';

const STATUS_LABEL: Record<Device['status'], string> = DEVICE_STATUS_WORDS;

/** "2 (1 idle, 1 offline)": the parts always add up to the total (an offline device is neither hired nor idle). */
function split(c: { total: number; hired: number; idle: number }): string {
  const offline = c.total - c.hired - c.idle;
  const parts = [c.hired ? `${c.hired} hired` : null, c.idle ? `${c.idle} idle` : null, offline > 0 ? `${offline} offline` : null].filter(Boolean);
  return parts.length ? `${c.total} (${parts.join(', ')})` : String(c.total);
}

export function Workers() {
  const { value: data, error } = usePoll<NetworkDevices>(() => api.request('network.devices', {}), 10_000);
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState<'all' | Device['status']>('all');
  const [kind, setKind] = useState<'all' | 'GPU' | 'CPU'>('all');
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'upForSeconds', dir: -1 });
  const [selected, setSelected] = useState<string | null>(null);
  const ownId = useApp((s) => s.status?.deviceId);
  const away = !!useNetwork().value?.offline;


  const rows = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (data?.devices ?? [])
      .filter((d) => status === 'all' || d.status === status)
      .filter((d) => kind === 'all' || d.processorType === kind)
      .filter((d) => !q || [d.name, d.id, d.model, d.account].some((v) => v?.toLowerCase().includes(q)))
      .sort((a, b) => {
        const x = a[sort.key];
        const y = b[sort.key];
        return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * sort.dir;
      });
  }, [data, query, status, kind, sort]);
  const picked = data?.devices.find((d) => d.id === selected) ?? null;

  const header = (key: SortKey, label: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="th-button" onClick={() => setSort((s) => ({ key, dir: s.key === key ? ((-s.dir) as 1 | -1) : 1 }))}>
        {label}
        {sort.key === key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}
      </button>
    </th>
  );

  return (
    <div className="page">
      <h1>Workers</h1>
      {error || away ? (
        // The transport's own error ("fetch failed") says nothing to a person: the list comes from the network, which is away.
        <p className="card warning-text" data-testid="workers-unreachable" title={error ?? undefined}>
          {data
            ? 'The network cannot be reached: this list is the last one it gave and may be out of date.'
            : 'The network cannot be reached, and only it lists the devices: they show here once it answers.'}
        </p>
      ) : null}
      {data ? (
        <div className="stats card">
          <Total label="Devices online" value={`${data.totals.online} of ${data.totals.devices}`} />
          <Total label="GPUs" value={split(data.totals.gpus)} id="workers-gpus" />
          <Total label="CPUs" value={split(data.totals.cpus)} />
          <Total label="Coins distributed" value={coins(data.totals.coinsDistributed)} />
          <Total label="Blocks" value={String(data.totals.blocks)} />
        </div>
      ) : null}
      {data ? (
      <section className="card section-gap" aria-label="Devices on the network">
        <div className="filters">
          <label className="sr-only" htmlFor="worker-search">
            Search devices
          </label>
          <input id="worker-search" type="search" placeholder="Search by name, ID or model" value={query} onChange={(e) => setQuery(e.target.value)} />
          <label htmlFor="worker-status">Status</label>
          <select id="worker-status" value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="all">All</option>
            {Object.entries(STATUS_LABEL).map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
          <label htmlFor="worker-kind">Type</label>
          <select id="worker-kind" value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
            <option value="all">GPU and CPU</option>
            <option value="GPU">GPU</option>
            <option value="CPU">CPU</option>
          </select>
          <span className="muted small">{rows.length} shown</span>
        </div>
        {data && rows.length === 0 ? <p className="muted">No device matches these filters.</p> : null}
        {rows.length ? (
          <table data-testid="workers-table">
            <thead>
              <tr>
                {header('name', 'Device')}
                {header('status', 'Status')}
                {header('hireStatus', 'Hire status')}
                {header('upForSeconds', 'Up for')}
                {header('model', 'Device type')}
                {header('quantity', 'Quantity')}
                {header('tier', 'Tier')}
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.id} className={selected === d.id ? 'selected' : undefined}>
                  <td>
                    <button type="button" className="link" onClick={() => setSelected(d.id)}>
                      {/* Only the owner sees a device's name; the network shows the others by id. */}
                      {d.name ?? <span className="mono">{d.id}</span>}
                    </button>
                    {d.id === ownId ? <span className="badge">this machine</span> : null}
                  </td>
                  <td>
                    <span className={`pill pill-${d.status}`}>{STATUS_LABEL[d.status]}</span>
                  </td>
                  <td>{HIRE_STATUS_WORDS[d.hireStatus] ?? d.hireStatus}</td>
                  <td>{d.upForSeconds > 0 ? duration(d.upForSeconds) : '–'}</td>
                  <td>
                    {d.processorType} · {d.model}
                  </td>
                  <td>{d.quantity}</td>
                  <td>{d.tier}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      ) : !error && !away ? (
        <p className="muted card section-gap">Loading the network…</p>
      ) : null}
      {picked ? (
        <section className="card section-gap" aria-labelledby="worker-detail">
          <header className="card-head">
            <h2 id="worker-detail">{picked.name ?? picked.id}</h2>
            <button type="button" onClick={() => setSelected(null)}>
              Close
            </button>
          </header>
          <dl className="facts">
            <dt>Device ID</dt>
            <dd className="mono">{picked.id}</dd>
            <dt>Account</dt>
            <dd className="mono">{picked.account ?? 'another owner’s (not public)'}</dd>
            <dt>Status</dt>
            <dd>{STATUS_LABEL[picked.status]}, {(HIRE_STATUS_WORDS[picked.hireStatus] ?? picked.hireStatus).toLowerCase()}</dd>
            <dt>Hardware</dt>
            <dd>
              {picked.quantity} × {picked.model} ({picked.processorType})
            </dd>
            <dt>Connectivity tier</dt>
            <dd>{picked.tier} of 4</dd>
            <dt>Up for</dt>
            <dd>{picked.upForSeconds > 0 ? duration(picked.upForSeconds) : 'offline'}</dd>
            <dt>Last seen</dt>
            <dd>{picked.lastSeen ? <Time t={picked.lastSeen} /> : 'never'}</dd>
          </dl>
        </section>
      ) : null}
    </div>
  );
}

function Total({ label, value, id }: { label: string; value: string; id?: string }) {
  return (
    <div className="stat">
      <div className="stat-value" data-testid={id}>{value}</div>
      <div className="stat-label">{label}</div>
    </div>
  );
}
