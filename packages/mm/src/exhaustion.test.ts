// Exhaustion is transactional: a frame source with only k more frames, swept
// over every k until the operation succeeds, never leaves a half-done operation
// behind: fork, mremap moves, mmap with MAP_POPULATE, mprotect splits, page
// faults and copy-on-write either complete, or fail (ENOMEM, SIGBUS) with the
// address spaces, page tables, reference counts and allocator usage as before.
// The model is a budget ("k more frames"), not "the k-th allocate() call fails":
// a frame given back is free again, as on a real single-threaded machine.
import {
  BitmapFrameAllocator,
  PhysicalMemory,
  RefCountedFrameAllocator,
} from '@vmem/frame-allocator';
import { PageTable } from '@vmem/page-table-x86_64';
import { describe, expect, test } from 'vitest';
import { MADV, MAP, MREMAP, PROT } from './linux-abi.js';
import { checkMachineInvariants } from './machine-invariants.js';
import { MemoryFile } from './mm-file.js';
import { MmStruct } from './mm-struct.js';
import type { PageCache } from './page-cache.js';
import { PageTablePteStore } from './page-table-pte-store.js';
import { renderMaps } from './proc-maps.js';
import { ptePfn } from './pte-store.js';
import { ok } from './test-support/drawing.js';
import { newMachine } from './test-support/machine.js';

const P = 4096;

/** A machine with only `budget` more frames: allocate() fails past that many in use. */
class FailingFrames extends RefCountedFrameAllocator {
  private cap = Number.POSITIVE_INFINITY;
  /** allocate() calls so far, granted or not. */
  calls = 0;
  set budget(frames: number) {
    this.cap = this.usedFrames + frames;
  }
  /** When set, exactly this allocate() call (counted in `calls`) fails, whatever the budget. */
  failCall = 0;
  override allocate(): number | { readonly errno: 'ENOMEM' } {
    this.calls++;
    if (this.calls === this.failCall) return { errno: 'ENOMEM' };
    if (this.usedFrames >= this.cap) return { errno: 'ENOMEM' };
    return super.allocate();
  }
}

function snapshot(mm: MmStruct, frames: FailingFrames) {
  const ptes: number[] = [];
  mm.ptes.forEach(0, 2 ** 47, (va, entry) =>
    ptes.push(va, entry, frames.refCount(Math.floor(entry / 8))),
  );
  return { maps: renderMaps(mm), ptes, used: frames.usedFrames };
}

describe('fork under frame exhaustion', () => {
  test('every k: the fork completes, or fails with ENOMEM leaving the parent exactly as before', () => {
    let failures = 0;
    let successes = 0;
    for (let k = 0; k < 40; k++) {
      const memory = new PhysicalMemory({ size: 2 ** 26 });
      const frames = new FailingFrames(new BitmapFrameAllocator({ frames: 1 << 14 }));
      const mm = new MmStruct({
        frames,
        memory,
        pteStore: new PageTablePteStore(new PageTable({ memory, frames })),
      });
      // Pages spread over several page tables, so the child needs several table frames.
      for (let i = 0; i < 6; i++) {
        const a = ok(
          mm.mmap(
            2 ** 32 + i * 2 ** 30,
            2 * P,
            PROT.READ | PROT.WRITE,
            MAP.PRIVATE | MAP.ANONYMOUS | MAP.FIXED,
            null,
          ),
        );
        expect(mm.write(a, BigInt(i + 1))).toBeNull();
      }
      const before = snapshot(mm, frames);
      frames.budget = k;
      const child = mm.fork();
      frames.budget = Number.POSITIVE_INFINITY;
      if (child instanceof MmStruct) {
        successes++;
        for (let i = 0; i < 6; i++) expect(child.read(2 ** 32 + i * 2 ** 30)).toBe(BigInt(i + 1));
        child.destroy();
      } else {
        failures++;
        expect(child).toEqual({ errno: 'ENOMEM' });
        expect(snapshot(mm, frames)).toEqual(before);
      }
      mm.checkInvariants();
    }
    expect(failures).toBeGreaterThan(0);
    expect(successes).toBeGreaterThan(0);
  });
});

