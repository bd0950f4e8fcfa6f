// Settings: what the core stores for this machine. The worker validates every change; a refused
// value comes back with the field and the reason.
import { useEffect, useState } from 'react';
import type { Settings as SettingsShape, UpdateStatus } from '../../preload/contract/index.ts';
import { api, ApiError } from '../api';
import { NetworkInUse } from '../components/NetworkInUse';
import { useApp } from '../store/app';
import { localTimeZone } from '../format';
import { usePoll } from '../components/usePoll';
import { AlertSettings } from '../components/AlertSettings';
import { LendingSettings } from '../components/LendingSettings';
import { MetricsSettings } from '../components/MetricsSettings';

const SECRETS_LABEL = {
  keytar: 'the OS keychain',
  'safe-storage': 'an encrypted file (Electron safeStorage)',
  file: 'a private 0600 file you opted into',
  memory: 'memory only (lost at restart)',
} as const;

export function Settings() {
  const settings = useApp((s) => s.settings);
  const save = useApp((s) => s.saveSettings);
  const secrets = useApp((s) => s.status?.secretsBackend);
  const runtime = useApp((s) => s.status?.runtime);
  const [draft, setDraft] = useState<SettingsShape | null>(settings);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  useEffect(() => setDraft(settings), [settings]);
  if (!draft) {
    return (
      <div className="page">
        <h1>Settings</h1>
        <p className="muted">Loading…</p>
      </div>
    );
  }

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    try {
      const { theme, sampleIntervalMs, limits, network, energy, desktop } = draft;
      await save({ theme, sampleIntervalMs, limits, network, energy, desktop });
      setMessage({ kind: 'ok', text: 'Saved.' });
    } catch (error) {
      const text =
        error instanceof ApiError && error.issues?.length
          ? error.issues.map((i) => `${i.path}: ${i.message}`).join('; ')
          : (error as Error).message;
      setMessage({ kind: 'error', text });
    }
  };
  const num = (value: string) => (value === '' ? null : Number(value));
  const limit = (key: keyof SettingsShape['limits'], value: string) => setDraft({ ...draft, limits: { ...draft.limits, [key]: num(value) } });
  const energy = (patch: Partial<SettingsShape['energy']>) => setDraft({ ...draft, energy: { ...draft.energy, ...patch } });
  const desktop = (patch: Partial<SettingsShape['desktop']>) => setDraft({ ...draft, desktop: { ...draft.desktop, ...patch } });
  const embedded = draft.network === 'embedded';

  return (
    <div className="page">
      <h1>Settings</h1>
      <form className="card form" onSubmit={submit}>
        <fieldset>
          <legend>Network</legend>
          <label htmlFor="net-kind">Connect to</label>
          <select
            id="net-kind"
            value={embedded ? 'embedded' : 'url'}
            onChange={(e) => setDraft({ ...draft, network: e.target.value === 'embedded' ? 'embedded' : 'http://127.0.0.1:7430' })}
          >
            {/* Short enough for the field at 1280 px: a longer label was cut at "on this mac". */}
            <option value="embedded">Built-in devnet (this machine)</option>
            <option value="url">A coordinator at an address</option>
          </select>
          {!embedded ? (
            <>
              <label htmlFor="net-url">Coordinator address</label>
              <input id="net-url" className="mono" value={draft.network} onChange={(e) => setDraft({ ...draft, network: e.target.value })} />
            </>
          ) : null}
          <NetworkInUse />
          <p className="hint">A change of network applies at the next start of the worker.</p>
        </fieldset>
        <fieldset>
          <legend>Limits (the worker pauses above them)</legend>
          <label htmlFor="lim-temp">GPU core temperature, °C</label>
          <input id="lim-temp" type="number" value={draft.limits.gpuTemperatureC} onChange={(e) => limit('gpuTemperatureC', e.target.value)} />
          <label htmlFor="lim-hot">GPU hotspot, °C</label>
          <input id="lim-hot" type="number" value={draft.limits.gpuHotspotC} onChange={(e) => limit('gpuHotspotC', e.target.value)} />
          <label htmlFor="lim-mem">GPU memory temperature, °C</label>
          <input id="lim-mem" type="number" value={draft.limits.gpuMemoryTemperatureC} onChange={(e) => limit('gpuMemoryTemperatureC', e.target.value)} />
          <label htmlFor="lim-power">GPU power, W (empty: the card&apos;s own limit)</label>
          <input id="lim-power" type="number" value={draft.limits.gpuPowerW ?? ''} onChange={(e) => limit('gpuPowerW', e.target.value)} />
        </fieldset>
        <fieldset>
          <legend>Energy and prices (for Profitability)</legend>
          <label htmlFor="price">Electricity price per kWh</label>
          <input id="price" type="number" step="0.01" min="0" value={draft.energy.pricePerKWh} onChange={(e) => energy({ pricePerKWh: Number(e.target.value) })} />
          <label htmlFor="currency">Currency</label>
          <input id="currency" maxLength={3} value={draft.energy.currency} onChange={(e) => energy({ currency: e.target.value.toUpperCase() })} />
          <label htmlFor="coin">Coin price (in that currency; empty: not set)</label>
          <input id="coin" type="number" step="0.0001" min="0" value={draft.energy.coinPrice ?? ''} onChange={(e) => energy({ coinPrice: num(e.target.value) })} />
        </fieldset>
        <fieldset>
          <legend>Monitoring</legend>
          <label htmlFor="rate">Sample every</label>
          <select id="rate" value={draft.sampleIntervalMs} onChange={(e) => setDraft({ ...draft, sampleIntervalMs: Number(e.target.value) })}>
            {[250, 500, 1000, 2000, 5000, 10000].map((ms) => (
              <option key={ms} value={ms}>
                {ms < 1000 ? `${ms} ms` : `${ms / 1000} s`}
              </option>
            ))}
          </select>
        </fieldset>
        <fieldset>
          <legend>Desktop app</legend>
          <label htmlFor="login">Start at login</label>
          <input id="login" type="checkbox" checked={draft.desktop.startAtLogin} onChange={(e) => desktop({ startAtLogin: e.target.checked })} />
          <label htmlFor="tray">Closing the window keeps the worker running in the tray</label>
          <input id="tray" type="checkbox" checked={draft.desktop.closeToTray} onChange={(e) => desktop({ closeToTray: e.target.checked })} />
          <label htmlFor="notify">Desktop notifications (alerts, state changes, updates)</label>
          <input id="notify" type="checkbox" checked={draft.desktop.notifications} onChange={(e) => desktop({ notifications: e.target.checked })} />
          <label htmlFor="channel">Update channel</label>
          <select id="channel" value={draft.desktop.updateChannel} onChange={(e) => desktop({ updateChannel: e.target.value as 'stable' | 'beta' })}>
            <option value="stable">Stable</option>
            <option value="beta">Beta (earlier updates, less tested)</option>
          </select>
          {runtime === 'headless' ? <p className="hint">This worker runs headless: these apply when the desktop app runs.</p> : null}
        </fieldset>
        <fieldset>
          <legend>Appearance</legend>
          <label htmlFor="theme">Theme</label>
          <select id="theme" value={draft.theme} onChange={(e) => setDraft({ ...draft, theme: e.target.value as SettingsShape['theme'] })}>
            <option value="system">Follow the system</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </fieldset>
        <p className="muted small">
          Secrets (the device key) are kept in: <strong data-testid="secrets-backend">{secrets ? SECRETS_LABEL[secrets] : '–'}</strong>.
        </p>
        <div className="actions">
          <button type="submit" className="primary">
            Save settings
          </button>
          {message ? (
            <span role="status" className={message.kind === 'error' ? 'error' : 'ok'}>
              {message.text}
            </span>
          ) : null}
        </div>
      </form>
      <AlertSettings />
      <LendingSettings />
      <MetricsSettings />
      <NetworkTrust />
      <Updates />
      <DataExport />
    </div>
  );
}

