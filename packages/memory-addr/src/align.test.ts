import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { alignDown, alignOffset, alignUp, isAligned, isPowerOfTwo } from './align.js';
import {
  arbNat,
  arbPow2,
  MAX_SAFE,
  refAlignDown,
  refAlignUp,
  refIsAligned,
  refIsPowerOfTwo,
} from './test-support/bigint-reference.js';
import { BAD_NATS, expectThrow, NOT_NUMBERS, untyped } from './test-support/expect-throw.js';

const MAX = Number.MAX_SAFE_INTEGER;

describe('isPowerOfTwo', () => {
  test.each([1, 2, 4, 4096, 2 ** 31, 2 ** 32, 2 ** 52])('%i is a power of two', (v) => {
    expect(isPowerOfTwo(v)).toBe(true);
  });
  test.each([
    0,
    3,
    6,
    4095,
    4097,
    -2,
    0.5,
    2 ** 52 + 2,
    2 ** 53, // a power of two, but not a safe integer
    MAX,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ])('%d is not', (v) => {
    expect(isPowerOfTwo(v)).toBe(false);
  });
  test('non-numbers are not', () => {
    expect(isPowerOfTwo(untyped('4'))).toBe(false);
    expect(isPowerOfTwo(untyped(4n))).toBe(false);
  });
  test('agrees with a bit count for every safe exponent and its neighbours', () => {
    for (let k = 0; k <= 52; k++) {
      expect(isPowerOfTwo(2 ** k)).toBe(true);
      if (k >= 2) expect(isPowerOfTwo(2 ** k - 1)).toBe(false);
      if (k >= 1) expect(isPowerOfTwo(2 ** k + 1)).toBe(false);
    }
  });
});

describe('alignDown / alignUp / isAligned / alignOffset', () => {
  test('examples', () => {
    expect(alignDown(0x1234, 0x1000)).toBe(0x1000);
    expect(alignDown(0x1000, 0x1000)).toBe(0x1000);
    expect(alignDown(0xfff, 0x1000)).toBe(0);
    expect(alignDown(0x7fff_ffff_ffff, 0x20_0000)).toBe(0x7fff_ffe0_0000);
    expect(alignDown(MAX, 2 ** 52)).toBe(2 ** 52);
    expect(alignDown(12345, 1)).toBe(12345);

    expect(alignUp(0x1001, 0x1000)).toBe(0x2000);
    expect(alignUp(0x1000, 0x1000)).toBe(0x1000);
    expect(alignUp(0, 0x1000)).toBe(0);
    expect(alignUp(1, 0x4000_0000)).toBe(0x4000_0000);
    expect(alignUp(MAX, 1)).toBe(MAX);
    expect(alignUp(2 ** 52 + 1, 2 ** 51)).toBe(2 ** 52 + 2 ** 51);
    // Above 2^32, where a 32-bit mask would give a wrong answer.
    expect(alignUp(0x1_0000_0001, 0x1000)).toBe(0x1_0000_1000);

    expect(isAligned(0x20_0000, 0x20_0000)).toBe(true);
    expect(isAligned(0x20_1000, 0x20_0000)).toBe(false);
    expect(isAligned(0, 2 ** 52)).toBe(true);
    expect(isAligned(2 ** 52, 2 ** 52)).toBe(true);
    expect(isAligned(0x1_0000_0000, 0x1000)).toBe(true);
    expect(isAligned(0x1_0000_0800, 0x1000)).toBe(false);

    expect(alignOffset(0x1234, 0x1000)).toBe(0x234);
    expect(alignOffset(0x1_2345_6789, 0x20_0000)).toBe(0x5_6789);
    expect(alignOffset(7, 1)).toBe(0);
  });

  test('alignUp past 2^53 - 1 throws instead of rounding', () => {
    expectThrow(() => alignUp(MAX, 2), RangeError, `${MAX}`);
    expectThrow(() => alignUp(2 ** 52 + 1, 2 ** 52), RangeError, 'overflows');
    expectThrow(() => alignUp(MAX - 4094, 4096), RangeError, `${MAX - 4094}`);
  });

  const fns = [
    ['alignDown', alignDown],
    ['alignUp', alignUp],
    ['isAligned', isAligned],
    ['alignOffset', alignOffset],
  ] as const;

  describe.each(fns)('%s rejects misuse', (_name, fn) => {
    test.each(NOT_NUMBERS)('value %s -> TypeError', (value, shown) => {
      expectThrow(() => fn(untyped(value), 4096), TypeError, 'value', shown);
    });
    test.each(BAD_NATS)('value %d -> RangeError', (value, shown) => {
      expectThrow(() => fn(value, 4096), RangeError, 'value', shown);
    });
    test.each(NOT_NUMBERS)('alignment %s -> TypeError', (align, shown) => {
      expectThrow(() => fn(4096, untyped(align)), TypeError, 'alignment', shown);
    });
    test.each([
      [0, '0'],
      [3, '3'],
      [-4096, '-4096'],
      [0.5, '0.5'],
      [Number.NaN, 'NaN'],
      [2 ** 53, '9007199254740992'],
    ])('alignment %d -> RangeError', (align, shown) => {
      expectThrow(() => fn(4096, align), RangeError, 'power of two', shown);
    });
  });
});

describe('alignment laws against the BigInt reference', () => {
  test('isPowerOfTwo', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          arbNat,
          arbPow2,
          arbPow2.map((p) => p + 1),
          arbPow2.map((p) => p * 3),
        ),
        (v) => {
          fc.pre(v <= MAX);
          expect(isPowerOfTwo(v)).toBe(refIsPowerOfTwo(BigInt(v)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('alignDown', () => {
    fc.assert(
      fc.property(arbNat, arbPow2, (v, a) => {
        const got = alignDown(v, a);
        expect(BigInt(got)).toBe(refAlignDown(BigInt(v), BigInt(a)));
        expect(got <= v && v - got < a).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('alignUp: the reference value, or RangeError exactly when it passes 2^53 - 1', () => {
    fc.assert(
      fc.property(arbNat, arbPow2, (v, a) => {
        const ref = refAlignUp(BigInt(v), BigInt(a));
        if (ref > MAX_SAFE) {
          expect(() => alignUp(v, a)).toThrow(RangeError);
        } else {
          expect(BigInt(alignUp(v, a))).toBe(ref);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('isAligned and alignOffset', () => {
    fc.assert(
      fc.property(arbNat, arbPow2, (v, a) => {
        expect(isAligned(v, a)).toBe(refIsAligned(BigInt(v), BigInt(a)));
        expect(BigInt(alignOffset(v, a))).toBe(BigInt(v) - refAlignDown(BigInt(v), BigInt(a)));
      }),
      { numRuns: 2000 },
    );
  });

  test('aligned values are fixed points; alignDown and alignUp bracket the value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 12 }), (v, k) => {
        const a = 2 ** k;
        const down = alignDown(v, a);
        const up = alignUp(v, a);
        expect(isAligned(down, a) && isAligned(up, a)).toBe(true);
        expect(alignDown(down, a)).toBe(down);
        expect(alignUp(up, a)).toBe(up);
        expect(up - down).toBe(isAligned(v, a) ? 0 : a);
      }),
    );
  });
});
