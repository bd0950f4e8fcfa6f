// The banner at the top of every page: the same state the tray icon shows, in words.
import { WORKER_STATE_WORDS } from '../../preload/contract/words.ts';
import { useApp } from '../store/app';
import { Time } from './Time';

export function StatusBanner() {
  const connection = useApp((s) => s.connection);
  const state = useApp((s) => s.status?.state);
  const detail = useApp((s) => s.status?.detail);
  const since = useApp((s) => s.status?.since);

  if (connection === 'closed') {
    return (
      <div className="banner banner-offline" role="status">
        <strong>Reconnecting…</strong> The dashboard lost its connection to the worker; it retries on its own.
      </div>
    );
  }
  if (!state) return <div className="banner banner-starting" role="status">Connecting to the worker…</div>;
  return (
    <div className={`banner banner-${state}`} role="status" data-state={state}>
      <span className="dot" aria-hidden="true" />
      <strong>{WORKER_STATE_WORDS[state]}</strong>
      <span className="banner-detail">{detail}</span>
      {since ? (
        <span className="banner-since">
          since <Time t={since} />
        </span>
      ) : null}
    </div>
  );
}
