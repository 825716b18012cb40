import { describe, expect, test } from 'vitest';
import { PageTable, PageTableOutOfMemoryError } from './page-table.js';
import { PTE, pkeyFlags } from './pte-flags.js';
import {
  ALREADY_MAPPED,
  HUGE_PAGE_CONFLICT,
  NOT_MAPPED,
  newLeaf,
  OK,
  OUT_OF_MEMORY,
} from './results.js';
import { entryPfn, indexAt, rawPath, snapshotTables } from './test-support/inspect.js';
import { CountingFrames, MapMemory } from './test-support/memory.js';

const K4 = 0x1000;
const M2 = 0x20_0000;
const G1 = 0x4000_0000;
const W = 0x1_0000_0000;
const RWU = PTE.PRESENT | PTE.WRITABLE | PTE.USER;

function setup(levels: 4 | 5 = 4) {
  const memory = new MapMemory();
  const frames = new CountingFrames();
  const pt = new PageTable({ memory, frames, levels });
  return { memory, frames, pt };
}

describe('construction', () => {
  test('allocates and zeroes a root; cr3 is root address | pcid', () => {
    const { memory, frames, pt } = setup();
    expect(frames.inUse).toBe(1);
    expect(pt.tableCount).toBe(1);
    expect(Array.from(memory.frameWords(pt.rootPfn)).every((w) => w === 0)).toBe(true);
    expect(pt.cr3()).toBe(pt.rootPfn * 4096);
    expect(pt.cr3({ pcid: 0x2a })).toBe(pt.rootPfn * 4096 + 0x2a);
    expect(() => pt.cr3({ pcid: 4096 })).toThrow(/4096/);
  });

  test('ENOMEM for the root: constructor throws, create() returns the result', () => {
    const memory = new MapMemory();
    const frames = new CountingFrames();
    frames.exhausted = true;
    expect(() => new PageTable({ memory, frames })).toThrow(PageTableOutOfMemoryError);
    expect(PageTable.create({ memory, frames })).toBe(OUT_OF_MEMORY);
  });

  test('rejects bad options', () => {
    const memory = new MapMemory();
    const frames = new CountingFrames();
    expect(() => new PageTable({ memory, frames, levels: 3 as 4 })).toThrow(/levels/);
    expect(() => new PageTable({ memory, frames, maxPhysAddrBits: 53 })).toThrow(/53/);
    expect(() => new PageTable({ memory: {} as MapMemory, frames })).toThrow(TypeError);
  });
});

describe('map: raw entries in memory', () => {
  test('4 KiB page: every level written as the SDM lays it out', () => {
    const { memory, pt } = setup();
    const va = 0x7f12_3456_7000;
    const pa = 0x8_7654_3000;
    const flags = RWU | PTE.GLOBAL | PTE.PAT | PTE.NO_EXECUTE | pkeyFlags(0xa) | PTE.SOFTWARE_11;
    expect(pt.map(va, pa, K4, flags)).toBe(OK);
    const path = rawPath(memory, pt.rootPfn, 4, va);
    expect(path.map((p) => p.level)).toEqual([4, 3, 2, 1]);
    expect(path.map((p) => p.index)).toEqual([0xfe, 0x48, 0x1a2, 0x167]);
    // Non-leaf entries: P, R/W, U/S set; PS, XD and everything else clear.
    for (const p of path.slice(0, 3)) {
      expect(p.lo & 0xfff).toBe(0x007);
      expect(p.hi & 0xfff0_0000).toBe(0);
    }
    const leaf = path[3];
    expect(leaf.lo).toBe(0x7654_3000 | 0x1 | 0x2 | 0x4 | 0x80 | 0x100 | 0x800);
    expect(leaf.hi).toBe((0x8 | (0xa << 27) | 0x8000_0000) >>> 0);
  });

  test('2 MiB page: PS (bit 7) set, PAT at bit 12, reserved 20:13 clear', () => {
    const { memory, pt } = setup();
    const va = W + 3 * M2;
    const pa = 0x1_2340_0000;
    expect(pt.map(va, pa, M2, RWU | PTE.PAT | PTE.DIRTY)).toBe(OK);
    const path = rawPath(memory, pt.rootPfn, 4, va);
    expect(path.length).toBe(3);
    const pde = path[2];
    expect(pde.lo).toBe((0x2340_0000 | 0x1000 | 0x80 | 0x40 | 0x7) >>> 0);
    expect(pde.hi).toBe(0x1);
  });

  test('1 GiB page: PS set, PAT at bit 12', () => {
    const { memory, pt } = setup();
    const va = 5 * G1;
    expect(pt.map(va, 3 * G1, G1, PTE.PRESENT | PTE.PAT)).toBe(OK);
    const path = rawPath(memory, pt.rootPfn, 4, va);
    expect(path.length).toBe(2);
    expect(path[1].lo).toBe((0xc000_0000 | 0x1000 | 0x80 | 0x1) >>> 0);
    expect(path[1].hi).toBe(0);
  });

  test('new table frames are zeroed (memory starts as garbage)', () => {
    const { memory, pt } = setup();
    pt.map(W, 0x5000, K4, RWU);
    for (const p of rawPath(memory, pt.rootPfn, 4, W)) {
      const words = memory.frameWords(p.pfn);
      for (let i = 0; i < 512; i++)
        if (i !== p.index) expect(words[2 * i] | words[2 * i + 1]).toBe(0);
    }
  });

  test('kernel-half address (>= 2^47) uses PML4 index >= 256', () => {
    const { memory, pt } = setup();
    const va = 0xffff_8000_0000_0000 - 0xffff_0000_0000_0000; // canonical 0xffff800000000000
    expect(va).toBe(2 ** 47);
    pt.map(va, 0x1000, K4, PTE.PRESENT | PTE.WRITABLE);
    expect(rawPath(memory, pt.rootPfn, 4, va)[0].index).toBe(256);
  });
});

