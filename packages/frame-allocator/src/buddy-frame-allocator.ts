// Binary buddy allocator in the manner of Linux mm/page_alloc.c: free blocks of 2^k
// frames, naturally aligned, on one free list per order; allocation takes the
// smallest order with a block and splits it (the upper halves go back on the lists,
// as `expand` does); freeing merges a block with its buddy (`idx ^ 2^k`) while the
// buddy is a free block of the same order (`__free_one_page`). The lists are
// intrusive doubly linked lists in typed arrays indexed by frame, not objects.
//
// Index i is the pfn `origin + i`, where `origin` is `base` rounded down to
// 2^maxOrder, so block alignment in indices is pfn alignment. Indices below
// `base - origin` exist only to keep that arithmetic; they are never free.
//
// Per-frame state is one signed byte (a free block's order at its first frame,
// INSIDE for the other free frames, ALLOCATED) and the two links of a frame sit
// side by side: a free touches two cache lines of allocator metadata (the state
// bytes of the frame and its buddies, and the links), not four arrays.

import {
  checkContiguousRange,
  checkCount,
  checkPfn,
  parseAllocatorOptions,
  readAlign,
} from './allocator-args.js';
import type {
  ContiguousOptions,
  FrameAllocator,
  FrameAllocatorOptions,
  FrameAllocatorStats,
} from './frame-allocator.js';
import type { OutOfMemory } from './out-of-memory.js';
import { OUT_OF_MEMORY } from './out-of-memory.js';

/** State byte of an allocated frame (and of the indices below `first`). */
const ALLOCATED = -2;
/** State byte of a free frame that does not start a free block. */
const INSIDE = -1;
/** Four ALLOCATED state bytes read as one 32-bit word (either byte order). */
const ALLOCATED_X4 = -16843010; // 0xfefefefe

/** Index of the lowest set bit of a non-zero 32-bit word. */
function ctz(word: number): number {
  return 31 - Math.clz32(word & -word);
}

/** Stats of a BuddyFrameAllocator. */
export interface BuddyFrameAllocatorStats extends FrameAllocatorStats {
  readonly backend: 'buddy';
  /** Largest block order (blocks of 2^maxOrder frames). */
  readonly maxOrder: number;
  /** Free blocks per order, index = order (Linux's `nr_free`). */
  readonly freeBlocks: readonly number[];
}

/**
 * Buddy allocator: O(maxOrder) allocate and free with coalescing. A contiguous
 * request takes one block of order max(ceil(log2 count), log2 align) and returns
 * the unused tail to the free lists (Linux `alloc_pages_exact`), so it can report
 * OUT_OF_MEMORY while an unaligned run of `count` free frames still exists across
 * block boundaries. Memory: about 9 bytes per frame.
 */
export class BuddyFrameAllocator implements FrameAllocator {
  readonly base: number;
  readonly totalFrames: number;
  /** Largest order: the smallest with 2^maxOrder >= totalFrames. */
  readonly maxOrder: number;
  private readonly origin: number;
  private readonly end: number;
  private readonly first: number;
  private readonly span: number;
  /** [2i] next and [2i + 1] previous index on the free list of the block at i. */
  private readonly links: Int32Array;
  /** Order of the free block starting at this index, INSIDE or ALLOCATED. */
  private readonly state: Int8Array;
  /** `state` as 32-bit words (its length is padded to a multiple of 4). */
  private readonly state32: Int32Array;
  private readonly heads: Int32Array;
  private readonly counts: Int32Array;
  /** Bit k set when the order-k list is not empty. */
  private nonEmpty = 0;
  private used = 0;

  constructor(options: FrameAllocatorOptions) {
    const { base, frames } = parseAllocatorOptions(options);
    this.base = base;
    this.totalFrames = frames;
    this.end = base + frames;
    this.maxOrder = 32 - Math.clz32(frames - 1);
    const top = 2 ** this.maxOrder;
    this.origin = base - (base % top);
    this.first = base - this.origin;
    this.span = this.first + frames;
    this.links = new Int32Array(2 * this.span);
    const padded = (this.span + 3) & ~3;
    this.state = new Int8Array(padded).fill(INSIDE, 0, this.span);
    this.state.fill(ALLOCATED, 0, this.first);
    this.state.fill(ALLOCATED, this.span);
    this.state32 = new Int32Array(this.state.buffer, 0, padded >>> 2);
    this.heads = new Int32Array(this.maxOrder + 1).fill(-1);
    this.counts = new Int32Array(this.maxOrder + 1);
    this.freeRange(this.first, this.span);
  }

  get usedFrames(): number {
    return this.used;
  }

  get freeFrames(): number {
    return this.totalFrames - this.used;
  }

