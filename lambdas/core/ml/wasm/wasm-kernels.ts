import { KERNELS_WASM_BASE64 } from './kernels-module.ts';

/**
 * The WebAssembly kernels (assembly/kernels.ts) and the memory they work in.
 *
 * The memory is shared (a SharedArrayBuffer underneath), so the pool's worker threads
 * instantiate the same module on the same pages and split a pass's rows as they do for the
 * JavaScript kernels (parallel.ts). Matrices are copied in and out around each O(n³) pass: an
 * O(n²) copy, a few per cent of the pass at the sizes the GP meets.
 *
 * Used when the engine validates the module (WebAssembly SIMD: Node ≥ 16.4) unless
 * PROGNOS_WASM=0; the JavaScript kernels in linalg.ts give bitwise the same results.
 */

/** The exports of assembly/kernels.ts; every pointer is a byte offset into the shared memory. */
export interface KernelExports {
  choleskyRowsLeftOfBlock(a: number, n: number, rowStart: number, rowEnd: number, colEnd: number): void;
  /** The row of the first pivot that is not positive, or −1. */
  choleskyDiagonalBlock(a: number, n: number, i0: number, i1: number): number;
  failedPivot(): number;
  triangularInverseRows(l: number, u: number, n: number, rowStart: number, rowEnd: number): void;
  gramRows(u: number, inverse: number, n: number, rowStart: number, rowEnd: number): void;
  rowNormsFromDiagonal(u: number, n: number, out: number): void;
}

/**
 * The part of the WebAssembly API used here. The project compiles without the DOM library, and
 * @types/node declares only a fragment of the namespace.
 */
export interface KernelMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
/** A compiled module: opaque, cloneable to worker threads. */
export type KernelModule = object;
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => KernelModule;
  Instance: new (module: KernelModule, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => KernelMemory;
}
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

const PAGE_BYTES = 65_536;
/** 4 GiB, the most a 32-bit memory can address; shared memory must declare a maximum. */
const MAX_PAGES = 65_536;
/** Byte offset of the first matrix: page 0 is left to the module (it has no data or stack today). */
export const HEAP_START = PAGE_BYTES;

let compiled: KernelModule | null | undefined;

/** The compiled module, or undefined where the engine lacks WebAssembly SIMD or threads. */
export function kernelsModule(): KernelModule | undefined {
  if (compiled === undefined) {
    try {
      const bytes = Buffer.from(KERNELS_WASM_BASE64, 'base64');
      compiled = webAssembly.validate(bytes) ? new webAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled ?? undefined;
}

/** An instance of the kernels on `memory` (this thread's, or the pool's shared one in a worker). */
export function instantiateKernels(module: KernelModule, memory: KernelMemory): KernelExports {
  return new webAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
}

export class WasmKernels {
  readonly memory = new webAssembly.Memory({ initial: 2, maximum: MAX_PAGES, shared: true });
  readonly module: KernelModule;
  readonly exports: KernelExports;
  #heap: Float64Array;

  constructor(module: KernelModule) {
    this.module = module;
    this.exports = instantiateKernels(module, this.memory);
    this.#heap = new Float64Array(this.memory.buffer);
  }

  /** A view of the memory with room for `doubles` values from HEAP_START (it grows, never shrinks). */
  heap(doubles: number): Float64Array {
    const bytes = HEAP_START + doubles * 8;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) {
      if (bytes > MAX_PAGES * PAGE_BYTES) {
        throw new RangeError(`the WebAssembly kernels address at most 4 GiB; this pass needs ${(bytes / 2 ** 30).toFixed(1)} GiB (set PROGNOS_WASM=0)`);
      }
      this.memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
    }
    if (this.#heap.byteLength !== this.memory.buffer.byteLength) this.#heap = new Float64Array(this.memory.buffer);
    return this.#heap;
  }
}

let kernels: WasmKernels | null | undefined;
let forced: boolean | undefined;

/** The process's kernels, or undefined when the JavaScript ones run (PROGNOS_WASM=0, no SIMD). */
export function wasmKernels(env: NodeJS.ProcessEnv = process.env): WasmKernels | undefined {
  const wanted = forced ?? env.PROGNOS_WASM !== '0';
  if (!wanted) return undefined;
  if (kernels === undefined) {
    const module = kernelsModule();
    try {
      kernels = module ? new WasmKernels(module) : null;
    } catch {
      // The 4 GiB shared memory is reserved up front: a capped address space (ulimit -v) refuses it.
      kernels = null;
    }
  }
  return kernels ?? undefined;
}

/**
 * Chooses the kernels for this process whatever PROGNOS_WASM says (undefined: back to it); for
 * benchmarks and tests that compare the two. Returns whether WebAssembly is now in use.
 */
export function useWasmKernels(on: boolean | undefined): boolean {
  forced = on;
  return wasmKernels() !== undefined;
}
