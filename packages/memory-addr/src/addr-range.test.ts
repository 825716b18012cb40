import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { AddrRange } from './addr-range.js';
import { arbNat, arbPow2, points, sameSet } from './test-support/bigint-reference.js';
import { BAD_NATS, expectThrow, NOT_NUMBERS, untyped } from './test-support/expect-throw.js';

const MAX = Number.MAX_SAFE_INTEGER;
const r = (start: number, end: number): AddrRange => new AddrRange(start, end);

describe('construction', () => {
  test('from start and end', () => {
    const range = r(0x40_0000, 0x40_2000);
    expect(range.start).toBe(0x40_0000);
    expect(range.end).toBe(0x40_2000);
    expect(range.size).toBe(0x2000);
    expect(range.isEmpty()).toBe(false);
    expect(r(5, 5).isEmpty()).toBe(true);
    expect(r(5, 5).size).toBe(0);
    expect(r(0, MAX).size).toBe(MAX);
    expect(new AddrRange(0, 2 ** 47, { limit: 2 ** 47 }).end).toBe(2 ** 47); // inclusive limit
  });

  test('from start and size', () => {
    const range = AddrRange.fromStartSize(0x1_0000_0000, 0x1000);
    expect([range.start, range.end]).toEqual([0x1_0000_0000, 0x1_0000_1000]);
    expect(AddrRange.fromStartSize(7, 0).isEmpty()).toBe(true);
    expect(AddrRange.fromStartSize(MAX - 1, 1).end).toBe(MAX);
    expect(AddrRange.fromStartSize(2 ** 47 - 4096, 4096, { limit: 2 ** 47 }).end).toBe(2 ** 47);
  });

  test('start above end -> RangeError', () => {
    expectThrow(() => r(0x2000, 0x1000), RangeError, '0x2000', '0x1000');
  });

  test('end past the limit -> RangeError', () => {
    expectThrow(
      () => new AddrRange(0, 2 ** 47 + 1, { limit: 2 ** 47 }),
      RangeError,
      '0x800000000001',
    );
    expectThrow(
      () => AddrRange.fromStartSize(2 ** 47 - 4096, 4097, { limit: 2 ** 47 }),
      RangeError,
      '0x7ffffffff000',
      '0x1001',
    );
    expectThrow(() => AddrRange.fromStartSize(MAX, 1), RangeError, '0x1fffffffffffff');
    expectThrow(() => AddrRange.fromStartSize(MAX, MAX), RangeError, 'limit');
  });

  test.each(NOT_NUMBERS)('%s as start, end, size or limit -> TypeError', (bad, shown) => {
    expectThrow(() => r(untyped(bad), 10), TypeError, 'start', shown);
    expectThrow(() => r(0, untyped(bad)), TypeError, 'end', shown);
    expectThrow(() => AddrRange.fromStartSize(untyped(bad), 1), TypeError, 'start', shown);
    expectThrow(() => AddrRange.fromStartSize(0, untyped(bad)), TypeError, 'size', shown);
    if (bad !== undefined) {
      expectThrow(() => new AddrRange(0, 1, { limit: untyped(bad) }), TypeError, 'limit', shown);
      expectThrow(() => AddrRange.fromStartSize(0, 1, { limit: untyped(bad) }), TypeError, 'limit');
    }
  });

  test.each(BAD_NATS)('%d as start, end, size or limit -> RangeError', (bad, shown) => {
    expectThrow(() => r(bad, MAX), RangeError, 'start', shown);
    expectThrow(() => r(0, bad), RangeError, 'end', shown);
    expectThrow(() => AddrRange.fromStartSize(bad, 1), RangeError, 'start', shown);
    expectThrow(() => AddrRange.fromStartSize(0, bad), RangeError, 'size', shown);
    expectThrow(() => new AddrRange(0, 1, { limit: bad }), RangeError, 'limit', shown);
    expectThrow(() => AddrRange.fromStartSize(0, 1, { limit: bad }), RangeError, 'limit', shown);
  });

  test('options that are not objects -> TypeError', () => {
    expectThrow(() => new AddrRange(0, 1, untyped(5)), TypeError, 'options', '5');
    expectThrow(() => AddrRange.fromStartSize(0, 1, untyped(null)), TypeError, 'options', 'null');
  });

  test('is immutable', () => {
    const range = r(0x1000, 0x2000);
    expect(Object.isFrozen(range)).toBe(true);
    expect(() => {
      (range as { start: number }).start = 0;
    }).toThrow(TypeError);
    expect(range.start).toBe(0x1000);
  });
});

