import { AreaGap, AreaTree, DEFAULT_TREE_HIGH } from './area-tree.js';
import {
  checkAddress,
  checkAligned,
  checkLength,
  flagsError,
  hex,
  isMultiple,
  modPowerOfTwo,
} from './check.js';
import type { MappingBackend } from './mapping-backend.js';
import type { MemoryArea } from './memory-area.js';
import { type Failure, failure, OK, type Result } from './result.js';

/** Options of a {@link MemorySet}. */
export interface MemorySetOptions {
  /** Lowest address areas may use (inclusive); default 0. */
  readonly low?: number;
  /** Highest address areas may use (exclusive); default 2^47. */
  readonly high?: number;
  /** Addresses and sizes must be multiples of this power of two; default 4096. */
  readonly granule?: number;
  /**
   * Merge adjacent areas with equal flags and compatible backends after every
   * change (see MappingBackend.merge); default false.
   */
  readonly merge?: boolean;
}

/** Options of {@link MemorySet.map}. */
export interface MapOptions {
  /** Unmap whatever overlaps the new area first (like MAP_FIXED); default false (EEXIST). */
  readonly replace?: boolean;
}

/**
 * New flags for {@link MemorySet.protect}: a value, or a function of an area's
 * current flags answering its new flags (undefined = leave this area alone).
 */
export type FlagsUpdate<F extends number, A> = F | ((flags: F, area: A) => F | undefined);

/**
 * Free space that must stay around an area in a free-area search, like
 * Linux's stack_guard_gap below a VM_GROWSDOWN area (vm_start_gap) and above a
 * VM_GROWSUP one (vm_end_gap).
 */
export interface GuardGap<A> {
  /** Bytes that must stay free below `area` (0 for none). */
  before(area: A): number;
  /** Bytes that must stay free above `area` (0 for none). */
  after(area: A): number;
}

/** Options of {@link MemorySet.findFreeArea}. */
export interface FreeAreaOptions<A> {
  /** Size of the wanted range (a positive multiple of the granule). */
  readonly length: number;
  /** The range must start at or above this; default the set's low. */
  readonly low?: number;
  /** The range must end at or below this; default the set's high. */
  readonly high?: number;
  /** Alignment of the start (a power of two >= the granule); default the granule. */
  readonly align?: number;
  /** The start must be congruent to this modulo `align`; default 0. */
  readonly alignOffset?: number;
  /** Search from `high` downwards (Linux's default mmap layout); default false (bottom-up). */
  readonly topDown?: boolean;
  /** Guard space to keep around existing areas; default none. */
  readonly guardGap?: GuardGap<A>;
}

const EEXIST: Failure = failure('EEXIST');

/**
 * A set of non-overlapping memory areas over {@link MappingBackend}s, in the
 * spirit of arceos `memory_set` but with every lookup, update and free-area
 * search in O(log n) through an {@link AreaTree}.
 *
 * Operations are transactional: when a backend call fails the set is
 * unchanged and the backend calls already made by the operation are undone
 * (see the README). Not reentrant: backends must not call back into the set.
 */
export class MemorySet<F extends number = number, B extends MappingBackend<F> = MappingBackend<F>> {
  /** Addresses and sizes are multiples of this. */
  readonly granule: number;
  /** Whether adjacent compatible areas are merged. */
  readonly merging: boolean;
  private readonly _tree: AreaTree<MemoryArea<F, B>>;
  private readonly _gap: AreaGap<MemoryArea<F, B>>;
  // Areas touched by the current operation, their bounds (copied from the
  // tree's leaves: reading them from the areas would load each area and its
  // boxed numbers) and their new flags; reused.
  private readonly _touched: (MemoryArea<F, B> | undefined)[];
  private _ts: Float64Array;
  private _te: Float64Array;
  private readonly _newFlags: F[];

