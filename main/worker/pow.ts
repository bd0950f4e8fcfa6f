// POW solving behind a seam: a backend turns a seeded challenge into the product. The CPU backend
// splits the rows over worker threads; the GPU backend (gpu-pow/) runs the committed PTX kernel through
// the CUDA driver; `AutoPowBackend` takes the GPU where cuInit and a device answer, else the CPU.
import os from 'node:os';
import { Worker } from 'node:worker_threads';

export interface PowChallenge {
  seed: string;
  size: number;
}

export interface PowBackend {
  readonly name: string;
  solve(challenge: PowChallenge): Promise<Uint32Array>;
  close(): Promise<void>;
}

const THREAD_URL = new URL('./pow-thread.ts', import.meta.url);

export class CpuPowBackend implements PowBackend {
  readonly name = 'cpu';
  readonly #threads: number;
  #pool: Worker[] = [];

  constructor(threads = Math.max(1, Math.min(4, os.availableParallelism() - 1))) {
    this.#threads = threads;
  }

  async solve({ seed, size: n }: PowChallenge): Promise<Uint32Array> {
    while (this.#pool.length < this.#threads) {
      const worker = new Worker(THREAD_URL);
      worker.unref(); // an idle pool never keeps the process alive
      this.#pool.push(worker);
    }
    const per = Math.ceil(n / this.#threads);
    const parts = await Promise.all(
      this.#pool.map((worker, t) => {
        const from = Math.min(n, t * per);
        const to = Math.min(n, from + per);
        if (from === to) return Promise.resolve(new Uint32Array(0));
        return new Promise<Uint32Array>((resolve, reject) => {
          const cleanup = () => {
            worker.off('message', onMessage);
            worker.off('error', onError);
          };
          const onMessage = (rows: Uint32Array) => { cleanup(); resolve(rows); };
          const onError = (error: Error) => { cleanup(); reject(error); };
          worker.on('message', onMessage);
          worker.on('error', onError);
          worker.postMessage({ seed, n, from, to });
        });
      }),
    );
    const product = new Uint32Array(n * n);
    let offset = 0;
    for (const part of parts) {
      product.set(part, offset);
      offset += part.length;
    }
    return product;
  }

  async close(): Promise<void> {
    await Promise.all(this.#pool.splice(0).map((w) => w.terminate()));
  }
}

/** Where a GPU backend comes from: by default the CUDA driver; tests hand in their own. */
export type GpuOpener = () => Promise<PowBackend | { reason: string }>;

const openCuda: GpuOpener = async () => {
  try {
    const { GpuPowBackend } = await import('./gpu-pow/cuda-backend.ts');
    return GpuPowBackend.open();
  } catch (error) {
    return { reason: `the GPU backend cannot load: ${(error as Error).message.split('\n')[0]}` };
  }
};

/** Picks a backend once, on first use: the GPU where one answers, else the CPU (and says why). */
export async function selectPowBackend(openGpu: GpuOpener = openCuda, cpu: () => PowBackend = () => new CpuPowBackend()): Promise<{ backend: PowBackend; reason: string | null }> {
  if (process.env.IO_WORKER_POW_BACKEND === 'cpu') return { backend: cpu(), reason: 'the CPU was asked for (IO_WORKER_POW_BACKEND=cpu)' };
  const gpu = await openGpu();
  return 'reason' in gpu ? { backend: cpu(), reason: gpu.reason } : { backend: gpu, reason: null };
}

export class AutoPowBackend implements PowBackend {
  #chosen: Promise<{ backend: PowBackend; reason: string | null }> | null = null;
  #name = 'auto';
  readonly #open: () => Promise<{ backend: PowBackend; reason: string | null }>;

  constructor(open: () => Promise<{ backend: PowBackend; reason: string | null }> = () => selectPowBackend(), log?: (message: string) => void) {
    this.#open = async () => {
      const chosen = await open();
      this.#name = chosen.backend.name;
      if (chosen.reason) log?.(`POW on the CPU: ${chosen.reason}`);
      return chosen;
    };
  }

  get name(): string {
    return this.#name;
  }

  async solve(challenge: PowChallenge): Promise<Uint32Array> {
    this.#chosen ??= this.#open();
    return (await this.#chosen).backend.solve(challenge);
  }

  async close(): Promise<void> {
    const chosen = this.#chosen;
    this.#chosen = null;
    if (chosen) await (await chosen).backend.close();
  }
}