describe('mremap moves under frame exhaustion', () => {
  test('every k: the move completes, or fails with ENOMEM leaving everything as before', () => {
    let failures = 0;
    let successes = 0;
    for (let k = 0; k < 12; k++) {
      const memory = new PhysicalMemory({ size: 2 ** 26 });
      const frames = new FailingFrames(new BitmapFrameAllocator({ frames: 1 << 14 }));
      const mm = new MmStruct({
        frames,
        memory,
        pteStore: new PageTablePteStore(new PageTable({ memory, frames })),
      });
      const a = ok(
        mm.mmap(
          2 ** 32,
          4 * P,
          PROT.READ | PROT.WRITE,
          MAP.PRIVATE | MAP.ANONYMOUS | MAP.FIXED,
          null,
        ),
      );
      for (let i = 0; i < 4; i++) expect(mm.write(a + i * P, BigInt(i + 7))).toBeNull();
      const before = snapshot(mm, frames);
      frames.budget = k;
      // MAYMOVE|FIXED to a place 3 GiB away: new PD and PT frames are needed.
      const r = mm.mremap(a, 4 * P, 4 * P, 3, 2 ** 32 + 3 * 2 ** 30);
      frames.budget = Number.POSITIVE_INFINITY;
      if (typeof r === 'number') {
        successes++;
        for (let i = 0; i < 4; i++) expect(mm.read(r + i * P)).toBe(BigInt(i + 7));
      } else {
        failures++;
        expect(r).toEqual({ errno: 'ENOMEM' });
        expect(snapshot(mm, frames)).toEqual(before);
      }
      mm.checkInvariants();
    }
    expect(failures).toBeGreaterThan(0);
    expect(successes).toBeGreaterThan(0);
  });
});

const RW = PROT.READ | PROT.WRITE;
const ANON = MAP.PRIVATE | MAP.ANONYMOUS;
const GiB = 2 ** 30;
const SIGBUS = { signal: 'SIGBUS', code: 'BUS_ADRERR' } as const;

function failingMachine() {
  return newMachine({ make: (inner) => new FailingFrames(inner) });
}

/** Everything a failed operation must leave as it was, on the whole machine. */
function machineSnapshot(mms: MmStruct[], frames: FailingFrames, pageCache: PageCache) {
  const cache: unknown[] = [];
  pageCache.forEachPage((file, pgoff, pfn) => {
    cache.push(file.path, pgoff, pfn, frames.refCount(pfn));
  });
  return {
    spaces: mms.map((mm) => ({ ...snapshot(mm, frames), guards: [...mm.guardPages].sort() })),
    cache,
    zero: pageCache.zeroPagePfn,
    used: frames.usedFrames,
  };
}

/** Whether each of `pages` pages from `base` has a PTE. */
function present(mm: MmStruct, base: number, pages: number): boolean[] {
  return Array.from({ length: pages }, (_, i) => mm.ptes.get(base + i * P) >= 0);
}

/** A file whose page i holds the byte i + 1 throughout. */
function patternFile(pages: number, ino = 3): MemoryFile {
  return new MemoryFile({
    path: '/lib/data',
    ino,
    size: pages * P,
    fill: (pgoff, page) => page.fill(pgoff + 1),
  });
}

function forked(mm: MmStruct): MmStruct {
  const child = mm.fork();
  if (!(child instanceof MmStruct)) throw new Error(`fork failed: ${child.errno}`);
  return child;
}

// Six pages from 3 pages below the 5 GiB boundary, in a fresh address space (only
// the PML4): the first page needs a PDPT, a PD and a PT besides its own frames,
// the fourth a new PD and PT. Frames needed to have pages 0..i, for one frame a page:
// 4, 5, 6, 9, 10, 11; for two (page-cache page and private copy): 5, 7, 9, 13, 15, 17.
const POP_BASE = 5 * GiB - 3 * P;
function pagesPaidFor(k: number, perPage: number): number {
  let cost = 0;
  for (let i = 0; i < 6; i++) {
    cost += perPage + (i === 0 ? 3 : i === 3 ? 2 : 0);
    if (cost > k) return i;
  }
  return 6;
}

