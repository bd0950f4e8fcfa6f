// Links to the block that changed this device's standing: "see block N" beside an eligibility rule,
// and the Device page's "last block: N, Completed/Failed, cause", each opening that block's page.
import { blockHref } from '../router';
import { useNetwork } from '../store/network';
import { useBlockCause, useBlockRow } from './block-cause';

/** "see block N", linked to its Block page once this machine's ledger has the block. */
export function BlockLink({ block }: { block: number }) {
  const row = useBlockRow(block);
  if (!row) return <span className="muted">(block {block})</span>;
  return (
    <a href={blockHref(row.device, row.blockStart)} data-testid="see-block" title="Open this block: what the worker saw and why it passed or failed">
      see block {block}
    </a>
  );
}

/** The last block's verdict and, for a failed one, the one sentence of its cause; all of it links to the block. */
export function LastBlockLine() {
  const last = useNetwork().value?.lastBlock ?? null;
  const row = useBlockRow(last?.block);
  const failed = last?.status === 'Failed';
  const cause = useBlockCause(row?.device ?? null, row?.blockStart ?? null, failed);
  if (!last) return <span className="muted">No block closed yet.</span>;
  const text = `Last block: ${last.block}, ${failed ? 'Failed' : 'Completed'}${failed ? `: ${cause ?? last.reason ?? 'see the block for why'}` : ''}`;
  return row ? (
    <a href={blockHref(row.device, row.blockStart)} data-testid="last-block">
      {text}
    </a>
  ) : (
    <span data-testid="last-block">{text}</span>
  );
}