describe('map: conflicts and validation', () => {
  test('ALREADY_MAPPED for the same slot, HUGE_PAGE_CONFLICT under a larger leaf', () => {
    const { pt } = setup();
    expect(pt.map(W, 0x1000, K4, RWU)).toBe(OK);
    expect(pt.map(W, 0x2000, K4, RWU)).toBe(ALREADY_MAPPED);
    expect(pt.map(W, 0, M2, RWU)).toBe(ALREADY_MAPPED); // a table of 4K pages is there
    expect(pt.map(W + G1, 0, M2, RWU)).toBe(OK);
    expect(pt.map(W + G1 + K4, 0x9000, K4, RWU)).toBe(HUGE_PAGE_CONFLICT);
    expect(pt.map(W + G1, 0x40_0000, M2, RWU)).toBe(ALREADY_MAPPED);
    expect(pt.map(2 * G1 * 8, 0, G1, RWU)).toBe(OK);
    expect(pt.map(2 * G1 * 8 + M2, 0, M2, RWU)).toBe(HUGE_PAGE_CONFLICT);
  });

  test.each([
    ['misaligned va', () => [W + 1, 0, K4, RWU], /0x100000001/],
    ['misaligned 2M va', () => [W + K4, 0, M2, RWU], /not aligned/],
    ['misaligned pa', () => [W, 0x1001, K4, RWU], /0x1001/],
    ['va beyond 2^48', () => [2 ** 48, 0, K4, RWU], /2\^48/],
    ['negative va', () => [-4096, 0, K4, RWU], /-4096/],
    ['pa beyond MAXPHYADDR', () => [W, 2 ** 52, K4, RWU], /2\^52/],
    ['bad page size', () => [W, 0, 8192, RWU], /8192/],
    ['flags beyond bit 23', () => [W, 0, K4, 0x100_0001], /0x1000001/],
    ['fractional flags', () => [W, 0, K4, 1.5], /1\.5/],
    ['NaN va', () => [Number.NaN, 0, K4, RWU], /NaN/],
  ] as const)('%s throws RangeError naming the value', (_name, args, message) => {
    const { pt, frames } = setup();
    const [va, pa, size, flags] = args();
    expect(() => pt.map(va, pa, size as 4096, flags)).toThrow(RangeError);
    expect(() => pt.map(va, pa, size as 4096, flags)).toThrow(message);
    expect(frames.inUse).toBe(1);
  });

  test('an all-zero entry is refused (frame 0, flags 0)', () => {
    const { pt } = setup();
    expect(() => pt.map(W, 0, K4, 0)).toThrow(/empty entry/);
    expect(pt.map(W, 0, K4, PTE.PRESENT)).toBe(OK);
  });

  test('respects a smaller MAXPHYADDR', () => {
    const memory = new MapMemory();
    const pt = new PageTable({ memory, frames: new CountingFrames(), maxPhysAddrBits: 36 });
    expect(pt.map(W, 2 ** 36 - 4096, K4, RWU)).toBe(OK);
    expect(() => pt.map(W + K4, 2 ** 36, K4, RWU)).toThrow(/2\^36/);
  });
});

