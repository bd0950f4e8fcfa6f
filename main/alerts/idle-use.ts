// io.net suspends devices whose utilization while idle (not hired) crosses its thresholds, and the
// machine's own use counts. The thresholds are network parameters (GET /v1/params, `idleUse`); this
// watch warns once per episode when the machine's own use stays near them, before it crosses them.
import { z } from 'zod';
import type { Notice, TelemetryFrame } from '../../preload/contract/index.ts';

export const IdleUseSchema = z.object({
  gpuPct: z.number().min(0).max(100),
  cpuPct: z.number().min(0).max(100),
  sustainSeconds: z.number().nonnegative(),
  warnShare: z.number().min(0).max(1),
});
export type IdleUseThresholds = z.infer<typeof IdleUseSchema>;

export interface NetworkRules {
  /** null where the network has none (an older coordinator) or did not answer. */
  idleUse: IdleUseThresholds | null;
  /** The unbroken uptime the network asks before a device earns (the schedule check). */
  minUptimeSeconds: number | null;
}

/** What the alerts and the schedule check need of the network's parameters (GET /v1/params). */
export async function fetchNetworkRules(networkUrl: string): Promise<NetworkRules> {
  try {
    const res = await fetch(`${networkUrl.replace(/\/+$/, '')}/v1/params`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) return { idleUse: null, minUptimeSeconds: null };
    const body = (await res.json()) as { idleUse?: unknown; eligibility?: { minUptimeSeconds?: unknown } };
    const parsed = IdleUseSchema.safeParse(body.idleUse);
    const uptime = body.eligibility?.minUptimeSeconds;
    return { idleUse: parsed.success ? parsed.data : null, minUptimeSeconds: typeof uptime === 'number' && uptime >= 0 ? uptime : null };
  } catch {
    return { idleUse: null, minUptimeSeconds: null };
  }
}

export interface IdleUseOptions {
  thresholds: () => IdleUseThresholds | null;
  /** While hired the use is the hire's, not the machine's own. */
  hired: () => boolean;
  notice: (notice: Notice) => void;
}

export class IdleUseWatch {
  readonly #o: IdleUseOptions;
  readonly #episodes = new Map<'gpu' | 'cpu', { since: number; warned: boolean; value: number; at: number }>();

  constructor(options: IdleUseOptions) {
    this.#o = options;
  }

  observe(frame: TelemetryFrame): void {
    const limits = this.#o.thresholds();
    if (!limits || this.#o.hired()) {
      this.#episodes.clear();
      return;
    }
    const gpuUse = frame.gpus.reduce<number | null>((max, g) => (g.utilizationPct === null ? max : Math.max(max ?? 0, g.utilizationPct)), null);
    this.#check('gpu', gpuUse, limits.gpuPct, limits, frame.t);
    this.#check('cpu', frame.cpu.utilizationPct, limits.cpuPct, limits, frame.t);
  }

  /** The use near the limit now, for Home's line: the one closest to its limit, or null. */
  current(): { what: 'gpu' | 'cpu'; usePct: number; limitPct: number; forSeconds: number; sustainSeconds: number } | null {
    const limits = this.#o.thresholds();
    if (!limits) return null;
    let worst: ReturnType<IdleUseWatch['current']> = null;
    for (const [what, e] of this.#episodes) {
      const limitPct = what === 'gpu' ? limits.gpuPct : limits.cpuPct;
      const seen = { what, usePct: Math.round(e.value), limitPct, forSeconds: Math.round((e.at - e.since) / 1000), sustainSeconds: limits.sustainSeconds };
      if (!worst || seen.usePct / Math.max(1, seen.limitPct) > worst.usePct / Math.max(1, worst.limitPct)) worst = seen;
    }
    return worst;
  }

  #check(what: 'gpu' | 'cpu', value: number | null, limit: number, limits: IdleUseThresholds, t: number): void {
    const warnAt = limit * limits.warnShare;
    if (value === null || value < warnAt) {
      this.#episodes.delete(what);
      return;
    }
    const episode = this.#episodes.get(what) ?? { since: t, warned: false, value, at: t };
    Object.assign(episode, { value, at: t });
    this.#episodes.set(what, episode);
    // Warn halfway through the network's sustain time: the owner still has the other half to act.
    if (!episode.warned && t - episode.since >= (limits.sustainSeconds * 1000) / 2) {
      episode.warned = true;
      const name = what === 'gpu' ? 'GPU' : 'CPU';
      this.#o.notice({
        id: `idle-use:${what}:${t}`,
        t,
        level: 'warning',
        title: `This machine's own ${name} use is close to the network's limit`,
        body: `${name} use has been ${Math.round(value)} % for ${Math.round((t - episode.since) / 1000)} s while not hired. The network suspends devices whose idle use stays above ${limit} % for ${Math.round(limits.sustainSeconds / 60)} min; close what uses the ${name}, or pause the worker.`,
      });
    }
  }
}
