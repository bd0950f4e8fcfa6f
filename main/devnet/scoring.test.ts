import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, loadParamsFile, resolveParams } from './params.ts';
import {
  baseScore, eligibility, expectedOpsPerSec, failingRules, gpuMultiplier, hardwareFor, normalizedScore, powPlan, provenHardware, scoreBlock, tierFor,
} from './scoring.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

describe('scoring', () => {
  it('reproduces the published example: 8150 / 115,000,000 × 8,000,000 = 566.96', () => {
    expect(normalizedScore(8150, 115_000_000, 8_000_000).toFixed(2)).toBe('566.96');
  });

  it('computes the base score with the published weights', () => {
    // ((0.02 * 4/4 + 2.0 * 4 * 1) * 100 + 0.05 * 1) * 10 = 8020.5
    expect(baseScore({ tier: 4, multiplier: 4, quantity: 1, wasHired: true }, DEFAULT_PARAMS)).toBeCloseTo(8020.5, 9);
    expect(baseScore({ tier: 2, multiplier: 1, quantity: 2, wasHired: false }, DEFAULT_PARAMS)).toBeCloseTo(4010, 9);
  });

  it('shares the emission among passing devices only, per processor allocation', () => {
    const params = resolveParams({ blockEmission: 1000 });
    const { scores, distributed } = scoreBlock(
      [
        { deviceId: 'g1', processorType: 'GPU', base: 3000, passed: true },
        { deviceId: 'g2', processorType: 'GPU', base: 1000, passed: true },
        { deviceId: 'g3', processorType: 'GPU', base: 9000, passed: false },
        { deviceId: 'c1', processorType: 'CPU', base: 50, passed: true },
      ],
      params,
    );
    expect(distributed).toBeCloseTo(1000, 9);
    expect(scores[0].normalized).toBeCloseTo(6_000_000, 6);
    expect(scores[1].normalized).toBeCloseTo(2_000_000, 6);
    expect(scores[2].reward).toBe(0);
    expect(scores[3].normalized).toBeCloseTo(2_000_000, 6);
    expect(scores[0].reward).toBeCloseTo(600, 9);
    expect(scores[3].reward).toBeCloseTo(200, 9);
  });

  it('pays nothing when nobody passed', () => {
    const { distributed } = scoreBlock([{ deviceId: 'x', processorType: 'CPU', base: 10, passed: false }], DEFAULT_PARAMS);
    expect(distributed).toBe(0);
  });

  it('finds tiers and multipliers', () => {
    expect(tierFor({ downMbps: 1000, upMbps: 900, latencyMs: 5 }, DEFAULT_PARAMS)).toBe(4);
    expect(tierFor({ downMbps: 150, upMbps: 60, latencyMs: 80 }, DEFAULT_PARAMS)).toBe(2);
    expect(tierFor({ downMbps: 1, upMbps: 1, latencyMs: 5 }, DEFAULT_PARAMS)).toBe(0);
    expect(tierFor(null, DEFAULT_PARAMS)).toBe(0);
    expect(gpuMultiplier('NVIDIA H100 80GB HBM3', DEFAULT_PARAMS)).toBe(4);
    expect(gpuMultiplier('NVIDIA L40S', DEFAULT_PARAMS)).toBe(2.2); // longest match, not L40
    expect(gpuMultiplier('Matrox G200', DEFAULT_PARAMS)).toBe(0);
    expect(hardwareFor({ cpu: { brand: 'EPYC' }, gpus: [{ model: 'NVIDIA H100' }, { model: 'NVIDIA H100' }] }, DEFAULT_PARAMS))
      .toEqual({ processorType: 'GPU', model: 'NVIDIA H100', quantity: 2, multiplier: 4 });
    expect(hardwareFor({ cpu: { brand: 'EPYC' }, gpus: [] }, DEFAULT_PARAMS).processorType).toBe('CPU');
  });

  it('lists every eligibility rule with a reason', () => {
    const facts = {
      wallet: null,
      hardware: { processorType: 'GPU' as const, model: 'Matrox', quantity: 1, multiplier: 0 },
      tier: 0,
      continuousUptimeSeconds: 3600,
      proofsPassed: false,
      paused: 'GPU over 90 °C',
      blocked: false,
    };
    const result = eligibility(facts, DEFAULT_PARAMS);
    expect(result.eligible).toBe(false);
    expect(result.checks.filter((c) => !c.ok).map((c) => c.id)).toEqual(['wallet', 'processor', 'tier', 'uptime', 'proofs', 'running']);
    expect(result.checks.find((c) => c.id === 'uptime')!.detail).toMatch(/after 5 h of unbroken uptime/);
    expect(failingRules(facts, DEFAULT_PARAMS)).toEqual(result.checks.filter((c) => !c.ok).map((c) => c.id));
    const good = eligibility(
      { ...facts, wallet: 'w', hardware: { ...facts.hardware, multiplier: 1 }, tier: 3, continuousUptimeSeconds: 5 * 3600 + 1, proofsPassed: true, paused: null },
      DEFAULT_PARAMS,
    );
    expect(good.eligible).toBe(true);
    expect(failingRules({ ...facts, wallet: 'w', hardware: { ...facts.hardware, multiplier: 1 }, tier: 3, continuousUptimeSeconds: 5 * 3600 + 1, proofsPassed: true, paused: null }, DEFAULT_PARAMS)).toBeNull();
  });
});

