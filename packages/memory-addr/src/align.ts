// Alignment on JS numbers. Addresses here are non-negative integers below 2^53,
// so `%` and `-` are exact; bitwise operators would truncate to 32 bits, which is
// why they are not used.

function checkInteger(name: string, value: number): void {
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be a number, got ${typeof value} ${String(value)}`);
  }
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${name} must be a safe integer, got ${value}`);
  }
  if (value < 0) throw new RangeError(`${name} must not be negative, got ${value}`);
}

/** True when `value` is a positive power of two that is a safe integer. */
export function isPowerOfTwo(value: number): boolean {
  if (!Number.isSafeInteger(value) || value <= 0) return false;
  // Math.log2 is exact for powers of two; confirm instead of trusting rounding.
  return 2 ** Math.round(Math.log2(value)) === value;
}

function checkAlign(align: number): void {
  if (typeof align !== 'number') {
    throw new TypeError(`alignment must be a number, got ${typeof align} ${String(align)}`);
  }
  if (!isPowerOfTwo(align)) {
    throw new RangeError(`alignment must be a power of two, got ${align}`);
  }
}

/** The largest multiple of `align` (a power of two) that is <= `value`. */
export function alignDown(value: number, align: number): number {
  checkInteger('value', value);
  checkAlign(align);
  return value - (value % align);
}

/**
 * The smallest multiple of `align` (a power of two) that is >= `value`.
 * Throws RangeError when the result would pass 2^53 (it cannot be represented).
 */
export function alignUp(value: number, align: number): number {
  checkInteger('value', value);
  checkAlign(align);
  const rem = value % align;
  if (rem === 0) return value;
  const result = value - rem + align;
  if (!Number.isSafeInteger(result)) {
    throw new RangeError(`alignUp(${value}, ${align}) overflows the safe integer range`);
  }
  return result;
}

/** True when `value` is a multiple of `align` (a power of two). */
export function isAligned(value: number, align: number): boolean {
  checkInteger('value', value);
  checkAlign(align);
  return value % align === 0;
}