describe('mmap with MAP_POPULATE under frame exhaustion', () => {
  // Linux (mm/mmap.c do_mmap, then mm_populate = __mm_populate(..., ignore_errors=1))
  // maps first and populates best effort: a population that runs out of memory
  // does not undo the mmap or report an error. So for every k the mmap returns
  // its address with the VMA it would have anyway, and the pages that k frames
  // pay for (a prefix: population stops at the first failure) are present.
  const cases = [
    { name: 'anonymous private (write faults)', flags: ANON, file: false, perPage: 1 },
    {
      name: 'anonymous shared (read faults on /dev/zero page-cache pages)',
      flags: MAP.SHARED | MAP.ANONYMOUS,
      file: false,
      perPage: 1,
    },
    {
      name: 'file private (write faults: page-cache page + private copy)',
      flags: MAP.PRIVATE,
      file: true,
      perPage: 2,
    },
    { name: 'file shared (read faults)', flags: MAP.SHARED, file: true, perPage: 1 },
  ];
  test.each(cases)('$name: every k, the mmap succeeds and k frames populate a prefix', (c) => {
    const maxK = pagesPaidFor(1000, c.perPage) === 6 ? (c.perPage === 1 ? 11 : 17) : 0;
    for (let k = 0; k <= maxK; k++) {
      const { frames, pageCache, spawn } = failingMachine();
      const mm = spawn();
      const file = c.file ? patternFile(6) : null;
      const before = frames.usedFrames;
      frames.budget = k;
      const r = mm.mmap(POP_BASE, 6 * P, RW, c.flags | MAP.FIXED | MAP.POPULATE, file);
      frames.budget = Number.POSITIVE_INFINITY;
      expect(r).toBe(POP_BASE);
      expect(mm.mapCount).toBe(1);
      const vma = mm.vmas.findContaining(POP_BASE)!;
      expect([vma.start, vma.end]).toEqual([POP_BASE, POP_BASE + 6 * P]);
      const j = pagesPaidFor(k, c.perPage);
      expect(present(mm, POP_BASE, 6)).toEqual([0, 1, 2, 3, 4, 5].map((i) => i < j));
      mm.checkInvariants();
      checkMachineInvariants([mm], frames, pageCache);
      for (let i = 0; i < j; i++)
        expect(mm.read(POP_BASE + i * P, 1)).toBe(c.file ? BigInt(i + 1) : 0n);
      // Unmapped again, only what the page cache holds is left.
      ok(mm.munmap(POP_BASE, 6 * P));
      const cached = pageCache.size + (pageCache.zeroPagePfn >= 0 ? 1 : 0);
      expect(frames.usedFrames).toBe(before + cached);
      checkMachineInvariants([mm], frames, pageCache);
    }
  });

  test('MADV_POPULATE_WRITE that runs out of frames is ENOMEM, keeping what it populated', () => {
    // mm/madvise.c madvise_populate: -ENOMEM from the fault ("out of memory") is
    // returned as ENOMEM; EFAULT is for SIGBUS/SIGSEGV.
    for (let k = 0; k <= 11; k++) {
      const { frames, pageCache, spawn } = failingMachine();
      const mm = spawn();
      ok(mm.mmap(POP_BASE, 6 * P, RW, ANON | MAP.FIXED, null));
      frames.budget = k;
      const r = mm.madvise(POP_BASE, 6 * P, MADV.POPULATE_WRITE);
      frames.budget = Number.POSITIVE_INFINITY;
      const j = pagesPaidFor(k, 1);
      expect(r).toEqual(j === 6 ? 0 : { errno: 'ENOMEM' });
      expect(present(mm, POP_BASE, 6)).toEqual([0, 1, 2, 3, 4, 5].map((i) => i < j));
      mm.checkInvariants();
      checkMachineInvariants([mm], frames, pageCache);
    }
  });
});