describe('map: ENOMEM changes nothing', () => {
  test.each([1, 2, 3])('allocation %i of 3 fails: no table leaked, memory unchanged', (k) => {
    const { memory, frames, pt } = setup();
    pt.map(2 ** 47, 0x1000, K4, RWU); // unrelated mapping under another PML4 entry
    const before = snapshotTables(memory, pt.rootPfn, 4);
    const inUse = frames.inUse;
    frames.failOn(k);
    expect(pt.map(W + 0x8000_0000, 0x2000, K4, RWU)).toBe(OUT_OF_MEMORY);
    expect(frames.inUse).toBe(inUse);
    expect(snapshotTables(memory, pt.rootPfn, 4)).toEqual(before);
    frames.heal();
    expect(pt.map(W + 0x8000_0000, 0x2000, K4, RWU)).toBe(OK);
    pt.checkInvariants();
  });
});

describe('query, unmap, changeFlags, protect', () => {
  test('query reports the leaf of any size without touching A/D', () => {
    const { memory, pt } = setup();
    pt.map(W, 0x7000, K4, RWU);
    pt.map(W + G1, 0x4000_0000, M2, RWU | PTE.PAT);
    pt.map(8 * G1, 2 * G1, G1, PTE.PRESENT);
    expect(pt.query(W + 0x123)).toEqual({ ok: true, va: W, pa: 0x7000, size: K4, flags: RWU });
    expect(pt.query(W + G1 + 0x12345)).toEqual({
      ok: true,
      va: W + G1,
      pa: 0x4000_0000,
      size: M2,
      flags: RWU | PTE.PAT,
    });
    expect(pt.query(8 * G1 + 0x3fff_ffff)).toEqual({
      ok: true,
      va: 8 * G1,
      pa: 2 * G1,
      size: G1,
      flags: 1,
    });
    expect(pt.query(W + K4)).toBe(NOT_MAPPED);
    expect(pt.query(0)).toBe(NOT_MAPPED);
    const leafEntry = rawPath(memory, pt.rootPfn, 4, W)[3];
    expect(leafEntry.lo & (PTE.ACCESSED | PTE.DIRTY)).toBe(0);
  });

  test('query / unmap fill a caller-owned Leaf', () => {
    const { pt } = setup();
    pt.map(W, 0x7000, K4, RWU);
    const out = newLeaf();
    expect(pt.query(W, out)).toBe(out);
    expect(out.pa).toBe(0x7000);
    expect(pt.unmap(W, out)).toBe(out);
    expect(out).toEqual({ ok: true, va: W, pa: 0x7000, size: K4, flags: RWU });
  });

  test('unmap returns what was mapped and frees the tables that became empty', () => {
    const { memory, frames, pt } = setup();
    pt.map(W, 0x1000, K4, RWU);
    pt.map(W + K4, 0x2000, K4, RWU);
    expect(frames.inUse).toBe(4);
    expect(pt.unmap(W)).toEqual({ ok: true, va: W, pa: 0x1000, size: K4, flags: RWU });
    expect(frames.inUse).toBe(4); // PT still holds W + 4K
    expect(pt.unmap(W)).toBe(NOT_MAPPED);
    expect(pt.unmap(W + K4 + 5)).toEqual({
      ok: true,
      va: W + K4,
      pa: 0x2000,
      size: K4,
      flags: RWU,
    });
    expect(frames.inUse).toBe(1);
    expect(pt.tableCount).toBe(1);
    expect(memory.entry(pt.rootPfn, indexAt(W, 4))).toEqual([0, 0]);
    pt.checkInvariants();
  });

  test('unmap of an address inside a huge page removes the whole page', () => {
    const { frames, pt } = setup();
    pt.map(W, 0x20_0000, M2, RWU);
    expect(pt.unmap(W + 0x1234)).toEqual({ ok: true, va: W, pa: 0x20_0000, size: M2, flags: RWU });
    expect(frames.inUse).toBe(1);
  });

  test('changeFlags and protect keep the frame and size', () => {
    const { memory, pt } = setup();
    pt.map(W, 0x20_0000, M2, RWU | PTE.ACCESSED);
    expect(pt.changeFlags(W + 5, PTE.PRESENT | PTE.PAT)).toBe(OK);
    expect(pt.query(W)).toEqual({
      ok: true,
      va: W,
      pa: 0x20_0000,
      size: M2,
      flags: PTE.PRESENT | PTE.PAT,
    });
    expect(rawPath(memory, pt.rootPfn, 4, W)[2].lo).toBe(0x20_0000 | 0x1000 | 0x80 | 0x1);
    expect(pt.protect(W, { set: PTE.WRITABLE | PTE.NO_EXECUTE, clear: PTE.PAT })).toBe(OK);
    expect(pt.query(W)).toMatchObject({ flags: PTE.PRESENT | PTE.WRITABLE | PTE.NO_EXECUTE });
    expect(pt.protect(W + M2, { set: PTE.WRITABLE })).toBe(NOT_MAPPED);
    expect(() => pt.protect(W, { set: 1, clear: 1 })).toThrow(/overlap/);
    expect(() => pt.protect(W, { flags: 1, set: 2 } as never)).toThrow(TypeError);
    expect(() => pt.changeFlags(W, 1 << 24)).toThrow(RangeError);
  });

  test('a leaf with P cleared keeps its frame: still queried, unmapped, walked', () => {
    const { pt } = setup();
    pt.map(W, 0x9000, K4, RWU);
    expect(pt.protect(W, { clear: PTE.PRESENT })).toBe(OK);
    expect(pt.query(W)).toEqual({
      ok: true,
      va: W,
      pa: 0x9000,
      size: K4,
      flags: PTE.WRITABLE | PTE.USER,
    });
    expect(pt.map(W, 0x1000, K4, RWU)).toBe(ALREADY_MAPPED);
    expect(pt.translate(W, 4)).toBe(-1 - 0x4); // not-present fault, user read
    expect(pt.unmap(W)).toMatchObject({ pa: 0x9000 });
    expect(pt.tableCount).toBe(1);
  });
});

