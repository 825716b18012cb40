// Argument checks shared by the allocator backends. Internal: not re-exported.
// The hot paths test the common case inline and call these only to build the error.

import { checkIntegerIn, checkNumber, checkOptions, show } from './check.js';
import type { ContiguousOptions, FrameAllocatorOptions } from './frame-allocator.js';
import { MAX_FRAMES, PFN_LIMIT } from './frame-allocator.js';

/** Validated constructor options. */
export interface FrameRange {
  readonly base: number;
  readonly frames: number;
}

/** Checks `{ frames, base? }` and returns them with the default base. */
export function parseAllocatorOptions(options: FrameAllocatorOptions): FrameRange {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object { frames, base? }, got ${show(options)}`);
  }
  checkIntegerIn('frames', options.frames, 1, MAX_FRAMES);
  const base = options.base ?? 0;
  checkIntegerIn('base', base, 0, PFN_LIMIT - options.frames);
  return { base, frames: options.frames };
}

/** Throws the error describing why `pfn` is not in [base, base + frames). */
export function throwBadPfn(name: string, pfn: unknown, base: number, frames: number): never {
  checkNumber(name, pfn);
  if (!Number.isInteger(pfn)) {
    throw new RangeError(`${name} must be an integer, got ${show(pfn)}`);
  }
  throw new RangeError(
    `${name} ${show(pfn)} is outside the managed frames [${base}, ${base + frames})`,
  );
}

/** Throws the RangeError of freeing a frame that is not allocated. */
export function throwNotAllocated(operation: string, pfn: number): never {
  throw new RangeError(`${operation}(${pfn}): frame is not allocated`);
}

/** Checks a frame count for allocateContiguous / freeContiguous. */
export function checkCount(count: unknown, totalFrames: number): asserts count is number {
  // Fast path: `| 0` keeps only int32 integers (all valid counts are below 2^31);
  // typeof first, because `|` throws the engine's own TypeError on a bigint.
  if (typeof count === 'number' && (count | 0) === count && count >= 1 && count <= totalFrames) {
    return;
  }
  checkNumber('count', count);
  if (!Number.isInteger(count) || count < 1 || count > totalFrames) {
    throw new RangeError(
      `count must be an integer in [1, ${totalFrames}] (the managed frames), got ${show(count)}`,
    );
  }
}

/** The alignment of `options`, checked: a power of two in frames, default 1. */
export function readAlign(options: ContiguousOptions | undefined): number {
  if (options === undefined) return 1;
  checkOptions('options', options);
  const align = options.align;
  if (align === undefined) return 1;
  // Fast path for int32 powers of two; larger ones take the exact check below.
  if (
    typeof align === 'number' &&
    (align | 0) === align &&
    align > 0 &&
    (align & (align - 1)) === 0
  ) {
    return align;
  }
  checkNumber('align', align);
  // 2^52 bounds the loop below and is far beyond any pfn (PFN_LIMIT = 2^40).
  if (!Number.isInteger(align) || align < 1 || align > 2 ** 52 || !isPowerOfTwoInt(align)) {
    throw new RangeError(`align must be a power of two (in frames), got ${show(align)}`);
  }
  return align;
}

function isPowerOfTwoInt(value: number): boolean {
  let v = value;
  while (v > 1) {
    if (v % 2 !== 0) return false;
    v /= 2;
  }
  return true;
}

/**
 * The smallest index >= `index` whose pfn (`origin + index`) is a multiple of
 * `align` (a power of two). `%` arithmetic in general, since pfns may pass 2^32;
 * a mask when everything fits 31 bits (integer division is slow).
 */
export function alignIndexUp(index: number, origin: number, align: number): number {
  const x = origin + index;
  if (x <= 0x7fff_ffff && align <= 0x4000_0000) {
    const low = x & (align - 1);
    return low === 0 ? index : index + (align - low);
  }
  const rem = x % align;
  return rem === 0 ? index : index + (align - rem);
}

/** Throws TypeError/RangeError naming the value unless `pfn` is an integer in [base, end). */
export function checkPfn(pfn: unknown, base: number, end: number): asserts pfn is number {
  if (typeof pfn !== 'number' || !(pfn >= base && pfn < end) || !Number.isInteger(pfn)) {
    throwBadPfn('pfn', pfn, base, end - base);
  }
}

/**
 * Throws unless [pfn, pfn + count) is a valid range of the managed frames
 * [base, end): TypeError/RangeError naming the bad value (freeContiguous's checks).
 */
export function checkContiguousRange(
  pfn: unknown,
  count: unknown,
  base: number,
  end: number,
): asserts pfn is number {
  checkCount(count, end - base);
  checkPfn(pfn, base, end);
  if (pfn + count > end) {
    throw new RangeError(
      `freeContiguous(${pfn}, ${count}): range passes the managed frames [${base}, ${end})`,
    );
  }
}
