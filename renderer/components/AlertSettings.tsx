// Settings → Alerts: the owner's channels (webhook, ntfy, Telegram, e-mail) with a "Send test alert"
// each, their secrets (kept in the secret store, never shown again), and which causes alert. The
// autopilot's pauses (idle, schedule, gaming) follow in their own section.
import { useState } from 'react';
import type { AlertChannelKind, AlertSettings as AlertSettingsShape, AlertTestResult } from '../../preload/contract/index.ts';
import { ALERT_CAUSE_WORDS, ALERT_CAUSES, ALERT_CHANNEL_WORDS, ALERT_CHANNELS } from '../../preload/contract/words.ts';
import { api } from '../api';
import { useApp } from '../store/app';
import { AutopilotSettings } from './AutopilotSettings';
import { usePoll } from './usePoll';

const SECRET_WORDS: Record<AlertChannelKind, string> = {
  webhook: 'Signing secret (HMAC-SHA256, optional)',
  ntfy: 'Access token (optional)',
  telegram: 'Bot token',
  email: 'SMTP password',
};

const RULES_GRID = { gridColumn: '1 / -1', display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(260px, 1fr))', gap: '8px 16px' } as const;
const RULE_ROW = { display: 'flex', gap: 8, alignItems: 'flex-start' } as const;

export function errorText(error: unknown): string {
  // The worker's message names the field in the user's words (field-words.ts); the raw issues are for tools.
  return (error as Error).message;
}

