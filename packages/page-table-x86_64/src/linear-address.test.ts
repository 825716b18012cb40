import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  canonicalFromLinear,
  formatCanonical,
  formatCanonicalRange,
  isCanonical,
  isUpperHalf,
  linearFromCanonical,
  linearFromHalves,
} from './linear-address.js';

describe('canonical addresses (4-level: bits 63:47 equal; 5-level: bits 63:56 equal)', () => {
  test.each([
    [0n, 4, true],
    [0x0000_7fff_ffff_ffffn, 4, true],
    [0x0000_8000_0000_0000n, 4, false],
    [0xffff_7fff_ffff_ffffn, 4, false],
    [0xffff_8000_0000_0000n, 4, true],
    [0xffff_ffff_ffff_ffffn, 4, true],
    [0x00ff_ffff_ffff_f000n, 5, true], // byte-exact numbers stop at 2^53; page addresses stay exact
    [0x0100_0000_0000_0000n, 5, false],
    [0xff00_0000_0000_0000n, 5, true],
    [0xfeff_ffff_ffff_ffffn, 5, false],
    [0x0000_8000_0000_0000n, 5, true],
  ] as const)('%s with %i levels: %s', (addr, levels, canonical) => {
    expect(isCanonical(addr, levels)).toBe(canonical);
    const lin = linearFromCanonical(addr, levels);
    if (!canonical) {
      expect(lin).toBe(-1);
      return;
    }
    const bits = levels === 5 ? 57 : 48;
    expect(lin).toBe(Number(addr & ((1n << BigInt(bits)) - 1n)));
    expect(canonicalFromLinear(lin, levels)).toBe(addr);
    const hi = Number(addr >> 32n);
    const lo = Number(addr & 0xffff_ffffn);
    expect(linearFromHalves(hi, lo, levels)).toBe(lin);
  });

  test('halves and BigInt agree on random 64-bit values (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.constantFrom(4, 5),
        (addr, levels) => {
          const l = levels as 4 | 5;
          expect(linearFromHalves(Number(addr >> 32n), Number(addr & 0xffff_ffffn), l)).toBe(
            linearFromCanonical(addr, l),
          );
        },
      ),
    );
  });

  test('upper half and formatting', () => {
    expect(isUpperHalf(2 ** 47)).toBe(true);
    expect(isUpperHalf(2 ** 47 - 1)).toBe(false);
    expect(isUpperHalf(2 ** 47, 5)).toBe(false);
    expect(formatCanonical(2 ** 47)).toBe('0xffff800000000000');
    expect(formatCanonical(0x1000)).toBe('0x0000000000001000');
    expect(formatCanonicalRange(2 ** 56, 2 ** 48, 5)).toBe('0xff00000000000000-0xff00ffffffffffff');
  });

  test('misuse throws', () => {
    expect(() => isCanonical(-1n)).toThrow(RangeError);
    expect(() => isCanonical(1n << 64n)).toThrow(RangeError);
    expect(() => canonicalFromLinear(2 ** 48)).toThrow(/2\^48/);
    expect(() => canonicalFromLinear(0.5)).toThrow(/0\.5/);
    expect(() => linearFromHalves(2 ** 32, 0)).toThrow(RangeError);
    expect(() => isCanonical(0n, 3 as 4)).toThrow(/levels/);
  });
});
