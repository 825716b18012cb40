import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Access } from './access.js';
import type { PageTableMemory } from './memory.js';
import { PageTable } from './page-table.js';
import { PTE } from './pte-flags.js';
import { ALREADY_MAPPED, HUGE_PAGE_CONFLICT, OK, OUT_OF_MEMORY } from './results.js';
import { snapshotTables } from './test-support/inspect.js';
import { CountingFrames, MapMemory } from './test-support/memory.js';

const K4 = 0x1000;
const M2 = 0x20_0000;
const G1 = 0x4000_0000;
const RWU = PTE.PRESENT | PTE.WRITABLE | PTE.USER;

class CountingMemory implements PageTableMemory {
  calls = 0;
  readonly inner: MapMemory = new MapMemory();
  frameWords(pfn: number): Uint32Array {
    this.calls++;
    return this.inner.frameWords(pfn);
  }
}

function setup() {
  const memory = new MapMemory();
  const frames = new CountingFrames();
  const pt = new PageTable({ memory, frames });
  return { memory, frames, pt };
}

function leaves(pt: PageTable): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  pt.forEachMapping((va, pa, size, flags) => out.push([va, pa, size, flags]));
  return out;
}

describe('mapRegion', () => {
  test('4 KiB leaves by default, consecutive frames', () => {
    const { pt } = setup();
    expect(pt.mapRegion(G1, 0x10_0000, 3 * K4, RWU)).toBe(OK);
    expect(leaves(pt)).toEqual([
      [G1, 0x10_0000, K4, RWU],
      [G1 + K4, 0x10_1000, K4, RWU],
      [G1 + 2 * K4, 0x10_2000, K4, RWU],
    ]);
  });

  test('huge: 1 GiB and 2 MiB leaves where va, pa and the range allow', () => {
    const { pt } = setup();
    const va = 2 * G1 - M2 - K4;
    const pa = 5 * G1 - M2 - K4;
    const size = K4 + M2 + G1 + M2 + K4;
    expect(pt.mapRegion(va, pa, size, RWU, { huge: true })).toBe(OK);
    expect(leaves(pt).map(([v, p, s]) => [v, p, s])).toEqual([
      [va, pa, K4],
      [2 * G1 - M2, 5 * G1 - M2, M2],
      [2 * G1, 5 * G1, G1],
      [3 * G1, 6 * G1, M2],
      [3 * G1 + M2, 6 * G1 + M2, K4],
    ]);
    pt.checkInvariants();
  });

  test('huge with maxPageSize 2 MiB never uses 1 GiB leaves', () => {
    const { pt } = setup();
    expect(pt.mapRegion(G1, G1, G1, RWU, { maxPageSize: M2 })).toBe(OK);
    const l = leaves(pt);
    expect(l).toHaveLength(512);
    expect(l.every(([, , s]) => s === M2)).toBe(true);
  });

  test('va and pa not congruent modulo 2 MiB: 4 KiB leaves only', () => {
    const { pt } = setup();
    expect(pt.mapRegion(G1, G1 + K4, 2 * M2, RWU, { huge: true })).toBe(OK);
    expect(leaves(pt)).toHaveLength(1024);
  });

  test('descends the tree once: memory calls do not grow with the page count', () => {
    const memory = new CountingMemory();
    const pt = new PageTable({ memory, frames: new CountingFrames() });
    memory.calls = 0;
    expect(pt.mapRegion(G1, 0, G1, RWU)).toBe(OK);
    // 512 page tables are created (zeroed: one call each) and filled; far below one call per page.
    expect(memory.calls).toBeLessThan(2 * 512 + 16);
    memory.calls = 0;
    pt.unmapRegion(G1, G1);
    expect(memory.calls).toBeLessThan(2 * 512 + 16);
    expect(pt.tableCount).toBe(1);
  });

  test('conflicts change nothing', () => {
    const { memory, frames, pt } = setup();
    pt.map(G1 + 5 * K4, 0x5000, K4, RWU);
    pt.map(2 * G1, 0, M2, RWU);
    const before = snapshotTables(memory, pt.rootPfn, 4);
    const inUse = frames.inUse;
    expect(pt.mapRegion(G1, 0x100_0000, 8 * K4, RWU)).toBe(ALREADY_MAPPED);
    expect(pt.mapRegion(2 * G1 - K4, 0x100_0000, 2 * K4, RWU)).toBe(HUGE_PAGE_CONFLICT);
    expect(pt.mapRegion(2 * G1 - M2, 0x100_0000, 2 * M2, RWU, { huge: true })).toBe(ALREADY_MAPPED);
    expect(frames.inUse).toBe(inUse);
    expect(snapshotTables(memory, pt.rootPfn, 4)).toEqual(before);
  });

  test('validation', () => {
    const { pt } = setup();
    expect(() => pt.mapRegion(G1 + 1, 0, K4, RWU)).toThrow(/0x40000001/);
    expect(() => pt.mapRegion(G1, 0, 0, RWU)).toThrow(/size/);
    expect(() => pt.mapRegion(G1, 0, 100, RWU)).toThrow(/100/);
    expect(() => pt.mapRegion(2 ** 48 - K4, 0, 2 * K4, RWU)).toThrow(/passes 2\^48/);
    expect(() => pt.mapRegion(G1, 2 ** 52 - K4, 2 * K4, RWU)).toThrow(/passes 2\^52/);
    expect(() => pt.mapRegion(G1, 0, K4, 1 << 24)).toThrow(RangeError);
    expect(() => pt.mapRegion(G1, 0, K4, RWU, { maxPageSize: 8192 as 4096 })).toThrow(/8192/);
  });

  test.each([1, 2, 3, 4, 5])('ENOMEM at allocation %i: nothing changed', (k) => {
    const { memory, frames, pt } = setup();
    pt.map(G1 + 100 * K4, 0x5000, K4, RWU);
    const before = snapshotTables(memory, pt.rootPfn, 4);
    const inUse = frames.inUse;
    frames.failOn(k);
    // Needs 5 tables: a PT for the page below 2 GiB, then a PD and 3 PTs above it.
    const r1 = pt.mapRegion(2 * G1 - K4, 0x100_0000, 2 * M2 + 2 * K4, RWU);
    expect(r1).toBe(OUT_OF_MEMORY);
    expect(frames.inUse).toBe(inUse);
    expect(snapshotTables(memory, pt.rootPfn, 4)).toEqual(before);
    // Needs 4 tables (PDPT, PD, 2 PTs): the 5th allocation is never made.
    frames.failOn(k);
    const r2 = pt.mapRegion(512 * G1, 0x100_0000, 2 * M2, RWU);
    expect(r2).toBe(k <= 4 ? OUT_OF_MEMORY : OK);
    frames.heal();
    pt.checkInvariants();
    expect(frames.inUse).toBe(pt.tableCount);
  });
});