describe('params', () => {
  it('merges a partial file and rejects bad fields by name', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'params-'));
    try {
      const file = path.join(dir, 'p.json');
      fs.writeFileSync(file, JSON.stringify({ blockEmission: 5, potl: { passShare: 1 } }));
      const p = loadParamsFile(file, 15);
      expect(p.blockEmission).toBe(5);
      expect(p.potl).toEqual({ ...DEFAULT_PARAMS.potl, passShare: 1 });
      expect(p.blockSeconds).toBe(15);
      fs.writeFileSync(file, JSON.stringify({ allocation: { GPU: -1 } }));
      expect(() => loadParamsFile(file)).toThrow(/allocation\.GPU/);
      fs.writeFileSync(file, '{nope');
      expect(() => loadParamsFile(file)).toThrow(/Cannot read the parameter file/);
      expect(() => resolveParams({ nonsense: 1 })).toThrow(/Bad network parameters/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the proof against the claim', () => {
  const params = resolveParams({ pow: { size: 64, targetSeconds: 1, slack: 2, graceSeconds: 0.5, cpuOpsPerSec: 1e7, gpuOpsPerSec: 1e8, modelOpsPerSec: { H100: 1e9, 'H100 NVL': 2e9 } } });
  const h100 = { processorType: 'GPU' as const, model: 'NVIDIA H100 80GB HBM3', quantity: 8, multiplier: 4 };
  const ops = 2 * 64 ** 3;

  it('sizes the challenge to the claimed processors and the deadline to their model\'s expected rate', () => {
    expect(expectedOpsPerSec(h100, params)).toBe(1e9);
    expect(expectedOpsPerSec({ processorType: 'GPU', model: 'NVIDIA H100 NVL' }, params)).toBe(2e9); // longest match
    expect(expectedOpsPerSec({ processorType: 'GPU', model: 'Tesla T4' }, params)).toBe(1e8);
    expect(expectedOpsPerSec({ processorType: 'CPU', model: 'EPYC' }, params)).toBe(1e7);
    const plan = powPlan(h100, params);
    const perGpu = Math.ceil(1e9 / ops);
    expect(plan.products).toBe(8 * perGpu);
    expect(plan.deadlineMs).toBeCloseTo((2 * perGpu * ops / 1e9 + 0.5) * 1000, 6);
    // Twice the processors: twice the products, the same time.
    expect(powPlan({ ...h100, quantity: 16 }, params)).toEqual({ products: 16 * perGpu, deadlineMs: plan.deadlineMs });
    expect(powPlan({ ...h100, quantity: 1 }, resolveParams({ pow: { targetSeconds: 0, deadlineSeconds: 30 } })).products).toBe(1);
    expect(powPlan({ ...h100, quantity: 1 }, resolveParams({ pow: { deadlineSeconds: 3 } })).deadlineMs).toBe(3000); // the cap
  });

  it('scores what the proof supports: all, a share of the processors, one CPU, or nothing', () => {
    const proof = (committed: number, windowMs = 1000) => ({ size: 64, products: 800, committed, windowMs });
    expect(provenHardware(h100, proof(800), params)).toEqual(h100);
    expect(provenHardware(h100, proof(250), params)).toEqual({ ...h100, quantity: 2 });
    // Under one GPU's share but at a CPU's rate (committed × 2n³ / window × slack ≥ the CPU rate).
    expect(provenHardware(h100, proof(20), params)).toEqual({ processorType: 'CPU', model: 'CPU (the proof does not support NVIDIA H100 80GB HBM3)', quantity: 1, multiplier: 0.1 });
    expect(provenHardware(h100, proof(1, 60_000), params)).toBeNull();
    expect(provenHardware(h100, proof(20), resolveParams({ ...params, cpuMultiplier: 0 }))).toBeNull();
    const cpu = { processorType: 'CPU' as const, model: 'EPYC', quantity: 1, multiplier: 0.1 };
    expect(provenHardware(cpu, { size: 64, products: 40, committed: 30, windowMs: 1000 }, params)).toEqual(cpu);
    // The spoofer of the issue: 64 × H200 claimed, a CPU's work done; its base falls to a CPU's.
    const h200 = { processorType: 'GPU' as const, model: 'NVIDIA H200', quantity: 64, multiplier: 4.5 };
    const proven = provenHardware(h200, { size: 64, products: 1 << 20, committed: 300, windowMs: 500 }, params)!;
    expect(proven.processorType).toBe('CPU');
    expect(baseScore({ tier: 4, multiplier: proven.multiplier, quantity: proven.quantity, wasHired: false }, params))
      .toBeLessThan(baseScore({ tier: 4, multiplier: 4.5, quantity: 64, wasHired: false }, params) / 1000);
  });
});
