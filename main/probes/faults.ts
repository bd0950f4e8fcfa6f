// The fault monitor: watches telemetry frames against the user's limits and raises contract notices
// for sustained over-limit readings (never a single spike), thermal or hardware throttling, GPUs that
// stop reporting, and GPU telemetry that goes silent. Pure logic over frames; imports contract types only.
import type { GpuSample, Notice, Settings, TelemetryFrame } from '../../preload/contract/index.ts';
import { THROTTLE_LABELS } from './nvidia-smi-csv.ts';
import { Emitter } from '../lib/emitter.ts';

export type FaultLimits = Settings['limits'];

export interface FaultMonitorOptions {
  /** Read on every frame, so a limit changed in settings applies at once. */
  limits: () => FaultLimits;
  /** How long a reading must stay over its limit before it is a fault. */
  sustainMs?: number;
  /** How long a GPU may be missing, or telemetry silent, before it is a fault. */
  lostAfterMs?: number;
}

/** Throttling that means the card is in trouble; power-cap and idle clocks are normal under load or at rest. */
const TROUBLE_THROTTLES = new Set(['sw-thermal', 'hw-thermal', 'hw-slowdown', 'power-brake']);

interface Check {
  id: string;
  title: (gpu: GpuSample, limit: number) => string;
  /** What crossed, as the pause reason names it ("GPU 0 memory"). */
  subject: (gpu: GpuSample) => string;
  value: (gpu: GpuSample) => number | null;
  limit: (limits: FaultLimits) => number | null;
  /** How far back under the limit a reading must come before the same fault can be raised again. */
  hysteresis: number;
  unit: string;
}

const CHECKS: Check[] = [
  {
    id: 'gpu-temperature',
    title: (g) => `GPU ${g.index} is running hot`,
    subject: (g) => `GPU ${g.index}`,
    value: (g) => g.temperatureC,
    limit: (l) => l.gpuTemperatureC,
    hysteresis: 3,
    unit: '°C',
  },
  {
    id: 'gpu-hotspot',
    title: (g) => `GPU ${g.index} hotspot is running hot`,
    subject: (g) => `GPU ${g.index} hotspot`,
    value: (g) => g.hotspotC,
    limit: (l) => l.gpuHotspotC,
    hysteresis: 3,
    unit: '°C',
  },
  {
    id: 'gpu-memory-temperature',
    title: (g) => `GPU ${g.index} memory is running hot`,
    subject: (g) => `GPU ${g.index} memory`,
    value: (g) => g.memoryTemperatureC,
    limit: (l) => l.gpuMemoryTemperatureC,
    hysteresis: 3,
    unit: '°C',
  },
  {
    id: 'gpu-power',
    title: (g) => `GPU ${g.index} draws more power than your limit`,
    subject: (g) => `GPU ${g.index}`,
    value: (g) => g.powerW,
    limit: (l) => l.gpuPowerW,
    hysteresis: 10,
    unit: 'W',
  },
];

interface Episode {
  since: number;
  samples: number;
  raised: boolean;
  /** For a raised limit episode: what the worker says when it pauses for it. */
  reason?: string;
}

const gpuKey = (g: GpuSample) => g.uuid ?? `index:${g.index}`;
const describe = (g: GpuSample) => `GPU ${g.index} (${g.model})`;

export class FaultMonitor {
  readonly #options: Required<FaultMonitorOptions>;
  readonly #notices = new Emitter<Notice>();
  readonly #episodes = new Map<string, Episode>();
  /** Every GPU seen, with when it was last seen and whether its loss was announced. */
  readonly #gpus = new Map<string, { gpu: GpuSample; lastSeen: number; lostRaised: boolean }>();
  #silentSince: number | null = null;
  #silentRaised = false;

  constructor(options: FaultMonitorOptions) {
    this.#options = { sustainMs: 10_000, lostAfterMs: 3000, ...options };
  }

  onNotice(listener: (notice: Notice) => void): () => void {
    return this.#notices.on(listener);
  }

