// The ledger's contract handlers and its wiring into the core's frame and notice flow. Without an
// open ledger every handler answers 'unavailable' with a sentence saying why.
import { blockCause, blockWindow } from '../../preload/contract/block-cause.ts';
import { ContractFailure, type BlockDetail, type Handlers, type TelemetryFrame } from '../../preload/contract/index.ts';
import type { EventBus } from '../events.ts';
import { exportCsvText } from './csv.ts';
import { earningsSummary } from './earnings.ts';
import { Ledger, LedgerUnavailableError } from './ledger.ts';
import { describeReadError } from './storage-errors.ts';
import { presenceGap, type NetworkPresence } from './reward-sink.ts';
import { checkTimeZone, localMidnight, systemTimeZone } from './uptime.ts';

type LedgerChannels =
  | 'history.telemetry'
  | 'uptime.bar'
  | 'uptime.streak'
  | 'traffic.days'
  | 'export'
  | 'rewards.summary'
  | 'rewards.page'
  | 'payouts.list'
  | 'payouts.schedule'
  | 'jobs.list'
  | 'notices.list'
  | 'block.detail';
/** Rows one export reply may carry (about 5 MB of CSV); the CLI streams any amount. */
export const EXPORT_MAX_ROWS = 100_000;

function use<T>(ledger: Ledger | undefined, read: (ledger: Ledger) => T): T {
  if (!ledger) throw new ContractFailure('unavailable', 'History is not kept in this run: no ledger is open.');
  try {
    return read(ledger);
  } catch (error) {
    if (error instanceof LedgerUnavailableError) throw new ContractFailure('unavailable', error.message);
    if (error instanceof RangeError) throw new ContractFailure('bad-request', error.message);
    // A disk that fails a read (I/O error, damaged pages) is the machine's state, not the worker's bug: say it.
    const words = describeReadError(error, ledger.file);
    if (words) throw new ContractFailure('unavailable', words);
    throw error;
  }
}

export function ledgerHandlers(ledger: Ledger | undefined, deviceId: string): Pick<Handlers, LedgerChannels> {
  return {
    'history.telemetry': async ({ device, metric, range, resolution, maxPoints }) =>
      use(ledger, (l) => ({ device, metric, ...l.history(device, metric, range.from, range.to, resolution, maxPoints) })),
    'uptime.bar': async ({ device, days, resolution, timeZone }) =>
      use(ledger, (l) => l.uptimeBar(device ?? deviceId, { days, resolution, timeZone: timeZone ?? systemTimeZone() })),
    'uptime.streak': async ({ device }) => use(ledger, (l) => l.streak(device ?? deviceId)),
    'traffic.days': async ({ days, timeZone }) =>
      use(ledger, (l) => {
        const zone = checkTimeZone(timeZone ?? systemTimeZone());
        const now = Date.now();
        // Whole local days: from the midnight that starts the oldest of them.
        const [y, m, d] = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now).split('-').map(Number);
        const from = localMidnight(y!, m!, d! - days + 1, zone);
        return l.trafficDays(from, now + 1, { device: deviceId, timeZone: zone }).map(({ day, sentBytes, receivedBytes }) => ({ day, sentBytes, receivedBytes }));
      }),
    export: async ({ what, from, to, device, resolution, timeZone }) =>
      use(ledger, (l) => {
        const range = { from: from ?? 0, to: to ?? Date.now() + 1 };
        const zone = checkTimeZone(timeZone ?? systemTimeZone());
        const out = exportCsvText(l, what, { ...range, device, resolution, timeZone: zone }, EXPORT_MAX_ROWS);
        const day = (t: number) => new Date(t).toISOString().slice(0, 10);
        const filename = `io-worker-${what}-${from === undefined ? 'all' : day(range.from)}-to-${day(range.to - 1)}.csv`;
        return { what, filename, mime: 'text/csv' as const, ...out };
      }),
    'rewards.summary': async ({ days, timeZone }) => use(ledger, (l) => earningsSummary(l, { days, timeZone: timeZone ?? systemTimeZone() })),
    'rewards.page': async ({ page, pageSize, device }) => use(ledger, (l) => ({ page, pageSize, ...l.rewardsPage(page, pageSize, device) })),
    'payouts.list': async ({ limit }) => use(ledger, (l) => l.payouts(limit)),
    'payouts.schedule': async () => use(ledger, (l) => l.payoutSchedule()),
    'jobs.list': async ({ limit }) => use(ledger, (l) => ({ hires: l.hires(limit), jobs: l.jobs(limit) })),
    'notices.list': async ({ limit }) => use(ledger, (l) => l.notices(limit)),
    'block.detail': async ({ device, blockStart }) => use(ledger, (l) => blockDetail(l, device, blockStart)),
  };
}

/** One block explained: the network's verdict, what this worker kept of the block, and the cause. */
export function blockDetail(ledger: Ledger, device: string, blockStart: number): BlockDetail {
  const found = ledger.blockReward(device, blockStart);
  if (!found) throw new ContractFailure('not-found', `No block that started at ${new Date(blockStart).toISOString()} is recorded for ${device}.`);
  const { closedAt, ...verdict } = found;
  const window = blockWindow(blockStart, closedAt);
  const record = ledger.blockRecord(device, window.start, window.end, { potlIssued: verdict.potl?.issued ?? null, pow: verdict.pow, hired: verdict.pow === 'skipped-hired' });
  return { verdict, window, record, cause: blockCause(verdict, window, record) };
}

/**
 * Feeds the ledger from the core: every frame is recorded, and each frame marks the device online
 * when the network session is up (or, with no network configured, when the runtime is up), else
 * records the gap with its reason, and records who holds a pause. Returns the unsubscribers.
 */
export function attachLedger(
  ledger: Ledger,
  sampler: { onFrame: (listener: (frame: TelemetryFrame) => void) => () => void },
  events: EventBus,
  deviceId: string,
  log: (message: string, error?: unknown) => void,
  presence: () => NetworkPresence | null = () => null,
  /** This worker's own traffic since it started (worker/traffic.ts); null without a network. */
  traffic: () => { sentBytes: number; receivedBytes: number } | null = () => null,
): (() => void)[] {
  return [
    sampler.onFrame((frame) => {
      try {
        ledger.recordFrame(frame);
        const network = presence();
        const gap = network ? presenceGap(network) : null;
        if (gap) ledger.markGap(deviceId, gap, frame.t);
        else ledger.markOnline(deviceId, frame.t);
        // The ledger keeps the source it is given; it never guesses one from words.
        ledger.markPaused(deviceId, network?.paused ?? null, frame.t);
        const sent = traffic();
        if (sent) ledger.recordTraffic(deviceId, frame.t, sent);
      } catch (error) {
        log('ledger could not record a frame', error); // storage trouble is handled inside; this is a bug
      }
    }),
    // The notifications history: every notice the core shows is kept (the ledger keeps its own already).
    events.on('notice', (notice) => {
      if (!notice.id.startsWith('ledger-')) ledger.recordNotice(notice);
    }),
    ledger.onNotice((notice) => events.emit('notice', notice)),
  ];
}
