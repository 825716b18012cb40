import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { checkedAdd, checkedMul, checkedSub } from './checked.js';
import { arbNat, MAX_SAFE } from './test-support/bigint-reference.js';
import { BAD_NATS, expectThrow, NOT_NUMBERS, untyped } from './test-support/expect-throw.js';

const MAX = Number.MAX_SAFE_INTEGER;

describe('checkedAdd', () => {
  test('examples', () => {
    expect(checkedAdd(0x1000, 0x2000)).toBe(0x3000);
    expect(checkedAdd(MAX - 1, 1)).toBe(MAX);
    expect(checkedAdd(0x7fff_ffff_f000, 0x1000, 2 ** 47)).toBe(2 ** 47); // limit is inclusive
    expect(checkedAdd(0, 0, 0)).toBe(0);
  });
  test('throws past the limit', () => {
    expectThrow(() => checkedAdd(MAX, 1), RangeError, `${MAX}`, 'limit');
    expectThrow(() => checkedAdd(MAX, MAX), RangeError, `${MAX}`);
    expectThrow(() => checkedAdd(2 ** 47, 1, 2 ** 47), RangeError, `${2 ** 47}`);
    expectThrow(() => checkedAdd(0, 1, 0), RangeError, 'limit 0');
  });
  test.each(NOT_NUMBERS)('operands and limit: %s -> TypeError', (bad, shown) => {
    expectThrow(() => checkedAdd(untyped(bad), 1), TypeError, 'a ', shown);
    expectThrow(() => checkedAdd(1, untyped(bad)), TypeError, 'b ', shown);
    if (bad !== undefined)
      expectThrow(() => checkedAdd(1, 1, untyped(bad)), TypeError, 'limit', shown);
  });
  test.each(BAD_NATS)('operands and limit: %d -> RangeError', (bad, shown) => {
    expectThrow(() => checkedAdd(bad, 1), RangeError, 'a ', shown);
    expectThrow(() => checkedAdd(1, bad), RangeError, 'b ', shown);
    expectThrow(() => checkedAdd(1, 1, bad), RangeError, 'limit', shown);
  });
});

describe('checkedSub', () => {
  test('examples', () => {
    expect(checkedSub(0x3000, 0x1000)).toBe(0x2000);
    expect(checkedSub(5, 5)).toBe(0);
    expect(checkedSub(MAX, MAX - 1)).toBe(1);
  });
  test('throws below 0', () => {
    expectThrow(() => checkedSub(0, 1), RangeError, 'checkedSub(0, 1)', 'below 0');
    expectThrow(() => checkedSub(0x1000, 0x1001), RangeError, '4097');
  });
  test.each(NOT_NUMBERS)('operands: %s -> TypeError', (bad, shown) => {
    expectThrow(() => checkedSub(untyped(bad), 1), TypeError, 'a ', shown);
    expectThrow(() => checkedSub(1, untyped(bad)), TypeError, 'b ', shown);
  });
  test.each(BAD_NATS)('operands: %d -> RangeError', (bad, shown) => {
    expectThrow(() => checkedSub(bad, 1), RangeError, 'a ', shown);
    expectThrow(() => checkedSub(1, bad), RangeError, 'b ', shown);
  });
});

describe('checkedMul', () => {
  test('examples', () => {
    expect(checkedMul(262144, 4096)).toBe(2 ** 30);
    expect(checkedMul(0, MAX)).toBe(0);
    expect(checkedMul(2 ** 26, 2 ** 26)).toBe(2 ** 52);
    expect(checkedMul(2 ** 35, 4096, 2 ** 47)).toBe(2 ** 47);
  });
  test('throws past the limit', () => {
    expectThrow(() => checkedMul(2 ** 27, 2 ** 26), RangeError, `${2 ** 27}`, 'limit');
    expectThrow(() => checkedMul(MAX, 2), RangeError, `${MAX}`);
    expectThrow(() => checkedMul(2 ** 35 + 1, 4096, 2 ** 47), RangeError, 'limit');
  });
  test.each(NOT_NUMBERS)('operands and limit: %s -> TypeError', (bad, shown) => {
    expectThrow(() => checkedMul(untyped(bad), 1), TypeError, 'a ', shown);
    expectThrow(() => checkedMul(1, untyped(bad)), TypeError, 'b ', shown);
    if (bad !== undefined)
      expectThrow(() => checkedMul(1, 1, untyped(bad)), TypeError, 'limit', shown);
  });
  test.each(BAD_NATS)('operands and limit: %d -> RangeError', (bad, shown) => {
    expectThrow(() => checkedMul(bad, 1), RangeError, 'a ', shown);
    expectThrow(() => checkedMul(1, bad), RangeError, 'b ', shown);
    expectThrow(() => checkedMul(1, 1, bad), RangeError, 'limit', shown);
  });
});

// Operands near a limit, so that both outcomes occur often.
const arbNearLimit = fc
  .tuple(arbNat, fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: -3, max: 3 }))
  .map(([limit, frac, delta]) => {
    const a = Math.floor(limit * frac);
    const b = Math.min(MAX, Math.max(0, limit - a + delta));
    return [a, b, limit] as const;
  });

describe('checked arithmetic against the BigInt reference', () => {
  test('checkedAdd', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.tuple(arbNat, arbNat, fc.option(arbNat, { nil: undefined })), arbNearLimit),
        ([a, b, limit]) => {
          const exact = BigInt(a) + BigInt(b);
          if (exact > BigInt(limit ?? MAX)) {
            expect(() => checkedAdd(a, b, limit)).toThrow(RangeError);
          } else {
            expect(BigInt(checkedAdd(a, b, limit))).toBe(exact);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('checkedSub', () => {
    fc.assert(
      fc.property(arbNat, arbNat, (a, b) => {
        const exact = BigInt(a) - BigInt(b);
        if (exact < 0n) expect(() => checkedSub(a, b)).toThrow(RangeError);
        else expect(BigInt(checkedSub(a, b))).toBe(exact);
      }),
      { numRuns: 2000 },
    );
  });

  test('checkedMul', () => {
    const arbFactor = fc.oneof(
      arbNat,
      fc.integer({ min: 0, max: 2 ** 30 }),
      fc.integer({ min: 0, max: 64 }),
    );
    fc.assert(
      fc.property(arbFactor, arbFactor, fc.option(arbNat, { nil: undefined }), (a, b, limit) => {
        const exact = BigInt(a) * BigInt(b);
        if (exact > BigInt(limit ?? MAX)) {
          expect(() => checkedMul(a, b, limit)).toThrow(RangeError);
        } else {
          expect(BigInt(checkedMul(a, b, limit))).toBe(exact);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('the maximum safe sum is exact', () => {
    expect(BigInt(checkedAdd(MAX - 12345, 12345))).toBe(MAX_SAFE);
  });
});
