// Home's eligibility card: the network's judgement of this device, its one streak (the countdown
// and "Up for"), the Pause button that says what a pause costs, and each rule's state in words.
import { useEffect, useReducer, useState, type ReactNode } from 'react';
import type { CheckState, NetworkStatus } from '../../preload/contract/index.ts';
import { CHECK_WORDS, PAUSE_SOURCE_WORDS } from '../../preload/contract/words.ts';
import { api } from '../api';
import { clockDuration, clockTime, coins } from '../format';
import { reloadNetwork, streakSeconds, useNetwork, type NetworkView } from '../store/network';
import { BlockLink } from './BlockLink';
import { duration } from './UptimeBar';
import { IdleUseLine } from './IdleUseLine';
import { ScheduleAheadLine } from './ScheduleAheadLine';
import { Ticking } from './useNow';

const CHECK_MARK: Record<CheckState, string> = { ok: '✓', failing: '✗', 'not-required': '–', unknown: '?', pending: '…' };

export function Eligibility() {
  const view = useNetwork();
  const network = view.value;
  const [busy, setBusy] = useState(false);
  useRenderAtCrossing(view);
  const [asking, setAsking] = useState(false);
  if (view.error && !network) return <section className="card error section-gap">Network status unavailable: {view.error}</section>;
  if (!network) return null;
  if (network.connection === 'none') {
    return (
      <section className="card section-gap">
        <h2>Not on a network</h2>
        <p className="muted">This worker runs without a network, so it cannot earn. Choose one in <a href="#/settings">Settings</a>.</p>
      </section>
    );
  }
  const pause = async (paused: boolean) => {
    setBusy(true);
    setAsking(false);
    await api.request('worker.pause', { paused }).finally(() => setBusy(false));
    await reloadNetwork();
  };
  // The shape of the card at this render; the counts in it tick by themselves (<Ticking>).
  const streak = streakSeconds(view, Date.now());
  const streakAt = (now: number) => clockDuration(streakSeconds(view, now) ?? 0);
  const offline = network.offline;
  return (
    <section className="card eligibility" aria-labelledby="elig-title">
      <header className="card-head">
        <h2 id="elig-title">
          {offline
            ? 'Eligibility unknown while the network cannot be reached'
            : network.eligible
              ? 'Eligible for block rewards'
              : network.eligible === false
                ? // "Not yet" promises it will come by itself; a pause holds it until it ends.
                  network.pausedBy.length > 0
                  ? 'Paused: not earning block rewards'
                  : 'Not yet eligible for block rewards'
                : 'Waiting for the network’s first judgement'}
        </h2>
        {network.pausedBy.some((p) => p.source === 'user') ? (
          <button type="button" className="primary" disabled={busy} onClick={() => void pause(false)}>
            Resume earning
          </button>
        ) : (
          <button type="button" disabled={busy || asking} onClick={() => setAsking(true)}>
            Pause
          </button>
        )}
      </header>
      {asking ? (
        // A pause costs block rewards under the network's rule (docs/protocol.md, "Pauses"): said before it happens.
        <div className="confirm" role="group" aria-label="Pause earning?" data-testid="pause-confirm">
          <p>
            <strong>Pause earning?</strong> While paused this device is left out of every block and earns no block rewards. Your uptime
            streak is kept, so rewards start again at the first block after you resume.
          </p>
          <button type="button" className="danger" onClick={() => void pause(true)}>
            Pause
          </button>
          <button type="button" onClick={() => setAsking(false)}>
            Keep earning
          </button>
        </div>
      ) : null}
      {network.pausedBy.length > 0 ? (
        <p className="paused-by" data-testid="paused-by">
          {network.pausedBy.map((p) => `${capital(PAUSE_SOURCE_WORDS[p.source])}${p.detail ? `: ${p.detail}` : ''}.`).join(' ')}
          {network.pausedBy.some((p) => p.source !== 'user') ? ' Resumes by itself when that clears.' : ''}
        </p>
      ) : null}
      <Countdown view={view} network={network} streak={streak} />
      <IdleUseLine />
      {streak !== null ? (
        <p className="muted small" data-testid="up-for-line">
          Up without a break, as the network counts it{offline ? ` (stopped at ${clockTime(offline.since)}: the network cannot be reached)` : ''}, for{' '}
          <Ticking as="strong" testId="up-for" read={streakAt} />
        </p>
      ) : null}
      <ul className="checklist" data-testid="eligibility">
        {network.checks.map((check) => (
          <li key={check.id} className={check.state === 'ok' ? 'ok' : check.state === 'failing' ? 'fail' : 'unknown'} data-state={check.state}>
            <span aria-hidden="true">{CHECK_MARK[check.state]}</span>
            <span>
              <strong>{CHECK_WORDS[check.id as keyof typeof CHECK_WORDS] ?? check.id}</strong>
              <span className="muted"> · {checkDetail(check, network, streak === null ? null : streakAt)}</span>
              {check.state === 'failing' && check.id === 'wallet' ? (
                <>
                  {' '}
                  <a href="#/wallet">Set your wallet</a>
                </>
              ) : null}
              {/* A block's result changed this rule: the block it was, to see why. */}
              {check.state === 'failing' && check.id === 'proofs' && network.lastBlock ? <> <BlockLink block={network.lastBlock.block} /></> : null}
            </span>
          </li>
        ))}
      </ul>
      {network.lastBlock ? (
        <p className="muted small">
          Last block #{network.lastBlock.block}: {network.lastBlock.status}
          {network.lastBlock.status === 'Completed' ? `, ${coins(network.lastBlock.reward)}.` : network.lastBlock.reason ? `. ${network.lastBlock.reason}` : '.'}{' '}
          <BlockLink block={network.lastBlock.block} />
        </p>
      ) : null}
    </section>
  );
}

