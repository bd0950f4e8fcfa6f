// POW solving behind a seam: a backend turns a seeded challenge into the product. The CPU backend
// splits the rows over worker threads; a GPU backend can implement the same interface later.
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
