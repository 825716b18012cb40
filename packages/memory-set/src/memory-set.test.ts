import { Mulberry32 } from '@vmem/bench-kit';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { InMemoryBackend } from './in-memory-backend.js';
import type { MappingBackend } from './mapping-backend.js';
import { MemoryArea } from './memory-area.js';
import { type FreeAreaOptions, MemorySet, type MemorySetOptions } from './memory-set.js';
import { PageTableBackend } from './page-table-backend.js';
import { failure, OK, type Result } from './result.js';
import { FailingBackend } from './test-support/failing-backend.js';
import { type FilePage, OffsetBackend } from './test-support/offset-backend.js';
import { PageModel } from './test-support/page-model.js';
import { newPageTable } from './test-support/page-table-fixture.js';
import { R, render, renderPages, W, X } from './test-support/render.js';

const P = 4096;
const BASE = 0x10000;
const pg = (i: number): number => BASE + i * P;

type AnySet = MemorySet<number, MappingBackend<number>>;
type AnyArea = MemoryArea<number, MappingBackend<number>>;

/** One backend under test: how to make areas for it and how to check it against a set. */
interface Harness {
  readonly name: string;
  newSet(options?: MemorySetOptions): AnySet;
  area(start: number, end: number, flags: number): AnyArea;
  flagsAt(addr: number): number | undefined;
  mappedPages(): number;
  check(set: AnySet): void;
  /** Resources the backend still holds once the set is empty (page-table frames). */
  held?(): number;
}

function sharedHarness(): Harness {
  const backend = new InMemoryBackend<number>();
  return {
    name: 'InMemoryBackend',
    newSet: (options) => new MemorySet(options),
    area: (start, end, flags) => new MemoryArea(start, end, flags, backend),
    flagsAt: (addr) => backend.flagsAt(addr),
    mappedPages: () => backend.mappedPages,
    check(set) {
      let pages = 0;
      for (const a of set) {
        expect(a.backend).toBe(backend);
        for (let addr = a.start; addr < a.end; addr += P)
          expect(backend.flagsAt(addr)).toBe(a.flags);
        pages += (a.end - a.start) / P;
      }
      expect(backend.mappedPages).toBe(pages);
    },
  };
}

function offsetHarness(): Harness {
  const store = new Map<number, FilePage>();
  // File offsets follow addresses, so adjacent areas are always file-contiguous.
  const fileOffset = (addr: number): number => addr / P + 1000;
  return {
    name: 'OffsetBackend',
    newSet: (options) => new MemorySet(options),
    area: (start, end, flags) =>
      new MemoryArea(start, end, flags, new OffsetBackend(store, start, end, fileOffset(start))),
    flagsAt: (addr) => store.get(addr / P)?.flags,
    mappedPages: () => store.size,
    check(set) {
      let pages = 0;
      const seen = new Set<unknown>();
      for (const a of set) {
        const b = a.backend as OffsetBackend;
        expect(seen.has(b)).toBe(false);
        seen.add(b);
        expect([b.areaStart, b.areaEnd]).toEqual([a.start, a.end]);
        for (let addr = a.start; addr < a.end; addr += P) {
          expect(store.get(addr / P)).toEqual({ flags: a.flags, filePage: fileOffset(addr) });
          expect(b.offset + (addr - b.areaStart) / P).toBe(fileOffset(addr));
        }
        pages += (a.end - a.start) / P;
      }
      expect(store.size).toBe(pages);
    },
  };
}

// Physical = virtual + 1 GiB.
const PA_OFFSET = 0x4000_0000;

function pageTableHarness(): Harness {
  const { table, frames } = newPageTable();
  const backend = new PageTableBackend(table, { paOffset: PA_OFFSET });
  const flagsAt = (addr: number): number | undefined => {
    const leaf = table.query(addr);
    return leaf.ok ? leaf.flags : undefined;
  };
  const mappedPages = (): number => {
    let pages = 0;
    table.forEachMapping((_va, _pa, size) => {
      pages += size / P;
    });
    return pages;
  };
  return {
    name: 'PageTableBackend',
    // Table frames beyond the root.
    held: () => frames.inUse - 1,
    newSet: (options) => new MemorySet(options),
    area: (start, end, flags) => new MemoryArea(start, end, flags, backend),
    flagsAt,
    mappedPages,
    check(set) {
      let pages = 0;
      for (const a of set) {
        for (let addr = a.start; addr < a.end; addr += P) {
          const leaf = table.query(addr);
          expect(leaf.ok && leaf.pa + (addr - leaf.va)).toBe(addr + PA_OFFSET);
          expect(leaf.ok && leaf.flags).toBe(a.flags);
        }
        pages += (a.end - a.start) / P;
      }
      expect(mappedPages()).toBe(pages);
      table.checkInvariants();
    },
  };
}

