// Test doubles for the injected interfaces: a Map-backed physical memory and a
// counting frame source that can be told to fail. Excluded from the build.

import type { PageTableFrameSource, PageTableMemory } from '../memory.js';

/**
 * Physical memory as a Map pfn -> 1024 words, materialised on demand. New frames
 * are filled with garbage (0xa5a5a5a5) so that a table frame the page table forgot
 * to zero shows up.
 */
export class MapMemory implements PageTableMemory {
  readonly frames: Map<number, Uint32Array> = new Map();

  frameWords(pfn: number): Uint32Array {
    if (!Number.isSafeInteger(pfn) || pfn < 0) throw new RangeError(`bad pfn ${pfn}`);
    let f = this.frames.get(pfn);
    if (f === undefined) {
      f = new Uint32Array(1024).fill(0xa5a5a5a5);
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

/** Frame source: bump from `base` with a free list; counts frames in use; can fail. */
export class CountingFrames implements PageTableFrameSource {
  inUse = 0;
  allocations = 0;
  /** Allocation number (1-based, counted from now) that fails; 0 = never. */
  failAt = 0;
  /** Fail every allocation while set. */
  exhausted = false;
  private next: number;
  private readonly freed: number[] = [];
  private readonly live: Set<number> = new Set();

  constructor(base = 0x100) {
    this.next = base;
  }

  allocate(): number | { readonly errno: 'ENOMEM' } {
    this.allocations++;
    if (this.exhausted || (this.failAt !== 0 && this.allocations === this.failAt)) {
      return { errno: 'ENOMEM' };
    }
    const f = this.freed.pop() ?? this.next++;
    this.live.add(f);
    this.inUse++;
    return f;
  }

  free(pfn: number): void {
    if (!this.live.has(pfn)) throw new Error(`free of frame ${pfn} that is not allocated`);
    this.live.delete(pfn);
    this.freed.push(pfn);
    this.inUse--;
  }

  /** Makes the `k`-th allocation from now fail (1-based). */
  failOn(k: number): void {
    this.allocations = 0;
    this.failAt = k;
  }

  /** Stops failing. */
  heal(): void {
    this.failAt = 0;
    this.exhausted = false;
  }
}