describe('sequential single-page fast path', () => {
  test('a page table freed and reused elsewhere is not written through a stale shortcut', () => {
    const { memory, frames, pt } = setup();
    pt.map(W, 0x1000, K4, RWU); // region R = [W, W + 2M), its PT remembered
    const ptOfR = rawPath(memory, pt.rootPfn, 4, W)[3].pfn;
    pt.unmap(W); // frees the PT (and PD, PDPT)
    pt.map(3 * G1, 0x2000, K4, RWU); // reuses freed frames, the PT frame among them
    expect(frames.inUse).toBe(4);
    expect(pt.map(W + K4, 0x3000, K4, RWU)).toBe(OK);
    const path = rawPath(memory, pt.rootPfn, 4, W + K4);
    expect(path).toHaveLength(4);
    expect(pt.query(3 * G1)).toEqual({ ok: true, va: 3 * G1, pa: 0x2000, size: K4, flags: RWU });
    expect([...pt.mappings()].map((l) => l.va)).toEqual([3 * G1, W + K4]);
    expect(ptOfR).toBeGreaterThan(0);
    pt.checkInvariants();
  });

  test('interleaved region operations keep map/unmap exact', () => {
    const { pt, frames } = setup();
    for (let i = 0; i < 8; i++) pt.map(W + i * K4, 0x10_0000 + i * K4, K4, RWU);
    pt.unmapRegion(W, 8 * K4);
    expect(pt.tableCount).toBe(1);
    expect(pt.unmap(W + K4)).toBe(NOT_MAPPED);
    expect(pt.map(W + K4, 0x5000, K4, RWU)).toBe(OK);
    pt.protectRegion(W, M2, { clear: PTE.WRITABLE });
    expect(pt.unmap(W + K4)).toMatchObject({ pa: 0x5000, flags: PTE.PRESENT | PTE.USER });
    expect(frames.inUse).toBe(1);
  });

  test('the cached 4 KiB and 2 MiB paths check pa as strictly as the walk', () => {
    for (const bits of [52, 36]) {
      const memory = new MapMemory();
      const pt = new PageTable({ memory, frames: new CountingFrames(), maxPhysAddrBits: bits });
      const limit = 2 ** bits;
      // One map of each size first, so that the next ones take the cached paths.
      expect(pt.map(W, 0, K4, RWU)).toBe(OK);
      expect(pt.map(2 * W, 0, M2, RWU)).toBe(OK);
      const bad4K = [-K4, -(2 ** 32), -(2 ** 32) + K4, limit, 2 ** 52, 2 ** 63, 2 ** 64, 2 ** 70];
      for (const pa of [...bad4K, K4 + 1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => pt.map(W + K4, pa, K4, RWU)).toThrow(RangeError);
      }
      const bad2M = [-M2, -(2 ** 32), limit, 2 ** 52, 2 ** 53, 2 ** 64, M2 + K4, M2 / 2];
      for (const pa of [...bad2M, Number.NaN, Number.NEGATIVE_INFINITY]) {
        expect(() => pt.map(2 * W + M2, pa, M2, RWU)).toThrow(RangeError);
      }
      expect(() => pt.map(2 * W + M2 + K4, M2, M2, RWU)).toThrow(RangeError);
      expect(() => pt.map(W + 2 * K4, K4, K4, 0x100_0000)).toThrow(RangeError);
      expect(() => pt.map(2 * W + 2 * M2, M2, M2, -1)).toThrow(RangeError);
      // The largest frames below MAXPHYADDR, and -0 taken as 0.
      expect(pt.map(W + K4, limit - K4, K4, RWU)).toBe(OK);
      expect(pt.map(2 * W + M2, limit - M2, M2, RWU | PTE.PAT)).toBe(OK);
      expect(pt.map(2 * W + 2 * M2, -0, M2, RWU)).toBe(OK);
      expect(pt.query(W + K4)).toEqual({
        ok: true,
        va: W + K4,
        pa: limit - K4,
        size: K4,
        flags: RWU,
      });
      expect(pt.query(2 * W + M2 + 5)).toEqual({
        ok: true,
        va: 2 * W + M2,
        pa: limit - M2,
        size: M2,
        flags: RWU | PTE.PAT,
      });
      // PAT moves to bit 12 of a 2 MiB leaf; PS is set; the high flags land in bits 52-63.
      const high = PTE.NO_EXECUTE | pkeyFlags(9) | PTE.GLOBAL;
      expect(pt.map(2 * W + 3 * M2, 3 * M2, M2, RWU | high)).toBe(OK);
      const [lo, hi] = memory.entry(rawPath(memory, pt.rootPfn, 4, 2 * W)[2].pfn, 3);
      expect(lo >>> 0).toBe((3 * M2 + 0x80 + 0x100 + RWU) >>> 0);
      expect(hi >>> 0).toBe(((high >>> 12) << 20) >>> 0);
      expect(pt.map(2 * W + 3 * M2, 5 * M2, M2, RWU)).toBe(ALREADY_MAPPED);
      expect(pt.map(W + K4, 0x5000, K4, RWU)).toBe(ALREADY_MAPPED);
      // 4 KiB frame numbers of 2^31 and above (pa >= 2^43) leave the inline path for
      // the walk: the same checks, the same entries.
      const wide = [2 ** 31 + K4, 2 ** 43 - K4, 2 ** 43, 2 ** 43 + K4, 2 ** 51 + 2 ** 31];
      for (const [i, pa] of wide.entries()) {
        const va = W + (8 + i) * K4;
        if (pa >= limit) {
          expect(() => pt.map(va, pa, K4, RWU | high)).toThrow(RangeError);
          continue;
        }
        expect(pt.map(va, pa, K4, RWU | high)).toBe(OK);
        expect(pt.query(va)).toEqual({ ok: true, va, pa, size: K4, flags: RWU | high });
      }
      pt.checkInvariants();
    }
  });
});

