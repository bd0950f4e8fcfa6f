// One GPU on Home, compact enough that eight fit one 1920x1080 screen: temperature against the
// slowdown limit, power against its limit, utilization, VRAM, clocks, fan, pstate, why the clocks
// are lowered, what else uses the card, and the last five minutes of the first three as small charts.
import { useMemo } from 'react';
import type { GpuInventory, GpuSample, TelemetryFrame } from '../../preload/contract/index.ts';
import { THROTTLE_REASON_WORDS, type ThrottleReason } from '../../preload/contract/words.ts';
import { celsius, mib, percent, watts } from '../format';
import { LiveText } from './LiveText';
import { Sparklines, type SparkSpec } from './Sparkline';

type Read = (frame: TelemetryFrame | undefined) => string;

/** Why the clocks are lowered, in words; idle alone reads as idle, nothing at all as full clocks. */
export function throttleWords(reasons: readonly string[]): string {
  const words = (r: string) => THROTTLE_REASON_WORDS[r as ThrottleReason] ?? r;
  const lowered = reasons.filter((r) => r !== 'idle');
  if (lowered.length) return `Clocks lowered: ${lowered.map(words).join(', ')}`;
  if (reasons.includes('idle')) return 'Clocks lowered: idle, nothing to do';
  return 'Full clocks: nothing holds this GPU back';
}

/** What else is on the card, so 100 % while the worker is idle is explained. */
export function otherProcessWords(processes: GpuSample['processes']): string {
  const procs = processes ?? [];
  if (!procs.length) return '';
  const memory = procs.reduce((m, p) => m + (p.usedMemoryMiB ?? 0), 0);
  const names = [...new Set(procs.map((p) => p.name))].slice(0, 3).join(', ');
  const who = procs.length === 1 ? 'Another process is using this GPU' : `${procs.length} processes are using this GPU`;
  return `${who}${memory ? `: ${mib(memory)}` : ''} (${names})`;
}

/** This card's readers: each finds its GPU in the frame by UUID (indices can shift when a card drops out). */
function readers(gpu: GpuInventory) {
  const sample = (f: TelemetryFrame | undefined): GpuSample | undefined => f?.gpus.find((g) => (gpu.uuid ? g.uuid === gpu.uuid : g.index === gpu.index));
  const pick = (field: 'temperatureC' | 'powerW' | 'utilizationPct') => (f: TelemetryFrame) => sample(f)?.[field] ?? null;
  const read: Record<string, Read> = {
    temperature: (f) => celsius(sample(f)?.temperatureC),
    temperatureLimit: (f) => {
      const limit = sample(f)?.temperatureLimitC;
      // The card's own slowdown point, not the owner's limit (Settings), which may be lower.
      return limit != null ? `slows at ${celsius(limit)}` : 'Temperature';
    },
    power: (f) => watts(sample(f)?.powerW),
    powerLimit: (f) => {
      const limit = sample(f)?.powerLimitW;
      return limit != null ? `of ${watts(limit)}` : 'Power';
    },
    utilization: (f) => percent(sample(f)?.utilizationPct),
    vram: (f) => mib(sample(f)?.vramUsedMiB),
    vramTotal: (f) => {
      const total = sample(f)?.vramTotalMiB ?? gpu.vramMiB;
      return total != null ? `of ${mib(total)}` : 'VRAM used';
    },
    clocks: (f) => {
      const c = sample(f)?.clocksMHz;
      return c && (c.sm ?? c.graphics) !== null ? `${c.sm ?? c.graphics} / ${c.memory ?? '–'} MHz` : '–';
    },
    fan: (f) => {
      const g = sample(f);
      return g?.fanPct != null ? percent(g.fanPct) : g?.unavailable.fanPct ? 'none' : '–';
    },
    pstate: (f) => sample(f)?.pstate ?? '–',
    pcie: (f) => {
      const link = sample(f)?.pcie;
      return link && link.generation != null && link.width != null ? `Gen ${link.generation} x${link.width}` : '–';
    },
    throttle: (f) => {
      const g = sample(f);
      return g ? throttleWords(g.throttleReasons) : '';
    },
    others: (f) => otherProcessWords(sample(f)?.processes),
  };
  const charts: SparkSpec[] = [
    { label: 'Temperature', color: '#f97316', pick: pick('temperatureC'), limit: (f) => sample(f)?.temperatureLimitC ?? null, min: 20, max: 90 },
    { label: 'Power', color: '#8b5cf6', pick: pick('powerW'), limit: (f) => sample(f)?.powerLimitW ?? null, min: 0, max: gpu.powerLimitW?.enforced ?? 100 },
    { label: 'Utilization', color: '#3b82f6', pick: pick('utilizationPct'), min: 0, max: 100 },
  ];
  return { read, charts };
}

export function GpuCard({ gpu }: { gpu: GpuInventory }) {
  const { read, charts } = useMemo(() => readers(gpu), [gpu]);
  return (
    <article className="card gpu" data-testid="gpu-card" aria-labelledby={`gpu-${gpu.index}-model`}>
      <header className="gpu-head">
        <span className="gpu-index">GPU {gpu.index}</span>
        <h3 id={`gpu-${gpu.index}-model`}>{gpu.model}</h3>
        {gpu.driver ? <span className="muted small gpu-driver">Driver {gpu.driver}</span> : null}
      </header>
      {/* Columns fixed by the card's width, never by a reading, and each figure in a box of its own (LiveText lines). */}
      <div className="gpu-stats">
        <div className="stat">
          <LiveText className="stat-value" testId="gpu-temp" read={read.temperature!} lines={1} />
          <LiveText className="stat-label" read={read.temperatureLimit!} />
        </div>
        <div className="stat">
          <LiveText className="stat-value" testId="gpu-power" read={read.power!} lines={1} />
          <LiveText className="stat-label" testId="gpu-power-limit" read={read.powerLimit!} />
        </div>
        <div className="stat">
          <LiveText className="stat-value" testId="gpu-util" read={read.utilization!} lines={1} />
          <div className="stat-label">Utilization</div>
        </div>
        <div className="stat">
          <LiveText className="stat-value" testId="gpu-vram" read={read.vram!} lines={1} />
          <LiveText className="stat-label" read={read.vramTotal!} />
        </div>
      </div>
      <Sparklines specs={charts} windowSeconds={120} />
      <dl className="gpu-facts">
        <Fact label="SM / memory clock" read={read.clocks!} />
        <Fact label="Fan" read={read.fan!} />
        <Fact label="P-state" read={read.pstate!} />
        <Fact label="PCIe link" read={read.pcie!} />
      </dl>
      <LiveText className="small gpu-note" testId="gpu-throttle" read={read.throttle!} lines={2} />
      <LiveText className="small gpu-note muted" testId="gpu-others" read={read.others!} lines={2} />
    </article>
  );
}

function Fact({ label, read }: { label: string; read: Read }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>
        <LiveText read={read} lines={1} />
      </dd>
    </div>
  );
}
