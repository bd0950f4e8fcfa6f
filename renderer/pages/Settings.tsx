// Settings: what the core stores for this machine. Each change is validated by the worker.
import { useEffect, useState } from 'react';
import type { Settings as SettingsShape } from '../../preload/contract';
import { ApiError } from '../api';
import { useApp } from '../store/app';

export function Settings() {
  const settings = useApp((s) => s.settings);
  const save = useApp((s) => s.saveSettings);
  const secrets = useApp((s) => s.status?.secretsBackend);
  const [draft, setDraft] = useState<SettingsShape | null>(settings);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  useEffect(() => setDraft(settings), [settings]);
  if (!draft) return <div className="page"><h1>Settings</h1><p className="muted">Loading…</p></div>;

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    try {
      await save({
        theme: draft.theme,
        sampleIntervalMs: draft.sampleIntervalMs,
        limits: draft.limits,
      });
      setMessage({ kind: 'ok', text: 'Saved.' });
    } catch (error) {
      const text =
        error instanceof ApiError && error.issues?.length
          ? error.issues.map((i) => `${i.path}: ${i.message}`).join('; ')
          : (error as Error).message;
      setMessage({ kind: 'error', text });
    }
  };
  const limit = (key: keyof SettingsShape['limits'], value: string) =>
    setDraft({ ...draft, limits: { ...draft.limits, [key]: value === '' ? null : Number(value) } });

  return (
    <div className="page">
      <h1>Settings</h1>
      <form className="card form" onSubmit={submit}>
        <fieldset>
          <legend>Appearance</legend>
          <label htmlFor="theme">Theme</label>
          <select
            id="theme"
            value={draft.theme}
            onChange={(e) => setDraft({ ...draft, theme: e.target.value as SettingsShape['theme'] })}
          >
            <option value="system">Follow the system</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </fieldset>
        <fieldset>
          <legend>Monitoring</legend>
          <label htmlFor="rate">Sample every</label>
          <select
            id="rate"
            value={draft.sampleIntervalMs}
            onChange={(e) => setDraft({ ...draft, sampleIntervalMs: Number(e.target.value) })}
          >
            {[250, 500, 1000, 2000, 5000, 10000].map((ms) => (
              <option key={ms} value={ms}>
                {ms < 1000 ? `${ms} ms` : `${ms / 1000} s`}
              </option>
            ))}
          </select>
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
        <p className="muted small">
          Secrets (the device key) are kept in:{' '}
          <strong>{secrets === 'keytar' ? 'the OS keychain' : secrets === 'safe-storage' ? 'an encrypted file (Electron safeStorage)' : secrets === 'file' ? 'a private 0600 file you opted into' : 'memory only (lost at restart)'}</strong>
          .
        </p>
        <div className="actions">
          <button type="submit" className="primary">Save settings</button>
          {message ? <span role="status" className={message.kind === 'error' ? 'error' : 'ok'}>{message.text}</span> : null}
        </div>
      </form>
    </div>
  );
}
