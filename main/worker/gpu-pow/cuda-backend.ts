// The GPU backend of the POW: the CUDA driver API through koffi (no CUDA toolkit at run time), the
// committed PTX kernel (matmul.ptx, from matmul.cu) compiled by the driver. A and B come from the same
// seeded stream as the CPU's (generated here, uploaded as bytes); the product is equal to the bit.
import fs from 'node:fs';
import koffi from 'koffi';
import { fillEntries, powStream } from '../protocol.ts';
import type { PowBackend, PowChallenge } from '../pow.ts';

const PTX_URL = new URL('./matmul.ptx', import.meta.url);
const TILE = 64;

type Fn = (...args: unknown[]) => number;
interface Driver {
  cuInit: Fn; cuDeviceGetCount: Fn; cuDeviceGet: Fn; cuDeviceGetName: Fn; cuDevicePrimaryCtxRetain: Fn; cuDevicePrimaryCtxRelease: Fn;
  cuCtxSetCurrent: Fn; cuModuleLoadData: Fn; cuModuleGetFunction: Fn; cuModuleUnload: Fn; cuMemAlloc: Fn; cuMemFree: Fn;
  cuMemcpyHtoD: Fn; cuMemcpyDtoH: Fn; cuLaunchKernel: Fn; cuCtxSynchronize: Fn; cuGetErrorName: Fn;
}

/** The driver library's name on this platform (`IO_WORKER_LIBCUDA` points elsewhere, for tests). */
export function driverLibrary(): string {
  return process.env.IO_WORKER_LIBCUDA || (process.platform === 'win32' ? 'nvcuda.dll' : 'libcuda.so.1');
}

function bind(file: string): Driver {
  const lib = koffi.load(file);
  const f = (decl: string) => lib.func(decl) as Fn;
  return {
    cuInit: f('int cuInit(unsigned int flags)'),
    cuDeviceGetCount: f('int cuDeviceGetCount(_Out_ int *count)'),
    cuDeviceGet: f('int cuDeviceGet(_Out_ int *device, int ordinal)'),
    cuDeviceGetName: f('int cuDeviceGetName(_Out_ uint8_t *name, int len, int device)'),
    cuDevicePrimaryCtxRetain: f('int cuDevicePrimaryCtxRetain(_Out_ void **ctx, int device)'),
    cuDevicePrimaryCtxRelease: f('int cuDevicePrimaryCtxRelease_v2(int device)'),
    cuCtxSetCurrent: f('int cuCtxSetCurrent(void *ctx)'),
    cuModuleLoadData: f('int cuModuleLoadData(_Out_ void **module, const void *image)'),
    cuModuleGetFunction: f('int cuModuleGetFunction(_Out_ void **fn, void *module, const char *name)'),
    cuModuleUnload: f('int cuModuleUnload(void *module)'),
    cuMemAlloc: f('int cuMemAlloc_v2(_Out_ uint64_t *dptr, size_t bytes)'),
    cuMemFree: f('int cuMemFree_v2(uint64_t dptr)'),
    cuMemcpyHtoD: f('int cuMemcpyHtoD_v2(uint64_t dst, const void *src, size_t bytes)'),
    cuMemcpyDtoH: f('int cuMemcpyDtoH_v2(_Out_ void *dst, uint64_t src, size_t bytes)'),
    cuLaunchKernel: f('int cuLaunchKernel(void *fn, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shared, void *stream, void **params, void **extra)'),
    cuCtxSynchronize: f('int cuCtxSynchronize()'),
    cuGetErrorName: f('int cuGetErrorName(int error, _Out_ const char **name)'),
  };
}

class CudaError extends Error {}

/** A GPU that answered: its driver, context and kernel. Made by `openGpu`, or null where none answers. */
export class GpuPowBackend implements PowBackend {
  readonly name: string;
  readonly device: string;
  readonly #d: Driver;
  readonly #ordinal: number;
  readonly #ctx: unknown;
  readonly #module: unknown;
  readonly #kernel: unknown;
  /** Device buffers, grown to the largest size asked. */
  #buffers: { n: number; a: bigint; b: bigint; c: bigint } | null = null;

  private constructor(d: Driver, ordinal: number, device: string, ctx: unknown, module: unknown, kernel: unknown) {
    this.#d = d;
    this.#ordinal = ordinal;
    this.device = device;
    this.name = 'cuda';
    this.#ctx = ctx;
    this.#module = module;
    this.#kernel = kernel;
  }

