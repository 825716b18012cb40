export type { AddrRangeOptions } from './addr-range.js';
export { AddrRange } from './addr-range.js';
export type { VaBits } from './address-width.js';
export {
  MAX_PHYS_ADDR_BITS,
  TASK_SIZE_4LEVEL,
  TASK_SIZE_5LEVEL,
  VA_BITS_4LEVEL,
  VA_BITS_5LEVEL,
} from './address-width.js';
export { alignDown, alignOffset, alignUp, isAligned, isPowerOfTwo } from './align.js';
export {
  canonicalToLinear,
  canonicalToPageNumber,
  isCanonical,
  isUpperHalf,
  linearToCanonical,
  pageNumberToCanonical,
} from './canonical.js';
export { checkedAdd, checkedMul, checkedSub } from './checked.js';
export type { FormatHexOptions } from './hex.js';
export { formatHex, parseHex, parseHex64 } from './hex.js';
export type { PhysFrameNum, VirtPageNum } from './page-number.js';
export {
  addrOfFrame,
  addrOfPage,
  frameNumberOf,
  pageNumberOf,
  physFrameNum,
  virtPageNum,
} from './page-number.js';
export {
  isPageSize,
  PAGE_SHIFT,
  PAGE_SIZE_1G,
  PAGE_SIZE_2M,
  PAGE_SIZE_4K,
  PageSize,
} from './page-size.js';
export type { PhysAddr, PhysAddrOptions, PhysSpaceOptions } from './phys-addr.js';
export { physAddr } from './phys-addr.js';
export type { U64Parts } from './u64.js';
export { joinU64, splitU64, u64ToNumber } from './u64.js';
export type { VirtAddr, VirtAddrOptions, VirtSpaceOptions } from './virt-addr.js';
export { virtAddr } from './virt-addr.js';
