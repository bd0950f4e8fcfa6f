// Prometheus metrics of one worker, in prom-client's own registry: the GPUs under dcgm-exporter's
// names and labels (so existing Grafana dashboards work), and the worker's own io_worker_*.
// Reads only: the last telemetry frame from the core's events, the status, and the ledger's reads
// (cached, so a scrape costs the worker almost nothing). It never writes anything.
import { Counter, Gauge, Registry } from 'prom-client';
import { PAUSE_SOURCES, WORKER_STATES } from '../../preload/contract/words.ts';
import type { GpuSample, NetworkStatus, Status, TelemetryFrame } from '../../preload/contract/index.ts';
import type { EventBus } from '../events.ts';

/** The ledger reads the exporter uses (the Ledger facade has them). */
export interface MetricsLedger {
  streak(device: string): { online: boolean; seconds: number };
  earningsTotals(): { blockRewards: number; blocksPassed: number; blocksFailed: number; jobEarnings: number; computeHours: number };
  rewardTotal(from: number, to: number, device?: string): number;
  hires(limit?: number): unknown[];
}

export interface MetricsSources {
  hostname: string;
  deviceId: string;
  version: string;
  events: EventBus;
  status: () => Status;
  /** The network session as the dashboard sees it (in memory, cheap). */
  eligibility: () => Promise<NetworkStatus>;
  ledger?: MetricsLedger | null;
  /** Ledger reads are refreshed at most this often (default 15 s: a typical scrape interval). */
  ledgerEveryMs?: number;
  now?: () => number;
}

