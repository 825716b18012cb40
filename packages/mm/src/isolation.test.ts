// Isolation between processes on one machine: one address space never reads or
// writes another's frames except through shared mappings (shared anonymous memory,
// MAP_SHARED files, the page cache behind an untouched private file mapping);
// user-mode access to supervisor pages faults; the kernel's user-copy helpers
// refuse kernel-half and unmapped addresses and copy nothing past a fault.
import { PTE } from '@vmem/page-table-x86_64';
import { describe, expect, test } from 'vitest';
import { MADV, MAP, PROT } from './linux-abi.js';
import { checkMachineInvariants } from './machine-invariants.js';
import { MemoryFile } from './mm-file.js';
import { DEFAULT_TASK_SIZE } from './mm-options.js';
import { MmStruct } from './mm-struct.js';
import type { PageTablePteStore } from './page-table-pte-store.js';
import { ptePfn } from './pte-store.js';
import { ok } from './test-support/drawing.js';
import { newMachine } from './test-support/machine.js';

const P = 4096;
const W = 0x1_0000_0000;
const RW = PROT.READ | PROT.WRITE;
const ANON = MAP.PRIVATE | MAP.ANONYMOUS;
const SEGV_ACCERR = { signal: 'SIGSEGV', code: 'SEGV_ACCERR' } as const;

function forked(mm: MmStruct): MmStruct {
  const child = mm.fork();
  if (!(child instanceof MmStruct)) throw new Error(`fork failed: ${child.errno}`);
  return child;
}

function dataFile(pages: number): MemoryFile {
  return new MemoryFile({
    path: '/srv/shared.db',
    ino: 12,
    size: pages * P,
    fill: (pgoff, page) => page.fill(0x40 + pgoff),
  });
}

/** The frames an address space maps, by page address. */
function framesOf(mm: MmStruct): Map<number, number> {
  const out = new Map<number, number>();
  mm.ptes.forEach(0, 2 ** 47, (va, entry) => out.set(va, ptePfn(entry)));
  return out;
}

