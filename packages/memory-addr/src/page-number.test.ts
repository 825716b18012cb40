import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  addrOfFrame,
  addrOfPage,
  frameNumberOf,
  type PhysFrameNum,
  pageNumberOf,
  physFrameNum,
  type VirtPageNum,
  virtPageNum,
} from './page-number.js';
import { type PhysAddr, physAddr } from './phys-addr.js';
import { arbNat } from './test-support/bigint-reference.js';
import { BAD_NATS, expectThrow, NOT_NUMBERS, untyped } from './test-support/expect-throw.js';
import { type VirtAddr, virtAddr } from './virt-addr.js';

describe('virtPageNum / physFrameNum', () => {
  test('accept the page numbers of the address space', () => {
    expect(virtPageNum(0)).toBe(0);
    expect(virtPageNum(2 ** 36 - 1)).toBe(2 ** 36 - 1);
    expect(virtPageNum(2 ** 35 - 1, { userOnly: true })).toBe(2 ** 35 - 1);
    expect(virtPageNum(2 ** 45 - 1, { vaBits: 57 })).toBe(2 ** 45 - 1);
    expect(physFrameNum(2 ** 40 - 1)).toBe(2 ** 40 - 1);
    expect(physFrameNum(2 ** 20 - 1, { maxPhysAddrBits: 32 })).toBe(2 ** 20 - 1);
  });
  test('reject page numbers past it', () => {
    expectThrow(() => virtPageNum(2 ** 36), RangeError, '68719476736', '0x1000000000');
    expectThrow(() => virtPageNum(2 ** 35, { userOnly: true }), RangeError, '0x800000000');
    expectThrow(() => virtPageNum(2 ** 45, { vaBits: 57 }), RangeError, '0x200000000000');
    expectThrow(() => physFrameNum(2 ** 40), RangeError, '1099511627776', '0x10000000000');
    expectThrow(() => physFrameNum(2 ** 20, { maxPhysAddrBits: 32 }), RangeError, '0x100000');
  });
  test('reject bad options', () => {
    expectThrow(() => virtPageNum(0, { vaBits: untyped(39) }), RangeError, 'vaBits', '39');
    expectThrow(() => physFrameNum(0, { maxPhysAddrBits: 64 }), RangeError, '64');
    expectThrow(() => virtPageNum(0, untyped('x')), TypeError, 'options');
    expectThrow(() => physFrameNum(0, untyped('x')), TypeError, 'options');
  });
});

describe('conversions', () => {
  test('examples', () => {
    expect(pageNumberOf(virtAddr(0x40_1234))).toBe(0x401);
    expect(pageNumberOf(virtAddr(0x40_1000))).toBe(0x401);
    expect(pageNumberOf(virtAddr(0x40_0fff))).toBe(0x400);
    expect(pageNumberOf(virtAddr(2 ** 48 - 1))).toBe(2 ** 36 - 1);
    expect(frameNumberOf(physAddr(0x1234_5678_9abc))).toBe(0x1_2345_6789);
    expect(frameNumberOf(physAddr(2 ** 52 - 1))).toBe(2 ** 40 - 1);
    expect(addrOfPage(virtPageNum(0x401))).toBe(0x40_1000);
    expect(addrOfPage(virtPageNum(2 ** 41 - 1, { vaBits: 57 }))).toBe(2 ** 53 - 4096);
    expect(addrOfFrame(physFrameNum(2 ** 40 - 1))).toBe(2 ** 52 - 4096);
    expect(addrOfFrame(physFrameNum(0))).toBe(0);
  });

  test('results that leave the representable space -> RangeError', () => {
    // LA57 pages from 2^41 on start at or above 2^53.
    expectThrow(
      () => addrOfPage(virtPageNum(2 ** 41, { vaBits: 57 })),
      RangeError,
      '2199023255552',
      '2^53',
    );
    expectThrow(() => addrOfFrame(untyped(2 ** 40)), RangeError, '1099511627776', '2^52');
    expectThrow(() => frameNumberOf(untyped(2 ** 52)), RangeError, '4503599627370496', '2^52');
  });

  const fns = [
    ['pageNumberOf', (v: unknown) => pageNumberOf(untyped(v)), 'virtual address'],
    ['frameNumberOf', (v: unknown) => frameNumberOf(untyped(v)), 'physical address'],
    ['addrOfPage', (v: unknown) => addrOfPage(untyped(v)), 'virtual page number'],
    ['addrOfFrame', (v: unknown) => addrOfFrame(untyped(v)), 'physical frame number'],
  ] as const;
  describe.each(fns)('%s misuse', (_name, fn, what) => {
    test.each(NOT_NUMBERS)('%s -> TypeError', (bad, shown) => {
      expectThrow(() => fn(bad), TypeError, what, shown);
    });
    test.each(BAD_NATS)('%d -> RangeError', (bad, shown) => {
      expectThrow(() => fn(bad), RangeError, what, shown);
    });
  });

  test('page and frame numbers are the quotient by 4096; the address is the page start', () => {
    fc.assert(
      fc.property(arbNat, (v) => {
        const quotient = BigInt(v) / 4096n;
        const vpn = pageNumberOf(v as VirtAddr);
        expect(BigInt(vpn)).toBe(quotient);
        expect(BigInt(addrOfPage(vpn))).toBe(quotient * 4096n);
        if (v < 2 ** 52) {
          const pfn = frameNumberOf(v as PhysAddr);
          expect(BigInt(pfn)).toBe(quotient);
          expect(BigInt(addrOfFrame(pfn))).toBe(quotient * 4096n);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('page numbers round-trip through addresses', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 - 1 }), (n) => {
        expect(pageNumberOf(addrOfPage(n as VirtPageNum))).toBe(n);
        expect(frameNumberOf(addrOfFrame(n as PhysFrameNum))).toBe(n);
      }),
    );
  });
});
