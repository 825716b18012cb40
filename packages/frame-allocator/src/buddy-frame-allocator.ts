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
// Per frame: one bit of `allocatedBits` (1 = allocated), one signed state byte (a
// free block's order at its first frame, CACHED, or INSIDE for every other frame)
// and the two list links side by side. A contiguous range of 64 frames is marked,
// checked and cleared as two words of bits.
//
// In front of the lists sits a last-in first-out cache of frames freed one at a
// time, as Linux keeps per-CPU lists of order-0 pages (mm/page_alloc.c:
// free_unref_page, rmqueue_pcplist): `free` pushes the frame there without merging,
// `allocate` pops the most recently freed frame before splitting a block, and a full
// cache returns its older half to the lists (merging each frame as far as it goes)
// in one batch, as free_pcppages_bulk does. Cached frames are free to every caller
// (state CACHED: isAllocated is false, freeing one again is a double free) but sit on
// no list, so a contiguous request that finds no block empties the cache and looks
// again (Linux drains the per-CPU lists before giving up on a high-order page).
// Because buddies always merge as far as they can, the lists after a full drain are
// exactly those of an allocator without the cache: no request fails that would
// succeed without it. `cacheSize: 0` turns the cache off.

import {
  checkContiguousRange,
  checkCount,
  checkPfn,
  parseAllocatorOptions,
  readAlign,
} from './allocator-args.js';
import { checkIntegerIn, checkOptions } from './check.js';
import type {
  ContiguousOptions,
  FrameAllocator,
  FrameAllocatorOptions,
  FrameAllocatorStats,
} from './frame-allocator.js';
import type { OutOfMemory } from './out-of-memory.js';
import { OUT_OF_MEMORY } from './out-of-memory.js';

/** State byte of a frame that does not start a free block and is not cached. */
const INSIDE = -1;
/** State byte of a free frame held in the recently-freed cache (on no list). */
const CACHED = -3;

/** Index of the lowest set bit of a non-zero 32-bit word. */
function ctz(word: number): number {
  return 31 - Math.clz32(word & -word);
}

/** Options of BuddyFrameAllocator. */
export interface BuddyFrameAllocatorOptions extends FrameAllocatorOptions {
  /**
   * Frames freed one at a time that are kept for reuse before going back to the free
   * lists (Linux's per-CPU page lists): an even integer in [0, 4096], default 64.
   * 0 sends every free straight to the lists, merging at once.
   */
  readonly cacheSize?: number;
}

/** The bits of bitmap word `w` that lie in [start, stop), which it must meet. */
function maskIn(w: number, start: number, stop: number): number {
  const lo = Math.max(start - w * 32, 0);
  const hi = Math.min(stop - w * 32, 32);
  return hi === 32 ? -1 << lo : ((1 << hi) - 1) & (-1 << lo);
}

/** Stats of a BuddyFrameAllocator. */
export interface BuddyFrameAllocatorStats extends FrameAllocatorStats {
  readonly backend: 'buddy';
  /** Largest block order (blocks of 2^maxOrder frames). */
  readonly maxOrder: number;
  /** Free blocks per order, index = order (Linux's `nr_free`); cached frames excluded. */
  readonly freeBlocks: readonly number[];
  /** Free frames waiting in the recently-freed cache (on no free list). */
  readonly cachedFrames: number;
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
  /** Order of the free block starting at this index, CACHED or INSIDE. */
  private readonly state: Int8Array;
  /** Bit i set when index i is allocated (and for the indices outside [first, span)). */
  private readonly allocatedBits: Int32Array;
  private readonly heads: Int32Array;
  private readonly counts: Int32Array;
  /** The recently-freed cache: indices, most recent last. */
  private readonly cache: Int32Array;
  private cached = 0;
  /** Bit k set when the order-k list is not empty. */
  private nonEmpty = 0;
  private used = 0;

  constructor(options: BuddyFrameAllocatorOptions) {
    const { base, frames } = parseAllocatorOptions(options);
    checkOptions('options', options);
    const cacheSize = options.cacheSize ?? 64;
    checkIntegerIn('cacheSize', cacheSize, 0, 4096);
    if (cacheSize % 2 !== 0) throw new RangeError(`cacheSize must be even, got ${cacheSize}`);
    this.cache = new Int32Array(cacheSize);
    this.base = base;
    this.totalFrames = frames;
    this.end = base + frames;
    this.maxOrder = 32 - Math.clz32(frames - 1);
    const top = 2 ** this.maxOrder;
    this.origin = base - (base % top);
    this.first = base - this.origin;
    this.span = this.first + frames;
    this.links = new Int32Array(2 * this.span);
    this.state = new Int8Array(this.span).fill(INSIDE);
    const words = (this.span + 31) >>> 5;
    this.allocatedBits = new Int32Array(words);
    this.setBits(0, this.first);
    this.setBits(this.span, words * 32);
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
    if (this.cached > 0) {
      const i = this.cache[--this.cached];
      this.state[i] = INSIDE;
      this.allocatedBits[i >>> 5] |= 1 << (i & 31);
      this.used++;
      return this.origin + i;
    }
    if (this.nonEmpty === 0) return OUT_OF_MEMORY;
    let k = ctz(this.nonEmpty);
    const idx = this.heads[k];
    this.unlink(idx, k);
    // mm/page_alloc.c: expand — keep the lower half, free the upper halves.
    while (k > 0) {
      k--;
      this.link(idx + (1 << k), k);
    }
    this.allocatedBits[idx >>> 5] |= 1 << (idx & 31);
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
    let candidates = this.nonEmpty & (-1 << k);
    if (candidates === 0 && this.cached > 0) {
      // Cached frames sit on no list: give them back (merging) and look again.
      this.drainCache(this.cached);
      candidates = this.nonEmpty & (-1 << k);
    }
    if (candidates === 0) return OUT_OF_MEMORY;
    let j = ctz(candidates);
    const idx = this.heads[j];
    this.unlink(idx, j);
    while (j > k) {
      j--;
      this.link(idx + (1 << j), j);
    }
    this.setBits(idx, idx + count);
    // mm/page_alloc.c: make_alloc_exact — the tail beyond `count` goes back.
    if (count < 1 << k) this.freeRange(idx + count, idx + (1 << k));
    this.used += count;
    return this.origin + idx;
  }

