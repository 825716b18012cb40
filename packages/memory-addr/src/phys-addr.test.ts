import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { physAddr } from './phys-addr.js';
import { arbNat } from './test-support/bigint-reference.js';
import { BAD_NATS, expectThrow, NOT_NUMBERS, untyped } from './test-support/expect-throw.js';

describe('physAddr', () => {
  test('accepts [0, 2^maxPhysAddrBits)', () => {
    expect(physAddr(0)).toBe(0);
    expect(physAddr(0x1_0000_0000)).toBe(0x1_0000_0000);
    expect(physAddr(2 ** 52 - 1)).toBe(2 ** 52 - 1);
    expect(physAddr(2 ** 36 - 1, { maxPhysAddrBits: 36 })).toBe(2 ** 36 - 1);
    expect(physAddr(4095, { maxPhysAddrBits: 12 })).toBe(4095);
    expect(physAddr(0x20_0000, { align: 0x20_0000 })).toBe(0x20_0000);
  });

  test('rejects addresses past the width', () => {
    expectThrow(() => physAddr(2 ** 52), RangeError, '4503599627370496', '0x10000000000000');
    expectThrow(() => physAddr(2 ** 36, { maxPhysAddrBits: 36 }), RangeError, '0x1000000000');
    expectThrow(() => physAddr(4096, { maxPhysAddrBits: 12 }), RangeError, '4096');
  });

  test('rejects misalignment', () => {
    expectThrow(
      () => physAddr(0x1_0000_0800, { align: 4096 }),
      RangeError,
      '0x100000800',
      '0x1000',
    );
    expectThrow(() => physAddr(0, { align: 6 }), RangeError, 'power of two', '6');
  });

  test.each(NOT_NUMBERS)('%s -> TypeError', (bad, shown) => {
    expectThrow(() => physAddr(untyped(bad)), TypeError, 'physical address', shown);
  });
  test.each(BAD_NATS)('%d -> RangeError', (bad, shown) => {
    expectThrow(() => physAddr(bad), RangeError, 'physical address', shown);
  });

  test.each([
    [11, '11'],
    [53, '53'],
    [40.5, '40.5'],
    [-1, '-1'],
    [Number.NaN, 'NaN'],
  ])('maxPhysAddrBits %d -> RangeError', (bits, shown) => {
    expectThrow(() => physAddr(0, { maxPhysAddrBits: bits }), RangeError, 'maxPhysAddrBits', shown);
  });
  test('maxPhysAddrBits of the wrong type, options not an object -> TypeError', () => {
    expectThrow(() => physAddr(0, { maxPhysAddrBits: untyped('40') }), TypeError, '"40"');
    expectThrow(() => physAddr(0, { maxPhysAddrBits: untyped(null) }), TypeError, 'null');
    expectThrow(() => physAddr(0, untyped(false)), TypeError, 'options', 'false');
  });

  test('accepts exactly [0, 2^bits) for every width', () => {
    fc.assert(
      fc.property(fc.integer({ min: 12, max: 52 }), arbNat, (bits, v) => {
        if (BigInt(v) < 2n ** BigInt(bits)) expect(physAddr(v, { maxPhysAddrBits: bits })).toBe(v);
        else expect(() => physAddr(v, { maxPhysAddrBits: bits })).toThrow(RangeError);
      }),
      { numRuns: 2000 },
    );
  });
});
