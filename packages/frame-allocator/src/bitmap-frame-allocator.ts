// Bitmap frame allocator with two summary trees.
//
// `freeBits` has one bit per frame (1 = free) and a summary tree of non-empty words,
// so the lowest free frame is found in one step per level. Its full-word index
// `fullWords` has one bit per bitmap word that is entirely free (32 free frames) and
// its own summary tree, so a request of 32 or more frames aligned to 32 or more
// skips the fragmented part of memory in O(log32 n) instead of testing every
// candidate block there. Both are HierarchicalBitset; see hierarchical-bitset.ts.
//
// In front of the bitmap sits a small last-in first-out cache of frames freed one
// at a time, as Linux keeps per-CPU lists of order-0 pages in front of the buddy
// allocator (mm/page_alloc.c: free_unref_page, rmqueue_pcplist): `free` pushes the
// frame there, `allocate` pops the most recently freed frame before searching the
// bitmap, and a full cache returns its older half to the bitmap in one batch. Under
// allocate/free churn most operations then touch one stack slot and one bit of
// `cachedBits` instead of the bitmap and its summaries. Cached frames are free to
// every caller (isAllocated is false, freeing one again is a double free) but stay
// marked allocated in the bitmap, so contiguous searches skip them; a search that
// finds nothing empties the cache into the bitmap and searches again, so a fitting
// run is never missed. `cacheSize: 0` turns the cache off (strict lowest-first).
//
// Bit 0 is the pfn `origin`: `base` rounded down to a multiple of 32, so a word of
// the bitmap is 32 frames aligned to 32 pfns and pfn alignment >= 32 is word
// alignment. Bits below `base` and at or above `base + frames` are never free.

import {
  alignIndexUp,
  checkContiguousRange,
  checkCount,
  checkPfn,
  parseAllocatorOptions,
  readAlign,
  throwBadPfn,
  throwNotAllocated,
} from './allocator-args.js';
import { checkIntegerIn, checkOptions } from './check.js';
import type {
  ContiguousOptions,
  FrameAllocator,
  FrameAllocatorOptions,
  FrameAllocatorStats,
} from './frame-allocator.js';
import { HierarchicalBitset } from './hierarchical-bitset.js';
import type { OutOfMemory } from './out-of-memory.js';
import { OUT_OF_MEMORY } from './out-of-memory.js';

/** Options of BitmapFrameAllocator. */
export interface BitmapFrameAllocatorOptions extends FrameAllocatorOptions {
  /**
   * Frames freed one at a time that are kept for reuse before going back to the
   * bitmap: an even integer in [0, 4096], default 64. 0 makes `allocate` strictly
   * lowest-address-first.
   */
  readonly cacheSize?: number;
}

/** Stats of a BitmapFrameAllocator. */
export interface BitmapFrameAllocatorStats extends FrameAllocatorStats {
  readonly backend: 'bitmap';
  /** Free frames waiting in the recently-freed cache (not in the bitmap). */
  readonly cachedFrames: number;
  /** Runs of 32 frames, aligned to 32, that are entirely free. */
  readonly fullyFreeWords: number;
  /** Levels of the free-frame tree, including the bitmap itself. */
  readonly summaryHeight: number;
}

/**
 * Bitmap allocator with summary trees and a recently-freed cache: `allocate`
 * returns the most recently freed cached frame, else the lowest free frame, in
 * O(log32 n); contiguous runs are the lowest that fit, in O(log32 n) word operations
 * when aligned to 32 frames or more, otherwise by skipping candidates (exact: finds
 * a run whenever one exists). Memory: about 1/4 byte per frame.
 */
export class BitmapFrameAllocator implements FrameAllocator {
  readonly base: number;
  readonly totalFrames: number;
  private readonly origin: number;
  private readonly end: number;
  private readonly first: number;
  private readonly limit: number;
  private readonly freeBits: HierarchicalBitset;
  private readonly fullWords: HierarchicalBitset;
  /** Bit set for each frame in the cache (bitmap bit 0, yet free to callers). */
  private readonly cachedBits: Int32Array;
  /** The recently-freed cache: bitmap indices, most recent last. */
  private readonly cache: Int32Array;
  private cached = 0;
  private used = 0;