  free(pfn: number): void {
    checkPfn(pfn, this.base, this.end);
    const idx = pfn - this.origin;
    const w = idx >>> 5;
    const bit = 1 << (idx & 31);
    const word = this.allocatedBits[w];
    if ((word & bit) === 0) throw new RangeError(`free(${pfn}): frame is not allocated`);
    this.allocatedBits[w] = word & ~bit;
    this.used--;
    if (this.cache.length === 0) {
      this.freeBlock(idx, 0);
      return;
    }
    if (this.cached === this.cache.length) this.drainCache(this.cached >>> 1);
    this.state[idx] = CACHED;
    this.cache[this.cached++] = idx;
  }

  freeContiguous(pfn: number, count: number): void {
    checkContiguousRange(pfn, count, this.base, this.end);
    const idx = pfn - this.origin;
    const bad = this.firstWithBit(idx, idx + count, 0);
    if (bad >= 0) {
      throw new RangeError(
        `freeContiguous(${pfn}, ${count}): frame ${this.origin + bad} is not allocated`,
      );
    }
    this.clearBits(idx, idx + count);
    this.freeRange(idx, idx + count);
    this.used -= count;
  }

  isAllocated(pfn: number): boolean {
    checkPfn(pfn, this.base, this.end);
    return this.isAllocatedIndex(pfn - this.origin);
  }

  stats(): BuddyFrameAllocatorStats {
    return {
      backend: 'buddy',
      totalFrames: this.totalFrames,
      usedFrames: this.used,
      freeFrames: this.totalFrames - this.used,
      maxOrder: this.maxOrder,
      freeBlocks: Array.from(this.counts),
      cachedFrames: this.cached,
    };
  }

  /** Verifies lists, block alignment, maximal coalescing and the counters; throws Error. */
  checkInvariants(): void {
    const covered = new Uint8Array(this.span);
    let freeTotal = 0;
    for (let c = 0; c < this.cached; c++) {
      const i = this.cache[c];
      if (!(i >= this.first && i < this.span) || this.state[i] !== CACHED || covered[i] !== 0) {
        throw new Error(`buddy: cache slot ${c} holds ${i}, not a cached frame or twice`);
      }
      covered[i] = 1;
      freeTotal++;
    }
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
          if (this.isAllocatedIndex(i) || this.state[i] === CACHED)
            throw new Error(`buddy: free block ${idx} holds allocated or cached ${i}`);
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
    for (let i = 0; i < this.allocatedBits.length * 32; i++) {
      const allocated = this.isAllocatedIndex(i);
      if (i < this.first || i >= this.span) {
        if (!allocated) throw new Error(`buddy: unmanaged index ${i} is not marked allocated`);
        continue;
      }
      const st = this.state[i];
      if (allocated) {
        if (st !== INSIDE) throw new Error(`buddy: allocated frame ${i} has state ${st}`);
      } else if (covered[i] === 0) {
        throw new Error(`buddy: free frame ${i} (state ${st}) on no list and not cached`);
      }
      if (st === CACHED && covered[i] === 0) {
        throw new Error(`buddy: frame ${i} marked cached is not in the cache`);
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
    if (this.cached > 0) this.drainCache(this.cached);
    const rem = this.base % align;
    const pfn = rem === 0 ? this.base : this.base + (align - rem);
    if (pfn + count > this.end) return OUT_OF_MEMORY;
    const idx = pfn - this.origin;
    if (this.firstWithBit(idx, idx + count, 1) >= 0) return OUT_OF_MEMORY;
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
      this.setBits(i, claimEnd);
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

  // Returns the `count` oldest cached frames to the lists (the newest stay cached).
  private drainCache(count: number): void {
    const cache = this.cache;
    for (let c = 0; c < count; c++) {
      const i = cache[c];
      this.state[i] = INSIDE;
      this.freeBlock(i, 0);
    }
    cache.copyWithin(0, count, this.cached);
    this.cached -= count;
  }

  private isAllocatedIndex(i: number): boolean {
    return ((this.allocatedBits[i >>> 5] >>> (i & 31)) & 1) === 1;
  }

  // Marks [start, stop) allocated, a word at a time.
  private setBits(start: number, stop: number): void {
    const bits = this.allocatedBits;
    for (let w = start >>> 5; w * 32 < stop; w++) {
      bits[w] |= maskIn(w, start, stop);
    }
  }

  private clearBits(start: number, stop: number): void {
    const bits = this.allocatedBits;
    for (let w = start >>> 5; w * 32 < stop; w++) {
      bits[w] &= ~maskIn(w, start, stop);
    }
  }

  // The first index in [start, stop) whose allocated bit is `bit`, or -1.
  private firstWithBit(start: number, stop: number, bit: 0 | 1): number {
    const bits = this.allocatedBits;
    const flip = bit === 1 ? 0 : -1;
    for (let w = start >>> 5; w * 32 < stop; w++) {
      const hits = (bits[w] ^ flip) & maskIn(w, start, stop);
      if (hits !== 0) return w * 32 + ctz(hits);
    }
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