  constructor(options: MemorySetOptions = {}) {
    const granule = options.granule ?? 4096;
    checkLength('granule', granule);
    if (2 ** Math.round(Math.log2(granule)) !== granule) {
      throw new RangeError(`granule must be a power of two, got ${granule}`);
    }
    const low = options.low ?? 0;
    const high = options.high ?? DEFAULT_TREE_HIGH;
    checkAligned('low', low, granule);
    checkAligned('high', high, granule);
    this.granule = granule;
    this.merging = options.merge === true;
    this._tree = new AreaTree({ low, high, verifyMembership: false });
    this._gap = new AreaGap();
    this._touched = [];
    this._ts = new Float64Array(16);
    this._te = new Float64Array(16);
    this._newFlags = [];
  }

  /** Lowest usable address (inclusive). */
  get low(): number {
    return this._tree.low;
  }

  /** Highest usable address (exclusive). */
  get high(): number {
    return this._tree.high;
  }

  /** Number of areas. */
  get size(): number {
    return this._tree.size;
  }

  /** The area containing `addr`, or undefined. O(log n). */
  find(addr: number): MemoryArea<F, B> | undefined {
    return this._tree.find(addr);
  }

  /** The first area with end > addr (contains addr or lies above it). O(log n). */
  findFirstEndingAfter(addr: number): MemoryArea<F, B> | undefined {
    return this._tree.findFirstEndingAfter(addr);
  }

  /** The lowest area, or undefined. */
  first(): MemoryArea<F, B> | undefined {
    return this._tree.first();
  }

  /** The highest area, or undefined. */
  last(): MemoryArea<F, B> | undefined {
    return this._tree.last();
  }

  /** The area after `area` (which must be in this set: RangeError otherwise). O(log B). */
  next(area: MemoryArea<F, B>): MemoryArea<F, B> | undefined {
    return this._tree.next(area);
  }

  /** The area before `area` (which must be in this set: RangeError otherwise). O(log B). */
  prev(area: MemoryArea<F, B>): MemoryArea<F, B> | undefined {
    return this._tree.prev(area);
  }

  /** Areas in address order. */
  [Symbol.iterator](): Generator<MemoryArea<F, B>, void, undefined> {
    return this._tree[Symbol.iterator]();
  }

  /** Areas overlapping [start, end) in address order. */
  overlapping(start: number, end: number): Generator<MemoryArea<F, B>, void, undefined> {
    return this._tree.overlapping(start, end);
  }

  /**
   * Adds `area` (which must be in no set) and maps it through its backend.
   * Overlap answers EEXIST unless `replace` is set, which first unmaps the
   * overlapped parts of existing areas. With merging on, `area` may be merged
   * into the area just below it (which then survives).
   */
  map(area: MemoryArea<F, B>, options?: MapOptions): Result {
    const s = area.start;
    const e = area.end;
    this._checkRange(s, e - s);
    if (area._treeLeaf !== -1) throw inSetError(s, e);
    const count = this._collect(s, e);
    if (count === 1 && options?.replace === true) return this._mapOverOne(area, s, e);
    if (count > 0) {
      if (options?.replace !== true) return this._done(count, EEXIST);
      const r = this._checkCuts(count, s, e);
      if (!r.ok) return this._done(count, r);
      const u = this._unmapPieces(count, s, e);
      if (!u.ok) return this._done(count, u);
    }
    let m: Result;
    try {
      m = area.backend.map(s, e, area.flags);
    } catch (error) {
      this._undoUnmap(count, s, e);
      this._done(count, OK);
      throw error;
    }
    if (!m.ok) {
      this._undoUnmap(count, s, e);
      return this._done(count, m);
    }
    const tree = this._tree;
    if (count === 0) {
      // The tree has not changed since _collect left its cursor where the
      // area goes.
      tree._insertAtCursor(area, s, e);
    } else {
      // The area that will be just below the new one, found without a search
      // from the root (it survives the commit: it ends at or below s).
      const first = this._touched[0]!;
      const below = this._ts[0] < s ? first : tree.prev(first);
      this._commitUnmap(count, s, e);
      if (below === undefined) tree.insert(area);
      else tree._insertAfterNode(below, area, s, e);
    }
    if (this.merging) this._mergeAround(s, e);
    return this._done(count, OK);
  }

