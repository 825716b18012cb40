import { AreaGap, AreaTree } from '@vmem/memory-set';
import type { VmArea } from './vm-area.js';

/**
 * The ordered set of an address space's VMAs, on memory-set's gap-augmented
 * AreaTree (Linux keeps them in a maple tree), with Linux's lookups (find_vma,
 * find_vma_intersection, prev/next) and free-gap searches (mas_empty_area[_rev]).
 * Every operation is O(log n).
 */
export class VmaIndex {
  private readonly tree: AreaTree<VmArea>;
  private readonly gap = new AreaGap<VmArea>();
  // The VMA last found, inserted or resized (Linux had a per-thread vmacache for
  // find_vma): faults and copies keep hitting one area, and a munmap often follows
  // the mmap that made it. Checked to be still in the tree before use, so a
  // removed VMA left here is harmless.
  private recent: VmArea | undefined = undefined;

  constructor(options: { high?: number } = {}) {
    this.tree = new AreaTree<VmArea>({ low: 0, high: options.high ?? 2 ** 47 });
  }

  get count(): number {
    return this.tree.size;
  }

  /** find_vma: the first VMA with end > addr. */
  findVma(addr: number): VmArea | undefined {
    if (this.recentHas(addr)) return this.recent;
    const vma = this.tree.findFirstEndingAfter(addr);
    if (vma !== undefined) this.recent = vma;
    return vma;
  }

  /** The VMA containing addr. */
  findContaining(addr: number): VmArea | undefined {
    if (this.recentHas(addr)) return this.recent;
    const vma = this.tree.find(addr);
    if (vma !== undefined) this.recent = vma;
    return vma;
  }

  // The integer check keeps the tree's argument checking: a string or a fraction
  // inside the cached area must throw as it would without the cache.
  private recentHas(addr: number): boolean {
    const r = this.recent;
    return (
      r !== undefined &&
      Number.isSafeInteger(addr) &&
      r.start <= addr &&
      addr < r.end &&
      this.tree.has(r)
    );
  }

  /** find_vma_intersection: the first VMA overlapping [start, end). */
  findIntersection(start: number, end: number): VmArea | undefined {
    checkEnd(end);
    const vma = this.findVma(start);
    return vma !== undefined && vma.start < end ? vma : undefined;
  }

  /** The last VMA with start < addr (vma_prev from addr's position). */
  findPrev(addr: number): VmArea | undefined {
    return this.tree.findLastStartingBefore(addr);
  }

  prev(vma: VmArea): VmArea | undefined {
    return this.tree.prev(vma);
  }

  next(vma: VmArea): VmArea | undefined {
    return this.tree.next(vma);
  }

  first(): VmArea | undefined {
    return this.tree.first();
  }

  last(): VmArea | undefined {
    return this.tree.last();
  }

  insert(vma: VmArea): void {
    this.tree.insert(vma);
    this.recent = vma;
  }

  /** Insert `vma` right after `anchor` (in the index), without a search from the root. */
  insertAfter(anchor: VmArea, vma: VmArea): void {
    this.tree.insertAfter(anchor, vma);
    this.recent = vma;
  }

  remove(vma: VmArea): void {
    this.tree.remove(vma);
  }

  /** __split_vma: `vma` keeps [start, at); the detached `upper` gets [at, end) right after it. */
  split(vma: VmArea, at: number, upper: VmArea): void {
    this.tree.split(vma, at, upper);
  }

  /** Move the bounds of a VMA (in the index or not) without crossing a neighbour. */
  setBounds(vma: VmArea, start: number, end: number): void {
    this.tree.setBounds(vma, start, end);
    this.recent = vma;
  }

  /** The VMAs overlapping [start, end), in order (a snapshot, safe to mutate the index while using it). */
  overlapping(start: number, end: number): VmArea[] {
    checkEnd(end);
    const out: VmArea[] = [];
    let vma = this.tree.findFirstEndingAfter(start);
    while (vma !== undefined && vma.start < end) {
      out.push(vma);
      vma = this.tree.next(vma);
    }
    return out;
  }

  [Symbol.iterator](): Iterator<VmArea> {
    return this.tree[Symbol.iterator]();
  }

  toArray(): VmArea[] {
    return [...this.tree];
  }

  /**
   * mas_empty_area_rev: the highest free range meeting [min, max] (inclusive) in at
   * least `size` bytes. Returns the last byte of that range clipped to max, or -1.
   */
  emptyAreaRev(min: number, max: number, size: number): number {
    checkGapArgs(min, max, size);
    if (max + 1 > this.tree.high) max = this.tree.high - 1;
    if (max < min) return -1;
    return this.tree.findGapTopDown(min, max + 1, size, this.gap) ? this.gap.end - 1 : -1;
  }

  /**
   * mas_empty_area: the lowest free range meeting [min, max] in at least `size`
   * bytes. Returns its first byte clipped to min, or -1.
   */
  emptyArea(min: number, max: number, size: number): number {
    checkGapArgs(min, max, size);
    if (max + 1 > this.tree.high) max = this.tree.high - 1;
    if (max < min) return -1;
    return this.tree.findGapBottomUp(min, max + 1, size, this.gap) ? this.gap.start : -1;
  }

  /** The VMA below the free range the last successful emptyArea[Rev] found (undefined: none). */
  get gapPrev(): VmArea | undefined {
    return this.gap.prev;
  }

  /** The VMA above the free range the last successful emptyArea[Rev] found (undefined: none). */
  get gapNext(): VmArea | undefined {
    return this.gap.next;
  }

  /** Check the tree's invariants (tests). */
  checkInvariants(): void {
    this.tree.checkInvariants();
  }
}

// `end` is only compared with VMA starts (the tree checks `start`): a string or NaN
// there would quietly match nothing.
function checkEnd(end: number): void {
  if (!Number.isSafeInteger(end) || end < 0) {
    throw new RangeError(`end must be a non-negative integer, got ${String(end)}`);
  }
}

// Checked first: with max below min the search answers -1 without looking at the
// arguments, and `max + 1` would concatenate a string.
// Written out (no array of pairs): every unhinted mmap passes here.
function checkGapArgs(min: number, max: number, size: number): void {
  checkNat('min', min);
  checkNat('max', max);
  checkNat('size', size);
  if (size === 0) throw new RangeError('size must be positive, got 0');
}

function checkNat(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
}