describe.each(['page-table', 'map'] as const)(
  'isolation between processes (%s backend)',
  (backend) => {
    test('after fork: private writes stay private both ways; shared anonymous writes are seen both ways', () => {
      const { frames, pageCache, spawn } = newMachine({ backend });
      const parent = spawn();
      ok(parent.mmap(W, 2 * P, RW, ANON | MAP.FIXED, null));
      ok(parent.mmap(W + 4 * P, 2 * P, RW, MAP.SHARED | MAP.ANONYMOUS | MAP.FIXED, null));
      expect(parent.write(W, 0x1111n)).toBeNull();
      expect(parent.write(W + 4 * P, 0x2222n)).toBeNull();
      const child = forked(parent);
      // Private: each side's writes are its own from now on.
      expect(child.write(W, 0xc1n)).toBeNull();
      expect(parent.write(W + P, 0xa1n)).toBeNull();
      expect([parent.read(W), child.read(W)]).toEqual([0x1111n, 0xc1n]);
      expect([parent.read(W + P), child.read(W + P)]).toEqual([0xa1n, 0n]);
      // Shared: one frame, seen by both.
      expect(child.write(W + 4 * P + 8, 0xc2n)).toBeNull();
      expect(parent.write(W + 5 * P, 0xa2n)).toBeNull();
      expect(parent.read(W + 4 * P + 8)).toBe(0xc2n);
      expect(child.read(W + 5 * P)).toBe(0xa2n);
      expect(ptePfn(child.ptes.get(W + 4 * P))).toBe(ptePfn(parent.ptes.get(W + 4 * P)));
      checkMachineInvariants([parent, child], frames, pageCache);
    });

    test('after copy-on-write each process has its own frame, with one reference', () => {
      const { frames, pageCache, spawn } = newMachine({ backend });
      const parent = spawn();
      ok(parent.mmap(W, 3 * P, RW, ANON | MAP.FIXED, null));
      for (let i = 0; i < 3; i++) expect(parent.write(W + i * P, BigInt(i + 1))).toBeNull();
      const child = forked(parent);
      const shared = [0, 1, 2].map((i) => ptePfn(parent.ptes.get(W + i * P)));
      for (const pfn of shared) expect(frames.refCount(pfn)).toBe(2);
      expect(child.write(W, 9n)).toBeNull(); // the child copies page 0
      expect(parent.write(W + P, 9n)).toBeNull(); // the parent copies page 1
      const p = framesOf(parent);
      const c = framesOf(child);
      for (const va of [W, W + P]) {
        expect(p.get(va)).not.toBe(c.get(va));
        expect(frames.refCount(p.get(va)!)).toBe(1);
        expect(frames.refCount(c.get(va)!)).toBe(1);
      }
      // The page neither wrote is still one frame with two references.
      expect(p.get(W + 2 * P)).toBe(c.get(W + 2 * P));
      expect(frames.refCount(p.get(W + 2 * P)!)).toBe(2);
      // The parent's old page 1 went to the child alone; its page 0 is still the original.
      expect(c.get(W + P)).toBe(shared[1]);
      expect(p.get(W)).toBe(shared[0]);
      // After the child exits, the parent's pages are all its own.
      child.destroy();
      expect(frames.refCount(shared[2])).toBe(1);
      checkMachineInvariants([parent], frames, pageCache);
    });

    test('independent processes: the same addresses are different frames, and writes never cross', () => {
      const { frames, pageCache, spawn } = newMachine({ backend });
      const a = spawn();
      const b = spawn();
      for (const mm of [a, b]) ok(mm.mmap(W, 4 * P, RW, ANON | MAP.FIXED, null));
      for (let i = 0; i < 4; i++) {
        expect(a.write(W + i * P, 0xaan)).toBeNull();
        expect(b.write(W + i * P, 0xbbn)).toBeNull();
      }
      for (let i = 0; i < 4; i++)
        expect([a.read(W + i * P), b.read(W + i * P)]).toEqual([0xaan, 0xbbn]);
      const fa = new Set(framesOf(a).values());
      const fb = new Set(framesOf(b).values());
      expect(fa.size).toBe(4);
      expect([...fb].filter((pfn) => fa.has(pfn))).toEqual([]);
      // Untouched private memory reads as zeros in B whatever A wrote at the same place.
      ok(a.mmap(W + 8 * P, P, RW, ANON | MAP.FIXED, null));
      ok(b.mmap(W + 8 * P, P, RW, ANON | MAP.FIXED, null));
      expect(a.write(W + 8 * P, 0x5555n)).toBeNull();
      expect(b.read(W + 8 * P)).toBe(0n);
      checkMachineInvariants([a, b], frames, pageCache);
    });

    test('independent processes share a file only through its page cache: MAP_SHARED both ways, MAP_PRIVATE until written', () => {
      const { frames, pageCache, spawn } = newMachine({ backend });
      const file = dataFile(2);
      const a = spawn();
      const b = spawn();
      ok(a.mmap(W, 2 * P, RW, MAP.SHARED | MAP.FIXED, file));
      ok(b.mmap(W + 16 * P, 2 * P, RW, MAP.SHARED | MAP.FIXED, file));
      ok(b.mmap(W + 32 * P, 2 * P, RW, MAP.PRIVATE | MAP.FIXED, file));
      expect(b.read(W + 32 * P, 1)).toBe(0x40n); // private, not yet written: the cached page
      expect(a.write(W, 0x77n, 1)).toBeNull();
      expect(b.read(W + 16 * P, 1)).toBe(0x77n); // shared
      expect(b.read(W + 32 * P, 1)).toBe(0x77n); // Linux: an unwritten private page shows the file
      const back = new Uint8Array(P);
      file.readPage(0, back);
      expect(back[0]).toBe(0x77);
      // Once B writes its private page, it has its own copy: no more changes either way.
      expect(b.write(W + 32 * P, 0x99n, 1)).toBeNull();
      expect(a.write(W, 0x78n, 1)).toBeNull();
      expect(b.read(W + 32 * P, 1)).toBe(0x99n);
      expect(a.read(W, 1)).toBe(0x78n);
      file.readPage(0, back);
      expect(back[0]).toBe(0x78);
      checkMachineInvariants([a, b], frames, pageCache);
    });

    test('a shared file written in the child is seen in the parent, a private one is not', () => {
      const { frames, pageCache, spawn } = newMachine({ backend });
      const file = dataFile(1);
      const parent = spawn();
      ok(parent.mmap(W, P, RW, MAP.SHARED | MAP.FIXED, file));
      ok(parent.mmap(W + 4 * P, P, RW, MAP.PRIVATE | MAP.FIXED, file));
      expect(parent.write(W + 4 * P + 1, 0x11n, 1)).toBeNull(); // the parent's own copy
      const child = forked(parent);
      expect(child.write(W + 2, 0x22n, 1)).toBeNull();
      expect(child.write(W + 4 * P + 1, 0x33n, 1)).toBeNull();
      expect(parent.read(W + 2, 1)).toBe(0x22n);
      expect(parent.read(W + 4 * P + 1, 1)).toBe(0x11n);
      expect(child.read(W + 4 * P + 1, 1)).toBe(0x33n);
      checkMachineInvariants([parent, child], frames, pageCache);
    });

    test('MADV_REMOVE in one process punches the hole for every process mapping the file', () => {
      // A punched hole (fallocate PUNCH_HOLE behind MADV_REMOVE) unmaps the page-cache
      // pages from every mapping of the file (truncate_pagecache_range), so no process
      // keeps seeing the old bytes; private copies stay (even_cows = 0).
      const { frames, pageCache, spawn } = newMachine({ backend });
      const file = dataFile(2);
      const parent = spawn();
      ok(parent.mmap(W, 2 * P, RW, MAP.SHARED | MAP.FIXED, file));
      ok(parent.mmap(W + 4 * P, 2 * P, RW, MAP.PRIVATE | MAP.FIXED, file));
      expect(parent.write(W, 0x11n, 1)).toBeNull();
      expect(parent.read(W + 4 * P, 1)).toBe(0x11n); // the cached page, read-only
      expect(parent.write(W + 5 * P, 0x55n, 1)).toBeNull(); // a private copy of page 1
      const child = forked(parent);
      const other = spawn();
      ok(other.mmap(W, 2 * P, PROT.READ, MAP.SHARED | MAP.FIXED, file));
      expect(child.read(W, 1)).toBe(0x11n);
      expect(other.read(W, 1)).toBe(0x11n);
      expect(other.read(W + P, 1)).toBe(0x41n);
      expect(parent.madvise(W, 2 * P, MADV.REMOVE)).toBe(0);
      checkMachineInvariants([parent, child, other], frames, pageCache);
      for (const mm of [parent, child, other]) {
        expect(mm.read(W, 1)).toBe(0n);
        expect(mm.read(W + P, 1)).toBe(0n);
      }
      for (const mm of [parent, child]) {
        expect(mm.read(W + 4 * P, 1)).toBe(0n); // was the cached page
        expect(mm.read(W + 5 * P, 1)).toBe(0x55n); // a private copy
      }
      checkMachineInvariants([parent, child, other], frames, pageCache);
    });

    test('a truncation by one process unmaps the pages past the end in every process', () => {
      const { frames, pageCache, spawn } = newMachine({ backend });
      const file = dataFile(2);
      const a = spawn();
      const b = spawn();
      ok(a.mmap(W, 2 * P, RW, MAP.SHARED | MAP.FIXED, file));
      ok(b.mmap(W, 2 * P, RW, MAP.PRIVATE | MAP.FIXED, file));
      expect(b.write(W + P, 0x66n, 1)).toBeNull();
      expect(a.read(W + P, 1)).toBe(0x41n);
      expect(a.truncateFile(file, P)).toBe(0);
      checkMachineInvariants([a, b], frames, pageCache);
      const SIGBUS = { signal: 'SIGBUS', code: 'BUS_ADRERR' };
      expect(a.read(W + P, 1)).toEqual(SIGBUS);
      expect(b.read(W + P, 1)).toEqual(SIGBUS); // even its private copy (even_cows)
    });
  },
);

