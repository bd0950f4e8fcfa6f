// Earnings & Rewards: what this machine has earned (block rewards, hire payments, hours served),
// the last 30 days per day, the Block Rewards history, where payouts go and what was paid.
import { useMemo } from 'react';
import type { Payout, PayoutSchedule, RewardsSummary } from '../../preload/contract/index.ts';
import { PAYOUT_SETTLEMENT_WORDS, PAYOUT_STATUS_WORDS, SOLANA_CLUSTER_WORDS } from '../../preload/contract/words.ts';
import { api } from '../api';
import { BarChart, type BarSeries } from '../components/BarChart';
import { RewardsTable } from '../components/RewardsTable';
import { Time } from '../components/Time';
import { usePoll } from '../components/usePoll';
import { clockTime, coins, localTimeZone } from '../format';
import { solscanTxUrl } from '../solscan';
import { useApp } from '../store/app';
import { useNetwork } from '../store/network';
import { blockEvery } from '../components/block-cause';

const DAYS = 30;
/** Hours served: a short hire is minutes, so small values keep their digits instead of reading 0 h. */
function hours(h: number): string {
  if (h === 0) return '0 h';
  if (h < 0.01) return '< 0.01 h';
  return `${h.toLocaleString(undefined, { maximumFractionDigits: h < 10 ? 2 : 1 })} h`;
}
const countLabel = (v: number) => `${Math.round(v * 10) / 10} blocks`;
const shortDate = (date: string) => new Date(`${date}T12:00:00Z`).toLocaleDateString([], { month: 'short', day: 'numeric', timeZone: 'UTC' });

export function Earnings() {
  const { value: summary, error } = usePoll<RewardsSummary>(
    () => api.request('rewards.summary', { days: DAYS, timeZone: localTimeZone() }),
    60_000,
  );

  return (
    <div className="page">
      <h1>Earnings &amp; Rewards</h1>
      {error ? <p className="error">Earnings unavailable: {error}</p> : null}
      <Totals summary={summary} />
      <Daily summary={summary} />
      <section className="card" aria-labelledby="rewards-title">
        <h2 id="rewards-title">Block Rewards</h2>
        <RewardsTable caption="Block Rewards history" exportable />
      </section>
      <PayoutAccount />
      <Payouts />
    </div>
  );
}

function Totals({ summary }: { summary: RewardsSummary | null }) {
  const t = summary?.totals;
  return (
    <section className="card" aria-labelledby="totals-title">
      <h2 id="totals-title" className="section-title">
        Totals
      </h2>
      <div className="stats">
        <Stat id="total-block-rewards" label="Block rewards earned" value={t ? coins(t.blockRewards) : '–'} note={t ? `${t.blocksPassed} passed · ${t.blocksFailed} failed` : undefined} />
        <Stat id="total-job-earnings" label="Job earnings (hires)" value={t ? coins(t.jobEarnings) : '–'} />
        <Stat id="total-compute-hours" label="Compute hours served" value={t ? hours(t.computeHours) : '–'} />
        <Stat id="total-today" label="Earned today" value={t ? coins(t.today) : '–'} note={summary ? `since midnight, ${summary.timeZone} time` : undefined} />
      </div>
    </section>
  );
}

function Stat({ id, label, value, note }: { id: string; label: string; value: string; note?: string }) {
  return (
    <div>
      <div className="stat-value" data-testid={id}>
        {value}
      </div>
      <div className="stat-label">{label}</div>
      {note ? <div className="muted small" data-testid={`${id}-note`}>{note}</div> : null}
    </div>
  );
}