const harnesses: (() => Harness)[] = [sharedHarness, offsetHarness, pageTableHarness];

function expectLayout(set: AnySet, h: Harness, drawing: string): void {
  set.checkInvariants();
  h.check(set);
  expect(render(set, BASE, drawing.length)).toBe(drawing);
  expect(renderPages(h.flagsAt, BASE, drawing.length)).toBe(drawing.toLowerCase());
}

// The set's areas (in pages from BASE) are the model's, merged when the set merges.
function expectModel(set: AnySet, h: Harness, model: PageModel, merge: boolean): void {
  const want = merge ? model.mergedAreas() : model.areas();
  expect(
    [...set].map((a) => ({
      start: (a.start - BASE) / P,
      end: (a.end - BASE) / P,
      flags: a.flags,
    })),
  ).toEqual(want);
  set.checkInvariants();
  h.check(set);
}

describe.each(harnesses.map((make) => [make().name, make] as const))(
  'MemorySet over %s',
  (_, make) => {
    test('map places areas; overlap answers EEXIST and changes nothing', () => {
      const h = make();
      const set = h.newSet();
      expect(set.map(h.area(pg(0), pg(4), W))).toBe(OK);
      expect(set.map(h.area(pg(6), pg(8), R))).toBe(OK);
      expectLayout(set, h, 'Wwww..Rr....');
      expect(set.map(h.area(pg(3), pg(5), X))).toEqual({ ok: false, errno: 'EEXIST' });
      expect(set.map(h.area(pg(5), pg(7), X))).toEqual({ ok: false, errno: 'EEXIST' });
      expectLayout(set, h, 'Wwww..Rr....');
      expect(set.map(h.area(pg(4), pg(6), X)).ok).toBe(true);
      expectLayout(set, h, 'WwwwXxRr....');
      expect(set.size).toBe(3);
      expect(set.find(pg(5) + 17)?.start).toBe(pg(4));
      expect(set.find(pg(8))).toBeUndefined();
      expect([...set].map((a) => a.flags)).toEqual([W, X, R]);
      expect([...set.overlapping(pg(5), pg(7))].map((a) => a.start)).toEqual([pg(4), pg(6)]);
    });

    test('map with replace cuts what it overlaps', () => {
      const h = make();
      const set = h.newSet();
      set.map(h.area(pg(0), pg(8), W));
      expect(set.map(h.area(pg(2), pg(5), R), { replace: true })).toBe(OK);
      expectLayout(set, h, 'WwRrrWww....');
      expect(set.size).toBe(3);
      set.map(h.area(pg(9), pg(11), X));
      expect(set.map(h.area(pg(4), pg(10), X), { replace: true })).toBe(OK);
      expectLayout(set, h, 'WwRrXxxxxxX.');
      expect(set.map(h.area(pg(0), pg(12), R), { replace: true })).toBe(OK);
      expectLayout(set, h, 'Rrrrrrrrrrrr');
      expect(set.size).toBe(1);
    });

    test('unmap removes, trims and splits; holes are fine', () => {
      const h = make();
      const set = h.newSet();
      set.map(h.area(pg(0), pg(8), W));
      expect(set.unmap(pg(2), 2 * P)).toBe(OK);
      expectLayout(set, h, 'Ww..Wwww....');
      expect(set.unmap(pg(0), P)).toBe(OK);
      expectLayout(set, h, '.W..Wwww....');
      expect(set.unmap(pg(7), 3 * P)).toBe(OK);
      expectLayout(set, h, '.W..Www.....');
      expect(set.unmap(pg(9), P)).toBe(OK);
      expectLayout(set, h, '.W..Www.....');
      expect(set.unmap(pg(1), 5 * P)).toBe(OK);
      expectLayout(set, h, '......W.....');
      expect(set.clear()).toBe(OK);
      expectLayout(set, h, '............');
      expect(set.size).toBe(0);
      expect(h.mappedPages()).toBe(0);
    });

    test('protect splits at the bounds, skips holes and unchanged areas', () => {
      const h = make();
      const set = h.newSet();
      set.map(h.area(pg(0), pg(8), W));
      expect(set.protect(pg(2), 2 * P, R)).toBe(OK);
      expectLayout(set, h, 'WwRrWwww....');
      expect(set.protect(pg(0), 8 * P, R)).toBe(OK);
      expectLayout(set, h, 'RrRrRrrr....');
      set.unmap(pg(4), 2 * P);
      expectLayout(set, h, 'RrRr..Rr....');
      expect(set.protect(pg(1), 6 * P, X)).toBe(OK);
      expectLayout(set, h, 'RXXx..XR....');
      // Already X: no change, no split.
      expect(set.protect(pg(3), P, X)).toBe(OK);
      expectLayout(set, h, 'RXXx..XR....');
      // A function update; undefined leaves an area alone.
      expect(set.protect(pg(0), 8 * P, (f) => (f === X ? W : undefined))).toBe(OK);
      expectLayout(set, h, 'RWWw..WR....');
      expect(set.protect(pg(9), 3 * P, R)).toBe(OK);
      expectLayout(set, h, 'RWWw..WR....');
      // A bad update is refused before anything, over a hole as over areas.
      expect(() => set.protect(pg(9), 3 * P, Number.NaN)).toThrow(TypeError);
      expect(() => set.protect(pg(9), 3 * P, '3' as unknown as number)).toThrow(TypeError);
      expect(() => set.protect(pg(0), 8 * P, null as unknown as number)).toThrow(TypeError);
      expectLayout(set, h, 'RWWw..WR....');
    });

    test('with merging on, compatible neighbours become one area', () => {
      const h = make();
      const set = h.newSet({ merge: true });
      set.map(h.area(pg(0), pg(2), W));
      set.map(h.area(pg(2), pg(4), W));
      expectLayout(set, h, 'Wwww........');
      set.map(h.area(pg(4), pg(6), R));
      expectLayout(set, h, 'WwwwRr......');
      set.protect(pg(4), 2 * P, W);
      expectLayout(set, h, 'Wwwwww......');
      set.protect(pg(2), P, R);
      expectLayout(set, h, 'WwRWww......');
      set.protect(pg(0), 6 * P, W);
      expectLayout(set, h, 'Wwwwww......');
      set.unmap(pg(2), P);
      expectLayout(set, h, 'Ww.Www......');
      set.map(h.area(pg(2), pg(3), W));
      expectLayout(set, h, 'Wwwwww......');
      set.map(h.area(pg(1), pg(5), W), { replace: true });
      expectLayout(set, h, 'Wwwwww......');
      expect(set.size).toBe(1);
    });

    test('argument misuse throws and changes nothing', () => {
      const h = make();
      const set = h.newSet({ low: pg(0), high: pg(16) });
      set.map(h.area(pg(0), pg(2), W));
      expect(() => set.map(h.area(pg(0) + 1, pg(3), W))).toThrow(/multiple of 4096/);
      expect(() => set.map(h.area(pg(3), pg(3), W))).toThrow(/positive/);
      expect(() => set.map(h.area(pg(15), pg(17), W))).toThrow(/outside/);
      expect(() => set.map(set.first()!)).toThrow(/already in a set/);
      expect(() => set.unmap(pg(0), 0)).toThrow(RangeError);
      expect(() => set.unmap(pg(0) - P, P)).toThrow(/outside/);
      expect(() => set.protect(pg(0), 100, R)).toThrow(/multiple/);
      expect(() => set.protect(pg(0), P, Number.NaN)).toThrow(TypeError);
      expect(() => set.protect(pg(0), P, () => 'x' as unknown as number)).toThrow(TypeError);
      expect(() => set.findFreeArea({ length: 0 })).toThrow(RangeError);
      expect(() => set.findFreeArea({ length: P, align: 3 * P })).toThrow(/power of two/);
      expect(() => set.findFreeArea({ length: P, align: 1024 })).toThrow(/power of two/);
      expect(() => set.findFreeArea({ length: P, alignOffset: 5 })).toThrow(/multiple/);
      expect(() => new MemorySet({ granule: 3000 })).toThrow(/power of two/);
      expect(() => new MemorySet({ low: 100 })).toThrow(/multiple/);
      expectLayout(set, h, 'Ww..');
    });

    test('seeded random operations agree with a page model (merging off and on)', () => {
      for (const merge of [false, true]) {
        for (const seed of [11, 12, 13]) {
          const h = make();
          const PAGES = 48;
          const set = h.newSet({ low: BASE, high: pg(PAGES), merge });
          const model = new PageModel(PAGES);
          const rng = new Mulberry32(seed);
          const flagsOf = [R, W, X];
          for (let step = 0; step < 600; step++) {
            const r = rng.rand(100);
            const s = rng.rand(PAGES);
            const n = 1 + rng.rand(Math.min(8, PAGES - s));
            const f = flagsOf[rng.rand(3)];
            if (r < 30) {
              const replace = rng.rand(2) === 0;
              const res = set.map(h.area(pg(s), pg(s + n), f), { replace });
              if (!replace && model.overlaps(s, s + n)) {
                expect(res).toEqual(failure('EEXIST'));
              } else {
                expect(res).toBe(OK);
                model.map(s, s + n, f);
              }
            } else if (r < 55) {
              expect(set.unmap(pg(s), n * P)).toBe(OK);
              model.unmap(s, s + n);
            } else if (r < 85) {
              expect(set.protect(pg(s), n * P, f)).toBe(OK);
              model.protect(s, s + n, f);
            } else {
              const topDown = rng.rand(2) === 0;
              const got = set.findFreeArea({ length: n * P, topDown });
              let want: number | undefined;
              for (let i = 0; i + n <= PAGES; i++) {
                if (!model.overlaps(i, i + n) && (want === undefined || topDown)) want = pg(i);
              }
              expect(got).toBe(want);
            }
            expectModel(set, h, model, merge);
          }
          expect(set.clear()).toBe(OK);
          expect(set.size).toBe(0);
          expect(h.mappedPages()).toBe(0);
        }
      }
    });

    test('seeded random operations on a tree several levels deep agree with a page model', () => {
      // Hundreds of areas: the one-area paths, the descent's finger and leaf
      // splits and merges all run across leaf and inner-node boundaries.
      for (const merge of [false, true]) {
        const h = make();
        const PAGES = 4096;
        const set = h.newSet({ low: BASE, high: pg(PAGES), merge });
        const model = new PageModel(PAGES);
        const rng = new Mulberry32(merge ? 22 : 21);
        const flagsOf = [R, W, X];
        for (let k = 0; k < PAGES; k += 4) {
          const f = flagsOf[k % 3];
          expect(set.map(h.area(pg(k), pg(k + 2), f))).toBe(OK);
          model.map(k, k + 2, f);
        }
        for (let step = 0; step < 4000; step++) {
          const r = rng.rand(100);
          const s = rng.rand(PAGES - 8);
          const n = 1 + rng.rand(8);
          const f = flagsOf[rng.rand(3)];
          if (r < 30) {
            expect(set.map(h.area(pg(s), pg(s + n), f), { replace: true })).toBe(OK);
            model.map(s, s + n, f);
          } else if (r < 55) {
            expect(set.unmap(pg(s), n * P)).toBe(OK);
            model.unmap(s, s + n);
          } else if (r < 85) {
            expect(set.protect(pg(s), n * P, f)).toBe(OK);
            model.protect(s, s + n, f);
          } else {
            // A free-area search, then the map and the unmap of what it found.
            const got = set.findFreeArea({ length: n * P, topDown: rng.rand(2) === 0 });
            if (got !== undefined) {
              expect(set.map(h.area(got, got + n * P, f))).toBe(OK);
              expect(set.find(got)?.start).toBeLessThanOrEqual(got);
              expect(set.unmap(got, n * P)).toBe(OK);
            }
          }
          if (step % 500 === 499) {
            expectModel(set, h, model, merge);
          }
        }
        expect(set.size).toBeGreaterThan(300);
      }
    });
  },
);

