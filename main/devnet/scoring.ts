// Pure scoring of a block: connectivity tier, hardware multiplier, base score, normalized score,
// reward, and the eligibility checklist. No I/O: the coordinator and the benchmark call these.
import { POW_MAX_PRODUCTS } from '../worker/protocol.ts';
import type { Params } from './params.ts';

export type ProcessorType = 'GPU' | 'CPU';

export interface Hardware {
  processorType: ProcessorType;
  /** The model the multiplier was found for (the GPU model, or the CPU brand). */
  model: string;
  quantity: number;
  /** 0 when the processor is not on the network's list. */
  multiplier: number;
}

export interface SpeedTest {
  downMbps: number;
  upMbps: number;
  latencyMs: number;
}

/** The tier of a link as the network measured it (link-measure.ts): the highest whose every bound it meets. */
export function tierFor(speed: SpeedTest | null, params: Params): number {
  if (!speed) return 0;
  const tiers = [...params.tiers].sort((a, b) => b.tier - a.tier);
  for (const t of tiers) {
    if (speed.downMbps >= t.minDownMbps && speed.upMbps >= t.minUpMbps && speed.latencyMs <= t.maxLatencyMs) return t.tier;
  }
  return 0;
}

export function gpuMultiplier(model: string, params: Params): number {
  const name = model.toLowerCase();
  let best = '';
  for (const key of Object.keys(params.gpuMultipliers)) {
    if (name.includes(key.toLowerCase()) && key.length > best.length) best = key;
  }
  return best ? params.gpuMultipliers[best] : 0;
}

/** A machine with GPUs is a GPU device (its most common model, counted); otherwise a CPU device. */
export function hardwareFor(inventory: { cpu: { brand: string }; gpus: { model: string }[] }, params: Params): Hardware {
  if (inventory.gpus.length > 0) {
    const counts = new Map<string, number>();
    for (const gpu of inventory.gpus) counts.set(gpu.model, (counts.get(gpu.model) ?? 0) + 1);
    const [model, quantity] = [...counts].sort((a, b) => b[1] - a[1])[0];
    return { processorType: 'GPU', model, quantity, multiplier: gpuMultiplier(model, params) };
  }
  return { processorType: 'CPU', model: inventory.cpu.brand || 'CPU', quantity: 1, multiplier: params.cpuMultiplier };
}

/** The published formula: ((w_t * tier/4 + w_h * multiplier * quantity) * inner + w_hired * hired) * outer. */
export function baseScore(input: { tier: number; multiplier: number; quantity: number; wasHired: boolean }, params: Params): number {
  const w = params.weights;
  return ((w.tier * (input.tier / 4) + w.hardware * input.multiplier * input.quantity) * w.inner + w.hired * (input.wasHired ? 1 : 0)) * w.outer;
}

export function normalizedScore(base: number, totalBaseOfType: number, allocation: number): number {
  return totalBaseOfType > 0 ? (base / totalBaseOfType) * allocation : 0;
}

export interface BlockEntry {
  deviceId: string;
  processorType: ProcessorType;
  /** Base score; devices that failed or are ineligible still appear, with `passed` false. */
  base: number;
  passed: boolean;
}

export interface BlockScore {
  deviceId: string;
  base: number;
  normalized: number;
  reward: number;
}

/** Scores one block: only passing devices share their type's allocation, and all of them the emission. */
export function scoreBlock(entries: BlockEntry[], params: Params): { scores: BlockScore[]; totalNormalized: number; distributed: number } {
  let gpuBase = 0;
  let cpuBase = 0;
  for (const e of entries) {
    if (!e.passed) continue;
    if (e.processorType === 'GPU') gpuBase += e.base;
    else cpuBase += e.base;
  }
  const normalized = new Float64Array(entries.length);
  let totalNormalized = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (!e.passed) continue;
    const gpu = e.processorType === 'GPU';
    normalized[i] = normalizedScore(e.base, gpu ? gpuBase : cpuBase, gpu ? params.allocation.GPU : params.allocation.CPU);
    totalNormalized += normalized[i];
  }
  const scores: BlockScore[] = new Array(entries.length);
  let distributed = 0;
  for (let i = 0; i < entries.length; i++) {
    const reward = totalNormalized > 0 ? (params.blockEmission * normalized[i]) / totalNormalized : 0;
    distributed += reward;
    scores[i] = { deviceId: entries[i].deviceId, base: entries[i].base, normalized: normalized[i], reward };
  }
  return { scores, totalNormalized, distributed };
}

