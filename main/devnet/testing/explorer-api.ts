// The coordinator's explorer answers, as far as the devnet tests read them.
import type { BlockDeviceRow, BlockRow, HireRow } from '../store.ts';

export interface Api {
  devices: { id: string; status: string; hireStatus: string }[];
  totals: { gpus: { total: number }; cpus: { total: number } };
  blocks: BlockRow[];
  hires: HireRow[];
  heartbeats: { seq: number; buffered: number }[];
  id: string;
  status: string;
  wallet: string | null;
  eligibility: { checks: { id: string; ok: boolean }[] };
  error: { code: string };
}
export type BlockDetail = BlockRow & { devices: BlockDeviceRow[] };
