// The Block Rewards history: one row per block and device, newest first, paged by the worker
// (rewards.page), with the columns the network publishes per block. Shared by Earnings and the
// device's tabs; the CSV export uses the ledger's own export (what: 'rewards').
import { useCallback, useEffect, useState } from 'react';
import type { BlockRewardRow, RewardsPage } from '../../preload/contract/index.ts';
import { POW_RESULT_WORDS } from '../../preload/contract/words.ts';
import { api } from '../api';
import { coins, localTimeZone, score } from '../format';
import { blockHref } from '../router';
import { blockEvery, useBlockCause } from './block-cause';
import { useNetwork } from '../store/network';
import { Time } from './Time';

const POW_LABEL = POW_RESULT_WORDS;

interface Props {
  /** Only this network device (absent: every device recorded on this machine). */
  device?: string;
  pageSize?: number;
  /** Show the "Export CSV" button. */
  exportable?: boolean;
  /** A narrow card (Device details): the scores, processor and quantity are left to the Block page, so Rewarded stays in view. */
  compact?: boolean;
  caption: string;
}

export function RewardsTable({ device, pageSize = 25, exportable = false, compact = false, caption }: Props) {
  const [page, setPage] = useState(1);
  const [data, setData] = useState<RewardsPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [exporting, setExporting] = useState<string | null>(null);
  const network = useNetwork().value;

  const load = useCallback(() => {
    api
      .request('rewards.page', { page, pageSize, ...(device ? { device } : {}) })
      .then((result) => {
        setData(result);
        setError(null);
      })
      .catch((e: Error) => setError(e.message));
  }, [page, pageSize, device]);

  useEffect(() => {
    load();
    const timer = setInterval(load, 60_000);
    return () => clearInterval(timer);
  }, [load]);

  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  // Rows of several devices say whose each one is.
  const showDevice = !device && new Set(data?.rows.map((r) => r.device)).size > 1;

  const exportCsv = async () => {
    setExporting('Preparing the CSV…');
    try {
      const result = await api.request('export', {
        what: 'rewards',
        timeZone: localTimeZone(),
        ...(device ? { device } : {}),
      });
      const url = URL.createObjectURL(new Blob([result.csv], { type: result.mime }));
      const link = document.createElement('a');
      link.href = url;
      link.download = result.filename;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setExporting(`${result.rows} ${result.rows === 1 ? 'block' : 'blocks'} exported to ${result.filename}${result.truncated ? ' (cut at the reply limit: use `io-worker export rewards` for all)' : ''}.`);
    } catch (e) {
      setExporting(`Export failed: ${(e as Error).message}`);
    }
  };

  return (
    <div className="rewards-table">
      <div className="table-tools">
        <span className="muted small" data-testid="rewards-count">
          {data ? `${data.total.toLocaleString()} ${data.total === 1 ? 'block' : 'blocks'} recorded` : ' '}
        </span>
        {exportable ? (
          <button type="button" onClick={exportCsv} disabled={!data || data.total === 0}>
            Export CSV
          </button>
        ) : null}
      </div>
      {exporting ? (
        <p role="status" className="muted small">
          {exporting}
        </p>
      ) : null}
      {error ? <p className="error">Block rewards unavailable: {error}</p> : null}
      <div className="table-scroll">
        <table>
          <caption className="sr-only">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">Block ID</th>
              {showDevice ? <th scope="col">Device</th> : null}
              <th scope="col">Started</th>
              <th scope="col">Status</th>
              <th scope="col">Tier</th>
              {compact ? null : <th scope="col">Processor</th>}
              {compact ? null : <th scope="col" className="num">Quantity</th>}
              <th scope="col">POW</th>
              <th scope="col">POTL</th>
              {compact ? null : <th scope="col" className="num">Base score</th>}
              {compact ? null : <th scope="col" className="num">Normalized score</th>}
              <th scope="col" className="num">Rewarded</th>
            </tr>
          </thead>
          <tbody>
            {data?.rows.map((row) => <RewardRow key={`${row.device}-${row.blockStart}`} row={row} showDevice={showDevice} compact={compact} />)}
          </tbody>
        </table>
      </div>
      {data && data.total === 0 ? (
        <p className="muted empty-note" data-testid="rewards-empty">
          No blocks yet.{' '}
          {network?.blockSeconds ? `This network closes a block every ${blockEvery(network.blockSeconds)}; once` : 'Once'} this machine is
          eligible (Home lists what it still needs) each block shows up here with what it paid.
        </p>
      ) : null}
      {data && data.total > data.pageSize ? (
        <nav className="pager" aria-label={`${caption} pages`}>
          <button type="button" disabled={page <= 1} onClick={() => setPage((p) => Math.max(1, p - 1))}>
            Newer
          </button>
          <span className="muted small">
            Page {page} of {pages}
          </span>
          <button type="button" disabled={page >= pages} onClick={() => setPage((p) => Math.min(pages, p + 1))}>
            Older
          </button>
        </nav>
      ) : null}
    </div>
  );
}