  /**
   * Unmaps [start, start + size): areas inside go away, areas across a bound
   * are shrunk or split. Holes are allowed. O((k + 1) log n) for k areas.
   */
  unmap(start: number, size: number): Result {
    this._checkRange(start, size);
    const end = start + size;
    const count = this._collect(start, end);
    if (count === 0) return OK;
    if (count === 1) return this._unmapOne(start, end);
    const r = this._checkCuts(count, start, end);
    if (!r.ok) return this._done(count, r);
    const u = this._unmapPieces(count, start, end);
    if (!u.ok) return this._done(count, u);
    this._commitUnmap(count, start, end);
    return this._done(count, OK);
  }

  /**
   * Changes the flags of the mapped parts of [start, start + size) (holes are
   * skipped), splitting areas across a bound. Areas whose flags would not
   * change are left alone (no split). `update` is checked before anything else,
   * on a range without areas too (a function's answers when it is called).
   */
  protect(start: number, size: number, update: FlagsUpdate<F, MemoryArea<F, B>>): Result {
    this._checkRange(start, size);
    // undefined is accepted like a function answering undefined: no area changes.
    if (
      typeof update !== 'function' &&
      update !== undefined &&
      (typeof update !== 'number' || Number.isNaN(update))
    ) {
      throw updateError(update);
    }
    const end = start + size;
    const total = this._collect(start, end);
    if (total === 1) return this._protectOne(start, end, update);
    const touched = this._touched;
    const ts = this._ts;
    const te = this._te;
    const newFlags = this._newFlags;
    // Keep only the areas whose flags change, with their new flags.
    let count = 0;
    for (let i = 0; i < total; i++) {
      const a = touched[i]!;
      const nf = typeof update === 'function' ? update(a.flags, a) : update;
      if (nf === undefined) continue;
      if (typeof nf !== 'number' || Number.isNaN(nf)) {
        this._done(total, OK);
        throw flagsError(nf);
      }
      if (nf === a.flags) continue;
      touched[count] = a;
      ts[count] = ts[i];
      te[count] = te[i];
      newFlags[count++] = nf;
    }
    for (let i = count; i < total; i++) touched[i] = undefined;
    if (count === 0) return this._done(0, OK);
    const r = this._checkCuts(count, start, end);
    if (!r.ok) return this._done(count, r);
    const p = this._protectPieces(count, start, end);
    if (!p.ok) return this._done(count, p);
    const tree = this._tree;
    for (let i = 0; i < count; i++) {
      let a = touched[i]!;
      let as = ts[i];
      const ae = te[i];
      if (as < start) {
        const mid = this._splitOff(a, as, start, ae);
        tree._splitNode(a, start, ae, mid);
        a = mid;
        as = start;
      }
      if (ae > end) tree._splitNode(a, end, ae, this._splitOff(a, as, end, ae));
      a.flags = newFlags[i];
    }
    if (this.merging) this._mergeAround(start, end);
    return this._done(count, OK);
  }

  /** Unmaps every area (transactional like {@link MemorySet.unmap}). */
  clear(): Result {
    return this.unmap(this.low, this.high - this.low);
  }

