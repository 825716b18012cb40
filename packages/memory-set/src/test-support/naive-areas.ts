// A deliberately simple reference for AreaTree: a sorted array scanned
// linearly. It shares no code with the tree.

export interface NaiveArea<T> {
  start: number;
  end: number;
  item: T;
}

export interface NaiveGap<T> {
  start: number;
  end: number;
  prev: T | undefined;
  next: T | undefined;
}

export class NaiveAreas<T> {
  readonly list: NaiveArea<T>[] = [];

  constructor(
    readonly low: number,
    readonly high: number,
  ) {}

  /** False (and no change) when the range is empty, outside the window or overlaps. */
  canPlace(start: number, end: number, ignore?: T): boolean {
    if (!(start < end) || start < this.low || end > this.high) return false;
    return this.list.every((a) => a.item === ignore || a.end <= start || a.start >= end);
  }

  insert(start: number, end: number, item: T): void {
    this.list.push({ start, end, item });
    this.list.sort((a, b) => a.start - b.start);
  }

  remove(item: T): void {
    const i = this.list.findIndex((a) => a.item === item);
    if (i < 0) throw new Error('not in reference');
    this.list.splice(i, 1);
  }

  setBounds(item: T, start: number, end: number): void {
    const a = this.list.find((x) => x.item === item);
    if (a === undefined) throw new Error('not in reference');
    a.start = start;
    a.end = end;
  }

  find(addr: number): T | undefined {
    return this.list.find((a) => a.start <= addr && addr < a.end)?.item;
  }

  firstEndingAfter(addr: number): T | undefined {
    return this.list.find((a) => a.end > addr)?.item;
  }

  lastStartingBefore(addr: number): T | undefined {
    let found: T | undefined;
    for (const a of this.list) if (a.start < addr) found = a.item;
    return found;
  }

  /** Every gap of the window, low to high, including empty ones between touching areas. */
  gaps(): NaiveGap<T>[] {
    const out: NaiveGap<T>[] = [];
    let cursor = this.low;
    let prev: T | undefined;
    for (const a of this.list) {
      out.push({ start: cursor, end: a.start, prev, next: a.item });
      cursor = a.end;
      prev = a.item;
    }
    out.push({ start: cursor, end: this.high, prev, next: undefined });
    return out;
  }

  /** The highest (or lowest) gap whose clip to [lo, hi) holds `length`, clipped. */
  searchGap(lo: number, hi: number, length: number, topDown: boolean): NaiveGap<T> | undefined {
    const gaps = this.gaps();
    if (topDown) gaps.reverse();
    for (const g of gaps) {
      const s = Math.max(g.start, lo);
      const e = Math.min(g.end, hi);
      if (e - s >= length) return { start: s, end: e, prev: g.prev, next: g.next };
    }
    return undefined;
  }
}
