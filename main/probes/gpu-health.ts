// One GPU health read for every page and rule (Device details, the ledger, alerts, block causes):
// the counters of the slow read (nvidia-smi -q, amd-smi metric), the live throttle reasons and PCIe
// link, and the kernel's Xid errors, judged into typed problems. Pure; no I/O.
import type { GpuHealth, GpuSample, XidEvent } from '../../preload/contract/index.ts';
import { XID_WORDS, type GpuHealthProblem } from '../../preload/contract/words.ts';

type Problem = GpuHealth['problems'][number];

export interface HealthInput {
  checkedAt: number | null;
  ecc?: GpuHealth['ecc'];
  retiredPages?: GpuHealth['retiredPages'];
  remappedRows?: GpuHealth['remappedRows'] | null;
  pcie?: Partial<GpuHealth['pcie']>;
  xid?: XidEvent[];
  unavailable?: Record<string, string>;
}

const NONE = { corrected: null, uncorrected: null };

/** Xids that mean the card itself (not the application) is in trouble. */
const CRITICAL_XIDS = new Set([48, 64, 74, 79, 92, 94, 95, 119, 120, 154]);

/** The health record of one GPU from what was read, judged against its live sample. */
export function gpuHealth(sample: Pick<GpuSample, 'throttleReasons' | 'pcie' | 'utilizationPct'>, input: HealthInput): GpuHealth {
  const unavailable = { ...input.unavailable };
  const ecc = input.ecc ?? { mode: 'unsupported' as const, volatile: NONE, aggregate: NONE };
  const retiredPages = input.retiredPages ?? { singleBit: null, doubleBit: null, pending: null };
  const remappedRows = input.remappedRows ?? { correctable: null, uncorrectable: null, pending: null, failed: null };
  if (ecc.mode === 'unsupported') unavailable.ecc ??= 'this GPU has no ECC memory';
  if (input.remappedRows === null) unavailable.remappedRows ??= 'this GPU does not remap memory rows';
  const pcie = {
    generation: sample.pcie.generation ?? input.pcie?.generation ?? null,
    maxGeneration: input.pcie?.maxGeneration ?? null,
    width: sample.pcie.width ?? input.pcie?.width ?? null,
    maxWidth: input.pcie?.maxWidth ?? null,
    replays: input.pcie?.replays ?? null,
  };
  if (pcie.replays === null) unavailable['pcie.replays'] ??= 'not reported for this GPU';
  const xid = input.xid ?? [];
  const problems: Problem[] = [];
  const add = (problem: GpuHealthProblem, severity: Problem['severity'], detail: string) => problems.push({ problem, severity, detail });

  const uncorrected = ecc.volatile.uncorrected ?? 0;
  if (uncorrected > 0) add('ecc-uncorrected', 'critical', `${uncorrected} uncorrectable ECC error(s) since the last reset`);
  if (remappedRows.failed) add('rows-remap-failed', 'critical', 'a memory row could not be remapped');
  else if (remappedRows.pending) add('rows-remap-pending', 'warning', 'memory rows wait for a GPU reset to be remapped');
  if (retiredPages.pending) add('pages-retire-pending', 'warning', 'memory pages wait for a reboot to be retired');
  const recent = xid[xid.length - 1];
  if (recent) {
    const words = XID_WORDS[recent.xid] ?? recent.message;
    add('xid-error', CRITICAL_XIDS.has(recent.xid) ? 'critical' : 'warning', `Xid ${recent.xid}: ${words}${xid.length > 1 ? ` (${xid.length} in the log)` : ''}`);
  }
  if (pcie.width !== null && pcie.maxWidth !== null && pcie.width < pcie.maxWidth) {
    add('pcie-link-degraded', 'warning', `PCIe x${pcie.width} of x${pcie.maxWidth}`);
  } else if (
    // A link lowers its generation to save power at idle: only a busy GPU on a slow link is degraded.
    pcie.generation !== null && pcie.maxGeneration !== null && pcie.generation < pcie.maxGeneration && (sample.utilizationPct ?? 0) >= 50
  ) {
    add('pcie-link-degraded', 'warning', `PCIe Gen ${pcie.generation} of Gen ${pcie.maxGeneration} while busy`);
  }
  if ((pcie.replays ?? 0) >= 100) add('pcie-replays', 'warning', `${pcie.replays} PCIe replays since the last reset`);
  const reasons = sample.throttleReasons;
  if (reasons.includes('hw-thermal') || reasons.includes('sw-thermal')) add('thermal-slowdown', 'warning', 'clocks lowered for heat');
  if (reasons.includes('power-brake')) add('power-brake', 'warning', 'clocks lowered by an external power brake');
  else if (reasons.includes('hw-slowdown')) add('hw-slowdown', 'warning', 'clocks lowered by the hardware');

  const severity = problems.some((p) => p.severity === 'critical') ? 'critical' : problems.length > 0 ? 'warning' : 'ok';
  return { checkedAt: input.checkedAt, severity, problems, ecc, retiredPages, remappedRows, pcie, xid, unavailable };
}