describe('walk, dump, destroy', () => {
  test('forEachMapping and mappings() list leaves in address order, optionally in a range', () => {
    const { pt } = setup();
    pt.map(5 * G1, 0, G1, RWU);
    pt.map(W + M2, 0x40_0000, M2, RWU);
    pt.map(W, 0x1000, K4, RWU);
    pt.map(2 ** 47, 0x2000, K4, PTE.PRESENT);
    const seen: number[][] = [];
    pt.forEachMapping((va, pa, size, flags) => seen.push([va, pa, size, flags]));
    expect(seen).toEqual([
      [W, 0x1000, K4, RWU],
      [W + M2, 0x40_0000, M2, RWU],
      [5 * G1, 0, G1, RWU],
      [2 ** 47, 0x2000, K4, 1],
    ]);
    expect([...pt.mappings()].map((l) => l.va)).toEqual([W, W + M2, 5 * G1, 2 ** 47]);
    expect([...pt.mappings({ va: W + K4, size: M2 })].map((l) => l.va)).toEqual([W + M2]);
    // Leaves that overlap the range are listed whole.
    expect([...pt.mappings({ va: 5 * G1 + M2, size: K4 })].map((l) => l.va)).toEqual([5 * G1]);
  });

  test('dump: one line per entry in use', () => {
    const { pt } = setup();
    pt.map(W, 0x5000, K4, RWU | PTE.GLOBAL);
    pt.map(2 ** 47 + M2, 0x20_0000, M2, PTE.PRESENT | PTE.NO_EXECUTE);
    const root = pt.rootPfn;
    const lines = pt.dump().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toMatch(
      /^PML4\[ {2}0\] 0x0000000000000000-0x0000007fffffffff table frame=0x[0-9a-f]+ P RW US$/,
    );
    expect(lines[3]).toBe(
      '      PT[  0] 0x0000000100000000-0x0000000100000fff 4K pa=0x5000 P RW US G',
    );
    expect(lines[4]).toMatch(/^PML4\[256\] 0xffff800000000000-0xffff807fffffffff table/);
    expect(lines[6]).toBe('    PD[  1] 0xffff800000200000-0xffff8000003fffff 2M pa=0x200000 P XD');
    expect(root).toBeGreaterThan(0);
  });

  test('destroy frees every table frame, root included, and reports leaves', () => {
    const { frames, pt } = setup();
    const start = frames.inUse - 1;
    pt.mapRegion(W, 0x1000_0000, 8 * M2 + 3 * K4, RWU, { huge: true });
    pt.map(2 ** 47, 0x1000, K4, RWU);
    const leaves: number[] = [];
    pt.destroy({ onLeaf: (va) => leaves.push(va) });
    expect(frames.inUse).toBe(start);
    expect(leaves).toEqual([
      ...Array.from({ length: 8 }, (_, i) => W + i * M2),
      W + 8 * M2,
      W + 8 * M2 + K4,
      W + 8 * M2 + 2 * K4,
      2 ** 47,
    ]);
    expect(pt.destroyed).toBe(true);
    expect(() => pt.map(W, 0, K4, RWU)).toThrow(/destroy/);
    expect(() => pt.map(W, 0, K4, RWU)).toThrow(TypeError);
    expect(() => pt.rootPfn).toThrow(/destroy/);
    expect(() => pt.translate(W, 4)).toThrow(RangeError);
    pt.destroy(); // idempotent
  });

  test('checkInvariants catches an empty table left behind and a reserved bit', () => {
    const { memory, pt } = setup();
    pt.map(W, 0x1000, K4, RWU);
    const path = rawPath(memory, pt.rootPfn, 4, W);
    memory.setEntry(path[3].pfn, path[3].index, 0, 0);
    expect(() => pt.checkInvariants()).toThrow(/empty PT table/);
    memory.setEntry(path[3].pfn, path[3].index, 0x1007, 0);
    memory.setEntry(path[1].pfn, 7, (0x20_0000 | 0x80 | 0x2000 | 1) >>> 0, 0); // 1G leaf with bit 13
    expect(() => pt.checkInvariants()).toThrow(/29:13/);
  });
});

