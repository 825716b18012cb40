import { describe, expect, expectTypeOf, test } from 'vitest';
import * as api from './index.js';
import {
  addrOfPage,
  frameNumberOf,
  type PhysAddr,
  type PhysFrameNum,
  pageNumberOf,
  physAddr,
  type VirtAddr,
  type VirtPageNum,
  virtAddr,
} from './index.js';

describe('public API', () => {
  test('index.ts exports exactly these values', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'AddrRange',
        'MAX_PHYS_ADDR_BITS',
        'PAGE_SHIFT',
        'PAGE_SIZE_1G',
        'PAGE_SIZE_2M',
        'PAGE_SIZE_4K',
        'PageSize',
        'TASK_SIZE_4LEVEL',
        'TASK_SIZE_5LEVEL',
        'VA_BITS_4LEVEL',
        'VA_BITS_5LEVEL',
        'addrOfFrame',
        'addrOfPage',
        'alignDown',
        'alignOffset',
        'alignUp',
        'canonicalToLinear',
        'canonicalToPageNumber',
        'checkedAdd',
        'checkedMul',
        'checkedSub',
        'formatHex',
        'frameNumberOf',
        'isAligned',
        'isCanonical',
        'isPageSize',
        'isPowerOfTwo',
        'isUpperHalf',
        'joinU64',
        'linearToCanonical',
        'pageNumberOf',
        'pageNumberToCanonical',
        'parseHex',
        'parseHex64',
        'physAddr',
        'physFrameNum',
        'splitU64',
        'u64ToNumber',
        'virtAddr',
        'virtPageNum',
      ].sort(),
    );
  });

  test('constants', () => {
    expect(api.VA_BITS_4LEVEL).toBe(48);
    expect(api.VA_BITS_5LEVEL).toBe(57);
    expect(api.MAX_PHYS_ADDR_BITS).toBe(52);
    // Linux TASK_SIZE_MAX: (1 << __VIRTUAL_MASK_SHIFT) - PAGE_SIZE, shift 47 or 56.
    expect(BigInt(api.TASK_SIZE_4LEVEL)).toBe(2n ** 47n - 4096n);
    expect(BigInt(api.TASK_SIZE_5LEVEL)).toBe(2n ** 56n - 4096n);
    expect(api.TASK_SIZE_4LEVEL).toBe(0x7fff_ffff_f000);
  });

  test('the address and page-number brands do not mix (checked by tsc)', () => {
    const va = virtAddr(0x1000);
    const pa = physAddr(0x1000);
    expectTypeOf(va).toEqualTypeOf<VirtAddr>();
    expectTypeOf(pa).toEqualTypeOf<PhysAddr>();
    expectTypeOf(pageNumberOf(va)).toEqualTypeOf<VirtPageNum>();
    expectTypeOf(frameNumberOf(pa)).toEqualTypeOf<PhysFrameNum>();
    // @ts-expect-error a physical address is not a virtual one
    pageNumberOf(pa);
    // @ts-expect-error a plain number must be validated first
    frameNumberOf(0x1000);
    // @ts-expect-error a frame number is not a page number
    addrOfPage(frameNumberOf(pa));
    // Branded values are still numbers.
    const next: number = va + 0x1000;
    expect(next).toBe(0x2000);
  });
});
