import { describe, expect, test } from 'vitest';
import { median } from './harness.js';
import { Mulberry32 } from './mulberry32.js';

// Reference: the same algorithm evaluated with BigInt arithmetic mod 2^32, which
// shares no code path (imul, >>>) with the implementation under test.
function referenceSequence(seed: number, count: number): number[] {
  const M = 1n << 32n;
  const imul = (a: bigint, b: bigint): bigint => (a * b) % M;
  let s = BigInt(seed >>> 0);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    s = (s + 0x6d2b79f5n) % M;
    let t = imul(s ^ (s >> 15n), 1n | s);
    t = ((t + imul(t ^ (t >> 7n), 61n | t)) % M) ^ t;
    out.push(Number(t ^ (t >> 14n)));
  }
  return out;
}

describe('Mulberry32', () => {
  test.each([0, 1, 2, 3, 0xdeadbeef, -1, 2 ** 31])(
    'matches a BigInt evaluation for seed %i',
    (seed) => {
      const rng = new Mulberry32(seed);
      const got = Array.from({ length: 1000 }, () => rng.next());
      expect(got).toEqual(referenceSequence(seed, 1000));
    },
  );

  test('rand(n) is next() % n, for bounds from 1 to 2^32', () => {
    const bounds = [1, 2, 3, 4, 7, 16, 100, 1000, 65_000, 262_144, 1_048_576];
    bounds.push(2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 0xfffffffe, 0xffffffff, 2 ** 32);
    const a = new Mulberry32(7);
    const b = new Mulberry32(7);
    for (let i = 0; i < 20_000; i++) {
      const n = bounds[i % bounds.length];
      const x = b.next();
      // BigInt remainder: no floating-point path shared with rand.
      expect(a.rand(n)).toBe(Number(BigInt(x) % BigInt(n)));
    }
  });

  test('rand refuses a bound that is not an integer in [1, 2^32]', () => {
    const rng = new Mulberry32(1);
    for (const n of [0, -1, 0.5, 2.5, 2 ** 32 + 1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => rng.rand(n)).toThrow(RangeError);
    }
    // Values that arithmetic would turn into a valid bound.
    for (const n of ['5', true, [3]]) {
      expect(() => rng.rand(n as unknown as number)).toThrow(RangeError);
    }
  });

  test('median', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
});