describe('5-level paging (LA57)', () => {
  test('maps above 2^48 through a PML5, entries laid out per SDM', () => {
    const { memory, pt } = setup(5);
    const va = 2 ** 56 + 3 * 2 ** 48 + W; // kernel half of the 57-bit space
    expect(pt.vaBits).toBe(57);
    expect(pt.map(va, 0x3000, K4, RWU)).toBe(OK);
    const path = rawPath(memory, pt.rootPfn, 5, va);
    expect(path.map((p) => p.level)).toEqual([5, 4, 3, 2, 1]);
    expect(path.map((p) => p.index)).toEqual([256 + 3, 0, 4, 0, 0]);
    expect(path[0].lo & 0xfff).toBe(0x7);
    expect(entryPfn(path[4].lo, path[4].hi)).toBe(3);
    expect(pt.query(va)).toMatchObject({ pa: 0x3000 });
    expect(pt.translate(va + 0x10, 4)).toBe(0x3010);
    expect(() => pt.map(2 ** 57, 0, K4, RWU)).toThrow(/2\^57/);
    expect(pt.dump().split('\n')[0]).toMatch(/^PML5\[259\] 0xff03000000000000-0xff03ffffffffffff/);
  });

  test('unmap frees every level up to (not including) the PML5', () => {
    const { frames, pt } = setup(5);
    pt.map(2 ** 50, 0x3000, K4, RWU);
    expect(frames.inUse).toBe(5);
    pt.unmap(2 ** 50);
    expect(frames.inUse).toBe(1);
  });

  test('a 4-level and a 5-level table agree below 2^47', () => {
    const a = setup(4);
    const b = setup(5);
    for (const [va, pa, size] of [
      [W, 0x1000, K4],
      [W + M2, 0x20_0000, M2],
      [7 * G1, G1, G1],
    ] as const) {
      a.pt.map(va, pa, size, RWU);
      b.pt.map(va, pa, size, RWU);
    }
    expect([...b.pt.mappings()]).toEqual([...a.pt.mappings()]);
    for (const va of [W + 0x10, W + M2 + 0x1234, 7 * G1 + 0x3000_0000]) {
      expect(b.pt.translate(va, 5)).toBe(a.pt.translate(va, 5));
    }
  });
});