describe('unmapRegion', () => {
  test('reports each removed leaf and frees emptied tables', () => {
    const { frames, pt } = setup();
    pt.mapRegion(G1, 0x100_0000, 4 * K4, RWU);
    pt.map(G1 + M2, 0x40_0000, M2, RWU | PTE.PAT);
    const removed: number[][] = [];
    expect(pt.unmapRegion(G1, 2 * M2, { onRemoved: (...a) => removed.push(a) })).toBe(OK);
    expect(removed).toEqual([
      [G1, 0x100_0000, K4, RWU],
      [G1 + K4, 0x100_1000, K4, RWU],
      [G1 + 2 * K4, 0x100_2000, K4, RWU],
      [G1 + 3 * K4, 0x100_3000, K4, RWU],
      [G1 + M2, 0x40_0000, M2, RWU | PTE.PAT],
    ]);
    expect(frames.inUse).toBe(1);
  });

  test('splits a 1 GiB leaf when a 4 KiB piece inside is removed', () => {
    const { frames, pt } = setup();
    pt.map(G1, 7 * G1, G1, RWU | PTE.PAT | PTE.GLOBAL);
    const removed: number[][] = [];
    const hole = G1 + 3 * M2 + 5 * K4;
    expect(pt.unmapRegion(hole, K4, { onRemoved: (...a) => removed.push(a) })).toBe(OK);
    expect(removed).toEqual([[hole, 7 * G1 + 3 * M2 + 5 * K4, K4, RWU | PTE.PAT | PTE.GLOBAL]]);
    const l = leaves(pt);
    expect(l.filter(([, , s]) => s === M2)).toHaveLength(511);
    expect(l.filter(([, , s]) => s === K4)).toHaveLength(511);
    expect(l.every(([v, p, , f]) => p - v === 6 * G1 && f === (RWU | PTE.PAT | PTE.GLOBAL))).toBe(
      true,
    );
    expect(frames.inUse).toBe(4); // root, PDPT, the new PD, the new PT
    expect(pt.translate(hole + K4, Access.USER_READ)).toBe(7 * G1 + 3 * M2 + 6 * K4);
    expect(-1 - pt.translate(hole, Access.USER_READ)).toBe(0x04);
    pt.checkInvariants();
  });

  test('a range inside one 2 MiB leaf splits it once', () => {
    const { frames, pt } = setup();
    pt.map(G1, 0, M2, RWU);
    frames.failOn(2); // only one table may be needed
    expect(pt.unmapRegion(G1 + K4, 2 * K4)).toBe(OK);
    expect(leaves(pt)).toHaveLength(510);
  });

  test('is fast over a huge range with no tables', () => {
    const { pt } = setup();
    pt.map(3 * G1, 0x1000, K4, RWU);
    pt.map(2 ** 47 + 5 * G1, 0x2000, K4, RWU);
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) expect(pt.unmapRegion(2 ** 40, 2 ** 46)).toBe(OK);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(leaves(pt)).toHaveLength(2);
    expect(pt.unmapRegion(0, 2 ** 48)).toBe(OK);
    expect(pt.tableCount).toBe(1);
  });

  test.each([1, 2, 3, 4])('ENOMEM when split %i of 4 fails: nothing changed', (k) => {
    const { memory, frames, pt } = setup();
    pt.map(G1, 0, G1, RWU);
    pt.map(3 * G1, G1, G1, RWU);
    const before = snapshotTables(memory, pt.rootPfn, 4);
    const inUse = frames.inUse;
    frames.failOn(k);
    let called = 0;
    // Both edges fall inside 1 GiB leaves and inside 2 MiB pieces of them: 4 tables.
    const r = pt.unmapRegion(G1 + M2 + K4, 2 * G1, { onRemoved: () => called++ });
    expect(r).toBe(OUT_OF_MEMORY);
    expect(called).toBe(0);
    expect(frames.inUse).toBe(inUse);
    expect(snapshotTables(memory, pt.rootPfn, 4)).toEqual(before);
    frames.heal();
    expect(pt.unmapRegion(G1 + M2 + K4, 2 * G1)).toBe(OK);
    pt.checkInvariants();
    // [G1, G1 + 2M + 4K) and [3G + 2M + 4K, 4G) remain.
    expect(leaves(pt).reduce((n, [, , s]) => n + s, 0)).toBe(G1);
  });
});

