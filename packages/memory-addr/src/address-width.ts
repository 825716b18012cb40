// Address widths of x86_64 (Intel SDM vol. 3A, 4.1.1 "Four Paging Modes", 4.5
// "4-Level Paging and 5-Level Paging") and the Linux user-space tops that follow.

import { checkNat, checkNumber, show } from './check.js';

/** Linear-address bits translated by 4-level paging (CR4.LA57 = 0). */
export const VA_BITS_4LEVEL = 48;
/** Linear-address bits translated by 5-level paging (CR4.LA57 = 1). */
export const VA_BITS_5LEVEL = 57;
/** The linear-address widths of the two paging modes. */
export type VaBits = 48 | 57;

/**
 * MAXPHYADDR upper limit: physical addresses have at most 52 bits (SDM vol. 3A,
 * 4.1.4; CPUID.80000008H:EAX[7:0] reports the implemented width, never more than 52).
 */
export const MAX_PHYS_ADDR_BITS = 52;

/**
 * Linux x86_64 TASK_SIZE_MAX for 4-level paging: (1 << 47) - PAGE_SIZE
 * (arch/x86/include/asm/page_64_types.h: TASK_SIZE_MAX; page_64.h: task_size_max).
 * The last page of the lower canonical half stays unmapped, so user mappings end at
 * or below this address. It is also DEFAULT_MAP_WINDOW, the top that mmap searches
 * under 5-level paging unless given a higher hint.
 */
export const TASK_SIZE_4LEVEL = 0x7fff_ffff_f000;

/**
 * Linux x86_64 TASK_SIZE_MAX for 5-level paging: (1 << 56) - PAGE_SIZE. This is above
 * 2^53: the number is exact (a multiple of 4096), but it is not a safe integer, so
 * byte addresses near it cannot be `VirtAddr` numbers; use page numbers or BigInt.
 */
export const TASK_SIZE_5LEVEL = 0xff_ffff_ffff_f000;

/** Throws unless `vaBits` is 48 or 57. Internal. */
export function checkVaBits(vaBits: unknown): asserts vaBits is VaBits {
  checkNumber('vaBits', vaBits);
  if (vaBits !== VA_BITS_4LEVEL && vaBits !== VA_BITS_5LEVEL) {
    throw new RangeError(`vaBits must be 48 or 57, got ${show(vaBits)}`);
  }
}

/** Throws unless `bits` is an integer in [12, 52]. Internal. */
export function checkPhysAddrBits(bits: unknown): asserts bits is number {
  checkNat('maxPhysAddrBits', bits);
  // Below 12 bits there would not be one whole 4 KiB frame.
  if (bits < 12 || bits > MAX_PHYS_ADDR_BITS) {
    throw new RangeError(`maxPhysAddrBits must be in [12, 52], got ${show(bits)}`);
  }
}
