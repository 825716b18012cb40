import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { VaBits } from './address-width.js';
import {
  canonicalToLinear,
  canonicalToPageNumber,
  isCanonical,
  isUpperHalf,
  linearToCanonical,
  pageNumberToCanonical,
} from './canonical.js';
import {
  arbU64,
  MAX_SAFE,
  refCanonicalToLinear,
  refIsCanonical,
  refLinearToCanonical,
  U64_MAX,
} from './test-support/bigint-reference.js';
import { BAD_NATS, expectThrow, untyped } from './test-support/expect-throw.js';

const MAX = Number.MAX_SAFE_INTEGER;

// Golden values worked out by hand from the SDM's definition (vol. 3A, 3.3.7.1: bits
// 63..vaBits-1 all equal) and from well-known Linux x86_64 addresses.
// [u64, linear (null: not canonical)]
const GOLDEN_48: [bigint, number | null][] = [
  [0n, 0],
  [0x0000_7fff_ffff_ffffn, 0x7fff_ffff_ffff],
  [0x0000_7fff_ffff_f000n, 0x7fff_ffff_f000], // Linux TASK_SIZE_MAX
  [0x0000_8000_0000_0000n, null],
  [0x0001_0000_0000_0000n, null],
  [0x8000_0000_0000_0000n, null],
  [0xffff_7fff_ffff_ffffn, null],
  [0xffff_8000_0000_0000n, 0x8000_0000_0000],
  [0xffff_8880_0000_0000n, 0x8880_0000_0000], // Linux direct map (page_offset_base)
  [0xffff_ffff_8000_0000n, 0xffff_8000_0000], // Linux kernel text (__START_KERNEL_map)
  [0xffff_ffff_ff60_0000n, 0xffff_ff60_0000], // [vsyscall] in /proc/<pid>/maps
  [0xffff_ffff_ffff_ffffn, 0xffff_ffff_ffff],
];

// [u64, linear as a number (null: not canonical; 'big': canonical but >= 2^53), page number]
const GOLDEN_57: [bigint, number | null | 'big', number | null][] = [
  [0n, 0, 0],
  [0x0000_8000_0000_0000n, 0x8000_0000_0000, 0x8_0000_0000],
  [0x001f_ffff_ffff_ffffn, MAX, 2 ** 41 - 1],
  [0x0020_0000_0000_0000n, 'big', 2 ** 41],
  [0x00ff_ffff_ffff_f000n, 'big', 2 ** 44 - 1], // Linux LA57 TASK_SIZE_MAX
  [0x00ff_ffff_ffff_ffffn, 'big', 2 ** 44 - 1],
  [0x0100_0000_0000_0000n, null, null],
  [0x8000_0000_0000_0000n, null, null],
  [0xfeff_ffff_ffff_ffffn, null, null],
  [0xff00_0000_0000_0000n, 'big', 2 ** 44],
  [0xff11_0000_0000_0000n, 'big', 0x111 * 16 ** 9], // Linux LA57 direct map
  [0xffff_8000_0000_0000n, 'big', 2 ** 45 - 2 ** 35],
  [0xffff_ffff_ffff_ffffn, 'big', 2 ** 45 - 1],
];

describe('golden values, 4-level (48 bits)', () => {
  test.each(GOLDEN_48)('%s', (u64, linear) => {
    const text = u64.toString(16);
    expect(isCanonical(u64)).toBe(linear !== null);
    expect(isCanonical(u64, 48)).toBe(linear !== null);
    expect(isCanonical(text)).toBe(linear !== null);
    if (linear === null) {
      expectThrow(() => canonicalToLinear(u64), RangeError, `0x${text}`, 'not a canonical 48-bit');
      expectThrow(() => canonicalToLinear(`0x${text}`), RangeError, `0x${text}`);
      expectThrow(() => canonicalToPageNumber(u64), RangeError, `0x${text}`);
    } else {
      expect(canonicalToLinear(u64)).toBe(linear);
      expect(canonicalToLinear(text)).toBe(linear);
      expect(canonicalToPageNumber(u64)).toBe(Math.floor(linear / 4096));
      expect(linearToCanonical(linear)).toBe(u64);
      expect(isUpperHalf(linear)).toBe(u64 >= 2n ** 63n);
    }
  });
});