export interface MetricsExporter {
  readonly registry: Registry;
  /** One scrape: the text Prometheus reads, and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
  close(): void;
}

/** dcgm-exporter's GPU fields: name, help, and how to read it from a sample. */
const DCGM_FIELDS: [string, string, (gpu: GpuSample) => number | null][] = [
  ['DCGM_FI_DEV_GPU_TEMP', 'GPU temperature (in C).', (g) => g.temperatureC],
  ['DCGM_FI_DEV_MEMORY_TEMP', 'Memory temperature (in C).', (g) => g.memoryTemperatureC],
  ['DCGM_FI_DEV_POWER_USAGE', 'Power draw (in W).', (g) => g.powerW],
  ['DCGM_FI_DEV_POWER_MGMT_LIMIT', 'Power management limit (in W).', (g) => g.powerLimitW],
  ['DCGM_FI_DEV_GPU_UTIL', 'GPU utilization (in %).', (g) => g.utilizationPct],
  ['DCGM_FI_DEV_MEM_COPY_UTIL', 'Memory utilization (in %).', (g) => g.memoryUtilizationPct],
  ['DCGM_FI_DEV_ENC_UTIL', 'Encoder utilization (in %).', (g) => g.encoderPct],
  ['DCGM_FI_DEV_DEC_UTIL', 'Decoder utilization (in %).', (g) => g.decoderPct],
  ['DCGM_FI_DEV_FB_USED', 'Framebuffer memory used (in MiB).', (g) => g.vramUsedMiB],
  ['DCGM_FI_DEV_FB_FREE', 'Framebuffer memory free (in MiB).', (g) => (g.vramTotalMiB !== null && g.vramUsedMiB !== null ? g.vramTotalMiB - g.vramUsedMiB : null)],
  ['DCGM_FI_DEV_SM_CLOCK', 'SM clock frequency (in MHz).', (g) => g.clocksMHz.sm],
  ['DCGM_FI_DEV_MEM_CLOCK', 'Memory clock frequency (in MHz).', (g) => g.clocksMHz.memory],
  ['DCGM_FI_DEV_FAN_SPEED', 'Fan speed (in %).', (g) => g.fanPct],
  ['DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', 'Total energy consumption since boot (in mJ).', (g) => (g.energyJ === null ? null : g.energyJ * 1000)],
  // From the slow health read; left out (never a made-up 0) where the kernel log or the counter cannot be read.
  ['DCGM_FI_DEV_XID_ERRORS', 'Value of the last XID error encountered (0: none since the worker started).', (g) => (g.health && !('xid' in g.health.unavailable) ? (g.health.xid.at(-1)?.xid ?? 0) : null)],
  ['DCGM_FI_DEV_ECC_SBE_VOL_TOTAL', 'Total number of single-bit volatile ECC errors.', (g) => g.health?.ecc.volatile.corrected ?? null],
  ['DCGM_FI_DEV_ECC_DBE_VOL_TOTAL', 'Total number of double-bit volatile ECC errors.', (g) => g.health?.ecc.volatile.uncorrected ?? null],
  ['DCGM_FI_DEV_PCIE_REPLAY_COUNTER', 'Total number of PCIe retries.', (g) => g.health?.pcie.replays ?? null],
];
const GPU_LABELS = ['gpu', 'UUID', 'device', 'modelName', 'Hostname'] as const;

const startOfLocalDay = (t: number) => {
  const d = new Date(t);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
};

export function createMetricsExporter(sources: MetricsSources): MetricsExporter {
  const registry = new Registry();
  const now = sources.now ?? Date.now;
  let frame: TelemetryFrame | null = null;
  const off = sources.events.on('telemetry', (next) => (frame = next));

  const gpuGauges = DCGM_FIELDS.map(([name, help, read]) => ({
    read,
    gauge: new Gauge({ name, help, labelNames: GPU_LABELS, registers: [registry] }),
  }));

  const gauge = (name: string, help: string, labelNames: readonly string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const counter = (name: string, help: string, labelNames: readonly string[] = []) => new Counter({ name, help, labelNames, registers: [registry] });
  const info = gauge('io_worker_info', 'This worker: always 1, its facts in the labels.', ['device', 'version', 'Hostname']);
  const state = gauge('io_worker_state', 'The worker state: 1 for the state it is in, 0 for the others.', ['state']);
  const stateSince = gauge('io_worker_state_since_seconds', 'When the worker entered its current state (Unix seconds).');
  const paused = gauge('io_worker_paused', 'Whether a pause source holds the worker now (1) or not (0).', ['source']);
  const connection = gauge('io_worker_network_connected', 'Whether the session with the network is online (1) or not (0).');
  const eligible = gauge('io_worker_eligible', 'Whether the network judged this device eligible for block rewards (1) or not (0); absent until judged.');
  const streak = gauge('io_worker_uptime_streak_seconds', 'Continuous uptime: seconds since the last restart or gap.');
  const blocks = counter('io_worker_blocks_total', 'Blocks this device took part in, by result.', ['result']);
  const rewards = counter('io_worker_rewards_tokens_total', 'Block rewards earned (IO), as recorded on this machine.');
  const jobEarnings = counter('io_worker_job_earnings_tokens_total', 'Hire payments received (IO), failed payouts left out.');
  const today = gauge('io_worker_rewards_today_tokens', 'Block rewards earned today, local time (IO).');
  const hires = counter('io_worker_hires_total', 'Hires of this machine, as recorded on this machine.');
  const hired = gauge('io_worker_hired', 'Whether the machine is hired now (1) or not (0).');
  const buffered = gauge('io_worker_heartbeats_buffered', 'Heartbeats kept while the network was unreachable, waiting to be sent.');
  const frameAge = gauge('io_worker_telemetry_age_seconds', 'Age of the newest telemetry frame.');

  // Ledger reads are SQL: cached between scrapes, refreshed at most every ledgerEveryMs.
  let ledgerAt = -Infinity;
  let ledgerView: { totals: ReturnType<MetricsLedger['earningsTotals']>; today: number; hires: number } | null = null;
  const ledgerReads = () => {
    const ledger = sources.ledger;
    if (!ledger) return null;
    const t = now();
    if (t - ledgerAt >= (sources.ledgerEveryMs ?? 15_000)) {
      ledgerAt = t;
      try {
        ledgerView = { totals: ledger.earningsTotals(), today: ledger.rewardTotal(startOfLocalDay(t), t + 1), hires: ledger.hires(100_000).length };
      } catch {
        ledgerView = null; // a closed or failing ledger: the earnings metrics are left out, the rest still served
      }
    }
    return ledgerView;
  };

  const fill = async () => {
    const status = sources.status();
    const network = await sources.eligibility();
    info.reset();
    info.set({ device: sources.deviceId, version: sources.version, Hostname: sources.hostname }, 1);
    for (const s of WORKER_STATES) state.set({ state: s }, s === status.state ? 1 : 0);
    stateSince.set(status.since / 1000);
    for (const source of PAUSE_SOURCES) paused.set({ source }, network.pausedBy.some((p) => p.source === source) ? 1 : 0);
    connection.set(network.connection === 'online' ? 1 : 0);
    eligible.reset();
    if (network.eligible !== null) eligible.set(network.eligible ? 1 : 0);
    buffered.set(network.bufferedHeartbeats);
    hired.set(status.state === 'hired' ? 1 : 0);

    for (const { gauge: g } of gpuGauges) g.reset();
    frameAge.reset();
    if (frame) {
      frameAge.set(Math.max(0, (now() - frame.t) / 1000));
      for (const gpu of frame.gpus) {
        const labels = { gpu: String(gpu.index), UUID: gpu.uuid ?? '', device: `nvidia${gpu.index}`, modelName: gpu.model, Hostname: sources.hostname };
        for (const { read, gauge: g } of gpuGauges) {
          const value = read(gpu);
          if (value !== null && Number.isFinite(value)) g.set(labels, value);
        }
      }
    }

    const ledger = sources.ledger ? ledgerReads() : null;
    for (const metric of [blocks, rewards, jobEarnings, hires, today, streak]) metric.reset();
    if (sources.ledger) {
      try {
        streak.set(sources.ledger.streak(sources.deviceId).seconds);
      } catch {
        // no uptime recorded for this device yet
      }
    }
    if (ledger) {
      blocks.inc({ result: 'passed' }, ledger.totals.blocksPassed);
      blocks.inc({ result: 'failed' }, ledger.totals.blocksFailed);
      rewards.inc(ledger.totals.blockRewards);
      jobEarnings.inc(ledger.totals.jobEarnings);
      hires.inc(ledger.hires);
      today.set(ledger.today);
    }
  };

  return {
    registry,
    async scrape() {
      await fill();
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    close() {
      off();
      registry.clear();
    },
  };
}