describe('mprotect that splits, under frame exhaustion', () => {
  // With real page tables a split only rewrites PTE flags in place: no frame is
  // needed, so with none left (k = 0) the mprotect still succeeds, and it asks
  // the allocator for nothing.
  test.each([
    ['touched private pages', false],
    ['pages shared copy-on-write with a child', true],
  ])('%s: k = 0 succeeds without one allocate() call', (_name, fork) => {
    const { frames, pageCache, spawn } = failingMachine();
    const mm = spawn();
    const a = ok(mm.mmap(2 ** 32, 6 * P, RW, ANON | MAP.FIXED, null));
    for (let i = 0; i < 6; i++) expect(mm.write(a + i * P, BigInt(i + 1))).toBeNull();
    const mms = fork ? [mm, forked(mm)] : [mm];
    const pfns = [0, 1, 2, 3, 4, 5].map((i) => ptePfn(mm.ptes.get(a + i * P)));
    const used = frames.usedFrames;
    const calls = frames.calls;
    frames.budget = 0;
    expect(mm.mprotect(a + 2 * P, 2 * P, PROT.READ)).toBe(0);
    frames.budget = Number.POSITIVE_INFINITY;
    expect(frames.calls).toBe(calls);
    expect(frames.usedFrames).toBe(used);
    expect(renderMaps(mm).length).toBe(3);
    expect([0, 1, 2, 3, 4, 5].map((i) => ptePfn(mm.ptes.get(a + i * P)))).toEqual(pfns);
    expect(mm.write(a + 2 * P, 9n)).toEqual({ signal: 'SIGSEGV', code: 'SEGV_ACCERR' });
    for (const m of mms) m.checkInvariants();
    checkMachineInvariants(mms, frames, pageCache);
  });
});

