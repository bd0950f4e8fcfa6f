// The 1 Hz telemetry loop: one batched frame per tick for all devices, kept in a 15-minute ring
// and handed to subscribers (ledger, fault monitor, transports).
import type { GpuSample, ProbeHealth, TelemetryFrame } from '../../preload/contract/index.ts';
import { leanFrame } from '../../preload/contract/lean-frame.ts';
import { HostProbe } from './host.ts';
import { Emitter, type Disposable } from '../lib/emitter.ts';
import { every } from '../lib/every.ts';

/** A GPU sampler runs on its own clock (e.g. one long-lived nvidia-smi) and is read on each tick. */
export interface GpuSampler {
  readonly name: string;
  start(intervalMs: number): void;
  stop(): Promise<void> | void;
  latest(): { gpus: GpuSample[]; health: ProbeHealth };
  /** Called when GPUs appear or disappear, so the inventory can be taken again. */
  onHardwareChange?(listener: () => void): () => void;
  /** Whether the GPUs' processes are watched (listed every few seconds) or may be listed slowly. */
  watchProcesses?(watched: boolean): void;
}

const RING_SECONDS = 15 * 60;

export class TelemetrySampler {
  readonly #host: HostProbe;
  readonly #gpuSamplers: GpuSampler[];
  readonly #ring: TelemetryFrame[] = [];
  readonly #frames = new Emitter<TelemetryFrame>();
  #timer: Disposable | null = null;
  #intervalMs = 1000;

  constructor(gpuSamplers: GpuSampler[] = [], host = new HostProbe()) {
    this.#gpuSamplers = gpuSamplers;
    this.#host = host;
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  start(intervalMs = 1000): void {
    this.stopTimer();
    this.#intervalMs = intervalMs;
    for (const gpu of this.#gpuSamplers) gpu.start(intervalMs);
    this.#timer = every(intervalMs, () => this.tick());
  }

  /** Someone needs each GPU's processes every few seconds (a dashboard on screen, the gaming rule). */
  watchProcesses(watched: boolean): void {
    for (const gpu of this.#gpuSamplers) gpu.watchProcesses?.(watched);
  }

  /** Change the rate without losing history (settings: 0.25 s to 10 s). */
  setInterval(intervalMs: number): void {
    if (this.#timer && intervalMs !== this.#intervalMs) this.start(intervalMs);
  }

  private stopTimer(): void {
    this.#timer?.();
    this.#timer = null;
  }

  async stop(): Promise<void> {
    this.stopTimer();
    this.#host.close(); // its kept-open kernel files (opened again if ticked after)
    await Promise.all(this.#gpuSamplers.map((gpu) => gpu.stop()));
  }

  tick(now = Date.now()): TelemetryFrame {
    const gpus: GpuSample[] = [];
    const health: ProbeHealth[] = [];
    for (const sampler of this.#gpuSamplers) {
      const latest = sampler.latest();
      gpus.push(...latest.gpus);
      health.push(latest.health);
    }
    const frame: TelemetryFrame = {
      t: now,
      cpu: {
        utilizationPct: this.#host.cpuUtilization(),
        temperatureC: this.#host.cpuTemperature(),
        packagePowerW: this.#host.packagePower(now),
      },
      memory: this.#host.memory(),
      network: this.#host.network(now),
      gpus,
      health,
    };
    // The newest frame whole, those before it lean: eight GPUs' health and processes in every frame
    // of the 15 minutes were 13 MiB of the worker's heap, and slow-changing, so shown from the newest.
    const previous = this.#ring.length - 1;
    if (previous >= 0) this.#ring[previous] = leanFrame(this.#ring[previous]!);
    this.#ring.push(frame);
    const keep = Math.ceil((RING_SECONDS * 1000) / this.#intervalMs);
    if (this.#ring.length > keep) this.#ring.splice(0, this.#ring.length - keep);
    this.#frames.emit(frame);
    return frame;
  }

  recent(seconds: number, now = Date.now()): TelemetryFrame[] {
    const since = now - seconds * 1000;
    return this.#ring.filter((f) => f.t > since);
  }

  onFrame(listener: (frame: TelemetryFrame) => void): () => void {
    return this.#frames.on(listener);
  }
}