describe('PageTableBackend', () => {
  test('page-table ENOMEM leaves set and table unchanged, also after a replace', () => {
    const { table, frames } = newPageTable();
    const backend = new PageTableBackend(table);
    const set = new MemorySet<number, PageTableBackend>();
    expect(set.map(new MemoryArea(pg(0), pg(4), W, backend))).toBe(OK);
    const tables = frames.inUse;
    frames.exhausted = true;
    // A range in another 2 MiB needs a new page-table page.
    const far = 0x4000_0000;
    expect(set.map(new MemoryArea(far, far + P, W, backend))).toEqual(
      expect.objectContaining({ ok: false, errno: 'ENOMEM' }),
    );
    expect(set.map(new MemoryArea(pg(2), far + P, R, backend), { replace: true })).toEqual(
      expect.objectContaining({ ok: false, errno: 'ENOMEM' }),
    );
    expect(frames.inUse).toBe(tables);
    expect(render(set, BASE, 6)).toBe('Wwww..');
    for (let i = 0; i < 4; i++) expect(table.query(pg(i))).toMatchObject({ pa: pg(i), flags: W });
    expect(table.query(far).ok).toBe(false);
    frames.exhausted = false;
    expect(set.map(new MemoryArea(pg(2), far + P, R, backend), { replace: true })).toBe(OK);
    expect(render(set, BASE, 6)).toBe('WwRrrr');
    table.checkInvariants();
  });

  test('2 MiB leaves are split by the page table when an area is cut', () => {
    const { table } = newPageTable();
    const backend = new PageTableBackend(table, { maxPageSize: 0x20_0000 });
    const set = new MemorySet<number, PageTableBackend>();
    const base = 0x4000_0000;
    expect(set.map(new MemoryArea(base, base + 0x40_0000, W, backend))).toBe(OK);
    expect(table.query(base)).toMatchObject({ size: 0x20_0000, flags: W });
    expect(set.protect(base + 0x1000, 0x1000, R)).toBe(OK);
    expect(table.query(base)).toMatchObject({ size: 0x1000, flags: W, pa: base });
    expect(table.query(base + 0x1000)).toMatchObject({ size: 0x1000, flags: R, pa: base + 0x1000 });
    expect(table.query(base + 0x20_0000)).toMatchObject({ size: 0x20_0000, flags: W });
    expect(set.unmap(base + 0x30_0000, 0x1000)).toBe(OK);
    expect(table.query(base + 0x30_0000).ok).toBe(false);
    expect(table.query(base + 0x30_1000)).toMatchObject({ size: 0x1000, pa: base + 0x30_1000 });
    expect([...set].map((a) => [a.start - base, a.end - base, a.flags])).toEqual([
      [0, 0x1000, W],
      [0x1000, 0x2000, R],
      [0x2000, 0x30_0000, W],
      [0x30_1000, 0x40_0000, W],
    ]);
    table.checkInvariants();
  });

  test('misuse is refused', () => {
    const { table } = newPageTable();
    expect(() => new PageTableBackend({} as never)).toThrow(TypeError);
    expect(() => new PageTableBackend(table, { paOffset: 0.5 })).toThrow(RangeError);
    const backend = new PageTableBackend(table, { paOffset: -pg(1) });
    const set = new MemorySet<number, PageTableBackend>();
    expect(() => set.map(new MemoryArea(pg(0), pg(1), W, backend))).toThrow(RangeError);
    expect(set.size).toBe(0);
  });
});