function Daily({ summary }: { summary: RewardsSummary | null }) {
  const blockSeconds = useNetwork().value?.blockSeconds ?? null;
  const charts = useMemo(() => {
    if (!summary) return null;
    const labels = summary.daily.map((d) => shortDate(d.date));
    const blocks: BarSeries[] = [
      { label: 'Passed', color: '#10b981', data: summary.daily.map((d) => d.blocksPassed) },
      { label: 'Failed', color: '#ef4444', data: summary.daily.map((d) => d.blocksFailed) },
    ];
    const amounts: BarSeries[] = [
      { label: 'Earned', color: '#3b82f6', data: summary.daily.map((d) => d.earned + d.jobEarned) },
      { label: 'Missed (failed blocks, est.)', color: '#f97316', data: summary.daily.map((d) => d.missed) },
    ];
    return { labels, blocks, amounts };
  }, [summary]);
  const w = summary?.window;
  const empty = w ? w.blocksPassed + w.blocksFailed === 0 && w.jobEarnings === 0 : false;
  return (
    <section className="card" aria-labelledby="daily-title">
      <header className="card-head">
        <h2 id="daily-title">Last {DAYS} days</h2>
        {w ? (
          <span className="muted small" data-testid="window-summary">
            {coins(w.blockRewards + w.jobEarnings)} earned · {w.blocksPassed} blocks passed · {w.blocksFailed} failed
          </span>
        ) : null}
      </header>
      {!charts ? (
        <p className="muted">Loading…</p>
      ) : empty ? (
        <p className="muted empty-note" data-testid="daily-empty">
          Nothing earned in the last {DAYS} days yet. The charts fill in as blocks close
          {blockSeconds ? ` (this network closes one every ${blockEvery(blockSeconds)})` : ''} and hires are paid.
        </p>
      ) : null}
      {charts && !empty ? (
        <div className="chart-grid">
          <div className="chart-card">
            <h3>Blocks passed vs failed, per day</h3>
            <BarChart labels={charts.labels} series={charts.blocks} format={countLabel} ariaLabel={`Blocks passed and failed per day, last ${DAYS} days`} />
          </div>
          <div className="chart-card">
            <h3>Earned vs missed, per day</h3>
            <BarChart labels={charts.labels} series={charts.amounts} format={coins} ariaLabel={`Coins earned and missed per day, last ${DAYS} days`} />
            <p className="muted small">
              Missed: what the failed blocks would have paid, estimated from this machine’s average block reward. The
              network pays a failed block nothing.
            </p>
          </div>
        </div>
      ) : null}
    </section>
  );
}

function PayoutAccount() {
  const address = useApp((s) => s.settings?.wallet.address);
  const loaded = useApp((s) => s.settings !== null);
  const deviceId = useApp((s) => s.status?.deviceId);
  // A change still in the network's delay: the network pays the previous address until it takes effect.
  const pending = useNetwork().value?.walletChanges?.find((c) => c.deviceId === deviceId);
  return (
    <section className="card" aria-labelledby="account-title">
      <h2 id="account-title" className="section-title">
        Payout account
      </h2>
      {!loaded ? (
        <p className="muted">Loading…</p>
      ) : pending ? (
        <p data-testid="payout-account-pending">
          Rewards are paid to <code data-testid="payout-account">{pending.previous ?? 'no address'}</code> until{' '}
          {clockTime(pending.effectiveAt)}, then to <code>{pending.wallet}</code> (a change waits that long unless another of
          your machines confirms it). <a href="#/wallet">Wallet page</a>.
        </p>
      ) : address ? (
        <p>
          Rewards are paid to <code data-testid="payout-account">{address}</code> (Solana).{' '}
          <a href="#/wallet">Change it on the Wallet page</a>.
        </p>
      ) : (
        <p className="warning-text" data-testid="payout-account-missing">
          No payout address yet: <a href="#/wallet">set one on the Wallet page</a> so rewards can be paid to you (most
          networks also make a wallet a condition for block rewards).
        </p>
      )}
    </section>
  );
}