describe('protectRegion', () => {
  test('set/clear on every leaf in range, holes skipped, huge pages split at the edges', () => {
    const { pt } = setup();
    pt.map(G1, 0, M2, RWU);
    pt.map(G1 + 3 * M2, 0x100_0000, K4, RWU);
    expect(
      pt.protectRegion(G1 + M2 - K4, 3 * M2, { clear: PTE.WRITABLE, set: PTE.NO_EXECUTE }),
    ).toBe(OK);
    const l = leaves(pt);
    expect(l).toHaveLength(513);
    expect(l.slice(0, 511).every(([, , s, f]) => s === K4 && f === RWU)).toBe(true);
    const ro = PTE.PRESENT | PTE.USER | PTE.NO_EXECUTE;
    expect(l[511]).toEqual([G1 + M2 - K4, M2 - K4, K4, ro]);
    expect(l[512]).toEqual([G1 + 3 * M2, 0x100_0000, K4, ro]);
  });

  test('replacing flags on a whole huge leaf keeps it whole', () => {
    const { pt, frames } = setup();
    pt.map(G1, G1, G1, RWU);
    const inUse = frames.inUse;
    expect(pt.protectRegion(G1, G1, { flags: PTE.PRESENT | PTE.PAT })).toBe(OK);
    expect(leaves(pt)).toEqual([[G1, G1, G1, PTE.PRESENT | PTE.PAT]]);
    expect(frames.inUse).toBe(inUse);
  });

  test('clearing PRESENT keeps frame and flags (PROT_NONE style), setting it back restores', () => {
    const { pt } = setup();
    pt.mapRegion(G1, 0x10_0000, 2 * K4, RWU);
    pt.protectRegion(G1, 2 * K4, { clear: PTE.PRESENT });
    expect(-1 - pt.translate(G1, Access.USER_READ)).toBe(0x04);
    expect(pt.query(G1)).toMatchObject({ pa: 0x10_0000, flags: PTE.WRITABLE | PTE.USER });
    pt.protectRegion(G1, 2 * K4, { set: PTE.PRESENT });
    expect(pt.translate(G1 + K4 + 1, Access.USER_WRITE)).toBe(0x10_1001);
  });

  test.each([1, 2])('ENOMEM on split %i: nothing changed', (k) => {
    const { memory, frames, pt } = setup();
    pt.map(G1, 0, G1, RWU);
    const before = snapshotTables(memory, pt.rootPfn, 4);
    frames.failOn(k);
    expect(pt.protectRegion(G1 + K4, K4, { clear: PTE.WRITABLE })).toBe(OUT_OF_MEMORY);
    expect(snapshotTables(memory, pt.rootPfn, 4)).toEqual(before);
    expect(frames.inUse).toBe(pt.tableCount);
  });
});

