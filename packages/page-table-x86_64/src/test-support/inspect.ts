// Independent readers of the raw tables for tests: indices and addresses are
// computed here from the SDM formulas, not with the code under test.

import type { PageTableMemory } from '../memory.js';

/** A test memory with raw entry access (MapMemory, ChunkedMemory). */
export interface RawMemory extends PageTableMemory {
  entry(pfn: number, index: number): [number, number];
  setEntry(pfn: number, index: number, lo: number, hi: number): void;
}

/** Index of `va` at `level` (SDM 4.5: bits 12+9L-1 : 12+9(L-1)). */
export function indexAt(va: number, level: number): number {
  return Math.floor(va / 2 ** (12 + 9 * (level - 1))) % 512;
}

/** Frame number held in an entry (bits 51:12). */
export function entryPfn(lo: number, hi: number): number {
  return (hi & 0xfffff) * 2 ** 20 + Math.floor(lo / 4096);
}

/**
 * The raw entries [lo, hi] met on the walk for `va`, from the top level down,
 * stopping at a non-present entry or a PS = 1 leaf. Also returns their (pfn, index).
 */
export function rawPath(
  memory: RawMemory,
  root: number,
  levels: number,
  va: number,
): { level: number; pfn: number; index: number; lo: number; hi: number }[] {
  const out: { level: number; pfn: number; index: number; lo: number; hi: number }[] = [];
  let pfn = root;
  for (let level = levels; level >= 1; level--) {
    const index = indexAt(va, level);
    const [lo, hi] = memory.entry(pfn, index);
    out.push({ level, pfn, index, lo, hi });
    if ((lo & 1) === 0) break;
    if (level <= 3 && level >= 2 && (lo & 0x80) !== 0) break;
    pfn = entryPfn(lo, hi);
  }
  return out;
}

/** Every table frame reachable from `root` with its words copied (for "nothing changed" checks). */
export function snapshotTables(
  memory: PageTableMemory,
  root: number,
  levels: number,
): Map<number, number[]> {
  const snap = new Map<number, number[]>();
  const visit = (pfn: number, level: number): void => {
    const words = memory.frameWords(pfn);
    snap.set(pfn, Array.from(words));
    if (level === 1) return;
    for (let i = 0; i < 512; i++) {
      const lo = words[2 * i];
      const hi = words[2 * i + 1];
      if ((lo & 1) === 0) continue;
      if (level <= 3 && (lo & 0x80) !== 0) continue;
      visit(entryPfn(lo, hi), level - 1);
    }
  };
  visit(root, levels);
  return snap;
}
