import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { arbNat } from './test-support/bigint-reference.js';
import { BAD_NATS, expectThrow, NOT_NUMBERS, untyped } from './test-support/expect-throw.js';
import { virtAddr } from './virt-addr.js';

const MAX = Number.MAX_SAFE_INTEGER;

describe('virtAddr', () => {
  test('accepts the linear address space of the chosen width', () => {
    expect(virtAddr(0)).toBe(0);
    expect(virtAddr(0x40_0000)).toBe(0x40_0000);
    expect(virtAddr(2 ** 47 - 1, { userOnly: true })).toBe(2 ** 47 - 1);
    expect(virtAddr(2 ** 47)).toBe(2 ** 47); // the first upper-half (kernel) address
    expect(virtAddr(2 ** 48 - 1)).toBe(2 ** 48 - 1);
    expect(virtAddr(2 ** 48 - 1, { vaBits: 48 })).toBe(2 ** 48 - 1);
    expect(virtAddr(2 ** 48, { vaBits: 57 })).toBe(2 ** 48);
    expect(virtAddr(MAX, { vaBits: 57 })).toBe(MAX);
    expect(virtAddr(MAX, { vaBits: 57, userOnly: true })).toBe(MAX);
    expect(virtAddr(0x40_1000, { align: 4096 })).toBe(0x40_1000);
    expect(virtAddr(0x20_0000, { align: 0x20_0000, userOnly: true })).toBe(0x20_0000);
    expect(virtAddr(0x1000, {})).toBe(0x1000);
  });

  test('rejects addresses past the width or the user half', () => {
    expectThrow(() => virtAddr(2 ** 48), RangeError, '281474976710656', '0x1000000000000');
    expectThrow(
      () => virtAddr(2 ** 47, { userOnly: true }),
      RangeError,
      '0x800000000000',
      'user half',
    );
    // With 57 bits the safe-integer range ends first: 2^56 has no exact byte neighbours.
    expectThrow(
      () => virtAddr(2 ** 56, { vaBits: 57 }),
      RangeError,
      'safe integer',
      '0x100000000000000',
    );
    // A canonical upper-half value as a number is past 2^53: not representable.
    expectThrow(() => virtAddr(0xffff_8000_0000_0000), RangeError, 'safe integer');
  });

  test('rejects misalignment and bad alignments', () => {
    expectThrow(() => virtAddr(0x40_1800, { align: 4096 }), RangeError, '0x401800', '0x1000');
    expectThrow(() => virtAddr(0x1000, { align: 3 }), RangeError, 'power of two', '3');
    expectThrow(() => virtAddr(0x1000, { align: 0 }), RangeError, 'power of two', '0');
    expectThrow(() => virtAddr(0x1000, { align: untyped('4096') }), TypeError, '"4096"');
  });

  test.each(NOT_NUMBERS)('%s -> TypeError', (bad, shown) => {
    expectThrow(() => virtAddr(untyped(bad)), TypeError, 'virtual address', shown);
  });
  test.each(BAD_NATS)('%d -> RangeError', (bad, shown) => {
    expectThrow(() => virtAddr(bad), RangeError, 'virtual address', shown);
  });

  test('rejects bad options', () => {
    expectThrow(() => virtAddr(0, { vaBits: untyped(47) }), RangeError, 'vaBits', '47');
    expectThrow(() => virtAddr(0, { vaBits: untyped('48') }), TypeError, 'vaBits', '"48"');
    expectThrow(() => virtAddr(0, { userOnly: untyped(1) }), TypeError, 'userOnly', '1');
    // An explicit null is misuse, not "use the default".
    expectThrow(() => virtAddr(0, { vaBits: untyped(null) }), TypeError, 'vaBits', 'null');
    expectThrow(() => virtAddr(0, { userOnly: untyped(null) }), TypeError, 'userOnly', 'null');
    expectThrow(() => virtAddr(0, { align: untyped(null) }), TypeError, 'alignment', 'null');
    expectThrow(() => virtAddr(0, untyped(null)), TypeError, 'options', 'null');
    expectThrow(() => virtAddr(0, untyped(48)), TypeError, 'options', '48');
  });

  test('accepts exactly [0, 2^bits) for every width and half', () => {
    const spaces = [
      { vaBits: 48, userOnly: false, end: 2n ** 48n },
      { vaBits: 48, userOnly: true, end: 2n ** 47n },
      { vaBits: 57, userOnly: false, end: 2n ** 57n },
      { vaBits: 57, userOnly: true, end: 2n ** 56n },
    ] as const;
    fc.assert(
      fc.property(fc.constantFrom(...spaces), arbNat, ({ vaBits, userOnly, end }, v) => {
        if (BigInt(v) < end) expect(virtAddr(v, { vaBits, userOnly })).toBe(v);
        else expect(() => virtAddr(v, { vaBits, userOnly })).toThrow(RangeError);
      }),
      { numRuns: 2000 },
    );
  });
});
