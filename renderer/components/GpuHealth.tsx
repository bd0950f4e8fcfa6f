// Device details → GPU health, per GPU, from the probes' slow reads (nvidia-smi -q, amd-smi metric,
// the kernel log): ECC, retired pages and remapped rows, PCIe link against its maximum and replays,
// Xid errors, why clocks are lowered, fan and power state, MIG instances, and what else uses the card.
// It changes slowly: the card re-renders only when what it shows changes, looked at every 5 s.
import { useEffect, useState } from 'react';
import type { GpuSample, TelemetryFrame } from '../../preload/contract/index.ts';
import { GPU_HEALTH_PROBLEM_WORDS, GPU_HEALTH_SEVERITY_WORDS } from '../../preload/contract/words.ts';
import { clockTime, count, mib, percent } from '../format';
import { telemetry } from '../store/telemetry';
import { otherProcessWords, throttleWords } from './GpuCard';

type HealthView = Pick<GpuSample, 'index' | 'model' | 'fanPct' | 'pstate' | 'throttleReasons' | 'pcie' | 'health' | 'migInstances' | 'processes'>;

const view = (frame: TelemetryFrame | undefined): HealthView[] =>
  (frame?.gpus ?? []).map(({ index, model, fanPct, pstate, throttleReasons, pcie, health, migInstances, processes }) => ({
    index, model, fanPct, pstate, throttleReasons, pcie, health, migInstances, processes,
  }));

/** The GPUs' slow-changing parts, kept while they stay the same (compared every 5 s, not per frame). */
function useHealthView(): HealthView[] {
  const [gpus, setGpus] = useState<HealthView[]>(() => view(telemetry.latest()));
  useEffect(() => {
    // Compared with what is on screen: a frame that came between the first render and this effect
    // (MIG profiles read a moment after the page's first frame) must not count as already shown.
    let last = JSON.stringify(gpus);
    let lookedAt = 0;
    return telemetry.subscribe((frame) => {
      if (frame.t - lookedAt < 5000) return;
      lookedAt = frame.t;
      const next = view(frame);
      const key = JSON.stringify(next);
      if (key !== last) {
        last = key;
        setGpus(next);
      }
    });
    // Subscribed once; `last` follows what it set.
  }, []);
  return gpus;
}

/** "Gen 1 x16 now; up to Gen 3 x16 (…)" — or just the link where it runs at its best. */
export function pcieWords(link: GpuSample['pcie'], health: GpuSample['health']): string {
  const gen = health?.pcie.generation ?? link.generation;
  const width = health?.pcie.width ?? link.width;
  if (gen === null && width === null) return '–';
  const now = `Gen ${gen ?? '?'} x${width ?? '?'}`;
  const maxGen = health?.pcie.maxGeneration ?? null;
  const maxWidth = health?.pcie.maxWidth ?? null;
  const below = (maxGen !== null && gen !== null && gen < maxGen) || (maxWidth !== null && width !== null && width < maxWidth);
  // An idle card drops its link speed to save power: below the maximum is news only under load.
  return below ? `${now} now; up to Gen ${maxGen ?? gen} x${maxWidth ?? width} (an idle card slows its link to save power)` : now;
}

export function GpuHealth() {
  const gpus = useHealthView();
  if (gpus.length === 0) return null;
  return (
    <section className="card" aria-labelledby="gpu-health-title" data-testid="gpu-health">
      <h2 id="gpu-health-title">GPU health</h2>
      {gpus.map((g) => (
        <OneGpu key={g.index} gpu={g} />
      ))}
    </section>
  );
}