export interface EligibilityFacts {
  wallet: string | null;
  hardware: Hardware;
  tier: number;
  /** Seconds of unbroken heartbeats; a worker restart or a long silence resets it. */
  continuousUptimeSeconds: number;
  /** Whether the last closed block's proofs passed; null before the first block. */
  proofsPassed: boolean | null;
  paused: string | null;
  blocked: boolean;
}

export interface EligibilityCheck {
  id: 'wallet' | 'processor' | 'tier' | 'uptime' | 'proofs' | 'running';
  ok: boolean;
  /** False for a rule this network does not ask for (the wallet, where payouts need none). */
  required?: boolean;
  /** What is wrong and what to do about it, or what is right. */
  detail: string;
  /** For a rule that passes with time alone (uptime): seconds until it does. */
  remainingSeconds?: number;
  /** Not judged yet (the proofs before the first block closes): it blocks nothing, and it is not a pass either. */
  pending?: boolean;
}

/** The ids of the failing rules, without building any sentence: the per-block hot path. */
export function failingRules(facts: EligibilityFacts, params: Params): EligibilityCheck['id'][] | null {
  let failing: EligibilityCheck['id'][] | null = null;
  const fail = (id: EligibilityCheck['id']) => (failing ??= []).push(id);
  if (params.eligibility.requireWallet && !facts.wallet) fail('wallet');
  if (!(facts.hardware.multiplier > 0)) fail('processor');
  if (!(facts.tier > 0)) fail('tier');
  if (facts.continuousUptimeSeconds < params.eligibility.minUptimeSeconds) fail('uptime');
  if (facts.proofsPassed === false) fail('proofs');
  if (facts.paused || facts.blocked) fail('running');
  return failing;
}

export function eligibility(facts: EligibilityFacts, params: Params): { eligible: boolean; checks: EligibilityCheck[] } {
  // "5 h", "1 h 30 min", "12 min": never "0.0 h".
  const hours = (s: number) => {
    const m = Math.floor(s / 60);
    return m >= 60 ? `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}` : `${m} min`;
  };
  const checks: EligibilityCheck[] = [
    {
      id: 'wallet',
      ok: !params.eligibility.requireWallet || !!facts.wallet,
      required: params.eligibility.requireWallet,
      // Never "✓ … No wallet set": a rule the network does not ask for says so.
      detail: facts.wallet
        ? `Rewards go to ${facts.wallet}.`
        : params.eligibility.requireWallet
          ? 'No wallet set: set a wallet address to receive rewards.'
          : 'Not required by this network to earn; set one to be paid out.',
    },
    {
      id: 'processor',
      ok: facts.hardware.multiplier > 0,
      detail: facts.hardware.multiplier > 0
        ? `${facts.hardware.quantity} × ${facts.hardware.model} (${facts.hardware.processorType}, multiplier ${facts.hardware.multiplier}).`
        : `${facts.hardware.model} is not on the network's list of eligible ${facts.hardware.processorType === 'GPU' ? 'GPUs' : 'processors'}.`,
    },
    {
      id: 'tier',
      ok: facts.tier > 0,
      detail: facts.tier > 0 ? `Connectivity tier ${facts.tier}.` : 'Connectivity tier 0: the network has not measured this link yet, or measured it too slow; check the network link.',
    },
    {
      id: 'uptime',
      ok: facts.continuousUptimeSeconds >= params.eligibility.minUptimeSeconds,
      remainingSeconds: Math.max(0, params.eligibility.minUptimeSeconds - facts.continuousUptimeSeconds),
      detail: params.eligibility.minUptimeSeconds <= 0
        ? 'No unbroken uptime is asked for by this network.'
        : facts.continuousUptimeSeconds >= params.eligibility.minUptimeSeconds
          ? `Up for ${hours(facts.continuousUptimeSeconds)} without a break.`
          : `Up for ${hours(facts.continuousUptimeSeconds)}; rewards start after ${hours(params.eligibility.minUptimeSeconds)} of unbroken uptime. Keep the worker running.`,
    },
    {
      id: 'proofs',
      ok: facts.proofsPassed !== false,
      ...(facts.proofsPassed === null ? { pending: true } : {}),
      detail: facts.proofsPassed === null ? 'No block closed yet: the first block\'s proofs decide this.' : facts.proofsPassed ? 'The last block\'s proofs passed.' : 'The last block\'s proofs failed: keep the worker online and responsive.',
    },
    {
      id: 'running',
      ok: !facts.paused && !facts.blocked,
      detail: facts.blocked ? 'The device is blocked by the network.' : facts.paused ? `${facts.paused[0]!.toUpperCase()}${facts.paused.slice(1)}. A paused device earns nothing until the pause ends.` : 'Running.',
    },
  ];
  return { eligible: checks.every((c) => c.ok), checks };
}

