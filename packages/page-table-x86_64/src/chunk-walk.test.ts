// The walker over chunk views (memory.ts chunkFrameBits / chunkWords) against the
// same walker over frame views only: identical tables in two memories, the same
// random translations, accesses and control registers, then the same results, the
// same fault levels, the same leaf records and the same words in memory (A and D
// written alike). Plus the chunk contract: a caller's SharedArrayBuffer, a short
// last chunk, and the checks on what a memory offers. The access rules themselves
// are checked against hand-written SDM tables in access-rights.test.ts, for both
// memory shapes.

import { Mulberry32 } from '@vmem/bench-kit';
import { describe, expect, test } from 'vitest';
import { Access } from './access.js';
import type { PageTableFrameSource, PageTableMemory } from './memory.js';
import { PageTable } from './page-table.js';
import { PageWalker } from './page-walker.js';
import { PTE, pkeyFlags } from './pte-flags.js';
import { ChunkedMemory } from './test-support/chunked-memory.js';
import { entryPfn, indexAt } from './test-support/inspect.js';
import { MapMemory } from './test-support/memory.js';
import { isPageFault } from './translate-result.js';

const K4 = 0x1000;
const M2 = 0x20_0000;
const G1 = 0x4000_0000;
const ACCESSES = [
  Access.SUPERVISOR_READ,
  Access.SUPERVISOR_WRITE,
  Access.SUPERVISOR_FETCH,
  Access.USER_READ,
  Access.USER_WRITE,
  Access.USER_FETCH,
  Access.SUPERVISOR_READ | Access.AC,
  Access.SUPERVISOR_WRITE | Access.IMPLICIT,
];

/** Hands out the frames of a fixed list (the same list for both memories), then recycles. */
class ListFrames implements PageTableFrameSource {
  private readonly recycled: number[] = [];
  constructor(private readonly list: number[]) {}
  allocate(): number {
    const f = this.recycled.pop() ?? this.list.shift();
    if (f === undefined) throw new Error('frame list exhausted');
    return f;
  }
  free(pfn: number): void {
    this.recycled.push(pfn);
  }
}

/** `count` distinct frames in [1, limit): sequential, or drawn at random. */
function frameList(rng: Mulberry32, count: number, limit: number, scattered: boolean): number[] {
  if (!scattered) return Array.from({ length: count }, (_, i) => i + 1);
  const seen = new Set<number>();
  while (seen.size < count) seen.add(1 + rng.rand(limit - 1));
  return [...seen];
}

interface Case {
  name: string;
  seed: number;
  chunkFrameBits: number;
  levels: 4 | 5;
  scattered: boolean;
  /** Frames come from [1, frameLimit). */
  frameLimit: number;
}

// biome-ignore format: one case per line reads as a table
const CASES: Case[] = [
  // Every table in chunk 0: walks take the hot-chunk path.
  { name: '4-level, 4 MiB chunks, tables together', seed: 1, chunkFrameBits: 10, levels: 4, scattered: false, frameLimit: 4096 },
  // Tables in three chunks: some walks stay in the root's chunk (hot-chunk path),
  // others leave it at some level.
  { name: '4-level, 1 MiB chunks, tables in 3 chunks', seed: 2, chunkFrameBits: 8, levels: 4, scattered: true, frameLimit: 700 },
  { name: '4-level, 1 MiB chunks, tables in 3 chunks', seed: 7, chunkFrameBits: 8, levels: 4, scattered: true, frameLimit: 700 },
  // Tables in many chunks of 4 frames: the walks cross chunk boundaries.
  { name: '4-level, 16 KiB chunks, tables scattered', seed: 3, chunkFrameBits: 2, levels: 4, scattered: true, frameLimit: 4096 },
  // One frame per chunk: chunks are frames.
  { name: '4-level, 4 KiB chunks, tables scattered', seed: 4, chunkFrameBits: 0, levels: 4, scattered: true, frameLimit: 4096 },
  { name: '5-level, 4 MiB chunks, tables together', seed: 5, chunkFrameBits: 10, levels: 5, scattered: false, frameLimit: 4096 },
  { name: '5-level, 32 KiB chunks, tables scattered', seed: 6, chunkFrameBits: 3, levels: 5, scattered: true, frameLimit: 4096 },
];