describe('queries', () => {
  const a = r(0x1000, 0x3000);

  test('contains is half-open', () => {
    expect(a.contains(0x0fff)).toBe(false);
    expect(a.contains(0x1000)).toBe(true);
    expect(a.contains(0x2fff)).toBe(true);
    expect(a.contains(0x3000)).toBe(false);
    expect(r(5, 5).contains(5)).toBe(false);
  });

  test('containsRange', () => {
    expect(a.containsRange(r(0x1000, 0x3000))).toBe(true);
    expect(a.containsRange(r(0x1800, 0x2000))).toBe(true);
    expect(a.containsRange(r(0x0fff, 0x2000))).toBe(false);
    expect(a.containsRange(r(0x2000, 0x3001))).toBe(false);
    expect(a.containsRange(r(0x9000, 0x9000))).toBe(true); // the empty set
    expect(r(5, 5).containsRange(r(5, 6))).toBe(false);
  });

  test('overlaps', () => {
    expect(a.overlaps(r(0x2fff, 0x4000))).toBe(true);
    expect(a.overlaps(r(0x3000, 0x4000))).toBe(false); // adjacent, not overlapping
    expect(a.overlaps(r(0, 0x1000))).toBe(false);
    expect(a.overlaps(r(0, 0x1001))).toBe(true);
    expect(a.overlaps(r(0x2000, 0x2000))).toBe(false); // empty, even inside
    expect(r(0x2000, 0x2000).overlaps(a)).toBe(false);
  });

  test('intersection', () => {
    expect(a.intersection(r(0x2000, 0x5000)).toString()).toBe('[0x2000, 0x3000)');
    expect(a.intersection(r(0, 0x9000)).toString()).toBe('[0x1000, 0x3000)');
    expect(a.intersection(r(0x1800, 0x1900)).toString()).toBe('[0x1800, 0x1900)');
    const disjoint = a.intersection(r(0x5000, 0x6000));
    expect(disjoint.isEmpty()).toBe(true);
    expect(disjoint.start).toBe(0x5000); // placed at the larger start
    expect(a.intersection(r(0x3000, 0x4000)).isEmpty()).toBe(true);
    expect(r(0x5000, 0x6000).intersection(a).start).toBe(0x5000);
  });

  test('difference', () => {
    const show = (ranges: AddrRange[]): string[] => ranges.map(String);
    expect(show(a.difference(r(0x1800, 0x2000)))).toEqual(['[0x1000, 0x1800)', '[0x2000, 0x3000)']);
    expect(show(a.difference(r(0, 0x2000)))).toEqual(['[0x2000, 0x3000)']);
    expect(show(a.difference(r(0x2000, 0x9000)))).toEqual(['[0x1000, 0x2000)']);
    expect(show(a.difference(r(0, 0x9000)))).toEqual([]);
    expect(show(a.difference(a))).toEqual([]);
    expect(show(a.difference(r(0x3000, 0x4000)))).toEqual(['[0x1000, 0x3000)']);
    expect(show(a.difference(r(0x2000, 0x2000)))).toEqual(['[0x1000, 0x3000)']);
    expect(show(r(7, 7).difference(a))).toEqual([]);
    expect(a.difference(r(0x5000, 0x6000))[0]).toBe(a); // immutable, so shared
  });

  test('equals is set equality', () => {
    expect(a.equals(r(0x1000, 0x3000))).toBe(true);
    expect(a.equals(r(0x1000, 0x3001))).toBe(false);
    expect(a.equals(r(0x1001, 0x3000))).toBe(false);
    expect(r(1, 1).equals(r(9, 9))).toBe(true);
    expect(r(1, 1).equals(a)).toBe(false);
    expect(a.equals(r(1, 1))).toBe(false);
  });

  test('toString in hex', () => {
    expect(r(0x40_0000, 0x40_1000).toString()).toBe('[0x400000, 0x401000)');
    expect(`${r(0, 0x7fff_ffff_f000)}`).toBe('[0x0, 0x7ffffffff000)');
  });

  test('a non-AddrRange argument -> TypeError', () => {
    for (const bad of [undefined, null, { start: 0, end: 1 }, [0, 1]]) {
      expectThrow(() => a.containsRange(untyped(bad)), TypeError, 'AddrRange');
      expectThrow(() => a.overlaps(untyped(bad)), TypeError, 'AddrRange');
      expectThrow(() => a.intersection(untyped(bad)), TypeError, 'AddrRange');
      expectThrow(() => a.difference(untyped(bad)), TypeError, 'AddrRange');
      expectThrow(() => a.equals(untyped(bad)), TypeError, 'AddrRange');
    }
    expectThrow(() => a.overlaps(untyped(null)), TypeError, 'null');
  });

  test.each(NOT_NUMBERS)('contains(%s) -> TypeError', (bad, shown) => {
    expectThrow(() => a.contains(untyped(bad)), TypeError, 'addr', shown);
  });
  test.each(BAD_NATS)('contains(%d) -> RangeError', (bad, shown) => {
    expectThrow(() => a.contains(bad), RangeError, 'addr', shown);
  });
});