describe('supervisor-only pages', () => {
  test('user-mode reads and writes of a page whose PTE lacks U/S fault and move no byte', () => {
    const { memory, frames, pageCache, spawn } = newMachine();
    const mm = spawn();
    ok(mm.mmap(W, 2 * P, RW, ANON | MAP.FIXED, null));
    expect(mm.write(W, 0x1234n)).toBeNull();
    expect(mm.write(W + P, 0x5678n)).toBeNull();
    const table = (mm.ptes as PageTablePteStore).table;
    // The kernel's own page, mapped supervisor-only (as a kernel would map its data).
    expect(table.protect(W, { clear: PTE.USER })).toEqual({ ok: true });
    const pfn = ptePfn(mm.ptes.get(W));
    const bytes = memory.frameBytes(pfn);
    const before = bytes.slice();
    expect(mm.read(W)).toEqual(SEGV_ACCERR);
    expect(mm.write(W, 0xdeadn)).toEqual(SEGV_ACCERR);
    expect(mm.write(W + P - 4, 0xffff_ffff_ffff_ffffn)).toEqual(SEGV_ACCERR);
    expect(bytes).toEqual(before);
    // The kernel's user copies are user accesses too: nothing read, nothing written.
    const dest = new Uint8Array(16).fill(0xaa);
    expect(mm.copyFromUser(W, dest)).toBe(16);
    expect(dest).toEqual(new Uint8Array(16).fill(0xaa));
    expect(mm.copyToUser(W, new Uint8Array(16).fill(1))).toBe(16);
    expect(mm.clearUser(W, 16)).toBe(16);
    expect(bytes).toEqual(before);
    // A copy from the user page before it stops at the supervisor page.
    ok(mm.mprotect(W + P, P, RW));
    const span = new Uint8Array(P + 8).fill(0xbb);
    expect(mm.copyFromUser(W + P, span.subarray(0, 8))).toBe(0);
    expect(mm.read(W + P)).toBe(0x5678n);
    // With U/S back, the page is readable again and holds what it held.
    expect(table.protect(W, { set: PTE.USER })).toEqual({ ok: true });
    expect(mm.read(W)).toBe(0x1234n);
    checkMachineInvariants([mm], frames, pageCache);
  });
});

