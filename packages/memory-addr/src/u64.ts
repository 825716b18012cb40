// 64-bit values at the edges. Page-table entries and canonical addresses are u64;
// JS numbers hold 53 bits exactly, so a u64 travels either as a BigInt (here, at
// the API edge) or as two u32 halves (in typed arrays, on hot paths).

import { checkBigInt, checkNumber, show } from './check.js';

const TWO_32 = 2 ** 32;
const U64_LIMIT = 1n << 64n;

function checkU64(name: string, value: unknown): asserts value is bigint {
  checkBigInt(name, value);
  if (value < 0n || value >= U64_LIMIT) {
    throw new RangeError(`${name} must be in [0, 2^64), got ${show(value)}`);
  }
}

function checkU32(name: string, value: unknown): asserts value is number {
  checkNumber(name, value);
  if (!Number.isInteger(value) || value < 0 || value >= TWO_32) {
    throw new RangeError(`${name} must be an integer in [0, 2^32), got ${show(value)}`);
  }
}

/** The high and low 32-bit halves of a u64. */
export interface U64Parts {
  readonly hi: number;
  readonly lo: number;
}

/** Splits a u64 (a bigint in [0, 2^64)) into its high and low 32-bit halves. */
export function splitU64(value: bigint): U64Parts {
  checkU64('value', value);
  return { hi: Number(value >> 32n), lo: Number(value & 0xffff_ffffn) };
}

/** Joins two 32-bit halves (integers in [0, 2^32)) into a u64 bigint. */
export function joinU64(hi: number, lo: number): bigint {
  checkU32('hi', hi);
  checkU32('lo', lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** A u64 as a number; RangeError when it is greater than 2^53 - 1 (never rounds). */
export function u64ToNumber(value: bigint): number {
  checkU64('value', value);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`${show(value)} is greater than 2^53 - 1 and has no exact number form`);
  }
  return Number(value);
}