  allocate(): number | OutOfMemory {
    if (this.nonEmpty === 0) return OUT_OF_MEMORY;
    let k = ctz(this.nonEmpty);
    const idx = this.heads[k];
    this.unlink(idx, k);
    // mm/page_alloc.c: expand — keep the lower half, free the upper halves.
    while (k > 0) {
      k--;
      this.link(idx + (1 << k), k);
    }
    this.state[idx] = ALLOCATED;
    this.used++;
    return this.origin + idx;
  }

  allocateContiguous(count: number, options?: ContiguousOptions): number | OutOfMemory {
    checkCount(count, this.totalFrames);
    const align = readAlign(options);
    if (count === 1 && align === 1) return this.allocate();
    if (align > 2 ** this.maxOrder) return this.allocateOverAligned(count, align);
    const sizeOrder = 32 - Math.clz32(count - 1);
    const alignOrder = 31 - Math.clz32(align);
    const k = Math.max(sizeOrder, alignOrder);
    const candidates = this.nonEmpty & (-1 << k);
    if (candidates === 0) return OUT_OF_MEMORY;
    let j = ctz(candidates);
    const idx = this.heads[j];
    this.unlink(idx, j);
    while (j > k) {
      j--;
      this.link(idx + (1 << j), j);
    }
    this.state.fill(ALLOCATED, idx, idx + count);
    // mm/page_alloc.c: make_alloc_exact — the tail beyond `count` goes back.
    if (count < 1 << k) this.freeRange(idx + count, idx + (1 << k));
    this.used += count;
    return this.origin + idx;
  }

  free(pfn: number): void {
    checkPfn(pfn, this.base, this.end);
    const idx = pfn - this.origin;
    if (this.state[idx] !== ALLOCATED) {
      throw new RangeError(`free(${pfn}): frame is not allocated`);
    }
    this.state[idx] = INSIDE;
    this.used--;
    this.freeBlock(idx, 0);
  }

  freeContiguous(pfn: number, count: number): void {
    checkContiguousRange(pfn, count, this.base, this.end);
    const idx = pfn - this.origin;
    const bad = this.firstNotAllocated(idx, idx + count);
    if (bad >= 0) {
      throw new RangeError(
        `freeContiguous(${pfn}, ${count}): frame ${this.origin + bad} is not allocated`,
      );
    }
    this.state.fill(INSIDE, idx, idx + count);
    this.freeRange(idx, idx + count);
    this.used -= count;
  }

  isAllocated(pfn: number): boolean {
    checkPfn(pfn, this.base, this.end);
    return this.state[pfn - this.origin] === ALLOCATED;
  }

  stats(): BuddyFrameAllocatorStats {
    return {
      backend: 'buddy',
      totalFrames: this.totalFrames,
      usedFrames: this.used,
      freeFrames: this.totalFrames - this.used,
      maxOrder: this.maxOrder,
      freeBlocks: Array.from(this.counts),
    };
  }

  /** Verifies lists, block alignment, maximal coalescing and the counters; throws Error. */
  checkInvariants(): void {
    const covered = new Uint8Array(this.span);
    let freeTotal = 0;
    for (let k = 0; k <= this.maxOrder; k++) {
      let n = 0;
      let before = -1;
      for (let idx = this.heads[k]; idx >= 0; idx = this.links[2 * idx]) {
        if (++n > this.span) throw new Error(`buddy: order-${k} list has a cycle`);
        if (this.links[2 * idx + 1] !== before) throw new Error(`buddy: bad prev link at ${idx}`);
        if (this.state[idx] !== k)
          throw new Error(`buddy: block ${idx} on list ${k} has state ${this.state[idx]}`);
        const size = 2 ** k;
        if (idx % size !== 0) throw new Error(`buddy: block ${idx} of order ${k} misaligned`);
        if (idx < this.first || idx + size > this.span)
          throw new Error(`buddy: block ${idx} out of range`);
        for (let i = idx; i < idx + size; i++) {
          if (this.state[i] === ALLOCATED)
            throw new Error(`buddy: free block ${idx} holds allocated ${i}`);
          if (i > idx && this.state[i] !== INSIDE)
            throw new Error(
              `buddy: frame ${i} inside free block ${idx} has state ${this.state[i]}`,
            );
          if (covered[i] !== 0) throw new Error(`buddy: frame ${i} in two free blocks`);
          covered[i] = 1;
        }
        const buddy = idx ^ size;
        if (k < this.maxOrder && buddy < this.span && this.state[buddy] === k) {
          throw new Error(`buddy: blocks ${idx} and ${buddy} of order ${k} not merged`);
        }
        freeTotal += size;
        before = idx;
      }
      if (n !== this.counts[k])
        throw new Error(`buddy: order ${k} counts ${this.counts[k]}, list has ${n}`);
      if (n > 0 !== ((this.nonEmpty & (1 << k)) !== 0))
        throw new Error(`buddy: nonEmpty bit ${k} wrong`);
    }
    for (let i = 0; i < this.state.length; i++) {
      const st = this.state[i];
      if (i < this.first || i >= this.span) {
        if (st !== ALLOCATED) throw new Error(`buddy: unmanaged index ${i} has state ${st}`);
      } else if (covered[i] === 0 && st !== ALLOCATED) {
        throw new Error(`buddy: free frame ${i} (state ${st}) on no list`);
      }
    }
    if (freeTotal !== this.totalFrames - this.used) {
      throw new Error(
        `buddy: ${freeTotal} frames on lists, counters say ${this.totalFrames - this.used}`,
      );
    }
  }

