/**
 * The per-process page table as mm uses it: one entry per present 4 KiB user page.
 * An entry is a number `pfn * 8 + bits` (see PTE_BITS), so the hot path allocates
 * nothing. Two backends: MapPteStore (a Map, the reference) and the x86_64 page
 * table of @vmem/page-table-x86_64, where the bits live in real PTEs.
 */
export interface PteStore {
  /** The entry for the page at `va` (page aligned), or -1. */
  get(va: number): number;
  /** Install or replace the entry for the page at `va`. False when a table frame could not be had. */
  set(va: number, entry: number): boolean;
  /** Remove the entry at `va`; returns the old entry or -1. */
  delete(va: number): number;
  /** Every entry in [start, end), in address order. `fn` may not change the store. */
  forEach(start: number, end: number, fn: (va: number, entry: number) => void): void;
  /**
   * Optional hardware path: translate a user access at `va` as the CPU would
   * (setting Accessed/Dirty), giving the physical address, or a negative number
   * when the CPU would fault. mm still applies the VMA rules first.
   */
  translate?(va: number, write: boolean): number;
  /** Number of entries. */
  readonly size: number;
  /** True when installing entries can need new table frames from the frame source. */
  readonly usesTableFrames?: boolean;
  /** Frames the store holds for its own tables, root included (absent: none). */
  readonly tableFrames?: number;
  /** Drop everything, freeing any table frames. */
  destroy(): void;
  /** A new, empty store of the same kind for another address space (fork); null when out of memory. */
  spawn(): PteStore | null;
}

export const PTE_BITS = {
  /** The page may be written without a fault (hardware R/W). */
  WRITE: 1,
  /** The frame is a private anonymous page (counted per mapper); else page cache or the zero page. */
  ANON: 2,
  /** The page was written (hardware D). */
  DIRTY: 4,
} as const;

export function pteEntry(pfn: number, bits: number): number {
  return pfn * 8 + bits;
}
export function ptePfn(entry: number): number {
  return Math.floor(entry / 8);
}
export function pteBits(entry: number): number {
  return entry % 8;
}

/** The reference backend: a Map from page address to entry. */
export class MapPteStore implements PteStore {
  private readonly map = new Map<number, number>();

  get(va: number): number {
    checkPage(va);
    const entry = this.map.get(va);
    return entry === undefined ? -1 : entry;
  }

  set(va: number, entry: number): boolean {
    checkPage(va);
    checkAddress('entry', entry);
    this.map.set(va, entry);
    return true;
  }

  delete(va: number): number {
    checkPage(va);
    const entry = this.map.get(va);
    if (entry === undefined) return -1;
    this.map.delete(va);
    return entry;
  }

  forEach(start: number, end: number, fn: (va: number, entry: number) => void): void {
    checkAddress('start', start);
    checkAddress('end', end);
    if (this.map.size === 0) return;
    const pages = (end - start) / 4096;
    if (pages <= this.map.size) {
      // From the first page at or above start: an unaligned start would step past every key.
      for (let va = Math.ceil(start / 4096) * 4096; va < end; va += 4096) {
        const entry = this.map.get(va);
        if (entry !== undefined) fn(va, entry);
      }
      return;
    }
    const hits: number[] = [];
    for (const va of this.map.keys()) if (va >= start && va < end) hits.push(va);
    hits.sort((a, b) => a - b);
    for (const va of hits) fn(va, this.map.get(va)!);
  }

  get size(): number {
    return this.map.size;
  }

  destroy(): void {
    this.map.clear();
  }

  spawn(): PteStore {
    return new MapPteStore();
  }
}

// Keys are page addresses: a NaN, a string or a fraction would be stored as a key
// of its own (or miss every key) instead of being refused.
function checkAddress(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
}

/** RangeError unless `va` is a page address (both stores answer for whole pages only). */
export function checkPage(va: number): void {
  checkAddress('va', va);
  if (va % 4096 !== 0) throw new RangeError(`va must be page aligned, got ${va}`);
}
