import type { MmStruct } from './mm-struct.js';
import { PTE_BITS, pteBits, ptePfn } from './pte-store.js';
import type { VmArea } from './vm-area.js';

/** smaps-style counters of a VMA or a whole address space, in bytes (fs/proc/task_mmu.c). */
export interface SmapsCounters {
  size: number;
  /** Pages present in the page table (the zero page is not counted, as in Linux). */
  rss: number;
  /** Present private anonymous pages (copy-on-write copies of file pages included). */
  anonymous: number;
  /** Present page-cache pages. */
  file: number;
  /** Present pages mapped more than once (by another process, or the page cache's other mappers). */
  shared: number;
  /** Present pages mapped only here. */
  private: number;
  /** Present pages written since they were mapped (hardware D). */
  dirty: number;
}

function empty(): SmapsCounters {
  return { size: 0, rss: 0, anonymous: 0, file: 0, shared: 0, private: 0, dirty: 0 };
}

function add(into: SmapsCounters, from: SmapsCounters): void {
  into.size += from.size;
  into.rss += from.rss;
  into.anonymous += from.anonymous;
  into.file += from.file;
  into.shared += from.shared;
  into.private += from.private;
  into.dirty += from.dirty;
}

/** The counters of one VMA. */
export function smapsOf(mm: MmStruct, vma: VmArea): SmapsCounters {
  const c = empty();
  c.size = vma.end - vma.start;
  mm.ptes.forEach(vma.start, vma.end, (_va, entry) => {
    const pfn = ptePfn(entry);
    if (pfn === mm.zeroPagePfn) return;
    const bits = pteBits(entry);
    c.rss += 4096;
    // A page-cache frame holds one reference for the cache itself.
    const mappers = mm.frames.refCount(pfn) - (bits & PTE_BITS.ANON ? 0 : 1);
    if (bits & PTE_BITS.ANON) c.anonymous += 4096;
    else c.file += 4096;
    if (mappers > 1) c.shared += 4096;
    else c.private += 4096;
    if (bits & PTE_BITS.DIRTY) c.dirty += 4096;
  });
  return c;
}

/** The counters summed over every VMA (smaps_rollup). */
export function smapsRollup(mm: MmStruct): SmapsCounters {
  const total = empty();
  for (const vma of mm.vmas) add(total, smapsOf(mm, vma));
  return total;
}