const capital = (text: string) => `${text[0]!.toUpperCase()}${text.slice(1)}`;

/**
 * Renders the card again when the streak reaches the network's minimum, where its sentences change;
 * between renders the counts tick by themselves.
 */
function useRenderAtCrossing(view: NetworkView): void {
  const [, render] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const min = view.value?.minUptimeSeconds;
    const streak = streakSeconds(view, Date.now());
    if (!view.value?.streak?.running || streak === null || min == null || streak >= min) return;
    const timer = setTimeout(render, (min - streak) * 1000 + 50);
    return () => clearTimeout(timer);
  }, [view]);
}

/** A check's line: the network's words, except where the page knows better now (unknown, the streak). */
function checkDetail(check: NetworkStatus['checks'][number], network: NetworkStatus, streakAt: ((now: number) => string) | null): ReactNode {
  if (check.state === 'unknown') {
    return `unknown since ${check.knownAt ? clockTime(check.knownAt) : clockTime(network.offline?.since ?? Date.now())}: only the network can judge this, and it cannot be reached`;
  }
  if (check.state === 'not-required') return check.detail;
  if (check.id === 'uptime' && streakAt !== null && network.minUptimeSeconds !== null) {
    return network.minUptimeSeconds <= 0 ? (
      'not required by this network'
    ) : (
      <>
        the network asks for {duration(network.minUptimeSeconds)} without a break; up for <Ticking read={streakAt} />
      </>
    );
  }
  return check.detail;
}

/** Time left until the uptime rule passes, ticking while the session runs; stopped, with why, while it does not. */
function Countdown({ view, network, streak }: { view: NetworkView; network: NetworkStatus; streak: number | null }) {
  const uptime = network.checks.find((c) => c.id === 'uptime');
  const min = network.minUptimeSeconds;
  if (!uptime || uptime.state === 'ok' || uptime.state === 'not-required' || streak === null || min === null || min <= 0) return null;
  const left = (now: number) => clockDuration(Math.max(0, min - (streakSeconds(view, now) ?? 0)));
  if (network.offline) {
    return (
      <p className="countdown stopped" data-testid="eligibility-countdown">
        Countdown stopped at {clockTime(network.offline.since)}: the network cannot be reached, so it is not counting this device’s uptime.
        It goes on once the network answers again.
      </p>
    );
  }
  if (network.pausedBy.length > 0 && streak < min) {
    return (
      <>
        <p className="countdown" data-testid="eligibility-countdown">
          The streak keeps counting while paused. Unbroken uptime still needed for block rewards: <Ticking as="strong" read={left} />
        </p>
        <ScheduleAheadLine endsAt={Date.now() + (min - streak) * 1000} />
      </>
    );
  }
  return (
    <>
      <p className="countdown" data-testid="eligibility-countdown">
        {streak < min ? (
          <>
            If the worker keeps running, eligible for block rewards in <Ticking as="strong" testId="countdown-left" read={left} />
          </>
        ) : (
          <>Uptime requirement met: eligibility is confirmed when the current block closes.</>
        )}
      </p>
      {streak < min ? <ScheduleAheadLine endsAt={Date.now() + (min - streak) * 1000} /> : null}
    </>
  );
}
