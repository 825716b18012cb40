// Half-open address ranges [start, end) over plain numbers (virtual or physical).
//
// Ranges are sets: every empty range is the same empty set, whatever its start. So an
// empty range is contained in every range, overlaps none and equals every other empty
// range, and difference never returns an empty piece.

import { checkPowerOfTwo, isMultipleOfPowerOfTwo } from './align.js';
import { checkNat, checkOptions, hex, orDefault, show } from './check.js';
import { PAGE_SIZE_4K } from './page-size.js';

/** Options of the `AddrRange` constructors. */
export interface AddrRangeOptions {
  /** The largest allowed `end` (inclusive); default `Number.MAX_SAFE_INTEGER`. */
  readonly limit?: number;
}

function checkRange(other: unknown): asserts other is AddrRange {
  if (!(other instanceof AddrRange)) {
    throw new TypeError(`expected an AddrRange, got ${show(other)}`);
  }
}

function limitOf(options: AddrRangeOptions | undefined): number {
  checkOptions('options', options);
  const limit = orDefault(options?.limit, Number.MAX_SAFE_INTEGER);
  checkNat('limit', limit);
  return limit;
}

function* steps(start: number, end: number, step: number): Generator<number, void, undefined> {
  for (let addr = start; addr < end; addr += step) yield addr;
}

/**
 * An immutable half-open range of addresses [start, end), start <= end, both integers in
 * [0, 2^53). Instances are frozen; do not subclass.
 */
export class AddrRange {
  /** The first address in the range. */
  readonly start: number;
  /** One past the last address (exclusive). */
  readonly end: number;

  /**
   * [start, end). TypeError for non-numbers; RangeError for a bad number, for
   * start > end, or for end past `options.limit`.
   */
  constructor(start: number, end: number, options?: AddrRangeOptions) {
    checkNat('start', start);
    checkNat('end', end);
    const limit = limitOf(options);
    if (start > end) {
      throw new RangeError(`range start ${hex(start)} is above its end ${hex(end)}`);
    }
    if (end > limit) throw new RangeError(`range end ${hex(end)} passes the limit ${hex(limit)}`);
    this.start = start;
    this.end = end;
    Object.freeze(this);
  }

  /** [start, start + size); RangeError when the end would pass `options.limit`. */
  static fromStartSize(start: number, size: number, options?: AddrRangeOptions): AddrRange {
    checkNat('start', start);
    checkNat('size', size);
    const limit = limitOf(options);
    const end = start + size; // exact when <= limit; see checked.ts for why
    if (end > limit) {
      throw new RangeError(`range ${hex(start)} + ${hex(size)} passes the limit ${hex(limit)}`);
    }
    return new AddrRange(start, end);
  }

  /** `end - start`. */
  get size(): number {
    return this.end - this.start;
  }

  /** True when the range holds no address (start === end). */
  isEmpty(): boolean {
    return this.start === this.end;
  }

  /** True when start <= addr < end. */
  contains(addr: number): boolean {
    checkNat('addr', addr);
    return this.start <= addr && addr < this.end;
  }

  /** True when every address of `other` is in this range (always, for an empty `other`). */
  containsRange(other: AddrRange): boolean {
    checkRange(other);
    return other.start === other.end || (this.start <= other.start && other.end <= this.end);
  }

  /** True when the two ranges share at least one address. */
  overlaps(other: AddrRange): boolean {
    checkRange(other);
    return Math.max(this.start, other.start) < Math.min(this.end, other.end);
  }

  /**
   * The addresses in both ranges. When they share none the result is empty, placed at
   * the larger of the two starts (test it with `isEmpty()`).
   */
  intersection(other: AddrRange): AddrRange {
    checkRange(other);
    const start = Math.max(this.start, other.start);
    const end = Math.min(this.end, other.end);
    return new AddrRange(start, Math.max(start, end));
  }

  /**
   * The addresses of this range that are not in `other`: zero, one or two non-empty
   * ranges, in ascending order.
   */
  difference(other: AddrRange): AddrRange[] {
    checkRange(other);
    if (this.start === this.end) return [];
    if (!this.overlaps(other)) return [this];
    const pieces: AddrRange[] = [];
    if (this.start < other.start) pieces.push(new AddrRange(this.start, other.start));
    if (other.end < this.end) pieces.push(new AddrRange(other.end, this.end));
    return pieces;
  }

  /** Set equality: same start and end, or both empty. */
  equals(other: AddrRange): boolean {
    checkRange(other);
    if (this.start === this.end) return other.start === other.end;
    return this.start === other.start && this.end === other.end;
  }

  /**
   * The start address of each `pageSize` page in the range, ascending. `pageSize` is any
   * power of two (default 4 KiB); start and end must be multiples of it (RangeError,
   * raised by this call, not by the first `next()`).
   */
  iterPages(pageSize: number = PAGE_SIZE_4K): Generator<number, void, undefined> {
    checkPowerOfTwo('pageSize', pageSize);
    const { start, end } = this;
    if (!isMultipleOfPowerOfTwo(start, pageSize) || !isMultipleOfPowerOfTwo(end, pageSize)) {
      throw new RangeError(`range ${this.toString()} is not aligned to pageSize ${hex(pageSize)}`);
    }
    return steps(start, end, pageSize);
  }

  /** `[0x400000, 0x401000)`. */
  toString(): string {
    return `[${hex(this.start)}, ${hex(this.end)})`;
  }
}