describe('iterPages', () => {
  test('yields each page start', () => {
    expect([...r(0x1000, 0x4000).iterPages()]).toEqual([0x1000, 0x2000, 0x3000]);
    expect([...r(0x1000, 0x4000).iterPages(0x1000)]).toEqual([0x1000, 0x2000, 0x3000]);
    expect([...r(0, 0x60_0000).iterPages(0x20_0000)]).toEqual([0, 0x20_0000, 0x40_0000]);
    expect([...r(0x4000_0000, 0x8000_0000).iterPages(0x4000_0000)]).toEqual([0x4000_0000]);
    expect([...r(0x2000, 0x2000).iterPages()]).toEqual([]);
    expect([...r(3, 6).iterPages(1)]).toEqual([3, 4, 5]);
    // Above 2^32 and near 2^53: plain float steps stay exact.
    expect([...r(0xffff_f000, 0x1_0000_2000).iterPages()]).toEqual([
      0xffff_f000, 0x1_0000_0000, 0x1_0000_1000,
    ]);
    expect([...r(2 ** 53 - 8192, 2 ** 53 - 4096).iterPages()]).toEqual([2 ** 53 - 8192]);
  });

  test('misalignment -> RangeError at the call, before any next()', () => {
    expectThrow(() => r(0x1800, 0x3000).iterPages(), RangeError, '[0x1800, 0x3000)', '0x1000');
    expectThrow(() => r(0x1000, 0x3800).iterPages(), RangeError, '0x3800');
    expectThrow(() => r(0x1000, 0x2000).iterPages(0x20_0000), RangeError, '0x200000');
  });

  test('bad page sizes', () => {
    expectThrow(() => r(0, 0x3000).iterPages(0x3000), RangeError, 'power of two', '12288');
    expectThrow(() => r(0, 0).iterPages(0), RangeError, 'power of two', '0');
    expectThrow(() => r(0, 0).iterPages(Number.NaN), RangeError, 'NaN');
    expectThrow(() => r(0, 0).iterPages(untyped('4096')), TypeError, 'pageSize', '"4096"');
  });
});

// A small universe, where a range is checked against the explicit set of its points.
const SMALL = 40;
const arbSmall = fc
  .tuple(fc.integer({ min: 0, max: SMALL }), fc.integer({ min: 0, max: SMALL }))
  .map(([x, y]) => r(Math.min(x, y), Math.max(x, y)));

describe('set laws on a small universe (explicit point sets)', () => {
  test('contains, containsRange, overlaps, intersection, difference, equals', () => {
    fc.assert(
      fc.property(arbSmall, arbSmall, (a, b) => {
        const A = points(a.start, a.end);
        const B = points(b.start, b.end);
        const both = new Set([...A].filter((p) => B.has(p)));
        const only = new Set([...A].filter((p) => !B.has(p)));

        for (let p = 0; p <= SMALL + 1; p++) expect(a.contains(p)).toBe(A.has(p));
        expect(a.containsRange(b)).toBe([...B].every((p) => A.has(p)));
        expect(a.overlaps(b)).toBe(both.size > 0);
        expect(a.equals(b)).toBe(sameSet(A, B));

        const inter = a.intersection(b);
        expect(sameSet(points(inter.start, inter.end), both)).toBe(true);
        expect(inter.size).toBe(both.size);

        const diff = a.difference(b);
        const diffPoints = new Set(diff.flatMap((d) => [...points(d.start, d.end)]));
        expect(sameSet(diffPoints, only)).toBe(true);
        expect(diff.length).toBeLessThanOrEqual(2);
        for (const d of diff) expect(d.isEmpty()).toBe(false);
        if (diff.length === 2) expect(diff[0].end).toBeLessThan(diff[1].start);
      }),
      { numRuns: 3000 },
    );
  });

  test('iterPages yields exactly the aligned points', () => {
    fc.assert(
      fc.property(arbSmall, fc.constantFrom(1, 2, 4, 8), (range, size) => {
        fc.pre(range.start % size === 0 && range.end % size === 0);
        const expected = [...points(range.start, range.end)].filter((p) => p % size === 0);
        expect([...range.iterPages(size)]).toEqual(expected);
      }),
    );
  });
});

