// Page and frame numbers: an address divided by 4 KiB (Linux's PFN_DOWN / PHYS_PFN),
// whatever size the page that maps it has. Page numbers stay safe integers for every
// address width (< 2^45 with 5-level paging), which is why code that must reach the
// whole LA57 space indexes by page number rather than by byte address.

import { MAX_PHYS_ADDR_BITS } from './address-width.js';
import type { Brand } from './brand.js';
import { checkNat, hex, show } from './check.js';
import { PAGE_SIZE_4K } from './page-size.js';
import { type PhysAddr, type PhysSpaceOptions, physSpaceEnd } from './phys-addr.js';
import { type VirtAddr, type VirtSpaceOptions, virtSpaceEnd } from './virt-addr.js';

/** A virtual page number: linear address / 4096. */
export type VirtPageNum = Brand<number, 'VirtPageNum'>;
/** A physical frame number: physical address / 4096. */
export type PhysFrameNum = Brand<number, 'PhysFrameNum'>;

const PAGE_SHIFT_4K = 12;

/**
 * Validates `value` as a virtual page number (below 2^(vaBits-12), or 2^(vaBits-13)
 * with `userOnly`) and brands it.
 */
export function virtPageNum(value: number, options?: VirtSpaceOptions): VirtPageNum {
  checkNat('virtual page number', value);
  const end = virtSpaceEnd(options, PAGE_SHIFT_4K);
  if (value >= end) {
    throw new RangeError(
      `virtual page number ${show(value)} (${hex(value)}) is not below ${hex(end)}`,
    );
  }
  return value as VirtPageNum;
}

/** Validates `value` as a physical frame number (below 2^(maxPhysAddrBits-12)) and brands it. */
export function physFrameNum(value: number, options?: PhysSpaceOptions): PhysFrameNum {
  checkNat('physical frame number', value);
  const end = physSpaceEnd(options, PAGE_SHIFT_4K);
  if (value >= end) {
    throw new RangeError(
      `physical frame number ${show(value)} (${hex(value)}) is not below ${hex(end)}`,
    );
  }
  return value as PhysFrameNum;
}

/** The number of the 4 KiB page holding `addr` (rounded down). */
export function pageNumberOf(addr: VirtAddr): VirtPageNum {
  checkNat('virtual address', addr);
  return Math.floor(addr / PAGE_SIZE_4K) as VirtPageNum;
}

const PHYS_END = 2 ** MAX_PHYS_ADDR_BITS;
const SAFE_END = 2 ** 53;

/** The number of the 4 KiB frame holding `addr` (rounded down). */
export function frameNumberOf(addr: PhysAddr): PhysFrameNum {
  checkNat('physical address', addr);
  if (addr >= PHYS_END) {
    throw new RangeError(`physical address ${show(addr)} (${hex(addr)}) is not below 2^52`);
  }
  return Math.floor(addr / PAGE_SIZE_4K) as PhysFrameNum;
}

function addrOf(name: string, n: number, end: number, why: string): number {
  checkNat(name, n);
  const addr = n * PAGE_SIZE_4K;
  // Exact whenever addr < end <= 2^53; a rounded product is >= 2^53 and fails too.
  if (addr >= end) throw new RangeError(`${name} ${show(n)} (${hex(n)}) starts ${why}`);
  return addr;
}

/**
 * The address of the first byte of page `vpn`. RangeError when that is above 2^53 - 1
 * (5-level pages past 2^41; use `pageNumberToCanonical` for those).
 */
export function addrOfPage(vpn: VirtPageNum): VirtAddr {
  return addrOf('virtual page number', vpn, SAFE_END, 'at or above 2^53') as VirtAddr;
}

/** The address of the first byte of frame `pfn`; RangeError when it is not below 2^52. */
export function addrOfFrame(pfn: PhysFrameNum): PhysAddr {
  return addrOf('physical frame number', pfn, PHYS_END, 'at or above 2^52') as PhysAddr;
}