export function AlertSettings() {
  const settings = useApp((s) => s.settings);
  const save = useApp((s) => s.saveSettings);
  const [draft, setDraft] = useState<AlertSettingsShape | null>(null);
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [tests, setTests] = useState<Partial<Record<AlertChannelKind, AlertTestResult | string>>>({});
  const [secretDraft, setSecretDraft] = useState<Partial<Record<AlertChannelKind, string>>>({});
  const { value: status, reload } = usePoll(() => api.request('alerts.status', {}), 10_000);
  const alerts = draft ?? settings?.alerts ?? null;
  if (!settings || !alerts) return null;
  const edit = (patch: Partial<AlertSettingsShape>) => setDraft({ ...alerts, ...patch });
  const channel = <K extends AlertChannelKind>(kind: K, patch: Partial<AlertSettingsShape[K]>) => edit({ [kind]: { ...alerts[kind], ...patch } } as Partial<AlertSettingsShape>);
  const text = (value: string) => (value.trim() === '' ? null : value.trim());

  const saveAlerts = async () => {
    try {
      await save({ alerts });
      setDraft(null);
      setNote({ kind: 'ok', text: 'Saved.' });
    } catch (error) {
      setNote({ kind: 'error', text: errorText(error) });
    }
  };
  const saveSecret = async (kind: AlertChannelKind, value: string | null) => {
    try {
      await api.request('alerts.secret', { channel: kind, secret: value });
      setSecretDraft({ ...secretDraft, [kind]: '' });
      reload();
    } catch (error) {
      setTests({ ...tests, [kind]: errorText(error) });
    }
  };
  const test = async (kind: AlertChannelKind) => {
    setTests({ ...tests, [kind]: 'Sending…' });
    try {
      if (draft) await save({ alerts }); // test what is on the page
      setDraft(null);
      setTests((t) => ({ ...t, [kind]: undefined }));
      const result = await api.request('alerts.test', { channel: kind });
      setTests((t) => ({ ...t, [kind]: result }));
    } catch (error) {
      setTests((t) => ({ ...t, [kind]: errorText(error) }));
    }
  };

  const fields: Record<AlertChannelKind, React.ReactNode> = {
    webhook: (
      <>
        <label htmlFor="al-webhook-url">URL (receives a JSON POST)</label>
        <input id="al-webhook-url" className="mono" value={alerts.webhook.url ?? ''} onChange={(e) => channel('webhook', { url: text(e.target.value) })} />
      </>
    ),
    ntfy: (
      <>
        <label htmlFor="al-ntfy-base">Server</label>
        <input id="al-ntfy-base" className="mono" value={alerts.ntfy.baseUrl} onChange={(e) => channel('ntfy', { baseUrl: e.target.value })} />
        <label htmlFor="al-ntfy-topic">Topic</label>
        <input id="al-ntfy-topic" className="mono" value={alerts.ntfy.topic ?? ''} onChange={(e) => channel('ntfy', { topic: text(e.target.value) })} />
      </>
    ),
    telegram: (
      <>
        <label htmlFor="al-tg-chat">Chat id</label>
        <input id="al-tg-chat" className="mono" value={alerts.telegram.chatId ?? ''} onChange={(e) => channel('telegram', { chatId: text(e.target.value) })} />
        <label htmlFor="al-tg-base">Bot API address</label>
        <input id="al-tg-base" className="mono" value={alerts.telegram.baseUrl} onChange={(e) => channel('telegram', { baseUrl: e.target.value })} />
      </>
    ),
    email: (
      <>
        <label htmlFor="al-mail-host">SMTP server</label>
        <input id="al-mail-host" className="mono" value={alerts.email.host ?? ''} onChange={(e) => channel('email', { host: text(e.target.value) })} />
        <label htmlFor="al-mail-port">Port</label>
        <input id="al-mail-port" type="number" min={1} max={65535} value={alerts.email.port} onChange={(e) => channel('email', { port: Number(e.target.value) })} />
        <label htmlFor="al-mail-tls">TLS from the start (port 465)</label>
        <input id="al-mail-tls" type="checkbox" checked={alerts.email.secure} onChange={(e) => channel('email', { secure: e.target.checked })} />
        <label htmlFor="al-mail-user">User name</label>
        <input id="al-mail-user" value={alerts.email.user ?? ''} onChange={(e) => channel('email', { user: text(e.target.value) })} />
        <label htmlFor="al-mail-from">From</label>
        <input id="al-mail-from" type="email" value={alerts.email.from ?? ''} onChange={(e) => channel('email', { from: text(e.target.value) })} />
        <label htmlFor="al-mail-to">To</label>
        <input id="al-mail-to" type="email" value={alerts.email.to ?? ''} onChange={(e) => channel('email', { to: text(e.target.value) })} />
      </>
    ),
  };

  return (
    <>
      <section className="card section-gap form" aria-labelledby="alerts-title" data-testid="alert-settings">
        <h2 id="alerts-title">Alerts</h2>
        <p className="muted">
          Reach you away from this machine. The network itself says when this machine goes offline (webhook, ntfy and Telegram):{' '}
          <strong data-testid="alerts-registered">{status?.registeredWithNetwork ? 'registered with the network' : 'not registered with the network yet'}</strong>.
          Every alert, sent or not, is listed in Notifications.
        </p>
        {ALERT_CHANNELS.map((kind) => {
          const result = tests[kind];
          return (
            <fieldset key={kind} data-testid={`alert-channel-${kind}`}>
              <legend>{ALERT_CHANNEL_WORDS[kind].charAt(0).toUpperCase() + ALERT_CHANNEL_WORDS[kind].slice(1)}</legend>
              <label htmlFor={`al-${kind}-on`}>On</label>
              <input id={`al-${kind}-on`} type="checkbox" checked={alerts[kind].enabled} onChange={(e) => channel(kind, { enabled: e.target.checked })} />
              {fields[kind]}
              <label htmlFor={`al-${kind}-secret`}>
                {SECRET_WORDS[kind]} {status?.secrets[kind] ? '(set)' : '(not set)'}
              </label>
              <span className="actions">
                <input id={`al-${kind}-secret`} type="password" autoComplete="off" value={secretDraft[kind] ?? ''} onChange={(e) => setSecretDraft({ ...secretDraft, [kind]: e.target.value })} />
                <button type="button" disabled={!secretDraft[kind]} onClick={() => void saveSecret(kind, secretDraft[kind] ?? null)}>Keep</button>
                {status?.secrets[kind] ? <button type="button" onClick={() => void saveSecret(kind, null)}>Remove</button> : null}
              </span>
              <div className="actions" style={{ gridColumn: '1 / -1' }}>
                <button type="button" onClick={() => void test(kind)}>Send test alert</button>
                {result ? (
                  <span role="status" className={typeof result === 'string' ? 'muted' : result.ok ? 'ok' : 'error'}>
                    {typeof result === 'string' ? result : `${result.ok ? 'Sent' : 'Not sent'}: ${result.detail} (${Math.round(result.ms)} ms)`}
                  </span>
                ) : null}
              </div>
            </fieldset>
          );
        })}
        <fieldset>
          <legend>What alerts you</legend>
          {/* The rules in their own grid across both columns, so the fields after them keep label beside input. */}
          <div style={RULES_GRID}>
            {ALERT_CAUSES.filter((c) => c !== 'test').map((cause) => (
              <span key={cause} className="check-row" style={RULE_ROW}>
                <input id={`al-rule-${cause}`} type="checkbox" style={{ flexShrink: 0 }} checked={alerts.rules[cause] !== false} onChange={(e) => edit({ rules: { ...alerts.rules, [cause]: e.target.checked } })} />
                <label htmlFor={`al-rule-${cause}`}>{ALERT_CAUSE_WORDS[cause]}</label>
              </span>
            ))}
          </div>
          <label htmlFor="al-repeat">At most one message per cause every (minutes)</label>
          <input id="al-repeat" type="number" min={1} max={1440} value={alerts.repeatMinutes} onChange={(e) => edit({ repeatMinutes: Number(e.target.value) })} />
          <label htmlFor="al-offline">Offline after no heartbeat for (seconds)</label>
          <input id="al-offline" type="number" min={10} max={86400} value={alerts.offlineAfterSeconds} onChange={(e) => edit({ offlineAfterSeconds: Number(e.target.value) })} />
        </fieldset>
        <div className="actions">
          <button type="button" className="primary" onClick={() => void saveAlerts()} disabled={!draft}>Save alerts</button>
          {note ? <span role="status" className={note.kind === 'error' ? 'error' : 'ok'}>{note.text}</span> : null}
        </div>
      </section>
      <AutopilotSettings />
    </>
  );
}
