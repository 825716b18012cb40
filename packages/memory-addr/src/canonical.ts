// Canonical 64-bit addresses <-> the "linear" number form used by page tables.
//
// x86_64 translates only the low vaBits bits of a linear address (48 with 4-level
// paging, 57 with LA57); bits 63..vaBits must copy bit vaBits-1, or the access
// faults (SDM vol. 1, 3.3.7.1 "Canonical Addressing"). So the
// canonical values are two halves:
//   lower: [0, 2^(vaBits-1))                 user space on Linux
//   upper: [2^64 - 2^(vaBits-1), 2^64)       kernel space on Linux
// Dropping the copied bits maps them one-to-one onto [0, 2^vaBits): that integer is
// the linear form. It is what the paging structures index (bits 47..12 or 56..12),
// and for user addresses it equals the address itself.
//
// BigInt appears only here, at the edge; everything past it works on numbers.

import { checkVaBits, VA_BITS_4LEVEL, type VaBits } from './address-width.js';
import { checkNat, hex, pow2, show } from './check.js';
import { parseHex64 } from './hex.js';
import type { VirtPageNum } from './page-number.js';

const U64_LIMIT = 1n << 64n;
const PAGE_SHIFT_BIG = 12n;

function toU64(name: string, value: unknown): bigint {
  if (typeof value === 'string') return parseHex64(value);
  if (typeof value !== 'bigint') {
    throw new TypeError(
      `${name} must be a bigint or a hex string, got ${typeof value} ${show(value)}`,
    );
  }
  if (value < 0n || value >= U64_LIMIT) {
    throw new RangeError(`${name} must be in [0, 2^64), got ${show(value)}`);
  }
  return value;
}

/** The bigint constants of one address width, computed once (BigInt math allocates). */
interface Width {
  /** 2^(vaBits-1): the end of the lower half and, in linear form, the start of the upper. */
  readonly half: bigint;
  /** 2^64 - 2^(vaBits-1): the first upper-half canonical value. */
  readonly upperStart: bigint;
  /** 2^64 - 2^vaBits: what sign extension adds to an upper-half linear address. */
  readonly upperOffset: bigint;
}

function widthConstants(vaBits: VaBits): Width {
  const half = 1n << BigInt(vaBits - 1);
  return { half, upperStart: U64_LIMIT - half, upperOffset: U64_LIMIT - 2n * half };
}

const WIDTH_48: Width = widthConstants(48);
const WIDTH_57: Width = widthConstants(57);
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

function widthOf(vaBits: VaBits): Width {
  return vaBits === VA_BITS_4LEVEL ? WIDTH_48 : WIDTH_57;
}

/** The linear form of the u64 `v` as a bigint; RangeError when `v` is not canonical. */
function linearOf(v: bigint, vaBits: VaBits): bigint {
  const w = widthOf(vaBits);
  if (v < w.half) return v;
  if (v >= w.upperStart) return v - w.upperOffset;
  throw new RangeError(`${hex(v)} is not a canonical ${vaBits}-bit address`);
}

/** The canonical u64 of a linear address (a bigint below 2^vaBits): sign extension. */
function canonicalOf(linear: bigint, vaBits: VaBits): bigint {
  const w = widthOf(vaBits);
  return linear < w.half ? linear : linear + w.upperOffset;
}

/**
 * True when the u64 `value` (a bigint in [0, 2^64), or a hex string) is canonical for
 * `vaBits` (default 48): bits 63..vaBits-1 are all zeros or all ones.
 */
export function isCanonical(value: bigint | string, vaBits: VaBits = VA_BITS_4LEVEL): boolean {
  checkVaBits(vaBits);
  const v = toU64('value', value);
  const w = widthOf(vaBits);
  return v < w.half || v >= w.upperStart;
}

/**
 * The linear form (an integer in [0, 2^vaBits)) of a canonical u64 address, given as a
 * bigint or a hex string (`"ffffffffff600000"`, `"0x7fff..."`). RangeError when the
 * value is not canonical, or (5-level only) when the result is above 2^53 - 1:
 * convert such addresses with `canonicalToPageNumber` instead.
 */
export function canonicalToLinear(value: bigint | string, vaBits: VaBits = VA_BITS_4LEVEL): number {
  checkVaBits(vaBits);
  const v = toU64('value', value);
  const linear = linearOf(v, vaBits);
  if (linear > MAX_SAFE_BIG) {
    throw new RangeError(
      `linear address ${hex(linear)} of ${hex(v)} is above 2^53 - 1; use canonicalToPageNumber`,
    );
  }
  return Number(linear);
}

function checkLinear(linear: unknown, vaBits: VaBits): asserts linear is number {
  checkNat('linear', linear);
  if (vaBits === VA_BITS_4LEVEL && linear >= pow2(VA_BITS_4LEVEL)) {
    throw new RangeError(`linear address ${show(linear)} (${hex(linear)}) is not below 2^48`);
  }
  // With 57 bits every safe integer is below 2^57, so checkNat was the whole check.
}

/** The canonical u64 (a bigint) of a linear address: sign-extends bit vaBits-1. */
export function linearToCanonical(linear: number, vaBits: VaBits = VA_BITS_4LEVEL): bigint {
  checkVaBits(vaBits);
  checkLinear(linear, vaBits);
  return canonicalOf(BigInt(linear), vaBits);
}

/**
 * True when the linear address lies in the upper canonical half (the kernel half on
 * Linux): `linear >= 2^(vaBits-1)`.
 */
export function isUpperHalf(linear: number, vaBits: VaBits = VA_BITS_4LEVEL): boolean {
  checkVaBits(vaBits);
  checkLinear(linear, vaBits);
  return linear >= pow2(vaBits - 1);
}

/**
 * The 4 KiB page number of a canonical address's linear form (rounded down). Always a
 * safe integer (< 2^45 even with 5-level paging), so it reaches the whole LA57 space.
 */
export function canonicalToPageNumber(
  value: bigint | string,
  vaBits: VaBits = VA_BITS_4LEVEL,
): VirtPageNum {
  checkVaBits(vaBits);
  return Number(linearOf(toU64('value', value), vaBits) >> PAGE_SHIFT_BIG) as VirtPageNum;
}

/** The canonical u64 (a bigint) of the first byte of 4 KiB page `vpn` (< 2^(vaBits-12)). */
export function pageNumberToCanonical(vpn: number, vaBits: VaBits = VA_BITS_4LEVEL): bigint {
  checkVaBits(vaBits);
  checkNat('vpn', vpn);
  if (vpn >= pow2(vaBits - 12)) {
    throw new RangeError(`page number ${show(vpn)} (${hex(vpn)}) is not below 2^${vaBits - 12}`);
  }
  return canonicalOf(BigInt(vpn) << PAGE_SHIFT_BIG, vaBits);
}
