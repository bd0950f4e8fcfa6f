// main/ledger, the local history store (node:sqlite, WAL, one ledger.db in the data dir): telemetry
// rollups, uptime spans and gaps, block rewards, payouts, hires, jobs, notices, and their CSV export.
// May import node built-ins and preload/contract types; nothing else of ours. Ledger is its one door.
import type { Notice, Pause, TelemetryFrame } from '../../preload/contract/index.ts';
import type { EvidenceChallenge, EvidenceGap } from '../../preload/contract/index.ts';
import { EarningsRecord, type BlockRewardReport, type HireReport, type JobReport, type PayoutReport } from './earnings-record.ts';
import { EvidenceRecord } from './evidence-record.ts';
import type { Metric } from './metrics.ts';
import { LedgerStore, type LedgerOptions } from './store.ts';
import { TelemetryHistory, type Resolution } from './telemetry.ts';
import { TrafficRecord, type TrafficTotal } from './traffic-record.ts';
import { UptimeRecord } from './uptime-record.ts';
import type { GapReason } from './uptime.ts';

export { LedgerUnavailableError } from './store.ts';

/**
 * The ledger as the rest of IO Worker sees it: one store (the durable write queue every record goes
 * through) and the records kept in it: telemetry history, uptime, and what the network and runtime report.
 */
export class Ledger {
  readonly file: string;
  readonly mode: 'writer' | 'reader';
  readonly #store: LedgerStore;
  readonly #telemetry: TelemetryHistory;
  readonly #uptime: UptimeRecord;
  readonly #earnings: EarningsRecord;
  readonly #evidence: EvidenceRecord;
  readonly #traffic: TrafficRecord;

  private constructor(options: LedgerOptions) {
    this.#store = new LedgerStore(options);
    this.#telemetry = new TelemetryHistory(this.#store);
    this.#uptime = new UptimeRecord(this.#store, options.onlineToleranceMs ?? 60_000);
    this.#earnings = new EarningsRecord(this.#store);
    this.#evidence = new EvidenceRecord(this.#store);
    this.#traffic = new TrafficRecord(this.#store);
    this.file = this.#store.file;
    this.mode = this.#store.mode;
  }

  /**
   * Opens (creating and migrating) the database. A writer never throws for a full or read-only
   * disk: it comes up unavailable, says why in a notice, and retries on later writes. A reader
   * throws when there is no database to read.
   */
  static open(options: LedgerOptions): Ledger {
    const ledger = new Ledger(options);
    ledger.#store.open();
    return ledger;
  }

  // ------------------------------------------------------------ the store
  /** Null while history is being saved; otherwise one sentence on why not. */
  get problem(): string | null {
    return this.#store.problem;
  }
  /** The damaged file this run moved aside, and how far its history reached (null: none). */
  get damaged() {
    return this.#store.damaged;
  }
  get available(): boolean {
    return this.#store.db !== null;
  }
  /** Writes parked in memory waiting for the disk. */
  get pendingWrites(): number {
    return this.#store.pendingWrites;
  }
  get droppedFrames(): number {
    return this.#store.droppedFrames;
  }
  onNotice(listener: (notice: Notice) => void): () => void {
    return this.#store.onNotice(listener);
  }
  /** Commits everything queued in one transaction; false (and keeps it queued) if the disk refuses. */
  flush(): boolean {
    return this.#store.flush();
  }
  /** Caps the database at this many pages (null: SQLite's own limit); at the cap writes park as on a full disk. */
  setMaxPageCount(pages: number | null): void {
    this.#store.setMaxPageCount(pages);
  }
  /** Integrity of the file as SQLite sees it: 'ok' or the first problems found. */
  integrityCheck(): string {
    return this.#store.integrityCheck();
  }

  /** A clean stop: open spans end as 'app-closed', the session is marked clean, rollups are brought up to date. */
  close(): void {
    if (this.mode === 'writer' && !this.#store.closed) {
      const now = this.#store.now();
      this.#uptime.closeSpans(now);
      this.#telemetry.rollUpAtClose();
      this.#store.endSession(now);
    }
    this.#store.close();
  }

  // ------------------------------------------------------------ telemetry
  /** Records one sampler frame (all devices); null readings are skipped. */
  recordFrame(frame: TelemetryFrame): void {
    this.#telemetry.recordFrame(frame);
  }
  /** One chart series, merged down to `maxPoints` where asked (see TelemetryHistory.history). */
  history(device: string, metric: Metric, from: number, to: number, resolution: Resolution | 'auto' = 'auto', maxPoints?: number) {
    return this.#telemetry.history(device, metric, from, to, resolution, maxPoints);
  }
  /** Time of the newest raw sample (null when none is kept). */
  latestSample(): number | null {
    return this.#telemetry.latestSample();
  }
  /** Telemetry rollup rows in a range, in device, metric, time order (the CSV export reads this). */
  rollupRows(from: number, to: number, resolution: '1m' | '1h', filter: { device?: string; metric?: string } = {}) {
    return this.#telemetry.rollupRows(from, to, resolution, filter);
  }