  /**
   * Finds a free, aligned range of `length` within [low, high), the highest
   * one with `topDown`, the lowest otherwise; returns its start or undefined.
   * Mirrors mm/mmap.c unmapped_area_topdown / unmapped_area: search a gap big
   * enough for the length plus the worst-case alignment loss, place the range
   * in it, and when a neighbour's guard gap intrudes, move the limit past that
   * neighbour and search again. Unlike Linux, which looks at the lower
   * neighbour only when the upper one has no start guard, both are checked.
   */
  findFreeArea(options: FreeAreaOptions<MemoryArea<F, B>>): number | undefined {
    const granule = this.granule;
    const length = options.length;
    checkAligned('length', length, granule);
    if (length === 0) throw new RangeError('length must be positive, got 0');
    const align = options.align ?? granule;
    if (align !== granule) checkAlign(align, granule);
    const alignOffset = options.alignOffset ?? 0;
    checkAligned('alignOffset', alignOffset, granule);
    let lo = options.low ?? this.low;
    let hi = options.high ?? this.high;
    checkAligned('low', lo, granule);
    checkAligned('high', hi, granule);
    const guard = options.guardGap;
    // Room for the worst alignment loss, like Linux's length + align_mask.
    const searchLength = length + (align - granule);
    if (!Number.isSafeInteger(searchLength)) return undefined;
    const tree = this._tree;
    const gap = this._gap;
    if (options.topDown === true) {
      for (;;) {
        if (!tree.findGapTopDown(lo, hi, searchLength, gap)) return undefined;
        let addr = gap.end - length;
        addr -= modPowerOfTwo(addr - alignOffset, align);
        if (guard !== undefined) {
          // The range ends at or below gap.end; a start guard of the area above
          // that reaches below gap.end pushes the limit under the guard.
          const next = gap.next;
          if (next !== undefined && guard.before(next) > 0) {
            const ng = startGap(next, guard);
            if (ng < gap.end) {
              hi = ng;
              continue;
            }
          }
          const prev = gap.prev;
          if (prev !== undefined && endGap(prev, guard) > addr) {
            hi = prev.start;
            continue;
          }
        }
        return addr;
      }
    }
    for (;;) {
      if (!tree.findGapBottomUp(lo, hi, searchLength, gap)) return undefined;
      let addr = gap.start;
      addr += modPowerOfTwo(alignOffset - addr, align);
      if (guard !== undefined) {
        // Linux compares against gap + (length with alignment slack) - 1; the
        // range itself only needs [addr, addr + length) clear of the guard.
        const next = gap.next;
        if (next !== undefined && guard.before(next) > 0 && startGap(next, guard) < addr + length) {
          lo = next.end;
          continue;
        }
        const prev = gap.prev;
        if (prev !== undefined) {
          const pg = endGap(prev, guard);
          if (pg > addr) {
            lo = pg;
            continue;
          }
        }
      }
      return addr;
    }
  }

  /**
   * Checks the tree invariants and that every area lies on granule
   * boundaries; throws an Error naming the first violation. O(n); for tests.
   */
  checkInvariants(): void {
    this._tree.checkInvariants();
    for (const a of this._tree) {
      if (!isMultiple(a.start, this.granule) || !isMultiple(a.end, this.granule)) {
        throw new Error(`area [${hex(a.start)}, ${hex(a.end)}) is not granule-aligned`);
      }
    }
  }

  private _checkRange(start: number, size: number): void {
    checkAligned('start', start, this.granule);
    checkAligned('size', size, this.granule);
    if (size === 0) throw new RangeError('size must be positive, got 0');
    const end = start + size;
    if (start < this.low || end > this.high) throw this._outsideError(start, end);
  }

  // Out of line, so that _checkRange stays small enough to inline.
  private _outsideError(start: number, end: number): RangeError {
    return new RangeError(
      `range [${hex(start)}, ${hex(end)}) is outside [${hex(this.low)}, ${hex(this.high)})`,
    );
  }

  // Fills _touched, _ts and _te with the areas overlapping [start, end) and
  // their bounds; returns their count. Leaves the tree's cursor where an area
  // starting at `start` goes.
  private _collect(start: number, end: number): number {
    const tree = this._tree;
    let count = tree._collect(start, end, this._touched, this._ts, this._te);
    if (count > this._ts.length) {
      let room = this._ts.length;
      while (room < count) room *= 2;
      this._ts = new Float64Array(room);
      this._te = new Float64Array(room);
      count = tree._collect(start, end, this._touched, this._ts, this._te);
    }
    return count;
  }

  // The common cases (one area meets the range) have their own paths: they
  // know the area's place in the tree from _collect's cursor, so no tree
  // operation searches for it, and they skip the loops over touched areas.
  // Same calls, same order, same results as the general paths.