describe('golden values, 5-level (57 bits)', () => {
  test.each(GOLDEN_57)('%s', (u64, linear, page) => {
    const text = `0x${u64.toString(16)}`;
    expect(isCanonical(u64, 57)).toBe(linear !== null);
    if (linear === null) {
      expectThrow(() => canonicalToLinear(u64, 57), RangeError, text, 'not a canonical 57-bit');
      expectThrow(() => canonicalToPageNumber(u64, 57), RangeError, text);
      return;
    }
    expect(canonicalToPageNumber(u64, 57)).toBe(page);
    expect(pageNumberToCanonical(page as number, 57)).toBe(u64 - (u64 % 4096n));
    if (linear === 'big') {
      expectThrow(() => canonicalToLinear(u64, 57), RangeError, text, 'canonicalToPageNumber');
    } else {
      expect(canonicalToLinear(u64, 57)).toBe(linear);
      expect(linearToCanonical(linear, 57)).toBe(u64);
    }
  });

  test('upper-half 48-bit values are also canonical with 57 bits, at another linear address', () => {
    expect(isCanonical(0xffff_8000_0000_0000n, 57)).toBe(true);
    expect(isCanonical(0x0000_8000_0000_0000n, 57)).toBe(true);
    expect(isCanonical(0x0000_8000_0000_0000n, 48)).toBe(false);
  });
});

describe('linearToCanonical, isUpperHalf, pageNumberToCanonical', () => {
  test('examples', () => {
    expect(linearToCanonical(2 ** 47 - 1)).toBe(0x7fff_ffff_ffffn);
    expect(linearToCanonical(2 ** 47)).toBe(0xffff_8000_0000_0000n);
    expect(linearToCanonical(2 ** 48 - 1)).toBe(U64_MAX);
    expect(linearToCanonical(2 ** 47, 57)).toBe(0x8000_0000_0000n);
    expect(linearToCanonical(MAX, 57)).toBe(MAX_SAFE);

    expect(isUpperHalf(0)).toBe(false);
    expect(isUpperHalf(2 ** 47 - 1)).toBe(false);
    expect(isUpperHalf(2 ** 47)).toBe(true);
    expect(isUpperHalf(2 ** 48 - 1)).toBe(true);
    expect(isUpperHalf(2 ** 47, 57)).toBe(false);
    expect(isUpperHalf(MAX, 57)).toBe(false);

    expect(pageNumberToCanonical(0)).toBe(0n);
    expect(pageNumberToCanonical(2 ** 35 - 1)).toBe(0x7fff_ffff_f000n);
    expect(pageNumberToCanonical(2 ** 35)).toBe(0xffff_8000_0000_0000n);
    expect(pageNumberToCanonical(2 ** 36 - 1)).toBe(0xffff_ffff_ffff_f000n);
    expect(pageNumberToCanonical(2 ** 44, 57)).toBe(0xff00_0000_0000_0000n);
    expect(pageNumberToCanonical(2 ** 45 - 1, 57)).toBe(0xffff_ffff_ffff_f000n);
  });

  test('linear addresses past the width -> RangeError', () => {
    expectThrow(() => linearToCanonical(2 ** 48), RangeError, '281474976710656', '0x1000000000000');
    expectThrow(() => isUpperHalf(2 ** 48), RangeError, '281474976710656');
    expectThrow(() => pageNumberToCanonical(2 ** 36), RangeError, '68719476736', '2^36');
    expectThrow(() => pageNumberToCanonical(2 ** 45, 57), RangeError, '35184372088832', '2^45');
  });

  test.each(BAD_NATS)('bad number %d -> RangeError', (bad, shown) => {
    expectThrow(() => linearToCanonical(bad), RangeError, 'linear', shown);
    expectThrow(() => isUpperHalf(bad), RangeError, 'linear', shown);
    expectThrow(() => pageNumberToCanonical(bad), RangeError, 'vpn', shown);
  });

  test.each([
    ['0x1000', '"0x1000"'],
    [0x1000n, '4096n'],
    [undefined, 'undefined'],
  ])('non-number %s -> TypeError', (bad, shown) => {
    expectThrow(() => linearToCanonical(untyped(bad)), TypeError, shown);
    expectThrow(() => isUpperHalf(untyped(bad)), TypeError, shown);
    expectThrow(() => pageNumberToCanonical(untyped(bad)), TypeError, shown);
  });
});

