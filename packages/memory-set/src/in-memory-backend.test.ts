import { describe, expect, test } from 'vitest';
import { InMemoryBackend } from './in-memory-backend.js';

const P = 4096;
// Pages around the boundary between the first two 512-page chunks, and a
// few more on both sides, so that calls of 1 to 4 pages (the straight-line
// path) and longer ones (the loops) start at every offset near it.
const LOW = 500;
const HIGH = 524;

// Flags of each page in [LOW, HIGH): undefined = free. A mix of free pages,
// runs of equal flags and lone pages.
function layout(): (number | undefined)[] {
  const pages: (number | undefined)[] = [];
  for (let p = LOW; p < HIGH; p++) {
    const k = p % 7;
    pages.push(k === 0 || k === 3 ? undefined : k < 3 ? 1 : 2);
  }
  return pages;
}

function fresh(pages: (number | undefined)[]): InMemoryBackend<number> {
  const b = new InMemoryBackend<number>();
  for (let i = 0; i < pages.length; i++) {
    const f = pages[i];
    if (f !== undefined) expect(b.map((LOW + i) * P, (LOW + i + 1) * P, f).ok).toBe(true);
  }
  return b;
}

function state(b: InMemoryBackend<number>): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  for (let p = LOW - 4; p < HIGH + 4; p++) out.push(b.flagsAt(p * P));
  return out;
}

describe('InMemoryBackend', () => {
  test('every call of 0 to 6 pages near a chunk boundary answers and changes pages like a per-page model', () => {
    const pages = layout();
    for (let first = LOW - 2; first < HIGH - 2; first++) {
      for (let n = 0; n <= 6; n++) {
        const range: (number | undefined)[] = [];
        for (let p = first; p < first + n; p++) {
          range.push(p >= LOW && p < HIGH ? pages[p - LOW] : undefined);
        }
        const allFree = range.every((f) => f === undefined);
        const all = (f: number): boolean => range.every((g) => g === f);
        const what = `first ${first}, ${n} pages`;
        const s = first * P;
        const e = (first + n) * P;
        for (const op of ['map', 'unmap', 'protect'] as const) {
          for (const f of [1, 2, Number.NaN]) {
            if (op === 'map' && Number.isNaN(f)) continue;
            const b = fresh(pages);
            const before = state(b);
            const count = b.mappedPages;
            let r: { ok: boolean };
            let expected: boolean;
            let after: number | undefined;
            if (op === 'map') {
              r = b.map(s, e, f);
              expected = allFree;
              after = f;
            } else if (op === 'unmap') {
              r = b.unmap(s, e, f);
              expected = !Number.isNaN(f) && all(f);
              after = undefined;
            } else {
              r = b.protect(s, e, f, 7);
              expected = !Number.isNaN(f) && all(f);
              after = 7;
            }
            expect(r.ok, `${op}(${f}) ${what}`).toBe(expected);
            const want = [...before];
            if (expected) for (let p = first; p < first + n; p++) want[p - (LOW - 4)] = after;
            expect(state(b), `${op}(${f}) ${what}`).toEqual(want);
            const delta = op === 'map' ? n : op === 'unmap' ? -n : 0;
            expect(b.mappedPages, `${op}(${f}) ${what}`).toBe(count + (expected ? delta : 0));
          }
        }
      }
    }
  });

  test('pages in many chunks, beyond the chunk cache, keep their flags', () => {
    const b = new InMemoryBackend<number>();
    // 5,000 chunks 512 pages apart: more than the cache holds, so entries
    // are evicted and chunks are found again in the map.
    for (let i = 0; i < 5000; i++) {
      expect(b.map(i * 512 * P, (i * 512 + 1 + (i % 4)) * P, i % 5).ok).toBe(true);
    }
    for (let i = 4999; i >= 0; i--) {
      expect(b.flagsAt((i * 512 + (i % 4)) * P)).toBe(i % 5);
      expect(b.flagsAt((i * 512 + 1 + (i % 4)) * P)).toBeUndefined();
      expect(b.protect(i * 512 * P, (i * 512 + 1) * P, i % 5, 9).ok).toBe(true);
      expect(b.unmap(i * 512 * P, (i * 512 + 1) * P, 9).ok).toBe(true);
    }
    expect(b.mappedPages).toBe(5000 * 2.5 - 5000);
  });

  test('flags of any number keep their value: fractions, negatives, large, infinite, -0 as 0', () => {
    const b = new InMemoryBackend<number>();
    const values = [0, 1.5, -3, 2 ** 40, Number.POSITIVE_INFINITY, 255, 256, -0];
    values.forEach((f, i) => {
      expect(b.map(i * P, (i + 1) * P, f).ok).toBe(true);
    });
    values.forEach((f, i) => {
      expect(b.flagsAt(i * P)).toBe(f === 0 ? 0 : f);
    });
    // -0 and 0 are one flags value, as Map keys are: page 7 (-0) answers to 0.
    expect(Object.is(b.flagsAt(7 * P), 0)).toBe(true);
    expect(b.unmap(7 * P, 8 * P, 0).ok).toBe(true);
    // Another value, or a value that only converts to it, is not the same flags.
    expect(b.unmap(1 * P, 2 * P, 1).ok).toBe(false);
    expect(b.unmap(3 * P, 4 * P, 2 ** 40 + 1).ok).toBe(false);
    expect(b.unmap(0, P, '0' as unknown as number).ok).toBe(false);
    expect(b.protect(2 * P, 3 * P, -3, 1.5).ok).toBe(true);
    expect(b.flagsAt(2 * P)).toBe(1.5);
    expect(b.mappedPages).toBe(7);
  });

  test('65,535 distinct flags values fit; one more throws RangeError and changes nothing', () => {
    const b = new InMemoryBackend<number>();
    const LIMIT = 65_535;
    for (let i = 0; i < LIMIT; i++) expect(b.map(i * P, (i + 1) * P, i * 0.5).ok).toBe(true);
    expect(() => b.map(LIMIT * P, (LIMIT + 1) * P, -1)).toThrow(RangeError);
    expect(() => b.protect(0, P, 0, -1)).toThrow(RangeError);
    expect(b.flagsAt(LIMIT * P)).toBeUndefined();
    expect(b.flagsAt(0)).toBe(0);
    expect(b.mappedPages).toBe(LIMIT);
    // Values already held keep working, on new pages too.
    expect(b.map(LIMIT * P, (LIMIT + 2) * P, 7).ok).toBe(true);
    expect(b.flagsAt((LIMIT + 1) * P)).toBe(7);
  });

  test('a call that fails does not use up a code for its new flags value', () => {
    const b = new InMemoryBackend<number>();
    expect(b.map(0, P, 1).ok).toBe(true);
    // 70,000 failed calls with new values: maps over a mapped page, and
    // protects of pages that do not hold the stated flags.
    for (let i = 0; i < 35_000; i++) {
      expect(b.map(0, P, 10 + i).ok).toBe(false);
      expect(b.protect(0, P, 2, 100_000 + i).ok).toBe(false);
    }
    expect(b.map(P, 2 * P, 3.25).ok).toBe(true);
    expect(b.protect(0, P, 1, 4.5).ok).toBe(true);
    expect(b.flagsAt(0)).toBe(4.5);
    expect(b.flagsAt(P)).toBe(3.25);
  });
});
