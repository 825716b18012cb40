// Physical addresses: integers in [0, 2^maxPhysAddrBits), at most 52 bits (MAXPHYADDR),
// so every physical address is an exact JS number.

import { checkPhysAddrBits, MAX_PHYS_ADDR_BITS } from './address-width.js';
import { checkAlignedTo } from './align.js';
import type { Brand } from './brand.js';
import { checkNat, checkOptions, hex, orDefault, pow2, show } from './check.js';

/** A physical address: a non-negative integer below 2^maxPhysAddrBits (<= 2^52). */
export type PhysAddr = Brand<number, 'PhysAddr'>;

const PHYS_END = 2 ** MAX_PHYS_ADDR_BITS;

/** Which physical-address space a value must belong to. */
export interface PhysSpaceOptions {
  /** The implemented physical-address width (CPUID MAXPHYADDR), 12..52; default 52. */
  readonly maxPhysAddrBits?: number;
}

/** Options of `physAddr`. */
export interface PhysAddrOptions extends PhysSpaceOptions {
  /** Require the address to be a multiple of this power of two. */
  readonly align?: number;
}

/** Internal: the exclusive top of the physical space, in units of 2^shift. */
export function physSpaceEnd(options: PhysSpaceOptions | undefined, shift: number): number {
  checkOptions('options', options);
  const bits = orDefault(options?.maxPhysAddrBits, MAX_PHYS_ADDR_BITS);
  checkPhysAddrBits(bits);
  return pow2(bits - shift);
}

/**
 * Validates `value` as a physical address and brands it. TypeError for a non-number;
 * RangeError for a non-integer, NaN, an infinity, a negative, a value at or above
 * 2^maxPhysAddrBits, or one that is not a multiple of `align`.
 */
export function physAddr(value: number, options?: PhysAddrOptions): PhysAddr {
  checkNat('physical address', value);
  const end = options === undefined ? PHYS_END : physSpaceEnd(options, 0);
  if (value >= end) {
    throw new RangeError(
      `physical address ${show(value)} (${hex(value)}) is outside [0, ${hex(end)})`,
    );
  }
  checkAlignedTo('physical address', value, options?.align);
  return value as PhysAddr;
}