// ---------------------------------------------------------------- the proof against the claim
/** Expected POW rate of one processor of the claimed kind (ops/s): its model's, else its class's. */
export function expectedOpsPerSec(hw: Pick<Hardware, 'processorType' | 'model'>, params: Params): number {
  const { pow } = params;
  if (hw.processorType === 'CPU') return pow.cpuOpsPerSec;
  const name = hw.model.toLowerCase();
  let best = '';
  for (const key of Object.keys(pow.modelOpsPerSec)) if (name.includes(key.toLowerCase()) && key.length > best.length) best = key;
  return best ? pow.modelOpsPerSec[best] : pow.gpuOpsPerSec;
}

/** A challenge sized to the claim: products for each claimed processor, and the time the claimed hardware needs. */
export function powPlan(hw: Hardware, params: Params): { products: number; deadlineMs: number } {
  const ops = 2 * params.pow.size ** 3;
  const rate = expectedOpsPerSec(hw, params);
  const quantity = Math.max(1, Math.min(64, hw.quantity));
  const perProcessor = Math.max(1, Math.ceil((params.pow.targetSeconds * rate) / ops));
  const products = Math.min(POW_MAX_PRODUCTS, perProcessor * quantity);
  const seconds = (params.pow.slack * products * ops) / (quantity * rate) + params.pow.graceSeconds;
  return { products, deadlineMs: Math.min(seconds, params.pow.deadlineSeconds) * 1000 };
}

/** What a passed proof showed: products asked, products committed by the deadline, and over how long. */
export interface PowEvidence {
  size: number;
  products: number;
  committed: number;
  windowMs: number;
}

/**
 * The hardware the proof supports: the whole claim when every product came in time; else the share of
 * the claimed processors it covers; else one CPU when its rate is CPU-class; else none (null).
 */
export function provenHardware(claim: Hardware, proof: PowEvidence, params: Params): Hardware | null {
  if (proof.committed >= proof.products) return claim;
  const quantity = Math.floor((claim.quantity * proof.committed) / proof.products + 1e-9);
  if (quantity >= 1 && claim.processorType === 'GPU') return { ...claim, quantity };
  const rate = (proof.committed * 2 * proof.size ** 3) / Math.max(0.001, proof.windowMs / 1000);
  if (rate * params.pow.slack < params.pow.cpuOpsPerSec || !(params.cpuMultiplier > 0)) return null;
  return claim.processorType === 'CPU' ? claim : { processorType: 'CPU', model: `CPU (the proof does not support ${claim.model})`, quantity: 1, multiplier: params.cpuMultiplier };
}