function Payouts() {
  const { value: payouts, error } = usePoll<Payout[]>(() => api.request('payouts.list', { limit: 100 }), 60_000);
  const { value: schedule } = usePoll<PayoutSchedule | null>(() => api.request('payouts.schedule', {}), 60_000);
  return (
    <section className="card" aria-labelledby="payouts-title">
      <h2 id="payouts-title" className="section-title">
        Payouts
      </h2>
      {schedule ? <NextPayout schedule={schedule} /> : null}
      {error ? <p className="error">Payouts unavailable: {error}</p> : null}
      {payouts && payouts.length === 0 ? (
        <p className="muted empty-note" data-testid="payouts-empty">
          No payouts yet. The network pays accrued block rewards to your payout address on its schedule; hire payments
          show up here too.
        </p>
      ) : null}
      {payouts && payouts.length > 0 ? (
        <div className="table-scroll">
          <table data-testid="payouts-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col" className="num">Amount</th>
                <th scope="col">To</th>
                <th scope="col">Transaction</th>
                <th scope="col">Status</th>
                <th scope="col">For</th>
              </tr>
            </thead>
            <tbody>
              {payouts.map((p) => (
                <tr key={p.id}>
                  <td>
                    <Time t={p.t} />
                  </td>
                  <td className="num">{coins(p.amount)}</td>
                  <td>{p.wallet ? <code title={p.wallet}>{short(p.wallet)}</code> : <span className="muted" title="The network did not say which address it paid.">–</span>}</td>
                  <td>
                    <Transaction payout={p} />
                  </td>
                  <td>{PAYOUT_STATUS_WORDS[p.status]}</td>
                  <td className="muted">{p.kind === 'block-rewards' ? rewardsFor(p) : (p.detail ?? '–')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

const short = (text: string) => (text.length > 20 ? `${text.slice(0, 8)}…${text.slice(-8)}` : text);

function rewardsFor(p: Payout): string {
  const share = p.share !== null && Math.abs(p.share - p.amount) > 1e-9 ? `, this machine ${coins(p.share)}` : '';
  return `Block rewards${share}`;
}

/** The transaction: a Solscan link on the payout's cluster, or why there is none. */
function Transaction({ payout: p }: { payout: Payout }) {
  if (p.settlement === 'simulated' || (!p.tx && p.settlement === null)) {
    return (
      <span className="pill" data-testid="payout-simulated" title="The network only recorded this payout; nothing was sent on Solana, so there is no transaction to check.">
        {PAYOUT_SETTLEMENT_WORDS.simulated}
      </span>
    );
  }
  if (!p.tx || !p.cluster) {
    return <span className="muted" title={p.tx ?? undefined}>{p.tx ? `${short(p.tx)} (cluster not said)` : 'no transaction yet'}</span>;
  }
  let url: string;
  try {
    url = solscanTxUrl(p.tx, p.cluster);
  } catch {
    return <span className="warning-text" title={p.tx}>malformed signature, not linked</span>;
  }
  return (
    <a className="mono" href={url} target="_blank" rel="noopener noreferrer" title={`${p.tx} on ${SOLANA_CLUSTER_WORDS[p.cluster]}`}>
      {short(p.tx)} ↗{p.cluster === 'mainnet-beta' ? '' : ` (${p.cluster})`}
    </a>
  );
}

/** When the network pays next: its schedule projected past now, and the minimum it pays from. */
function NextPayout({ schedule }: { schedule: PayoutSchedule }) {
  const now = Date.now();
  const period = schedule.everySeconds * 1000;
  const next = schedule.nextAt >= now ? schedule.nextAt : schedule.nextAt + Math.ceil((now - schedule.nextAt) / period) * period;
  return (
    <p className="muted" data-testid="next-payout">
      Next payout around {clockTime(next, now)} if at least {coins(schedule.minimum)} has accrued
      {schedule.settlement === 'simulated' ? ` (${PAYOUT_SETTLEMENT_WORDS.simulated})` : ` (${SOLANA_CLUSTER_WORDS[schedule.cluster]})`}.
    </p>
  );
}