  // An alignment beyond the largest block: at most one aligned pfn lies in range
  // (the range is shorter than the alignment), so try exactly that one.
  private allocateOverAligned(count: number, align: number): number | OutOfMemory {
    const rem = this.base % align;
    const pfn = rem === 0 ? this.base : this.base + (align - rem);
    if (pfn + count > this.end) return OUT_OF_MEMORY;
    const idx = pfn - this.origin;
    if (this.state.subarray(idx, idx + count).indexOf(ALLOCATED) >= 0) return OUT_OF_MEMORY;
    this.claimRange(idx, idx + count);
    this.used += count;
    return pfn;
  }

  // Takes the free frames [start, stop) off the lists: each containing free block is
  // unlinked, and its parts outside the range go back as smaller blocks.
  private claimRange(start: number, stop: number): void {
    let i = start;
    while (i < stop) {
      let k = 0;
      let head = i;
      while (this.state[head] !== k) {
        k++;
        if (k > this.maxOrder) throw new Error(`buddy: free frame ${i} is in no free block`);
        head -= head % (1 << k);
      }
      this.unlink(head, k);
      const blockEnd = head + (1 << k);
      const claimEnd = Math.min(blockEnd, stop);
      this.state.fill(ALLOCATED, i, claimEnd);
      if (head < i) this.freeRange(head, i);
      if (claimEnd < blockEnd) this.freeRange(claimEnd, blockEnd);
      i = claimEnd;
    }
  }

  // Frees [start, stop) as the largest aligned blocks that tile it, each merged with
  // its buddies (mm/page_alloc.c: __free_pages_memory splits a range the same way).
  private freeRange(start: number, stop: number): void {
    let i = start;
    while (i < stop) {
      let k = i === 0 ? this.maxOrder : Math.min(ctz(i), this.maxOrder);
      while (i + (1 << k) > stop) k--;
      this.freeBlock(i, k);
      i += 1 << k;
    }
  }

  // mm/page_alloc.c: __free_one_page — merge with the buddy while it is free whole.
  private freeBlock(start: number, order: number): void {
    let idx = start;
    let k = order;
    while (k < this.maxOrder) {
      const buddy = idx ^ (1 << k);
      if (buddy >= this.span || this.state[buddy] !== k) break;
      this.unlink(buddy, k);
      idx &= ~(1 << k);
      k++;
    }
    this.link(idx, k);
  }

  // The first index in [start, stop) that is not ALLOCATED, or -1; aligned words
  // of four state bytes are compared at once.
  private firstNotAllocated(start: number, stop: number): number {
    const state = this.state;
    let i = start;
    for (; i < stop && (i & 3) !== 0; i++) if (state[i] !== ALLOCATED) return i;
    const words = this.state32;
    while (i + 4 <= stop && words[i >>> 2] === ALLOCATED_X4) i += 4;
    for (; i < stop; i++) if (state[i] !== ALLOCATED) return i;
    return -1;
  }

  private link(idx: number, k: number): void {
    const head = this.heads[k];
    const links = this.links;
    links[2 * idx] = head;
    links[2 * idx + 1] = -1;
    if (head >= 0) links[2 * head + 1] = idx;
    this.heads[k] = idx;
    this.state[idx] = k;
    this.counts[k]++;
    this.nonEmpty |= 1 << k;
  }

  private unlink(idx: number, k: number): void {
    const links = this.links;
    const next = links[2 * idx];
    const prev = links[2 * idx + 1];
    if (prev >= 0) links[2 * prev] = next;
    else this.heads[k] = next;
    if (next >= 0) links[2 * next + 1] = prev;
    this.state[idx] = INSIDE;
    if (--this.counts[k] === 0) this.nonEmpty &= ~(1 << k);
  }
}
