// A naive reference model of frame allocation for the behavioural tests: a Set of
// allocated pfns, and brute-force answers to "could this request have succeeded?".

import type { FrameAllocator } from '../frame-allocator.js';

export class FrameModel {
  readonly allocated: Set<number> = new Set();

  constructor(
    readonly base: number,
    readonly frames: number,
  ) {}

  get end(): number {
    return this.base + this.frames;
  }

  isFree(pfn: number): boolean {
    return pfn >= this.base && pfn < this.end && !this.allocated.has(pfn);
  }

  /** Lowest free pfn, or -1. */
  lowestFree(): number {
    for (let p = this.base; p < this.end; p++) if (!this.allocated.has(p)) return p;
    return -1;
  }

  /** Lowest pfn s (multiple of align) with [s, s + count) free and in range, or -1. */
  lowestRun(count: number, align: number): number {
    let s = Math.ceil(this.base / align) * align;
    for (; s + count <= this.end; s += align) {
      let ok = true;
      for (let p = s; p < s + count; p++) {
        if (this.allocated.has(p)) {
          ok = false;
          break;
        }
      }
      if (ok) return s;
    }
    return -1;
  }

  /**
   * Whether a buddy allocator must satisfy the request: some naturally aligned
   * block of 2^k frames, k = max(ceil(log2 count), log2 align), lies free in range;
   * when the alignment passes the largest block (2^ceil(log2 frames)), the single
   * aligned candidate must be free for `count` frames.
   */
  buddyCanServe(count: number, align: number): boolean {
    const maxBlock = 2 ** Math.ceil(Math.log2(this.frames));
    if (align > maxBlock) {
      const s = Math.ceil(this.base / align) * align;
      return s + count <= this.end && this.rangeFree(s, count);
    }
    const block = Math.max(2 ** Math.ceil(Math.log2(count)), align);
    return this.lowestRun(block, block) >= 0;
  }

  rangeFree(start: number, count: number): boolean {
    for (let p = start; p < start + count; p++) if (!this.isFree(p)) return false;
    return true;
  }

  add(start: number, count: number): void {
    for (let p = start; p < start + count; p++) this.allocated.add(p);
  }

  remove(start: number, count: number): void {
    for (let p = start; p < start + count; p++) this.allocated.delete(p);
  }
}

/**
 * Every frame's isAllocated plus the counters and stats, to prove an operation
 * changed nothing. `cachedFrames`, the bitmap's `fullyFreeWords` and the buddy's
 * `freeBlocks` are left out: before reporting that no contiguous run fits, the
 * bitmap and the buddy move their recently-freed caches back into the bitmap or
 * the free lists, which changes where free frames are kept but not which frames
 * are free.
 */
export function snapshot(allocator: FrameAllocator): string {
  const bits: string[] = [];
  for (let p = allocator.base; p < allocator.base + allocator.totalFrames; p++) {
    bits.push(allocator.isAllocated(p) ? '1' : '0');
  }
  const stats = JSON.stringify(allocator.stats(), (key, value) =>
    key === 'cachedFrames' || key === 'fullyFreeWords' || key === 'freeBlocks' ? undefined : value,
  );
  return `${allocator.usedFrames}/${allocator.freeFrames}/${stats}/${bits.join('')}`;
}
