import type { PageTable } from '@vmem/page-table-x86_64';
import { Access, PageTable as PageTableClass, PTE } from '@vmem/page-table-x86_64';
import { checkPage, PTE_BITS, type PteStore } from './pte-store.js';

// How mm's entry bits sit in a real x86_64 PTE (Intel SDM vol. 3, 4.5, Table 4-20):
// WRITE is R/W (bit 1), DIRTY is D (bit 6), ANON is software-available bit 9.
// Every user page is P|U/S; no page is executable unless... mm does not map code
// for execution, so XD is left clear and the VMA decides exec rights.
const BASE_FLAGS = PTE.PRESENT | PTE.USER;
const ANON_BIT = PTE.SOFTWARE_9;

function toFlags(bits: number): number {
  return (
    BASE_FLAGS |
    (bits & PTE_BITS.WRITE ? PTE.WRITABLE : 0) |
    (bits & PTE_BITS.DIRTY ? PTE.DIRTY : 0) |
    (bits & PTE_BITS.ANON ? ANON_BIT : 0)
  );
}

function toBits(flags: number): number {
  return (
    (flags & PTE.WRITABLE ? PTE_BITS.WRITE : 0) |
    (flags & PTE.DIRTY ? PTE_BITS.DIRTY : 0) |
    (flags & ANON_BIT ? PTE_BITS.ANON : 0)
  );
}

/**
 * mm's page-table backend on a real x86_64 page table (@vmem/page-table-x86_64):
 * every present user page is a 4 KiB PTE in simulated physical memory, so an
 * emulator can walk CR3 = `table.cr3` and see exactly what the process maps.
 */
export class PageTablePteStore implements PteStore {
  readonly table: PageTable;
  readonly usesTableFrames = true;
  private count = 0;
  private readonly leaf = { ok: true as const, va: 0, pa: 0, size: 0x1000 as const, flags: 0 };

  constructor(table: PageTable) {
    this.table = table;
  }

  get(va: number): number {
    checkPage(va);
    const r = this.table.query(va, this.leaf as never);
    if (r.ok !== true) return -1;
    return (r.pa / 4096) * 8 + toBits(r.flags);
  }

  set(va: number, entry: number): boolean {
    checkPage(va);
    // Checked: the arithmetic below would turn '4096' into frame 512.
    if (!Number.isSafeInteger(entry) || entry < 0) {
      throw new RangeError(`entry must be a non-negative integer, got ${String(entry)}`);
    }
    const pfn = Math.floor(entry / 8);
    const flags = toFlags(entry % 8);
    const old = this.table.query(va, this.leaf as never);
    if (old.ok === true) {
      // In place: an unmap + map could free the page table (its only entry) and
      // then fail to allocate it again, losing the PTE.
      this.table.remap(va, pfn * 4096, flags);
      return true;
    }
    const r = this.table.map(va, pfn * 4096, 0x1000, flags);
    if (r.ok !== true) return false;
    this.count++;
    return true;
  }

  delete(va: number): number {
    // An unaligned va would remove the page holding it: the Map store would not.
    checkPage(va);
    const r = this.table.unmap(va, this.leaf as never);
    if (r.ok !== true) return -1;
    this.count--;
    return (r.pa / 4096) * 8 + toBits(r.flags);
  }

  translate(va: number, write: boolean): number {
    return this.table.translate(va, write ? Access.USER_WRITE : Access.USER_READ);
  }

  forEach(start: number, end: number, fn: (va: number, entry: number) => void): void {
    if (this.count === 0 || end <= start) return;
    this.table.forEachMapping(
      (va, pa, _size, flags) => {
        fn(va, (pa / 4096) * 8 + toBits(flags));
      },
      { va: start, size: end - start },
    );
  }

  get size(): number {
    return this.count;
  }

  get tableFrames(): number {
    return this.table.tableCount;
  }

  spawn(): PteStore | null {
    const t = this.table;
    const table = PageTableClass.create({
      memory: t.memory,
      frames: t.frames,
      levels: t.levels,
      maxPhysAddrBits: t.maxPhysAddrBits,
    });
    return table instanceof PageTableClass ? new PageTablePteStore(table) : null;
  }

  /** The address space is gone (exit): every table frame, the root included, is freed. */
  destroy(): void {
    if (!this.table.destroyed) this.table.destroy();
    this.count = 0;
  }
}