describe('clone (fork)', () => {
  test('copies every leaf into new tables; transform write-protects the copy, parentTransform the parent', () => {
    const { memory, frames, pt } = setup();
    pt.mapRegion(G1, 0x10_0000, 3 * K4, RWU);
    pt.map(2 * G1, 4 * M2, M2, RWU | PTE.DIRTY);
    pt.map(2 ** 47, 0x5000, K4, PTE.PRESENT | PTE.WRITABLE | PTE.GLOBAL);
    const cow = (va: number, _pa: number, _size: number, flags: number): number =>
      va >= 2 ** 47 ? flags : flags & ~PTE.WRITABLE;
    const child = pt.clone({ transform: cow, parentTransform: cow });
    if (!(child instanceof PageTable)) throw new Error('clone failed');
    expect(child.rootPfn).not.toBe(pt.rootPfn);
    expect(child.tableCount).toBe(pt.tableCount);
    const ro = RWU & ~PTE.WRITABLE;
    expect(leaves(child)).toEqual([
      [G1, 0x10_0000, K4, ro],
      [G1 + K4, 0x10_1000, K4, ro],
      [G1 + 2 * K4, 0x10_2000, K4, ro],
      [2 * G1, 4 * M2, M2, ro | PTE.DIRTY],
      [2 ** 47, 0x5000, K4, PTE.PRESENT | PTE.WRITABLE | PTE.GLOBAL],
    ]);
    expect(leaves(pt)).toEqual(leaves(child));
    // Separate tables: unmapping in the child leaves the parent alone.
    child.unmapRegion(G1, G1);
    expect(leaves(pt)).toHaveLength(5);
    const snapshot = snapshotTables(memory, child.rootPfn, 4);
    expect([...snapshot.keys()].some((pfn) => snapshotTables(memory, pt.rootPfn, 4).has(pfn))).toBe(
      false,
    );
    child.destroy();
    pt.destroy();
    expect(frames.inUse).toBe(0);
  });

  test('a transform returning -1 leaves the leaf out, and no empty table is kept', () => {
    const { pt } = setup();
    pt.map(G1, 0x1000, K4, RWU);
    pt.map(3 * G1, 0x2000, K4, RWU);
    const child = pt.clone({ transform: (va, _pa, _s, f) => (va === G1 ? -1 : f) }) as PageTable;
    expect(leaves(child)).toEqual([[3 * G1, 0x2000, K4, RWU]]);
    child.checkInvariants();
    expect(child.tableCount).toBe(4);
  });

  test('into another frame source', () => {
    const { pt } = setup();
    pt.map(G1, 0x1000, K4, RWU);
    const other = new CountingFrames(0x10_0000);
    const child = pt.clone({ frames: other }) as PageTable;
    expect(other.inUse).toBe(4);
    expect(child.rootPfn).toBeGreaterThanOrEqual(0x10_0000);
    child.destroy();
    expect(other.inUse).toBe(0);
  });

  test.each([1, 2, 4, 5])('ENOMEM at allocation %i: nothing happened, no callback ran', (k) => {
    const { memory, frames, pt } = setup();
    pt.mapRegion(G1, 0x10_0000, 3 * K4, RWU);
    pt.map(2 ** 47, 0x5000, K4, RWU);
    const before = snapshotTables(memory, pt.rootPfn, 4);
    const inUse = frames.inUse;
    frames.failOn(k);
    let calls = 0;
    const r = pt.clone({
      transform: (_v, _p, _s, f) => {
        calls++;
        return f;
      },
      parentTransform: (_v, _p, _s, f) => {
        calls++;
        return f & ~PTE.WRITABLE;
      },
    });
    expect(r).toBe(OUT_OF_MEMORY);
    expect(calls).toBe(0);
    expect(frames.inUse).toBe(inUse);
    expect(snapshotTables(memory, pt.rootPfn, 4)).toEqual(before);
  });
});