function OneGpu({ gpu }: { gpu: HealthView }) {
  const h = gpu.health ?? null;
  const severity = h?.severity ?? null;
  const lastXid = h?.xid.at(-1) ?? null;
  const others = otherProcessWords(gpu.processes);
  return (
    <div className="gpu-health" data-testid="gpu-health-gpu">
      <h3>
        GPU {gpu.index}: {gpu.model}{' '}
        <span className={`badge ${severity === 'critical' ? 'fail' : severity === 'warning' ? 'warn' : 'ok'}`} data-testid="gpu-health-state">
          {severity ? GPU_HEALTH_SEVERITY_WORDS[severity] : 'Not read yet'}
        </span>
      </h3>
      {h && h.problems.length > 0 ? (
        <ul className="health-problems">
          {h.problems.map((p) => (
            <li key={p.problem} className={p.severity === 'critical' ? 'error' : 'warn'}>
              {GPU_HEALTH_PROBLEM_WORDS[p.problem]}: {p.detail}
            </li>
          ))}
        </ul>
      ) : null}
      <dl className="facts cols">
        <dt>Clocks</dt>
        <dd data-testid="gpu-health-throttle">{throttleWords(gpu.throttleReasons)}</dd>
        <dt>Fan · power state</dt>
        <dd>
          {gpu.fanPct === null ? 'no fan reading (passively cooled or not reported)' : percent(gpu.fanPct)} · {gpu.pstate ?? '–'}
        </dd>
        <dt>PCIe link</dt>
        <dd data-testid="gpu-health-pcie">
          {pcieWords(gpu.pcie, h)}
          {h?.pcie.replays != null ? `; ${count(h.pcie.replays)} replays` : ''}
        </dd>
        {h ? (
          <>
            <dt>Memory errors (ECC)</dt>
            <dd data-testid="gpu-health-ecc">
              {h.ecc.mode === 'enabled'
                ? `since boot ${count(h.ecc.volatile.corrected)} corrected, ${count(h.ecc.volatile.uncorrected)} uncorrected; lifetime ${count(h.ecc.aggregate.corrected)} corrected, ${count(h.ecc.aggregate.uncorrected)} uncorrected`
                : h.ecc.mode === 'disabled'
                  ? 'ECC is off on this card'
                  : 'this card has no ECC'}
            </dd>
            <dt>Worn memory</dt>
            <dd>
              {h.remappedRows.correctable !== null || h.remappedRows.uncorrectable !== null
                ? `${count(h.remappedRows.correctable)} rows remapped (correctable), ${count(h.remappedRows.uncorrectable)} (uncorrectable)${h.remappedRows.pending ? ', more pending a reset' : ''}`
                : h.retiredPages.singleBit !== null || h.retiredPages.doubleBit !== null
                  ? `${count(h.retiredPages.singleBit)} pages retired (single-bit), ${count(h.retiredPages.doubleBit)} (double-bit)${h.retiredPages.pending ? ', more pending a reboot' : ''}`
                  : 'not reported'}
            </dd>
            <dt>Driver errors (Xid)</dt>
            <dd data-testid="gpu-health-xid">
              {h.xid.length === 0
                ? h.unavailable.xid
                  ? `not read: ${h.unavailable.xid}`
                  : 'none since the worker started'
                : `${h.xid.length} since the worker started; last Xid ${lastXid!.xid}${lastXid!.at ? ` at ${clockTime(lastXid!.at)}` : ''}: ${lastXid!.message}`}
            </dd>
          </>
        ) : null}
        {gpu.migInstances?.length ? (
          <>
            <dt>MIG instances</dt>
            <dd data-testid="gpu-health-mig">
              {gpu.migInstances.map((m) => `${m.profile ?? `instance ${m.index}`}: ${m.memoryUsedMiB === null ? '–' : mib(m.memoryUsedMiB)} of ${m.memoryTotalMiB === null ? '–' : mib(m.memoryTotalMiB)}`).join(' · ')}
              <span className="muted"> (temperature and power are the whole card’s)</span>
            </dd>
          </>
        ) : null}
        <dt>Other processes</dt>
        <dd data-testid="gpu-health-processes">{others || 'none the driver lists'}</dd>
      </dl>
      {h?.checkedAt ? <p className="muted small">Read at {clockTime(h.checkedAt)} from the driver’s full report.</p> : null}
    </div>
  );
}