  /**
   * Why the worker should be paused now: a limit exceeded for the sustain time (not a spike), held
   * until the reading is back under the limit by the check's margin (so a card at the limit does
   * not flap). Null when every GPU is within its limits. Throttling alone does not pause.
   */
  pauseReason(): string | null {
    for (const episode of this.#episodes.values()) if (episode.raised && episode.reason) return episode.reason;
    return null;
  }

  /** Looks at one frame; returns (and hands to listeners) the notices it raises. */
  observe(frame: TelemetryFrame): Notice[] {
    const notices: Notice[] = [];
    const raise = (id: string, level: Notice['level'], title: string, body: string) =>
      notices.push({ id: `${id}:${frame.t}`, t: frame.t, level, title, body });
    const limits = this.#options.limits();

    for (const gpu of frame.gpus) {
      const key = gpuKey(gpu);
      const known = this.#gpus.get(key);
      if (known?.lostRaised) raise(`gpu-back:${key}`, 'info', `${describe(gpu)} is back`, 'It reports telemetry again.');
      this.#gpus.set(key, { gpu, lastSeen: frame.t, lostRaised: false });

      for (const check of CHECKS) {
        const limit = check.limit(limits);
        const value = check.value(gpu);
        const episodeKey = `${check.id}:${key}`;
        const episode = this.#episodes.get(episodeKey);
        if (limit === null || value === null) continue; // an unknown reading neither starts nor ends an episode
        if (value > limit) {
          const current = episode ?? { since: frame.t, samples: 0, raised: false };
          current.samples++;
          this.#episodes.set(episodeKey, current);
          if (!current.raised && current.samples >= 2 && frame.t - current.since >= this.#options.sustainMs) {
            current.raised = true;
            current.reason = `${check.subject(gpu)} at ${value} ${check.unit}, over your ${limit} ${check.unit} limit`;
            raise(
              `${check.id}:${key}`,
              'warning',
              check.title(gpu, limit),
              `${describe(gpu)} has stayed above your limit of ${limit} ${check.unit} for ${Math.round((frame.t - current.since) / 1000)} s (now ${value} ${check.unit}).`,
            );
          }
        } else if (episode && (!episode.raised || value <= limit - check.hysteresis)) {
          this.#episodes.delete(episodeKey);
          // The history tells the end of an episode too, so a pause by a limit never seems to end for no reason.
          if (episode.raised) {
            raise(`${check.id}-clear:${key}`, 'info', `GPU ${gpu.index} is back within your limit`, `Now ${value} ${check.unit}, under your ${limit} ${check.unit} limit; the worker goes on.`);
          }
        }
      }

      const trouble = gpu.throttleReasons.filter((r) => TROUBLE_THROTTLES.has(r));
      const throttleKey = `gpu-throttle:${key}`;
      const throttling = this.#episodes.get(throttleKey);
      if (trouble.length > 0) {
        const current = throttling ?? { since: frame.t, samples: 0, raised: false };
        current.samples++;
        this.#episodes.set(throttleKey, current);
        if (!current.raised && current.samples >= 2 && frame.t - current.since >= this.#options.sustainMs) {
          current.raised = true;
          raise(
            throttleKey,
            'warning',
            `GPU ${gpu.index} is throttling`,
            `${describe(gpu)} has lowered its clocks for ${Math.round((frame.t - current.since) / 1000)} s: ${trouble.map((r) => THROTTLE_LABELS[r] ?? r).join(', ')}. Check its cooling and power.`,
          );
        }
      } else if (throttling) this.#episodes.delete(throttleKey);
    }

    // A GPU that stops reporting while others (or the tool) still answer is lost; all of them gone is silence.
    const seen = new Set(frame.gpus.map(gpuKey));
    const toolSilent = frame.gpus.length === 0 && this.#gpus.size > 0;
    for (const [key, entry] of this.#gpus) {
      if (seen.has(key) || entry.lostRaised || toolSilent) continue;
      if (frame.t - entry.lastSeen >= this.#options.lostAfterMs) {
        entry.lostRaised = true;
        for (const id of [...this.#episodes.keys()].filter((k) => k.endsWith(`:${key}`))) this.#episodes.delete(id);
        raise(
          `gpu-lost:${key}`,
          'error',
          `${describe(entry.gpu)} stopped reporting`,
          'The driver no longer sees this GPU. It may have fallen off the bus or crashed; a reboot usually brings it back. Work on it has stopped.',
        );
      }
    }

    if (toolSilent) {
      this.#silentSince ??= frame.t;
      if (!this.#silentRaised && frame.t - this.#silentSince >= this.#options.lostAfterMs) {
        this.#silentRaised = true;
        const why = frame.health.filter((h) => h.state !== 'ok').map((h) => `${h.probe}: ${h.detail}`).join(' ');
        raise('gpu-telemetry-silent', 'warning', 'GPU telemetry interrupted', why || 'No GPU readings arrive.');
      }
    } else {
      if (this.#silentRaised) raise('gpu-telemetry-back', 'info', 'GPU telemetry is back', 'GPU readings arrive again.');
      this.#silentSince = null;
      this.#silentRaised = false;
    }

    for (const notice of notices) {
      this.#notices.emit(notice);
    }
    return notices;
  }
}
