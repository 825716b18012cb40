import type { VmArea } from './vm-area.js';

/**
 * The ordered set of an address space's VMAs, with Linux's lookups
 * (find_vma, find_vma_intersection, prev/next) and free-gap searches
 * (maple tree mas_empty_area / mas_empty_area_rev).
 */
export class VmaIndex {
  private readonly list: VmArea[] = [];

  get count(): number {
    return this.list.length;
  }

  /** Index of the first VMA with end > addr (list length if none). */
  private lowerEnd(addr: number): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.list[mid].end > addr) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private indexOf(vma: VmArea): number {
    const i = this.lowerEnd(vma.start);
    if (this.list[i] !== vma) throw new Error(`VMA ${vma.start.toString(16)} is not in the index`);
    return i;
  }

  /** find_vma: the first VMA with end > addr. */
  findVma(addr: number): VmArea | undefined {
    return this.list[this.lowerEnd(addr)];
  }

  /** The VMA containing addr. */
  findContaining(addr: number): VmArea | undefined {
    const vma = this.list[this.lowerEnd(addr)];
    return vma !== undefined && vma.start <= addr ? vma : undefined;
  }

  /** find_vma_intersection: the first VMA overlapping [start, end). */
  findIntersection(start: number, end: number): VmArea | undefined {
    const vma = this.list[this.lowerEnd(start)];
    return vma !== undefined && vma.start < end ? vma : undefined;
  }

  /** The last VMA with start < addr (vma_prev from addr's position). */
  findPrev(addr: number): VmArea | undefined {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.list[mid].start < addr) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? this.list[lo - 1] : undefined;
  }

  prev(vma: VmArea): VmArea | undefined {
    const i = this.indexOf(vma);
    return i > 0 ? this.list[i - 1] : undefined;
  }

  next(vma: VmArea): VmArea | undefined {
    return this.list[this.indexOf(vma) + 1];
  }

  first(): VmArea | undefined {
    return this.list[0];
  }

  last(): VmArea | undefined {
    return this.list[this.list.length - 1];
  }

  insert(vma: VmArea): void {
    const i = this.lowerEnd(vma.start);
    const at = this.list[i];
    if (at !== undefined && at.start < vma.end) {
      throw new Error(`VMA ${vma.start.toString(16)}-${vma.end.toString(16)} overlaps ${at.start.toString(16)}`);
    }
    this.list.splice(i, 0, vma);
  }

  remove(vma: VmArea): void {
    this.list.splice(this.indexOf(vma), 1);
  }

  /** The VMAs overlapping [start, end), in order (a snapshot). */
  overlapping(start: number, end: number): VmArea[] {
    const out: VmArea[] = [];
    for (let i = this.lowerEnd(start); i < this.list.length && this.list[i].start < end; i++) {
      out.push(this.list[i]);
    }
    return out;
  }

  [Symbol.iterator](): Iterator<VmArea> {
    return this.list[Symbol.iterator]();
  }

  toArray(): VmArea[] {
    return this.list.slice();
  }

  /**
   * mas_empty_area_rev: the highest free range meeting [min, max] (inclusive) in at
   * least `size` bytes. Returns the last byte of that range clipped to max, or -1.
   */
  emptyAreaRev(min: number, max: number, size: number): number {
    // Gaps from the top down: [list[i-1].end, list[i].start - 1] for i = n .. 0.
    for (let i = this.list.length; i >= 0; i--) {
      const gapStart = i > 0 ? this.list[i - 1].end : 0;
      const gapLast = i < this.list.length ? this.list[i].start - 1 : Number.MAX_SAFE_INTEGER;
      if (gapLast < min) return -1;
      const lo = Math.max(gapStart, min);
      const hi = Math.min(gapLast, max);
      if (hi >= lo && hi - lo + 1 >= size) return hi;
    }
    return -1;
  }

  /**
   * mas_empty_area: the lowest free range meeting [min, max] in at least `size`
   * bytes. Returns its first byte clipped to min, or -1.
   */
  emptyArea(min: number, max: number, size: number): number {
    for (let i = 0; i <= this.list.length; i++) {
      const gapStart = i > 0 ? this.list[i - 1].end : 0;
      const gapLast = i < this.list.length ? this.list[i].start - 1 : Number.MAX_SAFE_INTEGER;
      if (gapStart > max) return -1;
      const lo = Math.max(gapStart, min);
      const hi = Math.min(gapLast, max);
      if (hi >= lo && hi - lo + 1 >= size) return lo;
    }
    return -1;
  }
}
