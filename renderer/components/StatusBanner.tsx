// The banner at the top of every page: the same state the tray icon shows, in words. Off the
// network it says why, since when, and when the next try is, ticking, never a raw close code.
import type { Status } from '../../preload/contract/index.ts';
import { OFFLINE_CAUSE_WORDS, WORKER_STATE_WORDS } from '../../preload/contract/words.ts';
import { clockTime } from '../format';
import { useApp } from '../store/app';
import { Time } from './Time';
import { useNow } from './useNow';
import { WalletChangeBanner } from './WalletChangeBanner';

export function StatusBanner() {
  return (
    <>
      <WorkerBanner />
      <WalletChangeBanner />
    </>
  );
}

function WorkerBanner() {
  const connection = useApp((s) => s.connection);
  const state = useApp((s) => s.status?.state);
  const detail = useApp((s) => s.status?.detail);
  const since = useApp((s) => s.status?.since);
  const offline = useApp((s) => s.status?.offline ?? null);

  if (connection === 'closed') {
    return (
      <div className="banner banner-offline" role="status">
        <strong>Reconnecting…</strong> The dashboard lost its connection to the worker; it retries on its own.
      </div>
    );
  }
  if (!state) return <div className="banner banner-starting" role="status">Connecting to the worker…</div>;
  if (state === 'offline' && offline) return <OfflineBanner offline={offline} detail={detail ?? ''} />;
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

function OfflineBanner({ offline, detail }: { offline: NonNullable<Status['offline']>; detail: string }) {
  const now = useNow(1000, offline.retryAt !== null);
  const left = offline.retryAt === null ? null : Math.ceil((offline.retryAt - now) / 1000);
  return (
    <div className="banner banner-offline" role="status" data-state="offline">
      <span className="dot" aria-hidden="true" />
      <strong>{WORKER_STATE_WORDS.offline}</strong>
      <span className="banner-detail" data-testid="offline-banner">
        {/* "since" goes with the state, not the cause: "broke since 09:32" is not English. */}
        {OFFLINE_CAUSE_WORDS[offline.cause]} (off the network since {clockTime(offline.since)}).{' '}
        {left === null
          ? 'It will not reconnect on its own.'
          : left > 0
            ? <>Retrying in <span data-testid="retry-in">{left} s</span>; the worker keeps running and keeps its heartbeats.</>
            : 'Trying to reconnect now…'}
        {/* A network to confirm, a refusal: what to do is in the worker's own sentence. */}
        {offline.cause === 'not-trusted' || offline.cause === 'refused' ? <> {detail}</> : null}
      </span>
    </div>
  );
}