describe('page faults under frame exhaustion', () => {
  // A fault that cannot get its frames gives SIGBUS here (Linux: VM_FAULT_OOM and
  // the OOM killer; the README documents the choice). Nothing is half done: the
  // data frame is taken before the page-table frames and given back if they
  // cannot be had, and PageTable.map creates its tables all or none, so no empty
  // table is left (Linux allocates the PTE table first and keeps it, empty, when
  // the page allocation then fails; it is freed at munmap). Kept on failure, as in
  // Linux: a page read into the page cache (filemap_fault adds it before mapping),
  // the machine's zero page once allocated, and the VMA's anon_vma (anon_vma_prepare
  // comes before the page allocation in do_anonymous_page and is not undone).
  //
  // The faulting page is in a fresh 512 GiB slot: a PDPT, a PD and a PT are needed.
  const far = 2 ** 40;
  const cases = [
    {
      name: 'anonymous write (a zeroed page)',
      flags: ANON,
      file: false,
      op: (mm: MmStruct) => mm.write(far, 0x5an),
      value: 0x5an,
      need: 4,
      keeps: false,
    },
    {
      name: 'anonymous read (the zero page)',
      flags: ANON,
      file: false,
      op: (mm: MmStruct) => mm.read(far),
      value: 0n,
      need: 4,
      keeps: true,
    },
    {
      name: 'file shared read',
      flags: MAP.SHARED,
      file: true,
      op: (mm: MmStruct) => mm.read(far, 1),
      value: 1n,
      need: 4,
      keeps: true,
    },
    {
      name: 'file shared write',
      flags: MAP.SHARED,
      file: true,
      op: (mm: MmStruct) => mm.write(far, 0x77n, 1),
      value: 0x77n,
      need: 4,
      keeps: true,
    },
    {
      name: 'file private read',
      flags: MAP.PRIVATE,
      file: true,
      op: (mm: MmStruct) => mm.read(far, 1),
      value: 1n,
      need: 4,
      keeps: true,
    },
    {
      name: 'file private write (a private copy of the page-cache page)',
      flags: MAP.PRIVATE,
      file: true,
      op: (mm: MmStruct) => mm.write(far, 0x77n, 1),
      value: 0x77n,
      need: 5,
      keeps: true,
    },
  ];
  test.each(cases)('$name: SIGBUS with nothing half done below $need frames', (c) => {
    for (let k = 0; k <= c.need; k++) {
      const { frames, pageCache, spawn } = failingMachine();
      const mm = spawn();
      ok(mm.mmap(far, 2 * P, RW, c.flags | MAP.FIXED, c.file ? patternFile(2) : null));
      const before = snapshot(mm, frames);
      frames.budget = k;
      const r = c.op(mm);
      frames.budget = Number.POSITIVE_INFINITY;
      if (k < c.need) {
        expect(r).toEqual(SIGBUS);
        const after = snapshot(mm, frames);
        expect(after.maps).toEqual(before.maps);
        expect(after.ptes).toEqual([]);
        // The one frame kept: the page-cache page or the zero page, once it was had.
        const kept = c.keeps ? Math.min(k, 1) : 0;
        expect(after.used).toBe(before.used + kept);
        expect(pageCache.size + (pageCache.zeroPagePfn >= 0 ? 1 : 0)).toBe(kept);
      } else {
        expect(typeof r === 'bigint' || r === null).toBe(true);
        expect(present(mm, far, 2)).toEqual([true, false]);
      }
      mm.checkInvariants();
      checkMachineInvariants([mm], frames, pageCache);
      // With memory back the same access works, and reads what it should.
      expect(typeof c.op(mm) === 'bigint' || c.op(mm) === null).toBe(true);
      expect(mm.read(far, 1)).toBe(c.value);
    }
  });

  test('anonymous write: the anon_vma prepared before the failed allocation stays (as Linux)', () => {
    const { frames, spawn } = failingMachine();
    const mm = spawn();
    ok(mm.mmap(far, P, RW, ANON | MAP.FIXED, null));
    expect(mm.vmas.findContaining(far)!.anonVma).toBeNull();
    frames.budget = 0;
    expect(mm.write(far, 1n)).toEqual(SIGBUS);
    expect(mm.vmas.findContaining(far)!.anonVma).not.toBeNull();
  });
});

