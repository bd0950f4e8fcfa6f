import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pickRows, verifyOpenings, verifyProduct, type PowBatch } from '../devnet/proofs.ts';
import { GpuPowBackend } from './gpu-pow/cuda-backend.ts';
import { AutoPowBackend, CpuPowBackend, selectPowBackend, type PowBackend } from './pow.ts';
import { PowProver } from './pow-prover.ts';
import { multiplyRows, powMatrices, type PowAnswerSchema } from './protocol.ts';
import type { z } from 'zod';

describe('CPU POW backend', () => {
  const backend = new CpuPowBackend(2);
  afterAll(() => backend.close());

  it('solves in worker threads what a single thread solves, and the coordinator accepts it', async () => {
    const seed = '0badc0de12345678';
    const n = 97; // uneven split between the threads
    const product = await backend.solve({ seed, size: n });
    const { a, b } = powMatrices(seed, n);
    expect(product).toEqual(multiplyRows(a, b, n, 0, n));
    expect(verifyProduct(seed, n, product)).toBe(true);
    expect(verifyProduct('0badc0de12345679', n, product)).toBe(false);
  });
});

/** A worker's prover against the coordinator's checks, without the network in between. */
async function prove(backend: PowBackend, n: number, products: number, options: { keepBytes?: number; deadline?: number } = {}) {
  const sent: { type: string; body: unknown }[] = [];
  const prover = new PowProver({ backend, send: (type, body) => sent.push({ type, body }), commitEveryMs: 0, keepBytes: options.keepBytes });
  const seed = 'feedface00000001';
  await prover.challenge({ type: 'pow', challengeId: 'c1', seed, size: n, products, deadline: options.deadline ?? Date.now() + 60_000 });
  const batches = sent.filter((m) => m.type === 'pow-commit').map((m) => m.body as PowBatch);
  const committed = batches.reduce((s, b) => s + b.count, 0);
  const picks = pickRows(committed, n, 72);
  await prover.open({ type: 'pow-open', challengeId: 'c1', rows: picks, deadline: Date.now() + 60_000 });
  const answer = sent.find((m) => m.type === 'pow-answer')?.body as z.infer<typeof PowAnswerSchema> | undefined;
  const bytes = sent.reduce((s, m) => s + JSON.stringify(m.body).length, 0);
  return { batches, committed, verdict: answer ? verifyOpenings(seed, n, batches, picks, answer.rows) : null, bytes };
}

describe('POW prover: commit, then open the picked rows', () => {
  const cpu = new CpuPowBackend(2);
  afterAll(() => cpu.close());

  it('commits every product in contiguous batches and opens rows the coordinator accepts, kept or solved again', async () => {
    const kept = await prove(cpu, 48, 5);
    expect(kept.committed).toBe(5);
    expect(kept.batches.map((b) => b.from)).toEqual([0, 1, 2, 3, 4]); // commitEveryMs 0: one batch per product
    expect(kept.verdict).toEqual({ ok: true, reason: null });
    const resolved = await prove(cpu, 48, 3, { keepBytes: 0 });
    expect(resolved.verdict).toEqual({ ok: true, reason: null });
  });

  it('a forged backend, or one that computes only part of each product, is caught', async () => {
    const forger: PowBackend = { name: 'forger', async solve({ size }) { return new Uint32Array(size * size).fill(1); }, async close() {} };
    expect((await prove(forger, 32, 2)).verdict?.reason).toMatch(/is not the product of the challenge matrices/);
    const lazy: PowBackend = {
      name: 'lazy',
      async solve({ seed, size: n }) {
        const { a, b } = powMatrices(seed, n);
        const c = new Uint32Array(n * n);
        c.set(multiplyRows(a, b, n, 0, Math.floor(n * 0.9))); // the last 10 % of the rows left at zero
        return c;
      },
      async close() {},
    };
    // 2 products × 32 rows ≤ 72: every row is opened, so the skipped ones certainly are.
    expect((await prove(lazy, 32, 2)).verdict?.reason).toMatch(/is not the product/);
  });

  it('stops at the deadline and commits only what it solved', async () => {
    const result = await prove(cpu, 32, 1000, { deadline: Date.now() - 2100 });
    expect(result.committed).toBe(0);
  });
});