describe('mapRegion table planning', () => {
  // Builds a table with the same earlier maps each time, so that two tables differ
  // only in their frame source.
  function prepared(pre: readonly (readonly [number, number, boolean])[], frames: CountingFrames) {
    const memory = new MapMemory();
    const pt = new PageTable({ memory, frames });
    for (const [va, size, huge] of pre) pt.mapRegion(va, va, size, RWU, { huge });
    return { memory, pt };
  }

  test('asks for exactly the tables it then uses, beside existing tables and under fresh ones', () => {
    // Small regions anywhere in a 64 GiB window (4 KiB leaves, or huge ones where
    // they fit), and big ones whose pa keeps va's 2 MiB alignment (huge leaves in
    // the middle, so that the leaves written stay few).
    const va = fc
      .integer({ min: 0, max: 16 * 1024 * 1024 - 1 })
      .map((p) => 0x10_0000_0000 + p * K4);
    const small = fc.tuple(
      va,
      fc.integer({ min: 1, max: 1024 }).map((p) => p * K4),
      fc.boolean(),
      fc.constantFrom(0, K4, M2, G1),
    );
    const big = fc.tuple(
      fc.oneof(
        va,
        fc.integer({ min: 0, max: 63 }).map((g) => 0x10_0000_0000 + g * G1),
      ),
      fc.constantFrom(8 * M2, G1, G1 + 2 * M2, 2 * G1 - K4, 3 * G1),
      fc.constant(true),
      fc.constantFrom(0, M2, G1),
    );
    const region = fc.oneof(small, big);
    fc.assert(
      fc.property(fc.array(region, { maxLength: 4 }), region, (pre, [va, size, huge, paShift]) => {
        const pa = va + paShift;
        const maps = pre.map(([v, n, h]) => [v, n, h] as const);
        const first = new CountingFrames();
        const a = prepared(maps, first);
        const before = first.inUse;
        const r = a.pt.mapRegion(va, pa, size, RWU, { huge });
        if (r !== OK) return; // overlaps an earlier map: nothing to count
        const used = first.inUse - before;
        if (used > 0) {
          // One table fewer than it used: OUT_OF_MEMORY, nothing changed.
          const short = new CountingFrames();
          const b = prepared(maps, short);
          const snap = snapshotTables(b.memory, b.pt.rootPfn, 4);
          const inUse = short.inUse;
          short.failAt = used;
          short.allocations = 0;
          expect(b.pt.mapRegion(va, pa, size, RWU, { huge })).toBe(OUT_OF_MEMORY);
          expect(snapshotTables(b.memory, b.pt.rootPfn, 4)).toEqual(snap);
          expect(short.inUse).toBe(inUse);
        }
        // Exactly the tables it used: the map succeeds and leaves the same leaves.
        const exact = new CountingFrames();
        const c = prepared(maps, exact);
        exact.failAt = used + 1;
        exact.allocations = 0;
        expect(c.pt.mapRegion(va, pa, size, RWU, { huge })).toBe(OK);
        expect(leaves(c.pt)).toEqual(leaves(a.pt));
        c.pt.checkInvariants();
      }),
      { numRuns: 150, seed: 4242 },
    );
  });

  test('a region of 2^47 bytes (4-level) or 2^52 (5-level) answers OUT_OF_MEMORY without visiting every missing table', () => {
    // Planning counts the tables under an entry covered whole once for all such
    // entries; visiting each (2^26 page-directory entries for 2^47 bytes, 2^31 for
    // 2^52) took seconds, or minutes, before the first frame was asked for.
    for (const [levels, size] of [
      [4, 2 ** 47],
      [5, 2 ** 52],
    ] as const) {
      const memory = new MapMemory();
      const frames = new CountingFrames();
      const pt = new PageTable({ memory, frames, levels });
      const snap = snapshotTables(memory, pt.rootPfn, levels);
      frames.failAt = 1000;
      frames.allocations = 0;
      expect(pt.mapRegion(0, 0, size, RWU)).toBe(OUT_OF_MEMORY);
      expect(snapshotTables(memory, pt.rootPfn, levels)).toEqual(snap);
      expect(frames.inUse).toBe(1);
      expect(pt.tableCount).toBe(1);
    }
  });
});