describe('copy-on-write faults under frame exhaustion', () => {
  const W = 2 ** 32;
  function parentAndChild() {
    const machine = failingMachine();
    const parent = machine.spawn();
    ok(parent.mmap(W, 4 * P, RW, ANON | MAP.FIXED, null));
    for (let i = 0; i < 4; i++) expect(parent.write(W + i * P, BigInt(0x10 + i))).toBeNull();
    const child = forked(parent);
    return { ...machine, parent, child };
  }

  test('a write to a page shared with the child: SIGBUS with both sides as before, or a private copy', () => {
    for (let k = 0; k <= 1; k++) {
      const { frames, pageCache, parent, child } = parentAndChild();
      const shared = ptePfn(parent.ptes.get(W));
      const before = machineSnapshot([parent, child], frames, pageCache);
      frames.budget = k;
      const r = child.write(W, 0xcn);
      frames.budget = Number.POSITIVE_INFINITY;
      if (k === 0) {
        expect(r).toEqual(SIGBUS);
        expect(machineSnapshot([parent, child], frames, pageCache)).toEqual(before);
        expect(frames.refCount(shared)).toBe(2);
      } else {
        expect(r).toBeNull();
        const own = ptePfn(child.ptes.get(W));
        expect(own).not.toBe(shared);
        expect(ptePfn(parent.ptes.get(W))).toBe(shared);
        expect([frames.refCount(shared), frames.refCount(own)]).toEqual([1, 1]);
        expect(frames.usedFrames).toBe(before.used + 1);
        expect([parent.read(W), child.read(W)]).toEqual([0x10n, 0xcn]);
      }
      for (const mm of [parent, child]) mm.checkInvariants();
      checkMachineInvariants([parent, child], frames, pageCache);
    }
  });

  test('copy_to_user over four shared pages: k frames copy k pages, then it stops (bytes not copied)', () => {
    for (let k = 0; k <= 4; k++) {
      const { frames, pageCache, parent, child } = parentAndChild();
      const pfns = [0, 1, 2, 3].map((i) => ptePfn(parent.ptes.get(W + i * P)));
      frames.budget = k;
      const left = child.copyToUser(W, new Uint8Array(4 * P).fill(0xee));
      frames.budget = Number.POSITIVE_INFINITY;
      expect(left).toBe((4 - k) * P);
      for (let i = 0; i < 4; i++) {
        const copied = i < k;
        expect(parent.read(W + i * P)).toBe(BigInt(0x10 + i));
        expect(child.read(W + i * P)).toBe(copied ? 0xeeeeeeeeeeeeeeeen : BigInt(0x10 + i));
        expect(ptePfn(parent.ptes.get(W + i * P))).toBe(pfns[i]);
        expect(frames.refCount(pfns[i])).toBe(copied ? 1 : 2);
      }
      checkMachineInvariants([parent, child], frames, pageCache);
    }
  });

  test.each([
    ['the zero page', false],
    ['a page-cache page of a private file mapping', true],
  ])(
    'copy-on-write of %s: one frame; without it SIGBUS and the read-only page stays',
    (_n, isFile) => {
      for (let k = 0; k <= 1; k++) {
        const { frames, pageCache, spawn } = failingMachine();
        const mm = spawn();
        ok(
          mm.mmap(
            W,
            P,
            RW,
            (isFile ? MAP.PRIVATE : ANON) | MAP.FIXED,
            isFile ? patternFile(1) : null,
          ),
        );
        expect(mm.read(W, 1)).toBe(isFile ? 1n : 0n);
        const before = snapshot(mm, frames);
        frames.budget = k;
        const r = mm.write(W, 0x99n, 1);
        frames.budget = Number.POSITIVE_INFINITY;
        if (k === 0) {
          expect(r).toEqual(SIGBUS);
          expect(snapshot(mm, frames)).toEqual(before);
        } else {
          expect(r).toBeNull();
          expect(frames.usedFrames).toBe(before.used + 1);
          expect(mm.read(W, 1)).toBe(0x99n);
        }
        checkMachineInvariants([mm], frames, pageCache);
      }
    },
  );
});

