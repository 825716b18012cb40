import type { PageTable, PageTableMemory } from '@vmem/page-table-x86_64';

/** What a page-table tree holds, counted from its raw entries. */
export interface PageTableStats {
  /** Tables per level, top first (PML4, PDPT, PD, PT; PML5 first with 5 levels). */
  tables: number[];
  leaves4k: number;
  leaves2m: number;
  leaves1g: number;
}

/**
 * Walk the tree the way the CPU reads it (Intel SDM vol. 3, 4.5): 512 8-byte
 * entries per table, P = bit 0, PS = bit 7 marks a 2 MiB / 1 GiB leaf above the
 * PT level, the next table's frame in bits 51:12.
 */
export function pageTableStats(table: PageTable, memory: PageTableMemory): PageTableStats {
  const levels = table.levels;
  const stats: PageTableStats = {
    tables: new Array<number>(levels).fill(0),
    leaves4k: 0,
    leaves2m: 0,
    leaves1g: 0,
  };
  const visit = (pfn: number, depth: number): void => {
    stats.tables[depth]++;
    const words = memory.frameWords(pfn);
    const leafLevel = depth === levels - 1;
    for (let i = 0; i < 512; i++) {
      const lo = words[2 * i];
      if ((lo & 1) === 0) continue;
      if (leafLevel) {
        stats.leaves4k++;
      } else if (lo & 0x80 && depth === levels - 2) {
        stats.leaves2m++;
      } else if (lo & 0x80 && depth === levels - 3) {
        stats.leaves1g++;
      } else {
        const hi = words[2 * i + 1] & 0xfffff;
        visit(hi * 2 ** 20 + Math.floor(lo / 4096), depth + 1);
      }
    }
  };
  visit(table.rootPfn, 0);
  return stats;
}
