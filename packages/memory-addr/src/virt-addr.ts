// Virtual addresses in linear number form (see canonical.ts): integers in
// [0, 2^vaBits), user addresses below 2^(vaBits-1) and the upper canonical (kernel)
// half above. As numbers they are exact only below 2^53, so with 5-level paging the
// number form covers [0, 2^53); beyond that use page numbers or BigInt.

import { checkVaBits, VA_BITS_4LEVEL, type VaBits } from './address-width.js';
import { checkAlignedTo } from './align.js';
import type { Brand } from './brand.js';
import { checkNat, checkOptions, hex, orDefault, pow2, show } from './check.js';

/** A virtual address in linear form: a non-negative safe integer below 2^vaBits. */
export type VirtAddr = Brand<number, 'VirtAddr'>;

const LINEAR_END_4LEVEL = 2 ** 48;

/** Which virtual-address space a value must belong to. */
export interface VirtSpaceOptions {
  /** 48 (4-level paging, the default) or 57 (5-level paging). */
  readonly vaBits?: VaBits;
  /** Accept only the lower (user) half, below 2^(vaBits-1). Default false. */
  readonly userOnly?: boolean;
}

/** Options of `virtAddr`. */
export interface VirtAddrOptions extends VirtSpaceOptions {
  /** Require the address to be a multiple of this power of two. */
  readonly align?: number;
}

/** Internal: the exclusive top of the space `options` selects, in units of 2^shift. */
export function virtSpaceEnd(options: VirtSpaceOptions | undefined, shift: number): number {
  checkOptions('options', options);
  const vaBits = orDefault<number>(options?.vaBits, VA_BITS_4LEVEL);
  checkVaBits(vaBits);
  const userOnly = orDefault(options?.userOnly, false);
  if (typeof userOnly !== 'boolean') {
    throw new TypeError(`userOnly must be a boolean, got ${typeof userOnly} ${show(userOnly)}`);
  }
  return pow2((userOnly ? vaBits - 1 : vaBits) - shift);
}

/**
 * Validates `value` as a virtual address in linear form and brands it. TypeError for a
 * non-number; RangeError for a non-integer, NaN, an infinity, a negative, a value at or
 * above 2^vaBits (a canonical upper-half value such as 0xffff800000000000 must come
 * through `canonicalToLinear`), above the user half with `userOnly`, or not a
 * multiple of `align`.
 */
export function virtAddr(value: number, options?: VirtAddrOptions): VirtAddr {
  checkNat('virtual address', value);
  // The default space is the common case: skip the option handling for it.
  const end = options === undefined ? LINEAR_END_4LEVEL : virtSpaceEnd(options, 0);
  if (value >= end) {
    const space = options?.userOnly ? 'the user half' : 'the linear address space';
    throw new RangeError(
      `virtual address ${show(value)} (${hex(value)}) is outside ${space} [0, ${hex(end)})`,
    );
  }
  checkAlignedTo('virtual address', value, options?.align);
  return value as VirtAddr;
}