describe('backend protocol', () => {
  test('a protect in the middle of an area: checks, then protect, then splits', () => {
    const b = new InMemoryBackend<number>({ record: true });
    const set = new MemorySet<number, InMemoryBackend<number>>();
    set.map(new MemoryArea(pg(0), pg(8), W, b));
    b.calls.length = 0;
    set.protect(pg(2), 2 * P, R);
    expect(b.calls).toEqual([
      { op: 'canSplit', args: [pg(0), pg(2), pg(8), W] },
      { op: 'canSplit', args: [pg(0), pg(4), pg(8), W] },
      { op: 'protect', args: [pg(2), pg(4), W, R] },
      { op: 'split', args: [pg(0), pg(2), pg(8), W] },
      { op: 'split', args: [pg(2), pg(4), pg(8), W] },
    ]);
  });

  test('an unmap in the middle: split for the upper piece, shrink of the lower', () => {
    const b = new InMemoryBackend<number>({ record: true });
    const set = new MemorySet<number, InMemoryBackend<number>>();
    set.map(new MemoryArea(pg(0), pg(8), W, b));
    b.calls.length = 0;
    set.unmap(pg(2), 2 * P);
    expect(b.calls).toEqual([
      { op: 'canSplit', args: [pg(0), pg(2), pg(8), W] },
      { op: 'canSplit', args: [pg(0), pg(4), pg(8), W] },
      { op: 'unmap', args: [pg(2), pg(4), W] },
      { op: 'split', args: [pg(0), pg(4), pg(8), W] },
      { op: 'shrink', args: [pg(0), pg(4), pg(0), pg(2), W] },
    ]);
  });

  test('merges are offered to the lower backend', () => {
    const b = new InMemoryBackend<number>({ record: true });
    const set = new MemorySet<number, InMemoryBackend<number>>({ merge: true });
    set.map(new MemoryArea(pg(0), pg(2), W, b));
    set.map(new MemoryArea(pg(2), pg(4), W, b));
    expect(b.calls.at(-1)).toEqual({ op: 'merge', args: [pg(0), pg(2), pg(4), W] });
    expect(set.size).toBe(1);
    // Different backend objects without a merge method stay apart.
    const plain: MappingBackend<number> = { map: () => OK, unmap: () => OK, protect: () => OK };
    const other: MappingBackend<number> = { map: () => OK, unmap: () => OK, protect: () => OK };
    const s2 = new MemorySet<number, MappingBackend<number>>({ merge: true });
    s2.map(new MemoryArea(pg(0), pg(2), W, plain));
    s2.map(new MemoryArea(pg(2), pg(4), W, other));
    s2.map(new MemoryArea(pg(4), pg(6), W, other));
    expect([...s2].map((a) => [a.start, a.end])).toEqual([
      [pg(0), pg(2)],
      [pg(2), pg(6)],
    ]);
  });

  test('derive keeps a subclass across splits', () => {
    class Tagged extends MemoryArea<number, InMemoryBackend<number>> {
      constructor(
        start: number,
        end: number,
        flags: number,
        backend: InMemoryBackend<number>,
        readonly tag: string,
      ) {
        super(start, end, flags, backend);
      }
      override derive(
        start: number,
        end: number,
        flags: number,
        backend: InMemoryBackend<number>,
      ): Tagged {
        return new Tagged(start, end, flags, backend, this.tag);
      }
    }
    const set = new MemorySet<number, InMemoryBackend<number>>();
    set.map(new Tagged(pg(0), pg(8), W, new InMemoryBackend(), 'heap'));
    set.protect(pg(2), P, R);
    expect([...set].map((a) => (a as Tagged).tag)).toEqual(['heap', 'heap', 'heap']);
  });
});