describe.each(CASES)('chunk views agree with frame views: $name', (c) => {
  test('translations, faults, leaf records and A/D writes', () => {
    const rng = new Mulberry32(c.seed);
    const list = frameList(rng, 650, c.frameLimit, c.scattered);
    const frameMem = new MapMemory();
    const chunkMem = new ChunkedMemory({ chunkFrameBits: c.chunkFrameBits, garbage: true });
    const a = new PageTable({
      memory: frameMem,
      frames: new ListFrames([...list]),
      levels: c.levels,
    });
    const b = new PageTable({
      memory: chunkMem,
      frames: new ListFrames([...list]),
      levels: c.levels,
    });
    const base = c.seed % 2 === 0 ? 2 ** 47 - 4 * G1 : 3 * G1;
    // Random leaves: mostly 4 KiB pages in runs (so that page tables fill), some
    // 2 MiB, a few 1 GiB; every flag bit random (P mostly set), protection keys
    // included. Most translations below go to these pages.
    const mapped: number[] = [];
    let run = base;
    for (let i = 0; i < 1500; i++) {
      const r = rng.rand(300);
      const size = r === 0 ? G1 : r < 15 ? M2 : K4;
      if (rng.rand(16) === 0) run = base + rng.rand(4 * 512) * M2;
      const va = size === K4 ? run : base + rng.rand((4 * G1) / size) * size;
      run += K4;
      mapped.push(va);
      // Some frames low in memory: a huge leaf's frame inside the tables' chunk must
      // not be taken for a table.
      const pa = (1 + rng.rand(rng.rand(4) === 0 ? 4 : 2 ** 20)) * size;
      let flags = rng.next() & 0xffffff;
      if (rng.rand(8) !== 0) flags |= PTE.PRESENT;
      const ra = a.map(va, pa, size as 4096, flags);
      expect(b.map(va, pa, size as 4096, flags)).toEqual(ra);
    }
    // Table words corrupted alike in both memories: reserved address bits, PS in a
    // PML4E, XD, P cleared, R/W and U/S cleared.
    const tables = [...new Set(list)].filter((f) =>
      chunkMem.chunks.has(Math.floor(f / 2 ** c.chunkFrameBits)),
    );
    for (let i = 0; i < 40; i++) {
      const pfn = tables[rng.rand(tables.length)];
      const index = rng.rand(512);
      const [lo, hi] = frameMem.entry(pfn, index);
      if (lo === 0xa5a5a5a5 || (lo | hi) === 0) continue;
      const kind = rng.rand(5);
      const nlo = kind === 0 ? lo & ~1 : kind === 1 ? lo | 0x80 : kind === 2 ? lo & ~6 : lo;
      const nhi = kind === 3 ? hi | 0x0010_0000 : kind === 4 ? hi ^ 0x8000_0000 : hi;
      frameMem.setEntry(pfn, index, nlo, nhi);
      chunkMem.setEntry(pfn, index, nlo, nhi);
    }
    for (let i = 0; i < 6000; i++) {
      if (i % 500 === 0) {
        const control = {
          wp: rng.rand(2) === 0,
          nxe: rng.rand(4) !== 0,
          smep: rng.rand(2) === 0,
          smap: rng.rand(2) === 0,
          pke: rng.rand(2) === 0,
          pkru: rng.next(),
        };
        a.walker.setControl(control);
        b.walker.setControl(control);
      }
      const va =
        rng.rand(4) === 0
          ? base + rng.rand(4 * G1)
          : mapped[rng.rand(mapped.length)] + rng.rand(K4);
      const access = ACCESSES[rng.rand(ACCESSES.length)];
      const ra = a.translate(va, access);
      const rb = b.translate(va, access);
      expect(rb).toBe(ra);
      if (isPageFault(ra)) {
        expect(b.walker.faultLevel).toBe(a.walker.faultLevel);
      } else {
        expect([b.walker.lastLevel, b.walker.lastLo, b.walker.lastHi, b.walker.lastRights]).toEqual(
          [a.walker.lastLevel, a.walker.lastLo, a.walker.lastHi, a.walker.lastRights],
        );
      }
    }
    for (const pfn of tables) {
      expect(Array.from(chunkMem.frameWords(pfn))).toEqual(Array.from(frameMem.frameWords(pfn)));
    }
  });
});

