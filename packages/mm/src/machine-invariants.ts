import type { MmFrameSource } from './mm-frames.js';
import type { MmStruct } from './mm-struct.js';
import type { PageCache } from './page-cache.js';
import { PTE_BITS, pteBits, ptePfn } from './pte-store.js';

/** A frame source that can say how many frames it has handed out (RefCountedFrameAllocator can). */
export interface CountedFrameSource extends MmFrameSource {
  readonly usedFrames: number;
}

const USER_END = 2 ** 47;
const PAGE = 4096;

/**
 * Check what no single address space can see, across every live address space of
 * one machine (the processes that share `frames` and `pageCache`, e.g. after fork),
 * and throw an Error naming the first broken rule:
 *
 * - every frame's reference count equals the PTEs that map it in all of `mms`
 *   plus one if the page cache holds it (the zero page: the cache's one
 *   reference, its mappings are not counted);
 * - a PTE without the anonymous bit maps the zero page or the page-cache frame of
 *   its VMA's file page (a stale frame left after a truncate or a punched hole
 *   would let one process see bytes the file no longer has); an anonymous PTE
 *   maps neither;
 * - the allocator's usage equals the page-table frames of all `mms` plus the
 *   distinct frames mapped or cached, so a frame nobody holds is a leak.
 *
 * `mms` must be every live address space on the machine (a missing one shows up
 * as a count mismatch). Each MmStruct's own checkInvariants() is separate.
 * O(pages + cached pages); for tests and soak runs.
 */
export function checkMachineInvariants(
  mms: readonly MmStruct[],
  frames: CountedFrameSource,
  pageCache: PageCache,
): void {
  for (const mm of mms) {
    if (mm.frames !== frames || mm.pageCache !== pageCache) {
      throw new RangeError('every address space must use the given frames and page cache');
    }
  }
  if (new Set(mms).size !== mms.length) throw new RangeError('an address space is listed twice');
  const zero = pageCache.zeroPagePfn;
  /** pfn -> references the machine accounts for (mappers + cache holds). */
  const holders = new Map<number, number>();
  const cached = new Set<number>();
  pageCache.forEachPage((file, pgoff, pfn) => {
    if (cached.has(pfn) || pfn === zero) {
      throw new Error(`frame ${pfn} is cached twice (again as ${file.path} page ${pgoff})`);
    }
    cached.add(pfn);
    holders.set(pfn, 1);
  });
  if (zero >= 0) holders.set(zero, 1);
  let tableFrames = 0;
  let problem: string | null = null;
  mms.forEach((mm, index) => {
    tableFrames += mm.ptes.tableFrames ?? 0;
    mm.ptes.forEach(0, USER_END, (va, entry) => {
      if (problem !== null) return;
      const pfn = ptePfn(entry);
      const where = `mm #${index} page ${va.toString(16)} (frame ${pfn})`;
      if (pfn === zero) {
        if (pteBits(entry) & PTE_BITS.ANON) problem = `${where} maps the zero page as anonymous`;
        return;
      }
      holders.set(pfn, (holders.get(pfn) ?? 0) + 1);
      if (pteBits(entry) & PTE_BITS.ANON) {
        if (cached.has(pfn)) problem = `${where} is anonymous but maps a page-cache frame`;
        return;
      }
      const vma = mm.vmas.findContaining(va);
      if (vma === undefined || vma.file === null) {
        problem = `${where} maps a file page outside every file mapping`;
        return;
      }
      const pgoff = vma.pgoff + (va - vma.start) / PAGE;
      const expected = pageCache.lookup(vma.file, pgoff);
      if (expected !== pfn) {
        problem = `${where} maps ${vma.file.path} page ${pgoff}, which the page cache holds in frame ${expected}`;
      }
    });
  });
  if (problem !== null) throw new Error(problem);
  for (const [pfn, expected] of holders) {
    const count = frames.refCount(pfn);
    if (count !== expected) {
      throw new Error(`frame ${pfn} has reference count ${count}, but ${expected} holders`);
    }
  }
  const accounted = tableFrames + holders.size;
  if (frames.usedFrames !== accounted) {
    throw new Error(
      `${frames.usedFrames} frames in use, but page tables hold ${tableFrames} and mappings and the page cache ${holders.size}`,
    );
  }
}