describe('remap: replace a leaf in place', () => {
  test('a 4 KiB leaf takes the new frame and flags; no table is freed or allocated', () => {
    const { memory, frames, pt } = setup();
    const va = W + 5 * K4;
    expect(pt.map(va, 0x7000, K4, RWU)).toBe(OK);
    const used = frames.inUse;
    // With frames exhausted, a replace through unmap + map would free the page
    // table (its only entry) and fail to get it back.
    frames.exhausted = true;
    expect(pt.remap(va, 0x9_1234_5000, PTE.PRESENT | PTE.USER | PTE.NO_EXECUTE)).toBe(OK);
    expect(frames.inUse).toBe(used);
    const leaf = rawPath(memory, pt.rootPfn, 4, va)[3];
    expect(leaf.lo).toBe(0x1234_5000 | 0x1 | 0x4);
    expect(leaf.hi).toBe((0x9 | 0x8000_0000) >>> 0);
    expect(pt.query(va)).toEqual({
      ok: true,
      va,
      pa: 0x9_1234_5000,
      size: K4,
      flags: PTE.PRESENT | PTE.USER | PTE.NO_EXECUTE,
    });
  });

  test('a 2 MiB leaf keeps its size and PS; pa must be aligned to it', () => {
    const { memory, pt } = setup();
    const va = W + 3 * M2;
    expect(pt.map(va, 0x4000_0000, M2, RWU)).toBe(OK);
    expect(() => pt.remap(va + K4, 0x6000_1000, RWU)).toThrow(/not aligned to 0x200000/);
    expect(pt.remap(va + K4, 0x6020_0000, RWU | PTE.PAT)).toBe(OK);
    const pde = rawPath(memory, pt.rootPfn, 4, va)[2];
    expect(pde.lo).toBe((0x6020_0000 | 0x1000 | 0x80 | 0x7) >>> 0);
  });

  test('NOT_MAPPED where nothing maps the address; bad arguments throw and change nothing', () => {
    const { memory, pt } = setup();
    expect(pt.map(W, 0x7000, K4, RWU)).toBe(OK);
    const before = snapshotTables(memory, pt.rootPfn, 4);
    expect(pt.remap(W + K4, 0x8000, RWU)).toBe(NOT_MAPPED);
    expect(() => pt.remap(W, -4096, RWU)).toThrow(RangeError);
    expect(() => pt.remap(W, 2 ** 52, RWU)).toThrow(RangeError);
    expect(() => pt.remap(W, 0x8000, 0.5)).toThrow();
    expect(() => pt.remap(Number.NaN, 0x8000, RWU)).toThrow(RangeError);
    expect(snapshotTables(memory, pt.rootPfn, 4)).toEqual(before);
  });
});