  constructor(options: BitmapFrameAllocatorOptions) {
    const { base, frames } = parseAllocatorOptions(options);
    checkOptions('options', options);
    const cacheSize = options.cacheSize ?? 64;
    checkIntegerIn('cacheSize', cacheSize, 0, 4096);
    if (cacheSize % 2 !== 0) throw new RangeError(`cacheSize must be even, got ${cacheSize}`);
    this.base = base;
    this.totalFrames = frames;
    this.end = base + frames;
    this.origin = base - (base % 32);
    this.first = base - this.origin;
    this.limit = this.first + frames;
    this.freeBits = new HierarchicalBitset(this.limit, { indexFullWords: true });
    this.fullWords = this.freeBits.fullWords!;
    this.cachedBits = new Int32Array(this.freeBits.words.length);
    this.cache = new Int32Array(cacheSize);
    this.markFree(this.first, frames);
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
      this.cachedBits[i >>> 5] &= ~(1 << (i & 31));
      this.used++;
      return this.origin + i;
    }
    const i = this.freeBits.takeFirstSet();
    if (i < 0) return OUT_OF_MEMORY;
    this.used++;
    return this.origin + i;
  }

  allocateContiguous(count: number, options?: ContiguousOptions): number | OutOfMemory {
    checkCount(count, this.totalFrames);
    const align = readAlign(options);
    if (count === 1 && align === 1) return this.allocate();
    let start = this.findAnyRun(count, align);
    if (start < 0 && this.cached > 0) {
      // Cached frames look allocated to the search: give them back and look again.
      this.drainCache(this.cached);
      start = this.findAnyRun(count, align);
    }
    if (start < 0) return OUT_OF_MEMORY;
    this.markAllocated(start, count);
    this.used += count;
    return this.origin + start;
  }

  free(pfn: number): void {
    // typeof first: it rejects '5', which the subtraction would turn into 5, and a
    // bigint, on which the subtraction would throw the engine's own TypeError.
    if (typeof pfn !== 'number') throwBadPfn('pfn', pfn, this.base, this.totalFrames);
    const i = pfn - this.origin;
    // `| 0` keeps integers only (indices are below 2^31).
    if (!(i >= this.first && i < this.limit) || (i | 0) !== i) {
      throwBadPfn('pfn', pfn, this.base, this.totalFrames);
    }
    const bit = 1 << (i & 31);
    const w = i >>> 5;
    if (this.cache.length === 0) {
      // Setting a bit that is already set changes nothing, so test after setting.
      if ((this.freeBits.set(i) & bit) !== 0) throwNotAllocated('free', pfn);
    } else {
      if (((this.freeBits.words[w] | this.cachedBits[w]) & bit) !== 0) {
        throwNotAllocated('free', pfn);
      }
      if (this.cached === this.cache.length) this.drainCache(this.cached >>> 1);
      this.cachedBits[w] |= bit;
      this.cache[this.cached++] = i;
    }
    this.used--;
  }

  freeContiguous(pfn: number, count: number): void {
    checkContiguousRange(pfn, count, this.base, this.end);
    const i = pfn - this.origin;
    let f = this.freeBits.findNextSetIn(i, i + count);
    if (f < 0 && this.cached > 0) f = this.firstCachedIn(i, i + count);
    if (f >= 0) {
      throw new RangeError(
        `freeContiguous(${pfn}, ${count}): frame ${this.origin + f} is not allocated`,
      );
    }
    this.markFree(i, count);
    this.used -= count;
  }

  isAllocated(pfn: number): boolean {
    checkPfn(pfn, this.base, this.end);
    const i = pfn - this.origin;
    return !this.freeBits.get(i) && ((this.cachedBits[i >>> 5] >>> (i & 31)) & 1) === 0;
  }

  stats(): BitmapFrameAllocatorStats {
    return {
      backend: 'bitmap',
      totalFrames: this.totalFrames,
      usedFrames: this.used,
      freeFrames: this.totalFrames - this.used,
      cachedFrames: this.cached,
      fullyFreeWords: this.fullWords.count(),
      summaryHeight: this.freeBits.height,
    };
  }

  /** Verifies the bitmap, the summary trees, the cache and the counters; throws Error. */
  checkInvariants(): void {
    this.freeBits.checkInvariants();
    for (let i = 0; i < this.first; i++) {
      if (this.freeBits.get(i)) throw new Error(`bitmap: padding bit ${i} below base is free`);
    }
    let flagged = 0;
    for (let w = 0; w < this.cachedBits.length; w++) {
      if ((this.cachedBits[w] & this.freeBits.words[w]) !== 0) {
        throw new Error(`bitmap: word ${w} has frames both cached and free in the bitmap`);
      }
      for (let b = 0; b < 32; b++) flagged += (this.cachedBits[w] >>> b) & 1;
    }
    if (flagged !== this.cached) {
      throw new Error(`bitmap: ${flagged} frames flagged cached, cache holds ${this.cached}`);
    }
    for (let k = 0; k < this.cached; k++) {
      const i = this.cache[k];
      if (
        i < this.first ||
        i >= this.limit ||
        ((this.cachedBits[i >>> 5] >>> (i & 31)) & 1) === 0
      ) {
        throw new Error(`bitmap: cache slot ${k} holds ${i}, not flagged or out of range`);
      }
    }
    if (this.freeBits.count() + this.cached !== this.totalFrames - this.used) {
      throw new Error(
        `bitmap: ${this.freeBits.count()} free bits + ${this.cached} cached, counters say ${this.totalFrames - this.used}`,
      );
    }
  }

  // The lowest run of `count` free bitmap frames aligned to `align`, or -1.
  private findAnyRun(count: number, align: number): number {
    return align >= 32 && count >= 32 ? this.findWordRun(count, align) : this.findRun(count, align);
  }

  // Returns the `count` oldest cached frames to the bitmap (the newest stay cached).
  private drainCache(count: number): void {
    const cache = this.cache;
    for (let k = 0; k < count; k++) {
      const i = cache[k];
      this.cachedBits[i >>> 5] &= ~(1 << (i & 31));
      this.freeBits.set(i);
    }
    cache.copyWithin(0, count, this.cached);
    this.cached -= count;
  }

  // The first cached frame in [start, stop), or -1: a scan of the flag words.
  private firstCachedIn(start: number, stop: number): number {
    for (let w = start >>> 5; w * 32 < stop; w++) {
      let bits = this.cachedBits[w];
      while (bits !== 0) {
        const i = w * 32 + (31 - Math.clz32(bits & -bits));
        if (i >= start && i < stop) return i;
        bits &= bits - 1;
      }
    }
    return -1;
  }

  // Runs that start on a word (align >= 32) and cover at least one word: every
  // candidate's first word must be entirely free, so candidates come from `full`.
  private findWordRun(count: number, align: number): number {
    const fullWords = count >>> 5;
    const tail = count & 31;
    const tailMask = tail === 0 ? 0 : -1 >>> (32 - tail);
    const originW = this.origin / 32;
    const alignW = align / 32;
    const full = this.fullWords;
    const words = this.freeBits.words;
    let w = alignIndexUp(0, originW, alignW);
    // The top-down descent to the first full word is cheaper than a climb from w.
    let c = full.findFirstSet();
    for (;;) {
      if (w * 32 + count > this.limit) return -1;
      if (c < w) c = full.findNextSet(w);
      if (c < 0) return -1;
      if (c !== w) {
        w = alignIndexUp(c, originW, alignW);
        continue;
      }
      const z = full.findNextClear(w, w + fullWords);
      if (z >= 0) {
        w = alignIndexUp(z + 1, originW, alignW);
        continue;
      }
      if (tail !== 0 && (words[w + fullWords] & tailMask) !== tailMask) {
        w = alignIndexUp(w + fullWords + 1, originW, alignW);
        continue;
      }
      return w * 32;
    }
  }

  // Any other request: walk candidates in address order, each failure skipping past
  // the allocated frame that broke it. A run of 63 frames or more always covers an
  // entirely free word, so `full` also bounds the next possible start from below.
  private findRun(count: number, align: number): number {
    const origin = this.origin;
    const free = this.freeBits;
    let s = alignIndexUp(this.first, origin, align);
    for (;;) {
      if (s + count > this.limit) return -1;
      if (count >= 63) {
        const c = this.fullWords.findNextSet((s + 31) >>> 5);
        if (c < 0) return -1;
        const lowest = (c + 1) * 32 - count;
        if (lowest > s) {
          s = alignIndexUp(lowest, origin, align);
          continue;
        }
      }
      const f = free.findNextSet(s);
      if (f < 0) return -1;
      if (f !== s) {
        s = alignIndexUp(f, origin, align);
        continue;
      }
      const z = free.findNextClear(s, s + count);
      if (z < 0) return s;
      s = alignIndexUp(z + 1, origin, align);
    }
  }

  private markAllocated(start: number, count: number): void {
    const free = this.freeBits;
    const words = free.words;
    const end = start + count;
    let i = start;
    while (i < end) {
      const w = i >>> 5;
      const lo = i & 31;
      const n = Math.min(32 - lo, end - i);
      const mask = (-1 >>> (32 - n)) << lo;
      free.setWord(w, words[w] & ~mask);
      i += n;
    }
  }

  private markFree(start: number, count: number): void {
    const free = this.freeBits;
    const words = free.words;
    const end = start + count;
    let i = start;
    while (i < end) {
      const w = i >>> 5;
      const lo = i & 31;
      const n = Math.min(32 - lo, end - i);
      const mask = (-1 >>> (32 - n)) << lo;
      free.setWord(w, words[w] | mask);
      i += n;
    }
  }
}