  /** The first CUDA device, or a reason why there is none (no driver, cuInit fails, no device, the PTX refused). */
  static open(library = driverLibrary()): GpuPowBackend | { reason: string } {
    let d: Driver;
    try {
      d = bind(library);
    } catch (error) {
      return { reason: `no CUDA driver (${library}): ${(error as Error).message.split('\n')[0]}` };
    }
    try {
      const check = (what: string, code: number) => {
        if (code !== 0) {
          const name = [null];
          d.cuGetErrorName(code, name);
          throw new CudaError(`${what} failed: ${name[0] ?? `CUDA error ${code}`}`);
        }
      };
      check('cuInit', d.cuInit(0));
      const count = [0];
      check('cuDeviceGetCount', d.cuDeviceGetCount(count));
      if (!(count[0] > 0)) return { reason: 'the CUDA driver sees no device' };
      const dev = [0];
      check('cuDeviceGet', d.cuDeviceGet(dev, 0));
      const nameBuf = Buffer.alloc(256);
      check('cuDeviceGetName', d.cuDeviceGetName(nameBuf, 256, dev[0]));
      const ctx = [null];
      check('cuDevicePrimaryCtxRetain', d.cuDevicePrimaryCtxRetain(ctx, dev[0]));
      check('cuCtxSetCurrent', d.cuCtxSetCurrent(ctx[0]));
      const module = [null];
      check('cuModuleLoadData', d.cuModuleLoadData(module, Buffer.concat([fs.readFileSync(PTX_URL), Buffer.from([0])])));
      const kernel = [null];
      check('cuModuleGetFunction', d.cuModuleGetFunction(kernel, module[0], 'pow_matmul'));
      return new GpuPowBackend(d, dev[0], nameBuf.toString('utf8').replace(/\0.*$/s, ''), ctx[0], module[0], kernel[0]);
    } catch (error) {
      return { reason: error instanceof CudaError ? error.message : `CUDA: ${(error as Error).message}` };
    }
  }

  async solve({ seed, size: n }: PowChallenge): Promise<Uint32Array> {
    const d = this.#d;
    const check = (what: string, code: number) => {
      if (code !== 0) throw new Error(`GPU POW: ${what} failed with CUDA error ${code}`);
    };
    check('cuCtxSetCurrent', d.cuCtxSetCurrent(this.#ctx));
    // The same stream as the CPU's, row by row (a row's last step discards its unused entries): B first, then A.
    const state = powStream(seed);
    const b = new Uint8Array(n * n);
    const a = new Uint8Array(n * n);
    for (let i = 0; i < n; i++) fillEntries(state, b.subarray(i * n, (i + 1) * n));
    for (let i = 0; i < n; i++) fillEntries(state, a.subarray(i * n, (i + 1) * n));
    const buf = this.#ensure(n, check);
    check('upload A', d.cuMemcpyHtoD(buf.a, a, n * n));
    check('upload B', d.cuMemcpyHtoD(buf.b, b, n * n));
    const arg64 = (v: bigint) => { const x = Buffer.alloc(8); x.writeBigUInt64LE(v); return x; };
    const argN = Buffer.alloc(4);
    argN.writeInt32LE(n);
    const grid = Math.ceil(n / TILE);
    check('cuLaunchKernel', d.cuLaunchKernel(this.#kernel, grid, grid, 1, 16, 16, 1, 0, null, [arg64(buf.a), arg64(buf.b), arg64(buf.c), argN], null));
    check('cuCtxSynchronize', d.cuCtxSynchronize());
    const c = new Uint32Array(n * n);
    check('download C', d.cuMemcpyDtoH(c, buf.c, n * n * 4));
    return c;
  }

  #ensure(n: number, check: (what: string, code: number) => void): { a: bigint; b: bigint; c: bigint } {
    if (this.#buffers && this.#buffers.n >= n) return this.#buffers;
    this.#free();
    const alloc = (bytes: number) => {
      const out = [0];
      check('cuMemAlloc', this.#d.cuMemAlloc(out, bytes));
      return BigInt(out[0] as number | bigint);
    };
    this.#buffers = { n, a: alloc(n * n), b: alloc(n * n), c: alloc(n * n * 4) };
    return this.#buffers;
  }

  #free(): void {
    if (!this.#buffers) return;
    for (const p of [this.#buffers.a, this.#buffers.b, this.#buffers.c]) this.#d.cuMemFree(p);
    this.#buffers = null;
  }

  async close(): Promise<void> {
    this.#d.cuCtxSetCurrent(this.#ctx);
    this.#free();
    this.#d.cuModuleUnload(this.#module);
    this.#d.cuDevicePrimaryCtxRelease(this.#ordinal);
  }
}
