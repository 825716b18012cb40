// Alignment on JS numbers: non-negative integers below 2^53, alignments powers of two.
//
// Why `Math.floor(v / a) * a` and not `v - v % a` or a mask:
// - bitwise operators truncate to 32 bits, so a mask is wrong above 2^32;
// - `%` is exact but slow above 2^31: V8 has no integer fast path there and calls
//   fmod (about 20 ns against about 1 ns, measured with bench/addr-ops.ts);
// - dividing by a power of two only changes the exponent, so `v / a` is exact,
//   `Math.floor` of it is exact, and multiplying back by `a` is exact.
//
// These helpers validate every argument and throw on misuse. In a hot loop whose
// inputs are already known to be good, write the same expression inline.

import { checkNat, checkNumber, hex, show } from './check.js';

const TWO_32 = 2 ** 32;

/** True when `value` is a positive power of two that is a safe integer (1, 2, 4, ..., 2^52). */
export function isPowerOfTwo(value: number): boolean {
  if (!Number.isSafeInteger(value) || value <= 0) return false;
  // 32-bit operators are used only on values below 2^32, where they are exact.
  if (value < TWO_32) return (value & (value - 1)) === 0;
  const hi = value / TWO_32; // exact; a power of two >= 2^32 is 2^32 times one < 2^21
  return Number.isInteger(hi) && (hi & (hi - 1)) === 0;
}

/** Internal: throws unless `value` is a power of two (TypeError for a non-number). */
export function checkPowerOfTwo(name: string, value: unknown): asserts value is number {
  checkNumber(name, value);
  if (!isPowerOfTwo(value)) {
    throw new RangeError(`${name} must be a power of two, got ${show(value)}`);
  }
}

/** Internal: `value % pow2 === 0` for a power of two, without `%` (see above). */
export function isMultipleOfPowerOfTwo(value: number, pow2: number): boolean {
  return Math.floor(value / pow2) * pow2 === value;
}

/** The largest multiple of `align` (a power of two) that is <= `value`. */
export function alignDown(value: number, align: number): number {
  checkNat('value', value);
  checkPowerOfTwo('alignment', align);
  return Math.floor(value / align) * align;
}

/**
 * The smallest multiple of `align` (a power of two) that is >= `value`.
 * Throws RangeError when the result would pass 2^53 - 1 (it cannot be represented).
 */
export function alignUp(value: number, align: number): number {
  checkNat('value', value);
  checkPowerOfTwo('alignment', align);
  const down = Math.floor(value / align) * align;
  if (down === value) return value;
  const result = down + align; // exact when <= 2^53 - 1, and >= 2^53 otherwise
  if (result > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`alignUp(${value}, ${align}) overflows the safe integer range`);
  }
  return result;
}

/** True when `value` is a multiple of `align` (a power of two). */
export function isAligned(value: number, align: number): boolean {
  checkNat('value', value);
  checkPowerOfTwo('alignment', align);
  return isMultipleOfPowerOfTwo(value, align);
}

/** `value - alignDown(value, align)`: the offset of `value` inside its `align`-sized block. */
export function alignOffset(value: number, align: number): number {
  checkNat('value', value);
  checkPowerOfTwo('alignment', align);
  return value - Math.floor(value / align) * align;
}

/**
 * Internal: RangeError unless `value` (already validated) is a multiple of `align`
 * (validated here; undefined means no requirement).
 */
export function checkAlignedTo(name: string, value: number, align: unknown): void {
  if (align === undefined) return;
  checkPowerOfTwo('alignment', align);
  if (!isMultipleOfPowerOfTwo(value, align)) {
    throw new RangeError(`${name} ${hex(value)} is not aligned to ${hex(align)}`);
  }
}