// Full-size coordinates against interval arithmetic in BigInt.
const arbBig = fc.oneof(
  fc.tuple(arbNat, arbNat).map(([x, y]) => r(Math.min(x, y), Math.max(x, y))),
  // Ranges near each other, so that every overlap case is frequent.
  fc
    .tuple(
      fc.integer({ min: 0, max: MAX - 2 ** 40 }),
      fc.integer({ min: 0, max: 2 ** 20 }),
      fc.integer({ min: 0, max: 2 ** 20 }),
    )
    .map(([base, x, y]) => r(base + Math.min(x, y), base + Math.max(x, y))),
);
const arbBigPair = fc.oneof(
  fc.tuple(arbBig, arbBig),
  fc
    .tuple(
      fc.integer({ min: 0, max: MAX - 2 ** 40 }),
      fc.array(fc.integer({ min: 0, max: 64 }), { minLength: 4, maxLength: 4 }),
    )
    .map(
      ([base, [w, x, y, z]]) =>
        [
          r(base + Math.min(w, x), base + Math.max(w, x)),
          r(base + Math.min(y, z), base + Math.max(y, z)),
        ] as const,
    ),
);

describe('laws at full width against BigInt interval arithmetic', () => {
  test('intersection, overlaps, containsRange', () => {
    fc.assert(
      fc.property(arbBigPair, ([a, b]) => {
        const lo = BigInt(a.start) > BigInt(b.start) ? BigInt(a.start) : BigInt(b.start);
        const hi = BigInt(a.end) < BigInt(b.end) ? BigInt(a.end) : BigInt(b.end);
        const inter = a.intersection(b);
        const nonEmpty = lo < hi;
        expect(a.overlaps(b)).toBe(nonEmpty);
        expect(b.overlaps(a)).toBe(nonEmpty);
        expect(inter.isEmpty()).toBe(!nonEmpty);
        if (nonEmpty) expect([BigInt(inter.start), BigInt(inter.end)]).toEqual([lo, hi]);
        expect(inter.equals(b.intersection(a))).toBe(true);
        const bInA =
          b.start === b.end ||
          (BigInt(a.start) <= BigInt(b.start) && BigInt(b.end) <= BigInt(a.end));
        expect(a.containsRange(b)).toBe(bInA);
      }),
      { numRuns: 3000 },
    );
  });

  test('difference: pieces inside a, outside b, ascending, and sizes add up', () => {
    fc.assert(
      fc.property(arbBigPair, ([a, b]) => {
        const diff = a.difference(b);
        const inter = a.intersection(b);
        let total = 0n;
        let previousEnd = -1n;
        for (const d of diff) {
          expect(d.isEmpty()).toBe(false);
          expect(a.containsRange(d)).toBe(true);
          expect(d.overlaps(b)).toBe(false);
          expect(BigInt(d.start) > previousEnd).toBe(true); // disjoint, not even adjacent
          previousEnd = BigInt(d.end);
          total += BigInt(d.end) - BigInt(d.start);
        }
        expect(total).toBe(
          BigInt(a.end) - BigInt(a.start) - (BigInt(inter.end) - BigInt(inter.start)),
        );
        expect(diff.length).toBeLessThanOrEqual(2);
      }),
      { numRuns: 3000 },
    );
  });

  test('contains agrees with BigInt comparisons', () => {
    fc.assert(
      fc.property(arbBig, fc.integer({ min: -2, max: 2 }), arbNat, (range, delta, far) => {
        for (const p of [range.start + delta, range.end + delta, far]) {
          if (p < 0 || p > MAX) continue;
          expect(range.contains(p)).toBe(
            BigInt(range.start) <= BigInt(p) && BigInt(p) < BigInt(range.end),
          );
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('iterPages: (end - start) / size pages, each one size after the last', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.integer({ min: 0, max: 64 }),
        arbPow2,
        (k, n, size) => {
          fc.pre(BigInt(k + n) * BigInt(size) <= BigInt(MAX));
          const range = r(k * size, (k + n) * size);
          const pages = [...range.iterPages(size)];
          expect(pages.length).toBe(n);
          pages.forEach((p, i) => {
            expect(BigInt(p)).toBe(BigInt(k + i) * BigInt(size));
          });
        },
      ),
      { numRuns: 1000 },
    );
  });
});
