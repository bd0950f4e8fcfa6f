// The Block Rewards history: one row per block and device, newest first, paged by the worker
// (rewards.page), with the columns the network publishes per block. Shared by Earnings and the
// device's tabs; the CSV export uses the ledger's own export (what: 'rewards').
import { useCallback, useEffect, useState } from 'react';
import type { BlockRewardRow, RewardsPage } from '../../preload/contract/index.ts';
import { api } from '../api';
import { coins, localTimeZone, score } from '../format';
import { blockHref } from '../router';
import { useBlockCause } from './block-cause';
import { Time } from './Time';

const POW_LABEL: Record<string, string> = {
  passed: 'Passed',
  failed: 'Failed',
  'skipped-hired': 'Skipped (hired)',
  'not-issued': 'Not issued',
};

interface Props {
  /** Only this network device (absent: every device recorded on this machine). */
  device?: string;
  pageSize?: number;
  /** Show the "Export CSV" button. */
  exportable?: boolean;
  caption: string;
}

export function RewardsTable({ device, pageSize = 25, exportable = false, caption }: Props) {
  const [page, setPage] = useState(1);
  const [data, setData] = useState<RewardsPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [exporting, setExporting] = useState<string | null>(null);

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
              <th scope="col">Processor</th>
              <th scope="col" className="num">Quantity</th>
              <th scope="col">POW</th>
              <th scope="col">POTL</th>
              <th scope="col" className="num">Base score</th>
              <th scope="col" className="num">Normalized score</th>
              <th scope="col" className="num">Rewarded</th>
            </tr>
          </thead>
          <tbody>
            {data?.rows.map((row) => <RewardRow key={`${row.device}-${row.blockStart}`} row={row} showDevice={showDevice} />)}
          </tbody>
        </table>
      </div>
      {data && data.total === 0 ? (
        <p className="muted empty-note">
          No blocks yet. Blocks close every hour; once this machine is eligible (wallet set, tier above 0, 5 h of
          continuous uptime, proofs answered) each one shows up here with what it paid.
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

function RewardRow({ row, showDevice }: { row: BlockRewardRow; showDevice: boolean }) {
  const potlOk = row.potl ? row.potl.issued > 0 && row.potl.answered === row.potl.issued : null;
  return (
    <tr>
      <td className="mono">
        {/* The block page: the network's verdict beside this worker's own record, and why. */}
        <a href={blockHref(row.device, row.blockStart)} title="Open this block: what the worker saw and why it passed or failed">
          {row.blockId ?? 'Open'}
        </a>
      </td>
      {showDevice ? <td className="mono small">{row.device}</td> : null}
      <td>
        <Time t={row.blockStart} />
      </td>
      <td>
        <span className={`pill ${row.status === 'passed' ? 'pill-ok' : 'pill-bad'}`} title={row.detail ?? undefined}>
          {row.status === 'passed' ? 'Completed' : 'Failed'}
        </span>
        {row.status === 'failed' ? <FailedCause row={row} /> : null}
      </td>
      <td>{row.tier === null ? '–' : `Tier ${row.tier}`}</td>
      <td>{row.processorType ?? '–'}</td>
      <td className="num">{row.quantity ?? '–'}</td>
      <td>{row.pow === null ? '–' : (POW_LABEL[row.pow] ?? row.pow)}</td>
      <td className={potlOk === false ? 'warning-text' : undefined}>{row.potl ? `${row.potl.answered} / ${row.potl.issued} answered` : '–'}</td>
      <td className="num">{score(row.baseScore)}</td>
      <td className="num">{score(row.normalizedScore)}</td>
      <td className="num">{coins(row.amount)}</td>
    </tr>
  );
}

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
