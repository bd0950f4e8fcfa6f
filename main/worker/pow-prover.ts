// The worker's side of the POW commitment (docs/protocol.md, "POW"): solve the challenge's products
// one by one on the backend, commit to each batch of them with a Merkle root as it is done, stop at
// the deadline, and open the rows the network picks afterwards with their values and paths.
import type { PowBackend } from './pow.ts';
import {
  encodeProduct, merkleLevels, merklePath, powProductSeed, productRoot, type ServerMessage,
} from './protocol.ts';

type PowMessage = Extract<ServerMessage, { type: 'pow' }>;
type OpenMessage = Extract<ServerMessage, { type: 'pow-open' }>;

export interface PowProverOptions {
  backend: PowBackend;
  send(type: 'pow-commit' | 'pow-answer', body: unknown): void;
  log?: (message: string) => void;
  /** A batch is committed once this much time passed since the last one (and at the end). */
  commitEveryMs?: number;
  /** Products kept in memory for the openings; beyond this they are solved again when opened. */
  keepBytes?: number;
  now?: () => number;
}

interface Batch { from: number; count: number; levels: Buffer[][] }

interface Challenge {
  id: string;
  seed: string;
  n: number;
  products: number;
  deadline: number;
  started: number;
  roots: Buffer[];
  batches: Batch[];
  kept: Map<number, Uint32Array>;
  keptBytes: number;
  stopped: boolean;
}

export class PowProver {
  readonly #o: PowProverOptions;
  readonly #now: () => number;
  #current: Challenge | null = null;
  /** The backend solves one product at a time: solving and re-solving for an opening never overlap. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: PowProverOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  get backendName(): string {
    return this.#o.backend.name;
  }

  /** Solves and commits until every product is done or the deadline passed; a newer challenge ends an older one. */
  async challenge(message: PowMessage): Promise<void> {
    if (this.#current) this.#current.stopped = true;
    const c: Challenge = {
      id: message.challengeId, seed: message.seed, n: message.size, products: message.products, deadline: message.deadline,
      started: performance.now(), roots: [], batches: [], kept: new Map(), keptBytes: 0, stopped: false,
    };
    this.#current = c;
    const every = this.#o.commitEveryMs ?? 250;
    const keepBytes = this.#o.keepBytes ?? 64 * 1024 * 1024;
    let lastCommit = performance.now();
    try {
      for (let p = 0; p < c.products && !c.stopped; p++) {
        // A clock a little off the network's costs at most this margin of wasted work.
        if (this.#now() > c.deadline + 2000) break;
        const product = await this.#solve(c.seed, p, c.n);
        c.roots.push(productRoot(product, c.n).root);
        if (c.keptBytes + product.byteLength <= keepBytes) {
          c.kept.set(p, product);
          c.keptBytes += product.byteLength;
        }
        if (performance.now() - lastCommit >= every || p === c.products - 1) {
          this.#commit(c);
          lastCommit = performance.now();
        }
      }
      if (!c.stopped) this.#commit(c);
    } catch (error) {
      this.#o.log?.(`POW failed: ${(error as Error).message}`);
    }
  }

  /** Answers the network's picks: each row's values and its path up to its batch's root. */
  async open(message: OpenMessage): Promise<void> {
    const c = this.#current;
    if (!c || c.id !== message.challengeId) return void this.#o.log?.('POW: the network asked to open a challenge this worker no longer holds.');
    c.stopped = true; // the commitments are closed: no more solving for this one
    try {
      const rows = [];
      const levelsOf = new Map<number, Buffer[][]>();
      for (const { product, row } of message.rows) {
        const batch = c.batches.find((b) => product >= b.from && product < b.from + b.count);
        if (!batch || row >= c.n) throw new Error(`row ${row} of product ${product} was never committed`);
        const values = c.kept.get(product) ?? (await this.#solve(c.seed, product, c.n));
        if (!levelsOf.has(product)) levelsOf.set(product, productRoot(values, c.n).levels);
        const path = [...merklePath(levelsOf.get(product)!, row), ...merklePath(batch.levels, product - batch.from)];
        rows.push({ product, row, values: encodeProduct(values.subarray(row * c.n, (row + 1) * c.n)), path: path.map((h) => h.toString('hex')) });
      }
      this.#o.send('pow-answer', { challengeId: c.id, rows });
    } catch (error) {
      this.#o.log?.(`POW opening failed: ${(error as Error).message}`);
    } finally {
      if (this.#current === c) this.#current = null;
    }
  }

  async close(): Promise<void> {
    if (this.#current) this.#current.stopped = true;
    this.#current = null;
    await this.#queue;
    await this.#o.backend.close();
  }

  #commit(c: Challenge): void {
    const from = c.batches.reduce((s, b) => s + b.count, 0);
    const count = c.roots.length - from;
    if (count <= 0) return;
    const levels = merkleLevels(c.roots.slice(from));
    c.batches.push({ from, count, levels });
    this.#o.send('pow-commit', {
      challengeId: c.id, from, count, root: levels.at(-1)![0].toString('hex'), solveMs: performance.now() - c.started, backend: this.#o.backend.name,
    });
  }

  #solve(seed: string, product: number, n: number): Promise<Uint32Array> {
    const next = this.#queue.then(() => this.#o.backend.solve({ seed: powProductSeed(seed, product), size: n }));
    this.#queue = next.catch(() => {});
    return next;
  }
}