describe('user-copy helpers refuse what a user pointer may not reach', () => {
  const kernelHalf: Array<[string, number | bigint]> = [
    ['2^47 (first non-canonical address)', 2 ** 47],
    ['2^48', 2 ** 48],
    ['0xffff800000000000 (canonical kernel half)', 0xffff_8000_0000_0000n],
    ['0xffffffffff600000 (vsyscall page)', 0xffff_ffff_ff60_0000n],
    ['0xfffffffffffff000', 0xffff_ffff_ffff_f000n],
    ['TASK_SIZE (the guard page below 2^47)', DEFAULT_TASK_SIZE],
  ];
  test.each(kernelHalf)('%s: EFAULT, nothing copied', (_name, va) => {
    const { frames, pageCache, spawn } = newMachine();
    const mm = spawn();
    const dest = new Uint8Array(64).fill(0xaa);
    expect(mm.copyFromUser(va, dest)).toBe(64);
    expect(dest).toEqual(new Uint8Array(64).fill(0xaa));
    expect(mm.copyToUser(va, new Uint8Array(64).fill(1))).toBe(64);
    expect(mm.clearUser(va, 64)).toBe(64);
    expect(mm.readUser(va, 1)).toEqual({ errno: 'EFAULT' });
    expect(mm.writeUser(va, new Uint8Array(1))).toEqual({ errno: 'EFAULT' });
    expect(mm.ptes.size).toBe(0);
    checkMachineInvariants([mm], frames, pageCache);
  });

  test('a range that starts in user space and ends in the kernel half is refused whole', () => {
    const { spawn } = newMachine();
    const mm = spawn();
    const top = DEFAULT_TASK_SIZE - P; // the last user page
    ok(mm.mmap(top, P, RW, ANON | MAP.FIXED, null));
    expect(mm.write(DEFAULT_TASK_SIZE - 8, 0x0102030405060708n)).toBeNull();
    expect(mm.copyToUser(DEFAULT_TASK_SIZE - 8, new Uint8Array(16).fill(0xee))).toBe(16);
    expect(mm.clearUser(DEFAULT_TASK_SIZE - 8, 9)).toBe(9);
    const dest = new Uint8Array(16).fill(0xaa);
    expect(mm.copyFromUser(DEFAULT_TASK_SIZE - 8, dest)).toBe(16);
    expect(dest).toEqual(new Uint8Array(16).fill(0xaa));
    expect(mm.read(DEFAULT_TASK_SIZE - 8)).toBe(0x0102030405060708n);
    // Exactly up to TASK_SIZE is allowed.
    expect(mm.copyFromUser(DEFAULT_TASK_SIZE - 8, dest.subarray(0, 8))).toBe(0);
    expect([...dest.subarray(0, 8)]).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
  });

  test('unmapped addresses: EFAULT, nothing copied, nothing mapped', () => {
    const { spawn } = newMachine();
    const mm = spawn();
    const dest = new Uint8Array(32).fill(0xaa);
    expect(mm.copyFromUser(W, dest)).toBe(32);
    expect(dest).toEqual(new Uint8Array(32).fill(0xaa));
    expect(mm.copyToUser(W, new Uint8Array(32).fill(1))).toBe(32);
    expect(mm.clearUser(W, 32)).toBe(32);
    expect(mm.copyFromUser(0, dest)).toBe(32);
    expect(mm.mapCount).toBe(0);
    expect(mm.ptes.size).toBe(0);
  });

  test('a copy stops at the first unreachable byte: the bytes before it move, none after', () => {
    const { spawn } = newMachine();
    const mm = spawn();
    ok(mm.mmap(W, P, RW, ANON | MAP.FIXED, null));
    ok(mm.mmap(W + P, P, PROT.READ, ANON | MAP.FIXED, null));
    ok(mm.mmap(W + 3 * P, P, RW, ANON | MAP.FIXED, null));
    // copy_to_user into a read-only page: the 8 bytes before it are written.
    expect(mm.copyToUser(W + P - 8, new Uint8Array(24).fill(0xee))).toBe(16);
    expect(mm.read(W + P - 8)).toBe(0xeeeeeeeeeeeeeeeen);
    expect(mm.read(W + P)).toBe(0n);
    // clear_user the same way.
    expect(mm.clearUser(W + P - 4, 12)).toBe(8);
    expect(mm.read(W + P - 8)).toBe(0x00000000eeeeeeeen);
    // copy_from_user across a hole: the bytes before it are read, the rest untouched.
    expect(mm.write(W + 2 * P - 8, 0x1122334455667788n)).toEqual(SEGV_ACCERR);
    const dest = new Uint8Array(16).fill(0xaa);
    expect(mm.copyFromUser(W + 2 * P - 8, dest)).toBe(8);
    expect([...dest]).toEqual([...new Uint8Array(8), ...new Uint8Array(8).fill(0xaa)]);
    // Nothing appeared in the hole, and the page after it was not touched.
    expect(mm.vmas.findContaining(W + 2 * P)).toBeUndefined();
    expect(mm.ptes.get(W + 3 * P)).toBe(-1);
  });
});

