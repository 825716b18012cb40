// A reference model in BigInt, written independently of the code under test: it
// uses division instead of remainders, BigInt.asIntN/asUintN instead of range
// comparisons, and explicit sets of points instead of interval formulas. Tests
// compare the number implementation against it.

import fc from 'fast-check';

export const MAX_SAFE: bigint = BigInt(Number.MAX_SAFE_INTEGER);
export const U64_MAX: bigint = 2n ** 64n - 1n;

export function refIsPowerOfTwo(value: bigint): boolean {
  return value > 0n && (value & (value - 1n)) === 0n;
}

export function refAlignDown(value: bigint, align: bigint): bigint {
  return (value / align) * align;
}

export function refAlignUp(value: bigint, align: bigint): bigint {
  return ((value + align - 1n) / align) * align;
}

export function refIsAligned(value: bigint, align: bigint): boolean {
  return (value / align) * align === value;
}

/** Canonical: sign-extending the low vaBits bits gives the value back. */
export function refIsCanonical(value: bigint, vaBits: number): boolean {
  return BigInt.asUintN(64, BigInt.asIntN(vaBits, value)) === value;
}

export function refCanonicalToLinear(value: bigint, vaBits: number): bigint {
  return BigInt.asUintN(vaBits, value);
}

export function refLinearToCanonical(linear: bigint, vaBits: number): bigint {
  return BigInt.asUintN(64, BigInt.asIntN(vaBits, linear));
}

/** Lower-case hex digits by repeated division. */
export function refHexDigits(value: bigint): string {
  if (value === 0n) return '0';
  const digits = '0123456789abcdef';
  let out = '';
  for (let v = value; v > 0n; v /= 16n) out = digits[Number(v % 16n)] + out;
  return out;
}

/** The points of a small range, as an explicit set. */
export function points(start: number, end: number): Set<number> {
  const set = new Set<number>();
  for (let p = start; p < end; p++) set.add(p);
  return set;
}

export function sameSet(a: Set<number>, b: Set<number>): boolean {
  return a.size === b.size && [...a].every((p) => b.has(p));
}

/** A power of two that is a safe integer: 2^0 .. 2^52. */
export const arbPow2: fc.Arbitrary<number> = fc.integer({ min: 0, max: 52 }).map((k) => 2 ** k);

/** A safe non-negative integer; fast-check already biases towards 0 and 2^53 - 1. */
export const arbNat: fc.Arbitrary<number> = fc.maxSafeNat();

/** A u64 (bigint), uniformly or near the interesting points of both address widths. */
export const arbU64: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: U64_MAX }),
  fc
    .tuple(
      fc.constantFrom(
        0n,
        2n ** 47n,
        2n ** 48n,
        2n ** 53n,
        2n ** 56n,
        2n ** 57n,
        2n ** 64n - 2n ** 47n,
        2n ** 64n - 2n ** 48n,
        2n ** 64n - 2n ** 56n,
        2n ** 64n - 2n ** 57n,
        U64_MAX,
      ),
      fc.bigInt({ min: -4096n, max: 4096n }),
    )
    .map(([base, delta]) => base + delta)
    .filter((v) => v >= 0n && v <= U64_MAX),
  // Anywhere in either canonical half of either width.
  fc
    .tuple(fc.boolean(), fc.constantFrom(48, 57), fc.bigInt({ min: 0n, max: 2n ** 56n - 1n }))
    .map(([upper, bits, offset]) => {
      const half = 2n ** BigInt(bits - 1);
      const low = offset % half;
      return upper ? U64_MAX - low : low;
    }),
);