const UPDATE_WORDS = {
  idle: 'Up to date',
  checking: 'Checking…',
  downloading: 'Downloading',
  ready: 'Ready to install',
  error: 'Needs attention',
  unsupported: 'Not updated by the app',
} as const;

/** The Version Control service: the running version, what the updater is doing, a check on demand. */
function Updates() {
  const [status, setStatus] = useState<UpdateStatus | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.request('updates.status', {}).then(
      (s) => live && setStatus(s),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, []);
  const check = async () => {
    setBusy(true);
    setError(null);
    try {
      setStatus(await api.request('updates.check', {}));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card section-gap" aria-labelledby="updates-title">
      <h2 id="updates-title">Updates</h2>
      {status ? (
        <p data-testid="update-status">
          Version <span className="mono">{status.currentVersion}</span> ({status.channel}): <strong>{UPDATE_WORDS[status.state]}</strong>
          {status.availableVersion ? <> · <span className="mono">{status.availableVersion}</span> available</> : null}. {status.detail}
          {status.lastCheckAt ? <span className="muted"> Last checked {new Date(status.lastCheckAt).toLocaleString()}.</span> : null}
        </p>
      ) : (
        <p className="muted">{error ?? 'Loading…'}</p>
      )}
      {status && status.state !== 'unsupported' ? (
        <div className="actions">
          <button type="button" onClick={check} disabled={busy || status.state === 'checking'}>
            Check now
          </button>
          {error ? <span role="status" className="error">{error}</span> : null}
        </div>
      ) : null}
    </section>
  );
}

/** Which coordinator key this worker trusts, and what waits for the owner's word (a changed key, another network). */
function NetworkTrust() {
  const { value: network, error, reload } = usePoll(() => api.request('worker.eligibility', {}), 5000);
  const [note, setNote] = useState<string | null>(null);
  const pending = network?.trustPending ?? null;
  const confirm = async () => {
    if (!pending) return;
    try {
      await api.request('network.trust', { networkId: pending.networkId, fingerprint: pending.fingerprint });
      setNote('Trusted. The worker joins the network now.');
    } catch (e) {
      setNote((e as Error).message);
    }
    reload();
  };
  return (
    <section className="card section-gap" aria-labelledby="trust-title" data-testid="network-trust">
      <h2 id="trust-title">Network security</h2>
      {!network ? (
        <p className="muted">{error ?? 'Loading…'}</p>
      ) : network.network === null ? (
        <p className="muted">This worker runs without a network.</p>
      ) : network.trust ? (
        <p>
          Network <span className="mono">{network.trust.networkId}</span>, coordinator key <span className="mono">{network.trust.fingerprint}</span>, trusted
          since {new Date(network.trust.pinnedAt).toLocaleString()}. Every message from it is checked against this key.
        </p>
      ) : (
        <p className="muted">Not connected yet: the key is pinned at the first connection.</p>
      )}
      {pending ? (
        <div className="trust-pending" role="alert">
          <p>
            {pending.reason === 'key-changed' ? (
              <>
                <strong>The network’s key changed.</strong> It was <span className="mono">{pending.pinnedFingerprint}</span>; it now presents{' '}
                <span className="mono">{pending.fingerprint}</span>. Someone may be impersonating it. The worker does not talk to it until you confirm.
              </>
            ) : (
              <>
                <strong>Another network answers here</strong> (<span className="mono">{pending.networkId}</span>, key <span className="mono">{pending.fingerprint}</span>). Confirm to join it.
              </>
            )}
          </p>
          <div className="actions">
            <button type="button" onClick={confirm}>
              Trust this key
            </button>
            {note ? <span role="status">{note}</span> : null}
          </div>
        </div>
      ) : null}
    </section>
  );
}

/** CSV exports of the local ledger, straight to the browser's downloads. */
function DataExport() {
  const [note, setNote] = useState<string | null>(null);
  const download = async (what: 'telemetry' | 'uptime' | 'rewards') => {
    try {
      const result = await api.request('export', { what, timeZone: localTimeZone() });
      const url = URL.createObjectURL(new Blob([result.csv], { type: 'text/csv' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = result.filename;
      a.click();
      URL.revokeObjectURL(url);
      setNote(`${result.filename}: ${result.rows} rows${result.truncated ? ' (the newest part; use `io-worker export` for all of it)' : ''}.`);
    } catch (error) {
      setNote((error as Error).message);
    }
  };
  return (
    <section className="card section-gap" aria-labelledby="export-title">
      <h2 id="export-title">Data export</h2>
      <p className="muted">Your history stays on this machine. Export it as CSV:</p>
      <div className="actions">
        <button type="button" onClick={() => download('telemetry')}>Telemetry</button>
        <button type="button" onClick={() => download('uptime')}>Uptime</button>
        <button type="button" onClick={() => download('rewards')}>Rewards</button>
        {note ? <span role="status" className="muted">{note}</span> : null}
      </div>
    </section>
  );
}
