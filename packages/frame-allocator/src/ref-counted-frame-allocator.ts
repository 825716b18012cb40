// Reference counts for frames shared between mappings (copy-on-write, shared file
// pages): Linux keeps them in struct page (page_ref_inc / put_page); here they are a
// Uint32Array beside any FrameAllocator. The wrapper must be the only user of the
// allocator it wraps: frames allocated behind its back have no count.

import { checkCount, checkPfn } from './allocator-args.js';
import { checkIntegerIn, checkOptions, show } from './check.js';
import type { ContiguousOptions, FrameAllocator, FrameAllocatorStats } from './frame-allocator.js';
import type { OutOfMemory } from './out-of-memory.js';

/** Options of RefCountedFrameAllocator. */
export interface RefCountedFrameAllocatorOptions {
  /** Largest count `retain` may reach (default and maximum 0xFFFFFFFF). */
  readonly maxRefCount?: number;
}

/** Stats of a RefCountedFrameAllocator: its own plus the wrapped allocator's. */
export interface RefCountedFrameAllocatorStats extends FrameAllocatorStats {
  readonly backend: 'ref-counted';
  /** Frames with a reference count above 1. */
  readonly sharedFrames: number;
  readonly inner: FrameAllocatorStats;
}

/**
 * A FrameAllocator with a reference count per frame. `allocate` and
 * `allocateContiguous` give each frame the count 1; `retain` adds a reference,
 * `release` drops one and frees the frame when none is left. `free` and
 * `freeContiguous` are for frames with exactly one reference: on a shared frame
 * they throw (use `release`), so a frame still mapped elsewhere is never freed.
 */
export class RefCountedFrameAllocator implements FrameAllocator {
  readonly inner: FrameAllocator;
  readonly base: number;
  readonly totalFrames: number;
  readonly maxRefCount: number;
  private readonly end: number;
  private readonly counts: Uint32Array;
  private shared = 0;

  constructor(inner: FrameAllocator, options?: RefCountedFrameAllocatorOptions) {
    if (
      typeof inner !== 'object' ||
      inner === null ||
      typeof inner.allocate !== 'function' ||
      typeof inner.free !== 'function' ||
      typeof inner.isAllocated !== 'function'
    ) {
      throw new TypeError(`inner must be a FrameAllocator, got ${show(inner)}`);
    }
    checkOptions('options', options);
    const maxRefCount = options?.maxRefCount ?? 0xffff_ffff;
    checkIntegerIn('maxRefCount', maxRefCount, 1, 0xffff_ffff);
    this.inner = inner;
    this.base = inner.base;
    this.totalFrames = inner.totalFrames;
    this.end = this.base + this.totalFrames;
    this.maxRefCount = maxRefCount;
    if (inner.usedFrames !== 0) {
      throw new RangeError(
        `inner allocator already has ${inner.usedFrames} frames allocated; wrap a fresh one`,
      );
    }
    this.counts = new Uint32Array(this.totalFrames);
  }

  get usedFrames(): number {
    return this.inner.usedFrames;
  }

  get freeFrames(): number {
    return this.inner.freeFrames;
  }

  allocate(): number | OutOfMemory {
    const pfn = this.inner.allocate();
    if (typeof pfn === 'number') this.counts[pfn - this.base] = 1;
    return pfn;
  }

  allocateContiguous(count: number, options?: ContiguousOptions): number | OutOfMemory {
    const pfn = this.inner.allocateContiguous(count, options);
    if (typeof pfn === 'number') this.counts.fill(1, pfn - this.base, pfn - this.base + count);
    return pfn;
  }

  free(pfn: number): void {
    const c = this.counts[this.index(pfn)];
    if (c !== 1) this.throwNotSole('free', pfn, c);
    this.inner.free(pfn);
    this.counts[pfn - this.base] = 0;
  }

  freeContiguous(pfn: number, count: number): void {
    checkCount(count, this.totalFrames);
    const idx = this.index(pfn);
    if (pfn + count > this.end) {
      throw new RangeError(
        `freeContiguous(${pfn}, ${count}): range passes the managed frames [${this.base}, ${this.end})`,
      );
    }
    for (let i = idx; i < idx + count; i++) {
      if (this.counts[i] !== 1) this.throwNotSole('freeContiguous', this.base + i, this.counts[i]);
    }
    this.inner.freeContiguous(pfn, count);
    this.counts.fill(0, idx, idx + count);
  }

  isAllocated(pfn: number): boolean {
    return this.counts[this.index(pfn)] !== 0;
  }

  /** Adds a reference to an allocated frame; returns the new count. */
  retain(pfn: number): number {
    const idx = this.index(pfn);
    const c = this.counts[idx];
    if (c === 0) throw new RangeError(`retain(${pfn}): frame is not allocated`);
    if (c >= this.maxRefCount) {
      throw new RangeError(`retain(${pfn}): reference count would pass ${this.maxRefCount}`);
    }
    this.counts[idx] = c + 1;
    if (c === 1) this.shared++;
    return c + 1;
  }

  /** Drops a reference; frees the frame when it was the last. Returns the count left. */
  release(pfn: number): number {
    const idx = this.index(pfn);
    const c = this.counts[idx];
    if (c === 0) throw new RangeError(`release(${pfn}): frame is not allocated`);
    if (c === 1) {
      this.inner.free(pfn);
      this.counts[idx] = 0;
      return 0;
    }
    this.counts[idx] = c - 1;
    if (c === 2) this.shared--;
    return c - 1;
  }

  /** References held on `pfn` (0 when it is free). */
  refCount(pfn: number): number {
    return this.counts[this.index(pfn)];
  }

  stats(): RefCountedFrameAllocatorStats {
    return {
      backend: 'ref-counted',
      totalFrames: this.totalFrames,
      usedFrames: this.inner.usedFrames,
      freeFrames: this.inner.freeFrames,
      sharedFrames: this.shared,
      inner: this.inner.stats(),
    };
  }

  /** Verifies counts against the wrapped allocator (and its own invariants, if it has any). */
  checkInvariants(): void {
    const inner = this.inner as FrameAllocator & { checkInvariants?: () => void };
    if (typeof inner.checkInvariants === 'function') inner.checkInvariants();
    let shared = 0;
    for (let i = 0; i < this.totalFrames; i++) {
      const c = this.counts[i];
      const allocated = inner.isAllocated(this.base + i);
      if ((c !== 0) !== allocated) {
        throw new Error(
          `ref-counted: frame ${this.base + i} has count ${c}, allocated=${allocated}`,
        );
      }
      if (c > 1) shared++;
    }
    if (shared !== this.shared)
      throw new Error(`ref-counted: ${shared} shared frames, counter ${this.shared}`);
  }

  private index(pfn: number): number {
    checkPfn(pfn, this.base, this.end);
    return pfn - this.base;
  }

  private throwNotSole(op: string, pfn: number, count: number): never {
    if (count === 0) throw new RangeError(`${op}(${pfn}): frame is not allocated`);
    throw new RangeError(`${op}(${pfn}): frame has ${count} references; use release`);
  }
}