describe('POW backend selection', () => {
  it('takes the GPU where one answers and the CPU otherwise, saying why', async () => {
    const gpu: PowBackend = { name: 'cuda', async solve() { return new Uint32Array(0); }, async close() {} };
    expect((await selectPowBackend(async () => gpu)).backend).toBe(gpu);
    const fallback = await selectPowBackend(async () => ({ reason: 'the CUDA driver sees no device' }));
    expect(fallback.backend.name).toBe('cpu');
    expect(fallback.reason).toBe('the CUDA driver sees no device');
    await fallback.backend.close();
  });

  it('reports no driver where libcuda is missing, and the auto backend then solves on the CPU', async () => {
    const opened = GpuPowBackend.open('/nonexistent/libcuda.so.1');
    expect('reason' in opened && opened.reason).toMatch(/^no CUDA driver \(\/nonexistent\/libcuda\.so\.1\)/);
    const logs: string[] = [];
    const auto = new AutoPowBackend(() => selectPowBackend(async () => ({ reason: 'no CUDA driver (libcuda.so.1)' })), (m) => logs.push(m));
    expect(auto.name).toBe('auto');
    const product = await auto.solve({ seed: 'abc', size: 16 });
    const { a, b } = powMatrices('abc', 16);
    expect(product).toEqual(multiplyRows(a, b, 16, 0, 16));
    expect(auto.name).toBe('cpu');
    expect(logs).toEqual(['POW on the CPU: no CUDA driver (libcuda.so.1)']);
    await auto.close();
  });

  // The FFI against a stand-in driver (host memory, the kernel on the CPU): needs a C compiler.
  const fake = (() => {
    try {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-cuda-'));
      const file = path.join(dir, 'libcuda.so.1');
      execFileSync('cc', ['-shared', '-fPIC', '-O2', '-o', file, new URL('./gpu-pow/testing/fake-libcuda.c', import.meta.url).pathname], { stdio: 'ignore', timeout: 30_000 });
      return { dir, file };
    } catch {
      return null;
    }
  })();
  afterAll(() => { if (fake) fs.rmSync(fake.dir, { recursive: true, force: true }); });

  it.skipIf(!fake || process.platform !== 'linux')('picks the GPU when cuInit and a device answer (stand-in driver), the CPU when it sees no device', async () => {
    const open = async () => GpuPowBackend.open(fake!.file);
    const chosen = await selectPowBackend(open);
    expect(chosen.reason).toBeNull();
    expect(chosen.backend.name).toBe('cuda');
    expect((chosen.backend as GpuPowBackend).device).toBe('Fake GPU (host memory)');
    for (const n of [70, 130]) { // the buffers grow for the larger one
      const { a, b } = powMatrices(`fake-${n}`, n);
      expect(await chosen.backend.solve({ seed: `fake-${n}`, size: n })).toEqual(multiplyRows(a, b, n, 0, n));
    }
    await chosen.backend.close();
    process.env.FAKE_CUDA_DEVICES = '0';
    try {
      const none = await selectPowBackend(open);
      expect(none.backend.name).toBe('cpu');
      expect(none.reason).toBe('the CUDA driver sees no device');
      await none.backend.close();
    } finally {
      delete process.env.FAKE_CUDA_DEVICES;
    }
  });

  // Runs only where a CUDA device answers (the device check in the report); skipped elsewhere.
  const gpu = GpuPowBackend.open();
  it.skipIf('reason' in gpu)('the GPU kernel gives the CPU backend\'s product to the bit', async () => {
    const backend = gpu as GpuPowBackend;
    for (const n of [97, 256]) {
      const { a, b } = powMatrices(`gpu-${n}`, n);
      expect(await backend.solve({ seed: `gpu-${n}`, size: n })).toEqual(multiplyRows(a, b, n, 0, n));
    }
    await backend.close();
  });
});