describe('edge misuse', () => {
  test.each([
    [47, '47'],
    [56, '56'],
    [64, '64'],
    [48.5, '48.5'],
    [Number.NaN, 'NaN'],
  ])('vaBits %d -> RangeError', (bits, shown) => {
    const v = untyped(bits);
    expectThrow(() => isCanonical(0n, v), RangeError, 'vaBits', shown);
    expectThrow(() => canonicalToLinear(0n, v), RangeError, 'vaBits', shown);
    expectThrow(() => canonicalToPageNumber(0n, v), RangeError, 'vaBits', shown);
    expectThrow(() => linearToCanonical(0, v), RangeError, 'vaBits', shown);
    expectThrow(() => isUpperHalf(0, v), RangeError, 'vaBits', shown);
    expectThrow(() => pageNumberToCanonical(0, v), RangeError, 'vaBits', shown);
  });

  test.each([
    ['48', '"48"'],
    [48n, '48n'],
    [null, 'null'],
  ])('vaBits %s -> TypeError', (bits, shown) => {
    const v = untyped(bits);
    expectThrow(() => isCanonical(0n, v), TypeError, 'vaBits', shown);
    expectThrow(() => canonicalToLinear(0n, v), TypeError, 'vaBits', shown);
    expectThrow(() => linearToCanonical(0, v), TypeError, 'vaBits', shown);
  });

  test('u64 values that are not u64 -> RangeError; other types -> TypeError', () => {
    for (const fn of [isCanonical, canonicalToLinear, canonicalToPageNumber]) {
      expectThrow(() => fn(-1n), RangeError, '-1n');
      expectThrow(() => fn(2n ** 64n), RangeError, '18446744073709551616n');
      expectThrow(() => fn('0x10000000000000000'), RangeError, '64 bits');
      expectThrow(() => fn('ffff_8000'), RangeError, '"ffff_8000"');
      expectThrow(() => fn(untyped(4096)), TypeError, 'bigint or a hex string', '4096');
      expectThrow(() => fn(untyped(undefined)), TypeError, 'undefined');
    }
  });
});

const WIDTHS: VaBits[] = [48, 57];

describe.each(WIDTHS)('canonical conversions against the BigInt reference (%i bits)', (bits) => {
  test('isCanonical, canonicalToLinear and canonicalToPageNumber', () => {
    fc.assert(
      fc.property(arbU64, (v) => {
        const canonical = refIsCanonical(v, bits);
        expect(isCanonical(v, bits)).toBe(canonical);
        expect(isCanonical(`0x${v.toString(16)}`, bits)).toBe(canonical);
        if (!canonical) {
          expect(() => canonicalToLinear(v, bits)).toThrow(RangeError);
          expect(() => canonicalToPageNumber(v, bits)).toThrow(RangeError);
          return;
        }
        const linear = refCanonicalToLinear(v, bits);
        expect(BigInt(canonicalToPageNumber(v, bits))).toBe(linear / 4096n);
        if (linear > MAX_SAFE) {
          expect(() => canonicalToLinear(v, bits)).toThrow(RangeError);
        } else {
          expect(BigInt(canonicalToLinear(v, bits))).toBe(linear);
        }
      }),
      { numRuns: 3000 },
    );
  });

  const linearMax = Math.min(2 ** bits - 1, MAX);
  test('linearToCanonical sign-extends, lands on a canonical value and round-trips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: linearMax }), (linear) => {
        const canonical = linearToCanonical(linear, bits);
        expect(canonical).toBe(refLinearToCanonical(BigInt(linear), bits));
        expect(refIsCanonical(canonical, bits)).toBe(true);
        expect(canonicalToLinear(canonical, bits)).toBe(linear);
        expect(isUpperHalf(linear, bits)).toBe(canonical >= 2n ** 63n);
      }),
      { numRuns: 2000 },
    );
  });

  test('pageNumberToCanonical covers the whole width and round-trips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** (bits - 12) - 1 }), (vpn) => {
        const canonical = pageNumberToCanonical(vpn, bits);
        expect(canonical).toBe(refLinearToCanonical(BigInt(vpn) * 4096n, bits));
        expect(canonicalToPageNumber(canonical, bits)).toBe(vpn);
        expect(canonicalToPageNumber(canonical + 4095n, bits)).toBe(vpn);
      }),
      { numRuns: 2000 },
    );
  });
});