  // ------------------------------------------------------------ uptime
  /** The device is online at t (an acknowledged heartbeat); silence longer than the tolerance becomes a gap. */
  markOnline(device: string, t?: number): void {
    this.#uptime.markOnline(device, t);
  }
  /** The device went offline at t for this reason (paused, network down, over temperature, ...). */
  markGap(device: string, reason: GapReason, t?: number, detail: string | null = null): void {
    this.#uptime.markGap(device, reason, t, detail);
  }

  markPaused(device: string, pause: Pause | null, t?: number): void {
    this.#uptime.markPaused(device, pause, t);
  }
  /** The continuous-uptime streak: since when the device has been online without a gap or restart. */
  streak(device: string) {
    return this.#uptime.streak(device);
  }
  /** The uptime bar: per local day (or per UTC hour, the network's blocks) for the last `days`. */
  uptimeBar(device: string, options: { days?: number; resolution?: 'day' | 'hour'; timeZone?: string } = {}) {
    return this.#uptime.uptimeBar(device, options);
  }
  /** Per-day uptime between two instants (the export): whole local days touching [from, to). */
  uptimeDays(device: string, from: number, to: number, timeZone?: string) {
    return this.#uptime.uptimeDays(device, from, to, timeZone);
  }
  /** Devices that have uptime history, for exports across all of them. */
  uptimeDevices(): string[] {
    return this.#uptime.uptimeDevices();
  }

  /** This worker's own network traffic so far (its running totals since it started): kept per hour. */
  recordTraffic(device: string, t: number, total: TrafficTotal): void {
    this.#traffic.record(device, t, total);
  }
  /** Bytes sent and received per local day, for the Device page and the export. */
  trafficDays(from: number, to: number, options: { device?: string; timeZone?: string } = {}) {
    return this.#traffic.days(from, to, options);
  }

  // ------------------------------------------------------------ what the network and runtime report
  /** One block's outcome for a device; recording the same block again replaces it. */
  recordBlockReward(reward: BlockRewardReport): void {
    this.#earnings.recordBlockReward(reward);
  }
  recordPayout(payout: PayoutReport): void {
    this.#earnings.recordPayout(payout);
  }
  recordHire(hire: HireReport): void {
    this.#earnings.recordHire(hire);
  }
  recordJob(job: JobReport): void {
    this.#earnings.recordJob(job);
  }
  /** Keeps a notice in the notifications history (same id again replaces it). */
  recordNotice(notice: Notice, device: string | null = null): void {
    this.#earnings.recordNotice(notice, device);
  }
  blockRewards(from: number, to: number, device?: string) {
    return this.#earnings.blockRewards(from, to, device);
  }
  /** One page of the Block Rewards history, newest first (page 1 is the newest), with the total count. */
  rewardsPage(page: number, pageSize: number, device?: string) {
    return this.#earnings.rewardsPage(page, pageSize, device);
  }
  /** Everything earned as of now, exact. */
  earningsTotals() {
    return this.#earnings.earningsTotals();
  }
  /** Payouts (not failed) made in [from, to), oldest first: the daily earnings' hire payments. */
  payoutsBetween(from: number, to: number) {
    return this.#earnings.payoutsBetween(from, to);
  }
  /** Total earned in a range, exact (summed as integer nano-tokens). */
  rewardTotal(from: number, to: number, device?: string): number {
    return this.#earnings.rewardTotal(from, to, device);
  }
  payouts(limit?: number) {
    return this.#earnings.payouts(limit);
  }
  hasPayout(id: string): boolean {
    return this.#earnings.hasPayout(id);
  }
  /** The network's payout schedule as last heard; null: not heard yet. */
  recordPayoutSchedule(schedule: Parameters<EarningsRecord['recordPayoutSchedule']>[0]): void {
    this.#earnings.recordPayoutSchedule(schedule);
  }
  payoutSchedule() {
    return this.#earnings.payoutSchedule();
  }
  hires(limit?: number) {
    return this.#earnings.hires(limit);
  }
  jobs(limit?: number) {
    return this.#earnings.jobs(limit);
  }
  notices(limit?: number) {
    return this.#earnings.notices(limit);
  }
  /** One block's verdict for a device, with when the network closed it. */
  blockReward(device: string, blockStart: number) {
    return this.#earnings.blockReward(device, blockStart);
  }

  // ------------------------------------------------------------ what the worker saw of each block
  saveChallenge(device: string, challenge: EvidenceChallenge): void {
    this.#evidence.saveChallenge(device, challenge);
  }
  saveGap(device: string, gap: EvidenceGap): void {
    this.#evidence.saveGap(device, gap);
  }
  lastSeenBefore(device: string, before: number): number | null {
    return this.#evidence.lastSeenBefore(device, before);
  }
  /** What the worker kept of one block [start, end); null: it kept nothing from that time. */
  blockRecord(device: string, start: number, end: number, verdict: { potlIssued: number | null; pow: string | null; hired: boolean }) {
    return this.#evidence.blockRecord(device, start, end, verdict);
  }
  /** The record's figures for the rewards CSV. */
  blockRecordSummary(device: string, start: number, end: number, verdict: { potlIssued: number | null; pow: string | null; hired: boolean }) {
    return this.#evidence.csvSummary(device, start, end, verdict);
  }
}
