// Free-list stack allocator after rCore's StackFrameAllocator: frames never handed
// out are a bump region [current, frames); freed frames go on a `recycled` stack
// and are handed out again last-in first-out before the bump pointer moves.
//
// Additions: `position` maps each frame to its slot on the stack (or -1), which
// gives O(1) double-free detection (rCore searches the stack) and O(1) removal of
// an arbitrary frame from the stack; freeing the frames just below the bump pointer
// lowers the pointer instead, so the bump region stays as long as it can.
//
// Contiguous requests are served from the bump region when it has room after
// alignment (the skipped frames go on the stack); otherwise a linear scan below the
// bump pointer looks for an aligned run of recycled frames and takes them off the
// stack. Single frames stay O(1); contiguous requests cost O(frames) once
// the bump region is used up.

import {
  alignIndexUp,
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

/** Stats of a StackFrameAllocator. */
export interface StackFrameAllocatorStats extends FrameAllocatorStats {
  readonly backend: 'stack';
  /** Freed frames waiting on the recycled stack. */
  readonly recycled: number;
  /** Frames above the bump pointer, never handed out (or given back at the top). */
  readonly bumpRemaining: number;
}

/**
 * rCore-style allocator: O(1) single frames (recycled stack, then bump pointer);
 * contiguous runs from the bump region, or by an O(frames) scan when it is used up.
 * Memory: 8 bytes per frame.
 */
export class StackFrameAllocator implements FrameAllocator {
  readonly base: number;
  readonly totalFrames: number;
  private readonly end: number;
  private readonly recycled: Int32Array;
  /** Slot of each frame on `recycled`, or -1 when it is not there. */
  private readonly position: Int32Array;
  private top = 0;
  /** Index of the first frame of the bump region. */
  private current = 0;
  private used = 0;

  constructor(options: FrameAllocatorOptions) {
    const { base, frames } = parseAllocatorOptions(options);
    this.base = base;
    this.totalFrames = frames;
    this.end = base + frames;
    this.recycled = new Int32Array(frames);
    this.position = new Int32Array(frames).fill(-1);
  }

  get usedFrames(): number {
    return this.used;
  }

  get freeFrames(): number {
    return this.totalFrames - this.used;
  }

  allocate(): number | OutOfMemory {
    let idx: number;
    if (this.top > 0) {
      idx = this.recycled[--this.top];
      this.position[idx] = -1;
    } else if (this.current < this.totalFrames) {
      idx = this.current++;
    } else {
      return OUT_OF_MEMORY;
    }
    this.used++;
    return this.base + idx;
  }

  allocateContiguous(count: number, options?: ContiguousOptions): number | OutOfMemory {
    checkCount(count, this.totalFrames);
    const align = readAlign(options);
    if (count === 1 && align === 1) return this.allocate();
    const bumpStart = alignIndexUp(this.current, this.base, align);
    if (bumpStart + count <= this.totalFrames) {
      for (let i = this.current; i < bumpStart; i++) this.push(i);
      this.current = bumpStart + count;
      this.used += count;
      return this.base + bumpStart;
    }
    const start = this.findRun(count, align);
    if (start < 0) return OUT_OF_MEMORY;
    // The run lies wholly on the stack: a run reaching the bump region would include
    // frame current - 1, which is never free (freeing it lowers the pointer), and a
    // run inside the bump region would have been served above.
    for (let i = start; i < start + count; i++) this.unstack(i);
    this.used += count;
    return this.base + start;
  }

  free(pfn: number): void {
    checkPfn(pfn, this.base, this.end);
    const idx = pfn - this.base;
    if (idx >= this.current || this.position[idx] >= 0) {
      throw new RangeError(`free(${pfn}): frame is not allocated`);
    }
    if (idx === this.current - 1) {
      this.current = idx;
      this.lowerBump();
    } else {
      this.push(idx);
    }
    this.used--;
  }

  freeContiguous(pfn: number, count: number): void {
    checkContiguousRange(pfn, count, this.base, this.end);
    const idx = pfn - this.base;
    for (let i = idx; i < idx + count; i++) {
      if (i >= this.current || this.position[i] >= 0) {
        throw new RangeError(
          `freeContiguous(${pfn}, ${count}): frame ${this.base + i} is not allocated`,
        );
      }
    }
    if (idx + count === this.current) {
      this.current = idx;
      this.lowerBump();
    } else {
      for (let i = idx; i < idx + count; i++) this.push(i);
    }
    this.used -= count;
  }

  isAllocated(pfn: number): boolean {
    checkPfn(pfn, this.base, this.end);
    const idx = pfn - this.base;
    return idx < this.current && this.position[idx] < 0;
  }

  stats(): StackFrameAllocatorStats {
    return {
      backend: 'stack',
      totalFrames: this.totalFrames,
      usedFrames: this.used,
      freeFrames: this.totalFrames - this.used,
      recycled: this.top,
      bumpRemaining: this.totalFrames - this.current,
    };
  }

  /** Verifies the stack, the slot map and the counters; throws Error on a mismatch. */
  checkInvariants(): void {
    for (let p = 0; p < this.top; p++) {
      const idx = this.recycled[p];
      if (idx < 0 || idx >= this.current)
        throw new Error(`stack: slot ${p} holds ${idx} outside [0, ${this.current})`);
      if (this.position[idx] !== p)
        throw new Error(`stack: frame ${idx} at slot ${p} maps to ${this.position[idx]}`);
    }
    let stacked = 0;
    for (let idx = 0; idx < this.totalFrames; idx++) {
      if (this.position[idx] >= 0) stacked++;
    }
    if (stacked !== this.top)
      throw new Error(`stack: ${stacked} frames mapped, ${this.top} on the stack`);
    if (this.current > 0 && this.position[this.current - 1] >= 0) {
      throw new Error('stack: the frame below the bump pointer is on the stack');
    }
    if (this.used !== this.current - this.top) {
      throw new Error(`stack: used ${this.used}, expected ${this.current - this.top}`);
    }
  }

  private push(idx: number): void {
    this.position[idx] = this.top;
    this.recycled[this.top++] = idx;
  }

  // Takes frame `idx` off the stack, filling its slot with the top one.
  private unstack(idx: number): void {
    const slot = this.position[idx];
    const last = this.recycled[--this.top];
    if (last !== idx) {
      this.recycled[slot] = last;
      this.position[last] = slot;
    }
    this.position[idx] = -1;
  }

  // Recycled frames right below the bump pointer rejoin the bump region.
  private lowerBump(): void {
    while (this.current > 0 && this.position[this.current - 1] >= 0) {
      this.unstack(this.current - 1);
      this.current--;
    }
  }

  // First aligned run of recycled frames, scanning forward from the bottom; a frame
  // not on the stack moves the candidate past it, so each frame is read once.
  private findRun(count: number, align: number): number {
    let start = alignIndexUp(0, this.base, align);
    let i = start;
    while (start + count <= this.current) {
      if (i === start + count) return start;
      if (this.position[i] >= 0) {
        i++;
      } else {
        start = alignIndexUp(i + 1, this.base, align);
        i = start;
      }
    }
    return -1;
  }
}
