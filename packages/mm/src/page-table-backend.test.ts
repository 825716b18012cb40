// The page-table backend keeps real x86_64 PTEs: accesses go through the CPU's
// walk (translate), which sets Accessed and Dirty; smaps counts what is present.
import {
  BitmapFrameAllocator,
  PhysicalMemory,
  RefCountedFrameAllocator,
} from '@vmem/frame-allocator';
import { PageTable, PTE } from '@vmem/page-table-x86_64';
import { describe, expect, test } from 'vitest';
import { MAP, PROT } from './linux-abi.js';
import { MemoryFile } from './mm-file.js';
import { MmStruct } from './mm-struct.js';
import { PageTablePteStore } from './page-table-pte-store.js';
import { smapsOf, smapsRollup } from './smaps.js';
import { ok } from './test-support/drawing.js';

const P = 4096;

function machine() {
  const memory = new PhysicalMemory({ size: 2 ** 28 });
  const frames = new RefCountedFrameAllocator(new BitmapFrameAllocator({ frames: 1 << 16 }));
  const table = new PageTable({ memory, frames });
  const mm = new MmStruct({ frames, memory, pteStore: new PageTablePteStore(table) });
  return { mm, table, frames };
}

describe('PageTablePteStore', () => {
  test('a write sets Accessed and Dirty in the real PTE; a read of another page only Accessed', () => {
    const { mm, table } = machine();
    const a = ok(mm.mmap(0, 2 * P, PROT.READ | PROT.WRITE, MAP.PRIVATE | MAP.ANONYMOUS, null));
    expect(mm.write(a, 5n)).toBeNull();
    expect(mm.write(a + P, 6n)).toBeNull();
    const first = table.query(a);
    expect(first.ok).toBe(true);
    if (first.ok !== true) return;
    expect(first.flags & PTE.ACCESSED).toBe(PTE.ACCESSED);
    expect(first.flags & PTE.DIRTY).toBe(PTE.DIRTY);
    expect(first.flags & PTE.USER).toBe(PTE.USER);
    expect(first.flags & PTE.WRITABLE).toBe(PTE.WRITABLE);
    // Reading through a read-only protection: R/W cleared by mprotect, A stays.
    ok(mm.mprotect(a, P, PROT.READ));
    const ro = table.query(a);
    if (ro.ok !== true) throw new Error('unmapped');
    expect(ro.flags & PTE.WRITABLE).toBe(0);
    expect(mm.read(a)).toBe(5n);
    expect(mm.write(a, 1n)).toEqual({ signal: 'SIGSEGV', code: 'SEGV_ACCERR' });
  });

  test('munmap removes the PTEs and destroy returns every frame', () => {
    const { mm, table, frames } = machine();
    const a = ok(mm.mmap(0, 4 * P, PROT.READ | PROT.WRITE, MAP.PRIVATE | MAP.ANONYMOUS, null));
    for (let i = 0; i < 4; i++) expect(mm.write(a + i * P, 1n)).toBeNull();
    ok(mm.munmap(a + P, 2 * P));
    expect(table.query(a + P).ok).not.toBe(true);
    expect(table.query(a).ok).toBe(true);
    mm.destroy();
    expect(table.destroyed).toBe(true);
    expect(frames.usedFrames).toBe(0);
  });
});

describe('smaps counters', () => {
  test('anonymous, file, shared and private pages; the zero page does not count', () => {
    const { mm } = machine();
    const file = new MemoryFile({ path: '/lib', dev: 'fe:00', ino: 1, size: 4 * P });
    const anon = ok(mm.mmap(0, 4 * P, PROT.READ | PROT.WRITE, MAP.PRIVATE | MAP.ANONYMOUS, null));
    const f1 = ok(mm.mmap(0, 2 * P, PROT.READ, MAP.PRIVATE, file, 0));
    const f2 = ok(mm.mmap(0, 2 * P, PROT.READ | PROT.WRITE, MAP.PRIVATE, file, 0));
    expect(mm.write(anon, 1n)).toBeNull();
    expect(mm.read(anon + P)).toBe(0n); // zero page
    expect(mm.read(f1)).toBe(0n); // page 0, shared with f2's read below
    expect(mm.read(f2)).toBe(0n);
    expect(mm.write(f2 + P, 3n)).toBeNull(); // a private copy of page 1
    const vmaOf = (addr: number) => mm.vmas.findContaining(addr)!;
    expect(smapsOf(mm, vmaOf(anon))).toEqual({
      size: 4 * P,
      rss: P,
      anonymous: P,
      file: 0,
      shared: 0,
      private: P,
      dirty: P,
    });
    expect(smapsOf(mm, vmaOf(f1))).toMatchObject({ rss: P, file: P, shared: P, private: 0 });
    expect(smapsOf(mm, vmaOf(f2))).toMatchObject({
      rss: 2 * P,
      file: P,
      anonymous: P,
      shared: P,
      private: P,
    });
    expect(smapsRollup(mm)).toMatchObject({
      size: 8 * P,
      rss: 4 * P,
      anonymous: 2 * P,
      file: 2 * P,
    });
  });
});