describe('transactional failures', () => {
  function threeAreas(): { set: MemorySet<number, FailingBackend>; b: FailingBackend } {
    const b = new FailingBackend();
    const set = new MemorySet<number, FailingBackend>();
    set.map(new MemoryArea(pg(0), pg(3), W, b));
    set.map(new MemoryArea(pg(4), pg(6), W, b));
    set.map(new MemoryArea(pg(6), pg(9), R, b));
    b.calls.length = 0;
    return { set, b };
  }
  const DRAWING = 'Www.WwRrr...';
  const same = (set: MemorySet<number, FailingBackend>, b: FailingBackend): void => {
    set.checkInvariants();
    expect(render(set, BASE, 12)).toBe(DRAWING);
    expect(renderPages((a) => b.flagsAt(a), BASE, 12)).toBe(DRAWING.toLowerCase());
  };

  test('protect failing on the 2nd piece undoes the 1st', () => {
    const { set, b } = threeAreas();
    b.failOn('protect', 2, 'ENOMEM');
    expect(set.protect(pg(1), 7 * P, X)).toEqual({ ok: false, errno: 'ENOMEM' });
    same(set, b);
    expect(b.calls.filter((c) => c.op === 'protect')).toEqual([
      { op: 'protect', args: [pg(1), pg(3), W, X] },
      { op: 'protect', args: [pg(4), pg(6), W, X, -1] },
      { op: 'protect', args: [pg(1), pg(3), X, W] },
    ]);
    expect(b.calls.some((c) => c.op === 'split')).toBe(false);
  });

  test('unmap failing on the 3rd piece maps the first two again', () => {
    const { set, b } = threeAreas();
    b.failOn('unmap', 3, 'EBUSY');
    expect(set.unmap(pg(2), 6 * P)).toEqual({ ok: false, errno: 'EBUSY' });
    same(set, b);
    expect(b.calls.filter((c) => c.op === 'map')).toEqual([
      { op: 'map', args: [pg(4), pg(6), W] },
      { op: 'map', args: [pg(2), pg(3), W] },
    ]);
  });

  test('map with replace failing after the unmaps restores what it replaced', () => {
    const { set, b } = threeAreas();
    b.failOn('map', 1, 'ENOMEM');
    expect(set.map(new MemoryArea(pg(2), pg(7), X, b), { replace: true })).toEqual(
      failure('ENOMEM'),
    );
    same(set, b);
    expect(set.find(pg(2))?.flags).toBe(W);
  });

  test('a refused split stops the operation before any mapping call', () => {
    const { set, b } = threeAreas();
    b.failOn('canSplit', 2, 'EINVAL');
    expect(set.protect(pg(1), 6 * P, X)).toEqual(failure('EINVAL'));
    same(set, b);
    expect(b.calls.map((c) => c.op)).toEqual(['canSplit', 'canSplit']);
    b.calls.length = 0;
    b.failOn('canSplit', 1, 'EINVAL');
    expect(set.unmap(pg(1), P)).toEqual(failure('EINVAL'));
    expect(set.map(new MemoryArea(pg(1), pg(2), R, b), { replace: true })).toEqual(OK);
    expect(render(set, BASE, 12)).toBe('WRW.WwRrr...');
  });

  test('a failed plain map changes nothing', () => {
    const { set, b } = threeAreas();
    b.failOn('map', 1, 'ENOMEM');
    expect(set.map(new MemoryArea(pg(10), pg(11), R, b))).toEqual(failure('ENOMEM'));
    same(set, b);
    expect(set.size).toBe(3);
  });

  test('a backend that throws is undone like a failure, then the error propagates', () => {
    const { set, b } = threeAreas();
    let protects = 0;
    const original = b.protect.bind(b);
    b.protect = (start, end, oldFlags, newFlags) => {
      if (++protects === 2) throw new Error('boom');
      return original(start, end, oldFlags, newFlags);
    };
    expect(() => set.protect(pg(1), 7 * P, X)).toThrow('boom');
    same(set, b);
    let maps = 0;
    const originalMap = b.map.bind(b);
    b.map = (start, end, flags) => {
      if (++maps === 1) throw new Error('bang');
      return originalMap(start, end, flags);
    };
    expect(() => set.map(new MemoryArea(pg(2), pg(7), X, b), { replace: true })).toThrow('bang');
    same(set, b);
  });

  test('a backend that cannot undo is reported loudly', () => {
    let calls = 0;
    const flaky: MappingBackend<number> = {
      map: () => OK,
      unmap: () => OK,
      protect: (): Result => (++calls >= 2 ? failure('EIO') : OK),
    };
    const set = new MemorySet<number, MappingBackend<number>>();
    set.map(new MemoryArea(pg(0), pg(1), W, flaky));
    set.map(new MemoryArea(pg(2), pg(3), W, flaky));
    expect(() => set.protect(pg(0), 3 * P, R)).toThrow(/failed to undo/);
  });
});

