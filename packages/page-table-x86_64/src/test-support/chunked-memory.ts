// A physical memory that offers the chunk views of memory.ts: storage in chunks of
// 2^chunkFrameBits frames, created on first use, with frame views that are
// subarrays of their chunk. The benchmark's memory and the tests' second memory
// (beside MapMemory, which offers frames only). Excluded from the build.

import type { PageTableMemory } from '../memory.js';

/** Options of ChunkedMemory. */
export interface ChunkedMemoryOptions {
  /** log2 of frames per chunk (default 10: 4 MiB chunks). */
  readonly chunkFrameBits?: number;
  /** Fill new chunks with 0xa5a5a5a5 so that a table frame left unzeroed shows up. */
  readonly garbage?: boolean;
  /** Use this buffer (its byteLength a multiple of 4096) instead of own chunks: the memory ends with it. */
  readonly buffer?: ArrayBuffer | SharedArrayBuffer;
}

/** Physical memory in chunks of 2^chunkFrameBits frames, sparse by chunk. */
export class ChunkedMemory implements PageTableMemory {
  readonly chunkFrameBits: number;
  /** Frames in the memory when it sits on a buffer, else Infinity. */
  readonly frameCount: number;
  /** Chunks handed out (for tests). */
  readonly chunks: Map<number, Uint32Array> = new Map();
  private readonly frames: Map<number, Uint32Array> = new Map();
  private readonly garbage: boolean;
  private readonly buffer: ArrayBuffer | SharedArrayBuffer | undefined;

  constructor(options: ChunkedMemoryOptions = {}) {
    this.chunkFrameBits = options.chunkFrameBits ?? 10;
    this.garbage = options.garbage ?? false;
    this.buffer = options.buffer;
    if (this.buffer !== undefined && this.buffer.byteLength % 4096 !== 0) {
      throw new RangeError('buffer.byteLength must be a multiple of 4096');
    }
    this.frameCount =
      this.buffer === undefined ? Number.POSITIVE_INFINITY : this.buffer.byteLength / 4096;
  }

  chunkWords(chunk: number): Uint32Array {
    let c = this.chunks.get(chunk);
    if (c === undefined) {
      const first = chunk * 2 ** this.chunkFrameBits;
      if (!(Number.isSafeInteger(chunk) && chunk >= 0 && first < this.frameCount)) {
        throw new RangeError(`bad chunk ${chunk}`);
      }
      const frames = Math.min(2 ** this.chunkFrameBits, this.frameCount - first);
      if (this.buffer === undefined) {
        c = new Uint32Array(frames * 1024);
        if (this.garbage) c.fill(0xa5a5a5a5);
      } else {
        c = new Uint32Array(this.buffer, first * 4096, frames * 1024);
      }
      this.chunks.set(chunk, c);
    }
    return c;
  }

  frameWords(pfn: number): Uint32Array {
    let f = this.frames.get(pfn);
    if (f === undefined) {
      if (!(Number.isSafeInteger(pfn) && pfn >= 0 && pfn < this.frameCount)) {
        throw new RangeError(`bad pfn ${pfn}`);
      }
      const chunk = Math.floor(pfn / 2 ** this.chunkFrameBits);
      const off = (pfn - chunk * 2 ** this.chunkFrameBits) * 1024;
      f = this.chunkWords(chunk).subarray(off, off + 1024);
      this.frames.set(pfn, f);
    }
    return f;
  }

  /** Raw 64-bit entry `index` of frame `pfn` as [lo, hi]. */
  entry(pfn: number, index: number): [number, number] {
    const f = this.frameWords(pfn);
    return [f[2 * index], f[2 * index + 1]];
  }

  /** Writes raw entry `index` of frame `pfn`. */
  setEntry(pfn: number, index: number, lo: number, hi: number): void {
    const f = this.frameWords(pfn);
    f[2 * index] = lo >>> 0;
    f[2 * index + 1] = hi >>> 0;
  }
}