describe('chunk walks', () => {
  test('each level in another chunk: addresses, A bits and D bits land in the right frames', () => {
    // Frames 1, 6, 11, 16: with 4-frame chunks every table is in its own chunk.
    const memory = new ChunkedMemory({ chunkFrameBits: 2 });
    const pt = new PageTable({ memory, frames: new ListFrames([1, 6, 11, 16]) });
    const va = 0x7f12_3456_7000;
    expect(pt.map(va, 0xab_cdef_0000, K4, PTE.PRESENT | PTE.WRITABLE | PTE.USER).ok).toBe(true);
    expect(pt.translate(va + 0x123, Access.USER_WRITE)).toBe(0xab_cdef_0123);
    let pfn = 1;
    for (let level = 4; level >= 1; level--) {
      const [lo, hi] = memory.entry(pfn, indexAt(va, level));
      // A (0x20) everywhere, D (0x40) only in the PTE.
      expect(lo & 0x60).toBe(level === 1 ? 0x60 : 0x20);
      if (level > 1) pfn = entryPfn(lo, hi);
    }
    expect(pfn).toBe(16);
  });

  test('protection keys on the hot walk follow CR4.PKE as it is switched on and off', () => {
    // The second translation of a page walks the hot chunk; with PKE off the walk
    // skips the key lookup, so switching PKE on must bring the key check back.
    const memory = new ChunkedMemory({ chunkFrameBits: 10 });
    const pt = new PageTable({ memory, frames: new ListFrames([1, 2, 3, 4]) });
    const va = 0x7f00_0000_0000;
    const RWU = PTE.PRESENT | PTE.WRITABLE | PTE.USER;
    expect(pt.map(va, 0x10_0000, K4, RWU | pkeyFlags(3)).ok).toBe(true);
    expect(pt.translate(va + 5, Access.USER_READ)).toBe(0x10_0005);
    expect(pt.translate(va + 6, Access.USER_READ)).toBe(0x10_0006);
    pt.walker.setControl({ pke: true, pkru: 1 << 6 }); // AD for key 3
    // P | U/S | PK
    expect(pt.translate(va + 7, Access.USER_READ)).toBe(-1 - 0x25);
    expect(pt.translate(va + 7, Access.SUPERVISOR_READ)).toBe(-1 - 0x21);
    pt.walker.setControl({ pke: false });
    expect(pt.translate(va + 8, Access.USER_READ)).toBe(0x10_0008);
    expect(pt.translate(va + 8, Access.SUPERVISOR_WRITE)).toBe(0x10_0008);
    pt.walker.setControl({ pke: true, pkru: 0 });
    expect(pt.translate(va + 9, Access.USER_WRITE)).toBe(0x10_0009);
    pt.walker.setPkru(2 << 6); // WD for key 3
    expect(pt.translate(va + 9, Access.USER_WRITE)).toBe(-1 - 0x27);
    expect(pt.translate(va + 9, Access.USER_READ)).toBe(0x10_0009);
    expect(pt.walker.rights.control.pke).toBe(true);
    // The walker's own masks follow setControl only: its tables are exposed
    // without their setters, so they cannot be changed behind its back.
    // @ts-expect-error PagingRightsView has no set()
    void pt.walker.rights.set;
  });

  test('a walk from the hot chunk that meets an entry it must not follow as a table', () => {
    // 8-frame chunks. A walk from the root (frame 0) first settles with every table
    // in chunk 0. The entries met next are chosen so that following them as tables
    // inside chunk 0 would reach present entries and give a wrong address, not a
    // fault: a table in chunk 1 sits where a table of chunk 0 does.
    const memory = new ChunkedMemory({ chunkFrameBits: 3 });
    const pt = new PageTable({ memory, frames: new ListFrames([0, 1, 2, 3, 10, 11, 12, 4]) });
    const RWU = PTE.PRESENT | PTE.WRITABLE | PTE.USER;
    // Root 0 -> PDPT 1 -> PD 2 -> page table 3 -> frame 0.
    pt.map(3 * G1, 0, K4, RWU);
    expect(pt.translate(3 * G1 + 7, Access.USER_READ)).toBe(7);
    // PD[1] -> page table 10 (chunk 1; frame 2, the PD, in chunk 0).
    pt.map(3 * G1 + M2, 0x7100_0000, K4, RWU);
    expect(pt.translate(3 * G1 + M2 + 5, Access.USER_READ)).toBe(0x7100_0005);
    // PDPT[4] -> PD 11 (chunk 1; frame 3 in chunk 0) -> page table 12.
    pt.map(4 * G1, 0x7200_0000, K4, RWU);
    expect(pt.translate(4 * G1 + 6, Access.USER_READ)).toBe(0x7200_0006);
    // PDPT[1]: a 1 GiB leaf of frame 0, the root.
    pt.map(G1, 0, G1, RWU);
    expect(pt.translate(G1 + 0x1234, Access.USER_READ)).toBe(0x1234);
    // PDPT[5] -> PD 4: a 2 MiB leaf of frame 0.
    pt.map(5 * G1, 0, M2, RWU);
    expect(pt.translate(5 * G1 + 0x1_2345, Access.USER_READ)).toBe(0x1_2345);
    // PS set in the PML4E (reserved there): P|RSVD|U/S, not a walk on.
    const [lo, hi] = memory.entry(0, 0);
    memory.setEntry(0, 0, lo | 0x80, hi);
    expect(pt.translate(3 * G1, Access.USER_READ)).toBe(-1 - 0xd);
    memory.setEntry(0, 0, lo, hi);
    expect(pt.translate(3 * G1, Access.USER_READ)).toBe(0);
  });

  test('table entries in the hot chunk that restrict rights or lack A are honoured', () => {
    // The hot-chunk walk follows table entries with P, R/W, U/S and A set and XD
    // clear only; each other value must give the SDM's answer (rights ANDed and XD
    // ORed over the levels, A set again), not the leaf's alone.
    const memory = new ChunkedMemory({ chunkFrameBits: 10 });
    const pt = new PageTable({
      memory,
      frames: new ListFrames([1, 2, 3, 4]),
      control: { nxe: true },
    });
    const va = 0x12_3456_7000;
    pt.map(va, 0x5000_0000, K4, PTE.PRESENT | PTE.WRITABLE | PTE.USER);
    for (let i = 0; i < 3; i++) expect(pt.translate(va + 9, Access.USER_WRITE)).toBe(0x5000_0009);
    // Frames of the PML4E, PDPTE and PDE on the walk, and the entries' indices.
    const path: [number, number][] = [];
    let pfn = 1;
    for (let level = 4; level >= 2; level--) {
      path.push([pfn, indexAt(va, level)]);
      pfn = entryPfn(...memory.entry(pfn, indexAt(va, level)));
    }
    const change = (at: [number, number], f: (lo: number, hi: number) => [number, number]) => {
      const [lo, hi] = memory.entry(...at);
      memory.setEntry(...at, ...f(lo, hi));
      return () => memory.setEntry(...at, lo, hi);
    };
    // R/W clear in the PDE: a user write is refused (P | W/R | U/S), a read is not.
    let undo = change(path[2], (lo, hi) => [lo & ~PTE.WRITABLE, hi]);
    expect(pt.translate(va, Access.USER_WRITE)).toBe(-1 - 0x7);
    expect(pt.translate(va, Access.USER_READ)).toBe(0x5000_0000);
    undo();
    // U/S clear in the PDPTE: a user read is refused.
    undo = change(path[1], (lo, hi) => [lo & ~PTE.USER, hi]);
    expect(pt.translate(va, Access.USER_READ)).toBe(-1 - 0x5);
    undo();
    // XD in the PML4E (NXE on): a fetch is refused (P | U/S | I/D), a read is not.
    undo = change(path[0], (lo, hi) => [lo, hi | 0x8000_0000]);
    expect(pt.translate(va, Access.USER_FETCH)).toBe(-1 - 0x15);
    expect(pt.translate(va, Access.USER_READ)).toBe(0x5000_0000);
    undo();
    expect(pt.translate(va, Access.USER_FETCH)).toBe(0x5000_0000);
    // A cleared in every table entry: the next walk sets it again.
    for (const at of path) change(at, (lo, hi) => [lo & ~0x20, hi]);
    expect(pt.translate(va, Access.USER_READ)).toBe(0x5000_0000);
    for (const at of path) expect(memory.entry(...at)[0] & 0x20).toBe(0x20);
  });

  test('two roots sharing one walker: each walk uses its own tables', () => {
    const memory = new ChunkedMemory({ chunkFrameBits: 4 });
    const walker = new PageWalker({ memory });
    // First table in chunk 0 (frames 1..4), second in chunk 1 (frames 17..20).
    const p = new PageTable({ memory, walker, frames: new ListFrames([1, 2, 3, 4]) });
    const q = new PageTable({ memory, walker, frames: new ListFrames([17, 18, 19, 20]) });
    const flags = PTE.PRESENT | PTE.USER;
    p.map(0x40_0000, 0x1000_0000, K4, flags);
    q.map(0x40_0000, 0x2000_0000, K4, flags);
    for (let i = 0; i < 4; i++) {
      expect(p.translate(0x40_0010, Access.USER_READ)).toBe(0x1000_0010);
      expect(p.translate(0x40_0010, Access.USER_READ)).toBe(0x1000_0010);
      expect(q.translate(0x40_0020, Access.USER_READ)).toBe(0x2000_0020);
      expect(q.translate(0x40_0020, Access.USER_READ)).toBe(0x2000_0020);
    }
    // A page table moved to another chunk after the root's walks settled.
    q.unmap(0x40_0000);
    p.unmap(0x40_0000);
    expect(isPageFault(p.translate(0x40_0010, Access.USER_READ))).toBe(true);
  });

  test('memory on a caller SharedArrayBuffer: A and D bits are visible in the buffer', () => {
    const buffer = new SharedArrayBuffer(64 * K4);
    const view = new DataView(buffer);
    const memory = new ChunkedMemory({ chunkFrameBits: 6, buffer });
    const pt = new PageTable({ memory, frames: new ListFrames([1, 2, 3, 4]) });
    const va = 0x1234_5000;
    pt.map(va, 0x9_8765_4000, K4, PTE.PRESENT | PTE.WRITABLE);
    for (let i = 0; i < 3; i++)
      expect(pt.translate(va + 8, Access.SUPERVISOR_WRITE)).toBe(0x9_8765_4008);
    // The PTE, read straight from the buffer (frame 4).
    const pte = 4 * K4 + 8 * indexAt(va, 1);
    expect(view.getUint32(pte, true)).toBe(0x8765_4063);
    expect(view.getUint32(pte + 4, true)).toBe(0x9);
    // Another agent (a worker, say) clears P in the buffer: the next walk faults.
    view.setUint32(pte, 0x8765_4062, true);
    expect(pt.translate(va, Access.SUPERVISOR_READ)).toBe(-1);
  });

  test('a short last chunk: a table entry past the end of memory is reported, not read', () => {
    // 6 frames in chunks of 4: chunk 1 holds frames 4 and 5 only.
    const memory = new ChunkedMemory({ chunkFrameBits: 2, buffer: new ArrayBuffer(6 * K4) });
    const pt = new PageTable({ memory, frames: new ListFrames([1, 2, 3, 5]) });
    pt.map(0, 0x1000, K4, PTE.PRESENT);
    expect(pt.translate(0x10, Access.SUPERVISOR_READ)).toBe(0x1010);
    // Point the PDE at frame 7, which does not exist.
    memory.setEntry(3, 0, (7 << 12) | 0x7, 0);
    expect(() => pt.translate(0x10, Access.SUPERVISOR_READ)).toThrow(/pfn 7/);
  });

  test('the walker checks what a memory offers', () => {
    const frames = new MapMemory();
    const words = (n: number) => () => new Uint32Array(n);
    const bad = (extra: object): PageTableMemory =>
      Object.assign({ frameWords: (pfn: number) => frames.frameWords(pfn) }, extra);
    expect(() => new PageWalker({ memory: bad({ chunkFrameBits: 2 }) })).toThrow(TypeError);
    expect(() => new PageWalker({ memory: bad({ chunkWords: words(4096) }) })).toThrow(TypeError);
    expect(
      () => new PageWalker({ memory: bad({ chunkFrameBits: 20, chunkWords: words(1024) }) }),
    ).toThrow(/chunkFrameBits.*20/);
    expect(
      () => new PageWalker({ memory: bad({ chunkFrameBits: 1.5, chunkWords: words(1024) }) }),
    ).toThrow(RangeError);
    // Wrong shapes returned by chunkWords: found on first use.
    const tooLong = new PageWalker({ memory: bad({ chunkFrameBits: 1, chunkWords: words(4096) }) });
    expect(() => tooLong.translate(0, 0, Access.SUPERVISOR_READ)).toThrow(/4096 words/);
    const notWords = new PageWalker({
      memory: bad({ chunkFrameBits: 1, chunkWords: () => new Int32Array(2048) }),
    });
    expect(() => notWords.translate(0, 0, Access.SUPERVISOR_READ)).toThrow(TypeError);
  });
});