  // unmap() when one area, at the tree's cursor, meets [start, end).
  private _unmapOne(start: number, end: number): Result {
    const tree = this._tree;
    const leaf = tree._cLeaf;
    const slot = tree._cSlot;
    const a = this._touched[0]!;
    this._touched[0] = undefined;
    const as = this._ts[0];
    const ae = this._te[0];
    const backend = a.backend;
    const flags = a.flags;
    const r = checkCutsOne(a, as, ae, start, end);
    if (!r.ok) return r;
    const u = backend.unmap(Math.max(as, start), Math.min(ae, end), flags);
    if (!u.ok) return u;
    if (as >= start) {
      if (ae <= end) {
        tree._removeAtSlot(leaf, slot);
      } else {
        backend.shrink?.(as, ae, end, ae, flags);
        tree._setStartAt(a, leaf, slot, end);
      }
    } else if (ae <= end) {
      backend.shrink?.(as, ae, as, start, flags);
      tree._setEndAt(a, leaf, slot, start);
    } else {
      // A hole: the upper piece goes right after the trimmed area.
      const upper = this._splitOff(a, as, end, ae);
      backend.shrink?.(as, end, as, start, flags);
      tree._setEndAt(a, leaf, slot, start);
      tree._insertAtSlot(leaf, slot + 1, upper, end, ae);
    }
    return OK;
  }

  // map(area, { replace: true }) when one area, at the tree's cursor, meets [s, e).
  private _mapOverOne(area: MemoryArea<F, B>, s: number, e: number): Result {
    const tree = this._tree;
    const leaf = tree._cLeaf;
    const slot = tree._cSlot;
    const a = this._touched[0]!;
    this._touched[0] = undefined;
    const as = this._ts[0];
    const ae = this._te[0];
    const backend = a.backend;
    const flags = a.flags;
    const r = checkCutsOne(a, as, ae, s, e);
    if (!r.ok) return r;
    const ps = Math.max(as, s);
    const pe = Math.min(ae, e);
    const u = backend.unmap(ps, pe, flags);
    if (!u.ok) return u;
    let m: Result;
    try {
      m = area.backend.map(s, e, area.flags);
    } catch (error) {
      mustUndo(backend.map(ps, pe, flags), 'map', ps, pe);
      throw error;
    }
    if (!m.ok) {
      mustUndo(backend.map(ps, pe, flags), 'map', ps, pe);
      return m;
    }
    if (as >= s) {
      if (ae <= e) {
        // The new area covers the old one: it takes its place in the tree.
        tree._replaceAt(leaf, slot, area, s, e);
      } else {
        backend.shrink?.(as, ae, e, ae, flags);
        tree._setStartAt(a, leaf, slot, e);
        tree._insertAtSlot(leaf, slot, area, s, e);
      }
    } else if (ae <= e) {
      backend.shrink?.(as, ae, as, s, flags);
      tree._setEndAt(a, leaf, slot, s);
      tree._insertAtSlot(leaf, slot + 1, area, s, e);
    } else {
      const upper = this._splitOff(a, as, e, ae);
      backend.shrink?.(as, e, as, s, flags);
      tree._setEndAt(a, leaf, slot, s);
      tree._insertAtSlot(leaf, slot + 1, upper, e, ae);
      // The insertion may have split the leaf: find `a` again.
      tree._insertAfterNode(a, area, s, e);
    }
    if (this.merging) this._mergeAround(s, e);
    return OK;
  }

  // protect() when one area, at the tree's cursor, meets [start, end).
  private _protectOne(
    start: number,
    end: number,
    update: FlagsUpdate<F, MemoryArea<F, B>>,
  ): Result {
    const tree = this._tree;
    // Read before `update` runs: a function that looks the set up moves the cursor.
    const leaf = tree._cLeaf;
    const slot = tree._cSlot;
    const a = this._touched[0]!;
    this._touched[0] = undefined;
    const as = this._ts[0];
    const ae = this._te[0];
    const flags = a.flags;
    const nf = typeof update === 'function' ? update(flags, a) : update;
    if (nf === undefined) return OK;
    if (typeof nf !== 'number' || Number.isNaN(nf)) throw flagsError(nf);
    if (nf === flags) return OK;
    const r = checkCutsOne(a, as, ae, start, end);
    if (!r.ok) return r;
    const p = a.backend.protect(Math.max(as, start), Math.min(ae, end), flags, nf);
    if (!p.ok) return p;
    let b = a;
    if (as < start) {
      b = this._splitOff(a, as, start, ae);
      tree._splitAt(a, leaf, slot, start, ae, b);
      if (ae > end) tree._splitNode(b, end, ae, this._splitOff(b, start, end, ae));
    } else if (ae > end) {
      tree._splitAt(a, leaf, slot, end, ae, this._splitOff(a, as, end, ae));
    }
    b.flags = nf;
    if (this.merging) this._mergeAround(start, end);
    return OK;
  }

