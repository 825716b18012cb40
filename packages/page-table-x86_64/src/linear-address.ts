// Linear addresses at the API are plain numbers in [0, 2^48) (or [0, 2^57) with
// 5-level paging): the low bits of a canonical 64-bit address. The canonical
// form sign-extends bit 47 (bit 56) through bit 63 (SDM vol. 1, 3.3.7.1); a
// number >= 2^47 (>= 2^56) therefore names the upper ("kernel") half.
// These helpers convert at the edge where an emulator holds a full 64-bit value,
// either as a BigInt or as two u32 halves.
//
// Precision: a JS number is exact for every integer below 2^53, which covers the
// whole 48-bit space. With 5-level paging, numbers at or above 2^53 are exact only
// at a granularity of 2 (>= 2^53), 4, 8 or 16 bytes (>= 2^56): every page address
// is exact, byte addresses in that top part of the space are not; hold them as a
// BigInt or as halves and use linearFromHalves / split page + offset.

import { checkLevels, type PagingLevels, vaBitsFor } from './paging-mode.js';

const U64 = 1n << 64n;

function checkU64(addr: bigint): void {
  if (typeof addr !== 'bigint' || addr < 0n || addr >= U64) {
    throw new RangeError(`64-bit address must be a bigint in [0, 2^64), got ${String(addr)}`);
  }
}

/** True when the 64-bit `addr` is canonical for the paging mode (bits 63:vaBits-1 all equal). */
export function isCanonical(addr: bigint, levels: PagingLevels = 4): boolean {
  checkU64(addr);
  const vaBits = BigInt(vaBitsFor(checkLevels(levels)));
  const top = addr >> (vaBits - 1n);
  return top === 0n || top === (1n << (65n - vaBits)) - 1n;
}

/**
 * The linear-address number (low vaBits) of a canonical 64-bit address, or -1 when
 * `addr` is not canonical (the access would raise #GP, not #PF).
 */
export function linearFromCanonical(addr: bigint, levels: PagingLevels = 4): number {
  if (!isCanonical(addr, levels)) return -1;
  return Number(addr & ((1n << BigInt(vaBitsFor(levels))) - 1n));
}

/**
 * Same as linearFromCanonical for an address held as two u32 halves; no BigInt,
 * meant for an emulator's hot path. Returns -1 when not canonical.
 */
export function linearFromHalves(hi: number, lo: number, levels: PagingLevels = 4): number {
  // typeof first: `>>>` on a bigint throws the engine's TypeError, not this one.
  if (typeof hi !== 'number' || typeof lo !== 'number' || hi >>> 0 !== hi || lo >>> 0 !== lo) {
    throw new RangeError(`address halves must be u32 numbers, got hi=${hi} lo=${lo}`);
  }
  if (levels === 5) {
    const top = hi >>> 24; // bits 63:56
    if (top !== 0 && top !== 0xff) return -1;
    return (hi & 0x1ffffff) * 4294967296 + lo;
  }
  if (levels !== 4) checkLevels(levels);
  const top = hi >>> 15; // bits 63:47
  if (top !== 0 && top !== 0x1ffff) return -1;
  return (hi & 0xffff) * 4294967296 + lo;
}

/** The canonical 64-bit address (sign-extended) of linear-address number `va`. */
export function canonicalFromLinear(va: number, levels: PagingLevels = 4): bigint {
  const vaBits = vaBitsFor(checkLevels(levels));
  checkLinear(va, vaBits);
  return signExtend(BigInt(va), vaBits);
}

function checkLinear(va: number, vaBits: number): void {
  if (typeof va !== 'number' || !Number.isInteger(va) || va < 0 || va >= 2 ** vaBits) {
    throw new RangeError(
      `linear address must be an integer in [0, 2^${vaBits}), got ${String(va)}`,
    );
  }
}

function signExtend(v: bigint, vaBits: number): bigint {
  return v >= 1n << BigInt(vaBits - 1) ? v | (U64 - (1n << BigInt(vaBits))) : v;
}

/** True when linear-address number `va` lies in the upper (kernel) half. */
export function isUpperHalf(va: number, levels: PagingLevels = 4): boolean {
  const vaBits = vaBitsFor(checkLevels(levels));
  // Without the check NaN was "lower half" and 2^60 "upper half".
  checkLinear(va, vaBits);
  return va >= 2 ** (vaBits - 1);
}

/** `0x`-prefixed 16-digit hex of the canonical form of `va`. */
export function formatCanonical(va: number, levels: PagingLevels = 4): string {
  return `0x${canonicalFromLinear(va, levels).toString(16).padStart(16, '0')}`;
}

/**
 * `start-end` (inclusive end) of the linear range [va, va + size) in canonical hex,
 * computed exactly even above 2^53.
 */
export function formatCanonicalRange(va: number, size: number, levels: PagingLevels = 4): string {
  const vaBits = vaBitsFor(checkLevels(levels));
  const start = canonicalFromLinear(va, levels);
  // An empty range has no last byte (size 0 printed `...-0x00000000000000-1`), and
  // one past 2^vaBits would wrap into the other half.
  if (
    typeof size !== 'number' ||
    !Number.isInteger(size) ||
    size < 1 ||
    BigInt(va) + BigInt(size) > 1n << BigInt(vaBits)
  ) {
    throw new RangeError(
      `size must be an integer >= 1 with va + size <= 2^${vaBits}, got ${String(size)}`,
    );
  }
  const last = signExtend(BigInt(va) + BigInt(size) - 1n, vaBits);
  const hex = (v: bigint): string => `0x${v.toString(16).padStart(16, '0')}`;
  return `${hex(start)}-${hex(last)}`;
}
