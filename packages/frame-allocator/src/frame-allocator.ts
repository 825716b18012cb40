import type { OutOfMemory } from './out-of-memory.js';

/**
 * The smallest frame source: what the page-table package asks for when it needs a
 * frame for a table and gives one back when a table empties. Every FrameAllocator
 * (and the ref-counted wrapper) is one.
 */
export interface FrameSource {
  /** A free frame number (pfn), now allocated, or OUT_OF_MEMORY. */
  allocate(): number | OutOfMemory;
  /** Gives back a frame obtained from this source. */
  free(pfn: number): void;
}

/** Options of `allocateContiguous`. */
export interface ContiguousOptions {
  /** Alignment of the first pfn, in frames: a power of two. Default 1. */
  readonly align?: number;
}

/** Constructor options shared by the backends. */
export interface FrameAllocatorOptions {
  /** Number of frames managed: an integer in [1, MAX_FRAMES]. */
  readonly frames: number;
  /** First pfn managed (default 0); the allocator owns pfns [base, base + frames). */
  readonly base?: number;
}

/** What every backend reports; backends add their own fields. */
export interface FrameAllocatorStats {
  readonly backend: string;
  readonly totalFrames: number;
  readonly usedFrames: number;
  readonly freeFrames: number;
}

/**
 * A physical frame allocator over pfns [base, base + totalFrames).
 *
 * Allocation state is kept per frame: a contiguous block may be given back whole
 * with `freeContiguous`, in pieces, or frame by frame with `free`. Misuse (double
 * free, a pfn outside the range, a bad count or alignment) throws TypeError or
 * RangeError naming the value and changes nothing; running out of room returns
 * OUT_OF_MEMORY and changes nothing.
 */
export interface FrameAllocator extends FrameSource {
  /** First pfn managed. */
  readonly base: number;
  readonly totalFrames: number;
  readonly usedFrames: number;
  readonly freeFrames: number;
  allocate(): number | OutOfMemory;
  /**
   * `count` consecutive frames whose first pfn is a multiple of `options.align`;
   * returns that first pfn or OUT_OF_MEMORY.
   */
  allocateContiguous(count: number, options?: ContiguousOptions): number | OutOfMemory;
  free(pfn: number): void;
  /** Frees frames [pfn, pfn + count); all of them must be allocated. */
  freeContiguous(pfn: number, count: number): void;
  isAllocated(pfn: number): boolean;
  stats(): FrameAllocatorStats;
}

/**
 * Most frames one allocator manages (2^30 frames = 4 TiB of 4 KiB frames). Internal
 * indices then stay below 2^31, so backends may use Int32Array and 32-bit bitwise
 * operators on them.
 */
export const MAX_FRAMES = 0x4000_0000;

/**
 * One past the largest pfn an allocator may manage: 2^40, because x86_64 physical
 * addresses have at most 52 bits (Intel SDM vol. 3A, 4.1.4: MAXPHYADDR <= 52), so
 * `pfn * 4096` is always a safe integer.
 */
export const PFN_LIMIT = 0x100_0000_0000;