  // Drops the references held for the current operation and answers `result`.
  private _done(count: number, result: Result): Result {
    const touched = this._touched;
    for (let i = 0; i < count; i++) touched[i] = undefined;
    return result;
  }

  // canSplit for each bound of [start, end) strictly inside a touched area.
  private _checkCuts(count: number, start: number, end: number): Result {
    const ts = this._ts;
    const te = this._te;
    if (ts[0] < start) {
      const first = this._touched[0]!;
      if (first.backend.canSplit !== undefined) {
        const r = first.backend.canSplit(ts[0], start, te[0], first.flags);
        if (!r.ok) return r;
      }
    }
    if (te[count - 1] > end) {
      const last = this._touched[count - 1]!;
      if (last.backend.canSplit !== undefined) {
        const r = last.backend.canSplit(ts[count - 1], end, te[count - 1], last.flags);
        if (!r.ok) return r;
      }
    }
    return OK;
  }

  // Backend unmap of the touched parts; on failure the earlier ones are mapped again.
  private _unmapPieces(count: number, start: number, end: number): Result {
    const touched = this._touched;
    const ts = this._ts;
    const te = this._te;
    for (let i = 0; i < count; i++) {
      const a = touched[i]!;
      const ps = Math.max(ts[i], start);
      const pe = Math.min(te[i], end);
      let r: Result;
      try {
        r = a.backend.unmap(ps, pe, a.flags);
      } catch (error) {
        this._undoUnmap(i, start, end);
        this._done(count, OK);
        throw error;
      }
      if (!r.ok) {
        this._undoUnmap(i, start, end);
        return r;
      }
    }
    return OK;
  }

  // Backend protect of the touched parts; on failure the earlier ones are protected back.
  private _protectPieces(count: number, start: number, end: number): Result {
    const touched = this._touched;
    const ts = this._ts;
    const te = this._te;
    const newFlags = this._newFlags;
    for (let i = 0; i < count; i++) {
      const a = touched[i]!;
      const ps = Math.max(ts[i], start);
      const pe = Math.min(te[i], end);
      let r: Result;
      try {
        r = a.backend.protect(ps, pe, a.flags, newFlags[i]);
      } catch (error) {
        this._undoProtect(i, start, end);
        this._done(count, OK);
        throw error;
      }
      if (!r.ok) {
        this._undoProtect(i, start, end);
        return r;
      }
    }
    return OK;
  }

  private _undoProtect(count: number, start: number, end: number): void {
    const touched = this._touched;
    const newFlags = this._newFlags;
    for (let j = count - 1; j >= 0; j--) {
      const a = touched[j]!;
      const ps = Math.max(this._ts[j], start);
      const pe = Math.min(this._te[j], end);
      mustUndo(a.backend.protect(ps, pe, newFlags[j], a.flags), 'protect', ps, pe);
    }
  }

  private _undoUnmap(count: number, start: number, end: number): void {
    const touched = this._touched;
    for (let j = count - 1; j >= 0; j--) {
      const a = touched[j]!;
      const ps = Math.max(this._ts[j], start);
      const pe = Math.min(this._te[j], end);
      mustUndo(a.backend.map(ps, pe, a.flags), 'map', ps, pe);
    }
  }

  // Removes, shrinks or splits the touched areas once their parts are unmapped.
  private _commitUnmap(count: number, start: number, end: number): void {
    const tree = this._tree;
    const touched = this._touched;
    const ts = this._ts;
    const te = this._te;
    for (let i = 0; i < count; i++) {
      const a = touched[i]!;
      const as = ts[i];
      const ae = te[i];
      if (as >= start && ae <= end) {
        tree._removeNode(a);
      } else if (as < start && ae > end) {
        tree._splitNode(a, end, ae, this._splitOff(a, as, end, ae));
        a.backend.shrink?.(as, end, as, start, a.flags);
        tree._setEndNode(a, start);
      } else if (as < start) {
        a.backend.shrink?.(as, ae, as, start, a.flags);
        tree._setEndNode(a, start);
      } else {
        a.backend.shrink?.(as, ae, end, ae, a.flags);
        tree._setStartNode(a, end);
      }
    }
  }