describe('shared anonymous memory lives as long as its last mapping', () => {
  test('after fork, the pages go only when both processes have unmapped them', () => {
    const { frames, pageCache, spawn } = newMachine();
    const parent = spawn();
    const shm = ok(parent.mmap(W, 2 * P, RW, MAP.SHARED | MAP.ANONYMOUS | MAP.FIXED, null));
    expect(parent.write(shm, 0xabn)).toBeNull();
    expect(parent.write(shm + P, 0xcdn)).toBeNull();
    expect(pageCache.size).toBe(2);
    const child = forked(parent);
    ok(parent.munmap(shm, 2 * P));
    expect(pageCache.size).toBe(2);
    expect(child.read(shm)).toBe(0xabn);
    // A move and a partial unmap keep the pages that are still mapped.
    const moved = ok(child.mremap(shm, 2 * P, 2 * P, 3, W + 64 * P));
    expect(child.read(moved + P)).toBe(0xcdn);
    ok(child.munmap(moved, P));
    expect(pageCache.size).toBe(2);
    expect(child.read(moved + P)).toBe(0xcdn);
    const pfns = [ptePfn(child.ptes.get(moved + P))];
    pageCache.forEachPage((_file, _pgoff, pfn) => {
      if (!pfns.includes(pfn)) pfns.push(pfn);
    });
    expect(pfns.map((pfn) => frames.refCount(pfn))).toEqual([2, 1]);
    ok(child.munmap(moved + P, P));
    expect(pageCache.size).toBe(0);
    expect(pfns.map((pfn) => frames.refCount(pfn))).toEqual([0, 0]);
    checkMachineInvariants([parent, child], frames, pageCache);
  });

  test('exit frees it like munmap; a named file keeps its page cache', () => {
    const { frames, pageCache, spawn } = newMachine();
    const file = dataFile(1);
    const a = spawn();
    ok(a.mmap(W, P, RW, MAP.SHARED | MAP.ANONYMOUS | MAP.FIXED, null));
    ok(a.mmap(W + 4 * P, P, RW, MAP.SHARED | MAP.FIXED, file));
    expect(a.write(W, 1n)).toBeNull();
    expect(a.write(W + 4 * P, 2n)).toBeNull();
    const b = forked(a);
    a.destroy();
    expect(pageCache.size).toBe(2);
    b.destroy();
    // The file can be opened and mapped again: its page stays cached.
    expect(pageCache.size).toBe(1);
    expect(frames.usedFrames).toBe(1);
    checkMachineInvariants([], frames, pageCache);
  });
});
