// Checked arithmetic on non-negative safe integers. Operands are integers in
// [0, 2^53); a result past `limit` (inclusive, default 2^53 - 1) or below 0 throws
// RangeError instead of wrapping, rounding or masking.
//
// Why comparing the double result is exact: every operand is exact, so the exact
// result r is rounded to the nearest double. If r <= 2^53 - 1 the double is r
// itself; if r >= 2^53 the rounded value is >= 2^53 (2^53 is a double and rounding
// is monotonic), so it still compares above any limit <= 2^53 - 1.

import { checkNat, show } from './check.js';

function checkLimit(limit: unknown): asserts limit is number {
  checkNat('limit', limit);
}

/** `a + b`; RangeError when the sum is greater than `limit` (default `Number.MAX_SAFE_INTEGER`). */
export function checkedAdd(a: number, b: number, limit: number = Number.MAX_SAFE_INTEGER): number {
  checkNat('a', a);
  checkNat('b', b);
  checkLimit(limit);
  const sum = a + b;
  if (sum > limit) {
    throw new RangeError(`checkedAdd(${show(a)}, ${show(b)}) passes the limit ${show(limit)}`);
  }
  return sum;
}

/** `a - b`; RangeError when the difference would be negative. */
export function checkedSub(a: number, b: number): number {
  checkNat('a', a);
  checkNat('b', b);
  if (b > a) throw new RangeError(`checkedSub(${show(a)}, ${show(b)}) goes below 0`);
  return a - b;
}

/** `a * b`; RangeError when the product is greater than `limit` (default `Number.MAX_SAFE_INTEGER`). */
export function checkedMul(a: number, b: number, limit: number = Number.MAX_SAFE_INTEGER): number {
  checkNat('a', a);
  checkNat('b', b);
  checkLimit(limit);
  const product = a * b;
  if (product > limit) {
    throw new RangeError(`checkedMul(${show(a)}, ${show(b)}) passes the limit ${show(limit)}`);
  }
  return product;
}