describe('findFreeArea', () => {
  function layout(ranges: [number, number][], options: MemorySetOptions = {}): AnySet {
    const b = new InMemoryBackend<number>();
    const set: AnySet = new MemorySet({ low: pg(0), high: pg(64), ...options });
    for (const [s, e] of ranges) set.map(new MemoryArea(pg(s), pg(e), W, b));
    return set;
  }

  test('empty set: lowest or highest range of the window and limits', () => {
    const set = layout([], { high: pg(100) });
    expect(set.findFreeArea({ length: 2 * P })).toBe(pg(0));
    expect(set.findFreeArea({ length: 2 * P, topDown: true })).toBe(pg(98));
    expect(set.findFreeArea({ length: 2 * P, topDown: true, high: pg(50) })).toBe(pg(48));
    expect(set.findFreeArea({ length: 2 * P, low: pg(7) })).toBe(pg(7));
    expect(set.findFreeArea({ length: 101 * P })).toBeUndefined();
    expect(set.findFreeArea({ length: 100 * P, topDown: true })).toBe(pg(0));
  });

  // Gaps in pages: [0,4) [6,14) [15,24) [25,64).
  const ranges: [number, number][] = [
    [4, 6],
    [14, 15],
    [24, 25],
  ];

  test('gaps and limits', () => {
    const set = layout(ranges);
    expect(set.findFreeArea({ length: 3 * P, high: pg(40), topDown: true })).toBe(pg(37));
    expect(set.findFreeArea({ length: 9 * P, high: pg(24), topDown: true })).toBe(pg(15));
    expect(set.findFreeArea({ length: 10 * P, high: pg(24), topDown: true })).toBeUndefined();
    expect(set.findFreeArea({ length: 5 * P })).toBe(pg(6));
    expect(set.findFreeArea({ length: 5 * P, low: pg(10) })).toBe(pg(15));
    expect(set.findFreeArea({ length: 40 * P })).toBeUndefined();
  });

  test('alignment and align offset (absolute addresses; pg(i) is 4P-aligned when i % 4 == 0)', () => {
    const set = layout(ranges);
    // Bottom-up asks for 2 + 3 pages of slack: [0,4) is too small, [6,14) fits.
    expect(set.findFreeArea({ length: 2 * P, align: 4 * P })).toBe(pg(8));
    expect(set.findFreeArea({ length: 2 * P, align: 4 * P, alignOffset: P })).toBe(pg(9));
    expect(set.findFreeArea({ length: 2 * P, align: 4 * P, alignOffset: 5 * P })).toBe(pg(9));
    expect(set.findFreeArea({ length: 2 * P, align: 4 * P, high: pg(24), topDown: true })).toBe(
      pg(20),
    );
    expect(
      set.findFreeArea({
        length: 2 * P,
        align: 4 * P,
        alignOffset: P,
        high: pg(24),
        topDown: true,
      }),
    ).toBe(pg(21));
    // Like Linux, a gap that only fits without the worst-case slack is skipped.
    expect(set.findFreeArea({ length: 4 * P, align: 4 * P, high: pg(4), topDown: true })).toBe(
      undefined,
    );
  });

  // A grows-down "stack" at [40,44) wants 4 free pages below it; the area at
  // [20,22) is "grows-up" and wants 3 free pages above it.
  const guardRanges: [number, number][] = [
    [20, 22],
    [40, 44],
  ];
  const guardGap = {
    before: (a: AnyArea): number => (a.start === pg(40) ? 4 * P : 0),
    after: (a: AnyArea): number => (a.start === pg(20) ? 3 * P : 0),
  };

  test('top-down retries below a start guard and below an end guard', () => {
    const set = layout(guardRanges);
    const opts: FreeAreaOptions<AnyArea> = { length: 2 * P, topDown: true, guardGap };
    expect(set.findFreeArea({ ...opts, high: pg(40) })).toBe(pg(34));
    expect(set.findFreeArea({ ...opts, high: pg(40), guardGap: undefined })).toBe(pg(38));
    expect(set.findFreeArea(opts)).toBe(pg(62));
    expect(set.findFreeArea({ ...opts, high: pg(26) })).toBe(pg(18));
    expect(set.findFreeArea({ ...opts, high: pg(26), guardGap: undefined })).toBe(pg(24));
    expect(set.findFreeArea({ ...opts, low: pg(22), high: pg(26) })).toBeUndefined();
  });

  test('bottom-up retries above an intruding guard', () => {
    const set = layout(guardRanges);
    expect(set.findFreeArea({ length: 5 * P, low: pg(30), guardGap })).toBe(pg(30));
    expect(set.findFreeArea({ length: 7 * P, low: pg(30), guardGap })).toBe(pg(44));
    expect(set.findFreeArea({ length: 7 * P, low: pg(30) })).toBe(pg(30));
    expect(set.findFreeArea({ length: 3 * P, guardGap })).toBe(pg(0));
    expect(set.findFreeArea({ length: 3 * P, low: pg(21), guardGap })).toBe(pg(25));
  });

  test('fast-check: agrees with a linear scan of the gaps; guards of neighbours are respected', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 4 })), {
          maxLength: 14,
        }),
        fc.integer({ min: 0, max: 64 }),
        fc.integer({ min: 0, max: 64 }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom(1, 2, 4, 8),
        fc.integer({ min: 0, max: 7 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 14, maxLength: 14 }),
        (pieces, a, b, length, align, offset, topDown, guards) => {
          const lo = Math.min(a, b);
          const hi = Math.max(a, b);
          const ranges: [number, number][] = [];
          let cursor = 0;
          for (const [free, used] of pieces) {
            const s = cursor + free;
            if (s + used > 64) break;
            ranges.push([s, s + used]);
            cursor = s + used;
          }
          const set = layout(ranges);
          const opts = {
            length: length * P,
            low: pg(lo),
            high: pg(hi),
            align: align * P,
            alignOffset: offset * P,
            topDown,
          };
          // Reference without guards: scan the gaps (pages are absolute + 16).
          const gaps: [number, number][] = [];
          let prevEnd = 0;
          for (const [s, e] of ranges) {
            gaps.push([prevEnd, s]);
            prevEnd = e;
          }
          gaps.push([prevEnd, 64]);
          if (topDown) gaps.reverse();
          const slack = length + align - 1;
          let want: number | undefined;
          for (const [gs, ge] of gaps) {
            const cs = Math.max(gs, lo);
            const ce = Math.min(ge, hi);
            if (ce - cs < slack) continue;
            const abs = (x: number): number => x + 16;
            const m = (x: number): number => ((x % align) + align) % align;
            want = topDown ? ce - length - m(abs(ce - length) - offset) : cs + m(offset - abs(cs));
            break;
          }
          expect(set.findFreeArea(opts)).toBe(want === undefined ? undefined : pg(want));

          // With guards: whatever is found is free, aligned, inside the
          // limits and outside the guards of the areas on either side.
          const areas = [...set];
          const guardOf = (x: AnyArea): number => guards[areas.indexOf(x)] * P;
          const guardGap = { before: guardOf, after: guardOf };
          const got = set.findFreeArea({ ...opts, guardGap });
          if (got === undefined) return;
          const end = got + length * P;
          expect(got >= pg(lo) && end <= pg(hi)).toBe(true);
          expect((((got / P - offset) % align) + align) % align).toBe(0);
          expect([...set.overlapping(got, end)]).toEqual([]);
          const below = areas.filter((x) => x.end <= got).at(-1);
          const above = areas.find((x) => x.start >= end);
          if (below !== undefined) expect(below.end + guardOf(below)).toBeLessThanOrEqual(got);
          if (above !== undefined) expect(above.start - guardOf(above)).toBeGreaterThanOrEqual(end);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