describe('fork of a mixed address space under frame exhaustion', () => {
  test('fails whole below the frames it needs (a root, and the tables of the VMAs whose pages it copies)', () => {
    // Copied: the private anonymous VMA at 4 GiB (its pages, the zero page
    // included) and the private file VMA at 6 GiB that has a copy-on-write page:
    // root + PDPT/PD/PT + PD/PT = 6 frames. Not copied (found again through the
    // page cache, or not inherited): shared anonymous and shared file memory, a
    // MADV_DONTFORK and a MADV_WIPEONFORK VMA.
    const W = 4 * GiB;
    let threshold = -1;
    for (let k = 0; k <= 8 && threshold < 0; k++) {
      const { frames, pageCache, spawn } = failingMachine();
      const mm = spawn();
      const file = patternFile(4);
      ok(mm.mmap(W, 4 * P, RW, ANON | MAP.FIXED, null));
      expect(mm.write(W, 1n)).toBeNull();
      expect(mm.write(W + P, 2n)).toBeNull();
      expect(mm.read(W + 2 * P)).toBe(0n);
      expect(mm.madvise(W + 3 * P, P, MADV.GUARD_INSTALL)).toBe(0);
      ok(mm.mmap(W + GiB, 2 * P, RW, MAP.SHARED | MAP.ANONYMOUS | MAP.FIXED, null));
      expect(mm.write(W + GiB, 3n)).toBeNull();
      ok(mm.mmap(W + 2 * GiB, 4 * P, RW, MAP.PRIVATE | MAP.FIXED, file));
      expect(mm.write(W + 2 * GiB, 4n, 1)).toBeNull();
      expect(mm.read(W + 2 * GiB + P, 1)).toBe(2n);
      ok(mm.mmap(W + 3 * GiB, 4 * P, RW, MAP.SHARED | MAP.FIXED, file));
      expect(mm.write(W + 3 * GiB + 2 * P, 5n, 1)).toBeNull();
      ok(mm.mmap(2 ** 40, P, RW, ANON | MAP.FIXED, null));
      expect(mm.write(2 ** 40, 6n)).toBeNull();
      expect(mm.madvise(2 ** 40, P, MADV.DONTFORK)).toBe(0);
      ok(mm.mmap(W + 4 * GiB, P, RW, ANON | MAP.FIXED, null));
      expect(mm.write(W + 4 * GiB, 7n)).toBeNull();
      expect(mm.madvise(W + 4 * GiB, P, MADV.WIPEONFORK)).toBe(0);
      const before = machineSnapshot([mm], frames, pageCache);
      frames.budget = k;
      const child = mm.fork();
      frames.budget = Number.POSITIVE_INFINITY;
      if (child instanceof MmStruct) {
        threshold = k;
        expect(frames.usedFrames).toBe(before.used + 6);
        checkMachineInvariants([mm, child], frames, pageCache);
        expect(child.read(W)).toBe(1n);
        expect(child.read(W + 3 * P)).toEqual({ signal: 'SIGSEGV', code: 'SEGV_MAPERR' });
        expect(child.read(W + GiB)).toBe(3n);
        expect(child.read(W + 2 * GiB, 1)).toBe(4n);
        expect(child.read(W + 3 * GiB + 2 * P, 1)).toBe(5n);
        expect(child.read(2 ** 40)).toEqual({ signal: 'SIGSEGV', code: 'SEGV_MAPERR' });
        expect(child.read(W + 4 * GiB)).toBe(0n);
        child.destroy();
      } else {
        expect(child).toEqual({ errno: 'ENOMEM' });
        expect(machineSnapshot([mm], frames, pageCache)).toEqual(before);
      }
      mm.checkInvariants();
      checkMachineInvariants([mm], frames, pageCache);
    }
    expect(threshold).toBe(6);
  });
});

describe('an mremap that moves part of a VMA, under frame exhaustion', () => {
  test('the middle two pages to 3 GiB away: ENOMEM with everything as before, or moved', () => {
    // The destination needs a new PD and PT (2 frames). The move checks first
    // for one table per level it spans (3), so with exactly 2 it is refused,
    // conservatively but whole.
    const W = 2 ** 32;
    const to = W + 3 * GiB;
    for (let k = 0; k <= 3; k++) {
      const { frames, pageCache, spawn } = failingMachine();
      const mm = spawn();
      ok(mm.mmap(W, 6 * P, RW, ANON | MAP.FIXED, null));
      for (let i = 0; i < 6; i++) expect(mm.write(W + i * P, BigInt(i + 1))).toBeNull();
      const before = machineSnapshot([mm], frames, pageCache);
      frames.budget = k;
      const r = mm.mremap(W + 2 * P, 2 * P, 2 * P, 3, to);
      frames.budget = Number.POSITIVE_INFINITY;
      if (k < 2) expect(r).toEqual({ errno: 'ENOMEM' });
      if (k === 3) expect(r).toBe(to);
      if (typeof r === 'number') {
        expect(frames.usedFrames).toBe(before.used + 2);
        expect(present(mm, W, 6)).toEqual([true, true, false, false, true, true]);
        expect([mm.read(to), mm.read(to + P)]).toEqual([3n, 4n]);
        expect(mm.mapCount).toBe(3);
      } else {
        expect(machineSnapshot([mm], frames, pageCache)).toEqual(before);
      }
      mm.checkInvariants();
      checkMachineInvariants([mm], frames, pageCache);
    }
  });
});