function RewardRow({ row, showDevice, compact }: { row: BlockRewardRow; showDevice: boolean; compact: boolean }) {
  const potlOk = row.potl ? row.potl.issued > 0 && row.potl.answered === row.potl.issued : null;
  const failed = row.status === 'failed';
  // A failed row's cause gets a line of its own under it: in a cell it squeezed the table past its card.
  const c = failed ? JOINED : undefined;
  return (
    <>
      <tr>
        <td className="mono" style={c}>
          {/* The block page: the network's verdict beside this worker's own record, and why. */}
          <a href={blockHref(row.device, row.blockStart)} title="Open this block: what the worker saw and why it passed or failed">
            {row.blockId ?? 'Open'}
          </a>
        </td>
        {showDevice ? <td className="mono small" style={c}>{row.device}</td> : null}
        <td style={{ ...c, whiteSpace: 'nowrap' }}>
          <Time t={row.blockStart} />
        </td>
        <td style={c}>
          <span className={`pill ${failed ? 'pill-bad' : 'pill-ok'}`} title={row.detail ?? undefined}>
            {failed ? 'Failed' : 'Completed'}
          </span>
        </td>
        <td style={{ ...c, whiteSpace: 'nowrap' }}>{row.tier === null ? '–' : `Tier ${row.tier}`}</td>
        {compact ? null : <td style={c}>{row.processorType ?? '–'}</td>}
        {compact ? null : <td className="num" style={c}>{row.quantity ?? '–'}</td>}
        <td style={c}>{row.pow === null ? '–' : (POW_LABEL[row.pow] ?? row.pow)}</td>
        <td className={potlOk === false ? 'warning-text' : undefined} style={{ ...c, whiteSpace: 'nowrap' }}>
          {row.potl ? `${row.potl.answered} / ${row.potl.issued} answered` : '–'}
        </td>
        {compact ? null : <td className="num" style={c}>{score(row.baseScore)}</td>}
        {compact ? null : <td className="num" style={c}>{score(row.normalizedScore)}</td>}
        <td className="num" style={{ ...c, whiteSpace: 'nowrap' }}>{coins(row.amount)}</td>
      </tr>
      {failed ? (
        <tr className="cause-row">
          <td colSpan={(showDevice ? 12 : 11) - (compact ? 4 : 0)} style={{ paddingTop: 0 }}>
            <FailedCause row={row} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** The cells of a row whose cause follows on the next line: no rule between them. */
const JOINED = { borderBottom: 'none' } as const;

/** The one sentence the Block page shows for this failed block (the same cause maker), linking to that page. */
function FailedCause({ row }: { row: BlockRewardRow }) {
  const text = useBlockCause(row.device, row.blockStart, true) ?? row.detail;
  if (!text) return null;
  return (
    <div className="small" data-testid="reward-cause">
      <a href={blockHref(row.device, row.blockStart)} title="Open this block: the evidence behind this sentence">
        {text}
      </a>
    </div>
  );
}
