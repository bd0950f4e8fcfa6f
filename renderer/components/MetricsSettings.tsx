// Settings → Prometheus: the worker's own /metrics listener (dcgm-exporter's metric names, so fleet
// dashboards in Grafana work as they are). Off by default; loopback needs no token, any other
// address the bearer token kept in the data dir's metrics-token file.
import { useState } from 'react';
import { useApp } from '../store/app';
import { errorText } from './AlertSettings';

const isLoopback = (listen: string) => /^(127\.|localhost:|\[::1\]:)/.test(listen);

export function MetricsSettings() {
  const settings = useApp((s) => s.settings);
  const runtime = useApp((s) => s.status?.runtime ?? null);
  const save = useApp((s) => s.saveSettings);
  const [draft, setDraft] = useState<{ enabled: boolean; listen: string } | null>(null);
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const metrics = draft ?? settings?.metrics ?? null;
  if (!metrics) return null;
  const submit = async () => {
    try {
      await save({ metrics });
      setDraft(null);
      setNote({ kind: 'ok', text: metrics.enabled ? `Saved. Prometheus can scrape http://${metrics.listen}/metrics now.` : 'Saved. The listener is closed.' });
    } catch (error) {
      setNote({ kind: 'error', text: errorText(error) });
    }
  };

  return (
    <section className="card section-gap form" aria-labelledby="metrics-title" data-testid="metrics-settings">
      <h2 id="metrics-title">Prometheus metrics</h2>
      <p className="hint">
        GPU temperature, power, utilization, memory and clocks under dcgm-exporter&apos;s names (DCGM_FI_DEV_GPU_TEMP, …), and the worker&apos;s
        state, streak, blocks and rewards as io_worker_* metrics, for Prometheus and Grafana.
        {runtime === 'headless' ? ' The headless worker also serves them beside this dashboard, at /metrics on its own address (loopback only without a token).' : ''}
      </p>
      <fieldset>
        <legend>A listener of its own</legend>
        <label className="check-row">
          <input type="checkbox" role="switch" checked={metrics.enabled} onChange={(e) => setDraft({ ...metrics, enabled: e.target.checked })} />
          Serve /metrics on this address
        </label>
        <label htmlFor="metrics-listen">Address (host:port)</label>
        <input id="metrics-listen" className="mono" value={metrics.listen} onChange={(e) => setDraft({ ...metrics, listen: e.target.value.trim() })} />
        <p className="hint">
          {isLoopback(metrics.listen)
            ? 'On loopback only programs on this machine can read it, so no token is asked.'
            : 'Off loopback, Prometheus must send the bearer token kept in the data dir (metrics-token); set it as bearer_token_file in its scrape config.'}
        </p>
      </fieldset>
      <div className="actions">
        <button type="button" className="primary" disabled={!draft} onClick={() => void submit()}>Save metrics settings</button>
        {note ? <span role="status" className={note.kind === 'error' ? 'error' : 'ok'}>{note.text}</span> : null}
      </div>
    </section>
  );
}
