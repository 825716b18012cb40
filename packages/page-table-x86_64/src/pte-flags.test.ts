import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  flagsOf4K,
  flagsOfHuge,
  leafHi,
  leafLo4K,
  leafLoHuge,
  tableHi,
  tableLo,
} from './entry-codec.js';
import { checkFlags, describeFlags, PTE, pkeyFlags, pkeyOf } from './pte-flags.js';

// Golden bit positions, SDM vol. 3A Table 4-20 (PTE) and Table 4-18 (2 MiB PDE):
// flags bit -> (entry bit of a 4 KiB leaf, entry bit of a huge leaf).
const POSITIONS: readonly [string, number, number, number][] = [
  ['PRESENT', 0, 0, 0],
  ['WRITABLE', 1, 1, 1],
  ['USER', 2, 2, 2],
  ['WRITE_THROUGH', 3, 3, 3],
  ['CACHE_DISABLE', 4, 4, 4],
  ['ACCESSED', 5, 5, 5],
  ['DIRTY', 6, 6, 6],
  ['PAT', 7, 7, 12],
  ['GLOBAL', 8, 8, 8],
  ['SOFTWARE_9', 9, 9, 9],
  ['SOFTWARE_10', 10, 10, 10],
  ['SOFTWARE_11', 11, 11, 11],
  ['NO_EXECUTE', 23, 63, 63],
];

function bitOf(lo: number, hi: number, bit: number): number {
  return bit < 32 ? (lo >>> bit) & 1 : (hi >>> (bit - 32)) & 1;
}

describe('PTE constants', () => {
  test.each(POSITIONS)('%s is flags bit %i', (name, flagBit) => {
    expect((PTE as Record<string, number>)[name]).toBe(2 ** flagBit);
  });

  test('protection key occupies flags bits 22:19', () => {
    expect(PTE.PKEY_MASK).toBe(0b1111 << 19);
    expect(pkeyFlags(0)).toBe(0);
    expect(pkeyFlags(5)).toBe(5 << 19);
    expect(pkeyFlags(15)).toBe(15 << 19);
    expect(pkeyOf(pkeyFlags(9) | PTE.PRESENT | PTE.NO_EXECUTE)).toBe(9);
    expect(() => pkeyFlags(16)).toThrow(RangeError);
    expect(() => pkeyFlags(-1)).toThrow(/-1/);
  });

  test('checkFlags rejects bits outside 0..23, negatives, fractions and non-numbers', () => {
    expect(() => checkFlags(0xffffff)).not.toThrow();
    expect(() => checkFlags(0x1000000)).toThrow(/0x1000000/);
    expect(() => checkFlags(-1)).toThrow(RangeError);
    expect(() => checkFlags(1.5)).toThrow(RangeError);
    expect(() => checkFlags(Number.NaN)).toThrow(RangeError);
    expect(() => checkFlags('1' as unknown as number)).toThrow(RangeError);
  });

  test('describeFlags names every bit', () => {
    expect(describeFlags(PTE.PRESENT | PTE.WRITABLE | PTE.USER)).toBe('P RW US');
    expect(describeFlags(PTE.WRITABLE)).toBe('!P RW');
    expect(
      describeFlags(
        PTE.PRESENT | PTE.ACCESSED | PTE.DIRTY | PTE.GLOBAL | pkeyFlags(3) | PTE.NO_EXECUTE,
      ),
    ).toBe('P A D G PK3 XD');
    expect(describeFlags(PTE.PRESENT | PTE.PAT | PTE.SOFTWARE_9 | (1 << 12) | (1 << 18))).toBe(
      'P PAT SW9 SW52 SW58',
    );
  });
});

describe('leaf entry encoding (raw bits)', () => {
  test.each(POSITIONS)(
    'flag %s lands on its SDM bit in 4 KiB and huge leaves',
    (name, _f, bit4k, bitHuge) => {
      const flag = (PTE as Record<string, number>)[name];
      const lo4 = leafLo4K(0x1234_5000, flag);
      const hi4 = leafHi(0x1234_5000, flag);
      for (let b = 0; b < 64; b++) {
        if (b >= 12 && b < 52) continue; // address bits checked below
        expect(bitOf(lo4, hi4, b), `4K bit ${b}`).toBe(b === bit4k ? 1 : 0);
      }
      const loH = leafLoHuge(0x4020_0000, flag);
      const hiH = leafHi(0x4020_0000, flag);
      for (let b = 0; b < 64; b++) {
        if (b >= 13 && b < 52) continue;
        // A huge leaf always has PS (bit 7) set.
        const expected = b === bitHuge || b === 7 ? 1 : 0;
        expect(bitOf(loH, hiH, b), `huge bit ${b}`).toBe(expected);
      }
    },
  );

  test('software bits 52..58 and the protection key sit in the high dword', () => {
    for (let b = 52; b <= 58; b++) {
      const hi = leafHi(0, 2 ** (b - 40));
      expect(hi).toBe(2 ** (b - 32));
    }
    expect(leafHi(0, pkeyFlags(0b1010))).toBe((0b1010 << 27) >>> 0);
    expect(leafHi(0, PTE.NO_EXECUTE)).toBe(0x8000_0000);
  });

  test('address bits 51:12 hold the frame address', () => {
    const pa = 0xf_ffff_ffff_f000; // 2^52 - 4096
    expect(leafLo4K(pa, 0)).toBe(0xffff_f000);
    expect(leafHi(pa, 0)).toBe(0xfffff);
    expect(leafLo4K(0x1_2345_6000, PTE.PRESENT)).toBe(0x2345_6001);
    expect(leafHi(0x1_2345_6000, PTE.PRESENT)).toBe(0x1);
  });

  test('table references: address and flags', () => {
    expect(tableLo(0x12345, 0x7)).toBe(0x1234_5007);
    expect(tableHi(0x12345)).toBe(0);
    expect(tableLo(0x1_0000_0001, 0x3)).toBe(0x1003);
    expect(tableHi(0x1_0000_0001)).toBe(0x1000);
  });

  test('flags round-trip through both leaf encodings (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffff }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (flags, frame) => {
          const pa4k = frame * 4096;
          expect(flagsOf4K(leafLo4K(pa4k, flags), leafHi(pa4k, flags))).toBe(flags);
          const pa2m = (frame % 2 ** 31) * 2 ** 21;
          expect(flagsOfHuge(leafLoHuge(pa2m, flags), leafHi(pa2m, flags))).toBe(flags);
        },
      ),
    );
  });
});