// The other failure model: not "k frames left" but "the k-th allocate() call fails"
// while later calls succeed again. A frame freed halfway through an operation (an
// emptied page table) then cannot make room for the allocation that follows it.
describe('the k-th allocation fails (later ones succeed)', () => {
  const W = 2 ** 32;
  /** Runs `op` once per k with the k-th allocate() of `op` failing, until a run makes no k-th call. */
  function sweepCalls(
    setup: () => { frames: FailingFrames; pageCache: PageCache; mms: MmStruct[] },
    op: (mms: MmStruct[]) => unknown,
    failed: (result: unknown) => boolean,
  ): number {
    for (let k = 1; ; k++) {
      const { frames, pageCache, mms } = setup();
      const before = machineSnapshot(mms, frames, pageCache);
      const start = frames.calls;
      frames.failCall = start + k;
      const result = op(mms);
      const calls = frames.calls - start;
      frames.failCall = 0;
      if (calls < k) {
        // No k-th call: the operation ran unhindered; k - 1 calls were all it makes.
        expect(failed(result)).toBe(false);
        return k - 1;
      }
      if (failed(result)) expect(machineSnapshot(mms, frames, pageCache)).toEqual(before);
      for (const mm of mms) mm.checkInvariants();
      checkMachineInvariants(mms, frames, pageCache);
    }
  }
  const isSigbus = (r: unknown) => r !== null && (r as { signal?: string }).signal === 'SIGBUS';
  const isErr = (r: unknown) => typeof r === 'object' && r !== null && 'errno' in r;

  function forkedPair() {
    const machine = failingMachine();
    const parent = machine.spawn();
    // One page alone in its page table: replacing its PTE must not free the table.
    ok(parent.mmap(W, P, RW, ANON | MAP.FIXED, null));
    expect(parent.write(W, 0x11n)).toBeNull();
    const child = forked(parent);
    return { frames: machine.frames, pageCache: machine.pageCache, mms: [parent, child] };
  }

  test('copy-on-write of a page alone in its table: the copy, or SIGBUS with nothing changed', () => {
    const calls = sweepCalls(forkedPair, ([, child]) => child.write(W, 0x22n), isSigbus);
    expect(calls).toBe(1); // the private copy; the PTE is replaced in place
  });

  test('demand-zero fault in an empty address space', () => {
    const calls = sweepCalls(
      () => {
        const machine = failingMachine();
        const mm = machine.spawn();
        ok(mm.mmap(W, P, RW, ANON | MAP.FIXED, null));
        return { frames: machine.frames, pageCache: machine.pageCache, mms: [mm] };
      },
      ([mm]) => mm.write(W, 1n),
      isSigbus,
    );
    expect(calls).toBe(4); // the page, then a PDPT, a PD and a PT
  });

  test('fork', () => {
    let child: MmStruct | undefined;
    const calls = sweepCalls(
      () => {
        const machine = failingMachine();
        const parent = machine.spawn();
        ok(parent.mmap(W, 2 * P, RW, ANON | MAP.FIXED, null));
        ok(parent.mmap(W + GiB, P, RW, ANON | MAP.FIXED, null));
        for (const va of [W, W + P, W + GiB]) expect(parent.write(va, 7n)).toBeNull();
        return { frames: machine.frames, pageCache: machine.pageCache, mms: [parent] };
      },
      ([parent]) => {
        const r = parent.fork();
        if (r instanceof MmStruct) child = r;
        return r;
      },
      isErr,
    );
    expect(calls).toBeGreaterThan(1);
    expect(child).toBeInstanceOf(MmStruct);
  });

  test('mremap that moves to another table', () => {
    const calls = sweepCalls(
      () => {
        const machine = failingMachine();
        const mm = machine.spawn();
        ok(mm.mmap(W, 2 * P, RW, ANON | MAP.FIXED, null));
        expect(mm.write(W, 5n)).toBeNull();
        expect(mm.write(W + P, 6n)).toBeNull();
        return { frames: machine.frames, pageCache: machine.pageCache, mms: [mm] };
      },
      ([mm]) => mm.mremap(W, 2 * P, 2 * P, MREMAP.MAYMOVE | MREMAP.FIXED, W + 3 * GiB),
      isErr,
    );
    expect(calls).toBeGreaterThan(0);
  });
});