  // The new area for [at, end) when `a`, which spans [start, end), splits at
  // `at` (the caller trims `a`).
  private _splitOff(a: MemoryArea<F, B>, start: number, at: number, end: number): MemoryArea<F, B> {
    const backend = a.backend;
    const upper = backend.split === undefined ? backend : backend.split(start, at, end, a.flags);
    return a.derive(at, end, a.flags, upper);
  }

  // Merges adjacent compatible areas from the one ending at `start` up to the
  // one starting at `end`: the only places an operation can create new pairs.
  private _mergeAround(start: number, end: number): void {
    const tree = this._tree;
    let a = start > tree.low ? tree.findFirstEndingAfter(start - 1) : tree.first();
    while (a !== undefined && a.start <= end) {
      const b = tree.next(a);
      if (b === undefined) return;
      if (b.start === a.end && b.flags === a.flags && mergeable(a, b)) {
        tree.remove(b);
        tree.setEnd(a, b.end);
      } else {
        a = b;
      }
    }
  }
}

// canSplit for each bound of [start, end) strictly inside the one touched
// area `a`, [as, ae) (the general path's _checkCuts for one area).
function checkCutsOne<F extends number, B extends MappingBackend<F>>(
  a: MemoryArea<F, B>,
  as: number,
  ae: number,
  start: number,
  end: number,
): Result {
  if (as < start) {
    const backend = a.backend;
    if (backend.canSplit !== undefined) {
      const r = backend.canSplit(as, start, ae, a.flags);
      if (!r.ok) return r;
    }
  }
  if (ae > end) {
    const backend = a.backend;
    if (backend.canSplit !== undefined) {
      const r = backend.canSplit(as, end, ae, a.flags);
      if (!r.ok) return r;
    }
  }
  return OK;
}

// Errors are built out of line, so that the operations stay small enough for
// V8 to inline what they call (measured with the `_checkRange` and
// `checkAddress` ones: ~370 fewer instructions per vma-churn operation).
function inSetError(s: number, e: number): RangeError {
  return new RangeError(`area [${hex(s)}, ${hex(e)}) is already in a set`);
}

function updateError(update: unknown): TypeError {
  return new TypeError(`flags must be a number or a function, got ${String(update)}`);
}

function mergeable<F extends number, B extends MappingBackend<F>>(
  lower: MemoryArea<F, B>,
  upper: MemoryArea<F, B>,
): boolean {
  const backend = lower.backend;
  if (backend.merge === undefined) return backend === upper.backend;
  return backend.merge(lower.start, lower.end, upper.end, lower.flags, upper.backend);
}

function checkAlign(align: number, granule: number): void {
  checkLength('align', align);
  if (align < granule || 2 ** Math.round(Math.log2(align)) !== align) {
    throw new RangeError(`align must be a power of two >= ${granule}, got ${align}`);
  }
}

// Linux vm_start_gap: the area's start lowered by its guard, not below 0.
function startGap<A extends MemoryArea<number, MappingBackend<number>>>(
  area: A,
  guard: GuardGap<A>,
): number {
  const g = guard.before(area);
  checkAddress('guard gap', g);
  return g > area.start ? 0 : area.start - g;
}

// Linux vm_end_gap: the area's end raised by its guard.
function endGap<A extends MemoryArea<number, MappingBackend<number>>>(
  area: A,
  guard: GuardGap<A>,
): number {
  const g = guard.after(area);
  checkAddress('guard gap', g);
  return area.end + g;
}

function mustUndo(r: Result, op: string, start: number, end: number): void {
  if (!r.ok) {
    throw new Error(
      `backend failed to undo with ${op}(${hex(start)}, ${hex(end)}): ${r.errno}; the backend no longer matches the set`,
    );
  }
}
