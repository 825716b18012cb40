import type { AreaNode, WritableBounds } from './area-node.js';
import { checkAddress, checkLength, hex, reversedError } from './check.js';

/** The address window of an {@link AreaTree}: nodes and gaps lie in [low, high). */
export interface AreaTreeOptions {
  /** Lowest address (inclusive); default 0. */
  readonly low?: number;
  /** Highest address (exclusive); default 2^47 (x86_64 4-level user address space). */
  readonly high?: number;
  /**
   * Accepted for compatibility and ignored: a node's membership is now always
   * checked, in O(log B) within its leaf (see {@link AreaNode}).
   */
  readonly verifyMembership?: boolean;
  /**
   * Entries per tree node (leaf or inner), 4 to 1024; default 32. Small values
   * make a deep tree out of few areas, which is what tests want.
   */
  readonly nodeCapacity?: number;
}

/** Default `high` of a tree: the top of the x86_64 4-level user address space. */
export const DEFAULT_TREE_HIGH: number = 2 ** 47;

/** Default entries per tree node (see the README for the measurements behind it). */
export const DEFAULT_NODE_CAPACITY: number = 16;

/**
 * The result of a gap search, filled in place so that a search allocates
 * nothing: the free range [start, end) clipped to the search limits, and the
 * nodes on either side of the whole (unclipped) gap.
 */
export class AreaGap<N extends AreaNode = AreaNode> {
  /** First free address of the clipped gap (-1 when nothing was found). */
  declare start: number;
  /** One past the last free address of the clipped gap (-1 when nothing was found). */
  declare end: number;
  /** The node just below the gap, if any. */
  declare prev: N | undefined;
  /** The node just above the gap, if any. */
  declare next: N | undefined;

  constructor() {
    this.start = -1;
    this.end = -1;
    this.prev = undefined;
    this.next = undefined;
  }
}

// Storage layout. Leaves and inner nodes live in two pools of fixed-size
// blocks inside Float64Arrays (with an Int32Array view of the same buffer for
// the integer fields); a node is the index of its block. A descent thus reads
// one contiguous block per level and never touches a user object until it
// reaches the item it wants: on a 100,000-area tree that is what makes it
// several times faster than a binary tree of the user's objects, whose every
// level is a dependent cache (and TLB) miss. Each block has room for one
// entry more than the capacity, so an insertion can overflow a node before
// it is split and every aggregate is computed from final contents.
//
// Leaf block (LEAF_HEAD doubles, then one (start, end) pair per item):
//   int32 [0] item count, [1] parent inner node (-1 for the root),
//         [2] previous leaf, [3] next leaf (-1 at the ends), [6] slot in the parent
//   f64   [2] floor: end of the item before this leaf's first (or the window's low)
//   f64   [4 + 2i] start of item i, [5 + 2i] its end
// The items themselves are in `_items[leaf * (capacity + 1) + i]`.
//
// Inner block (NODE_HEAD doubles, then three columns of capacity + 1 entries,
// so that a descent's binary search reads consecutive doubles):
//   int32 [0] child count, [1] parent (-1 for the root), [2] level (1: children
//         are leaves), [3] slot in the parent
//   f64   last ends: end of the last item of child i's subtree
//   f64   max gaps: largest gap below an item of child i's subtree (gap =
//         start minus the previous item's end; a leaf's first item's gap
//         reaches down to its floor)
//   int32 child ids, packed
const LEAF_HEAD = 4;
// The hint table (see _fillHint): blocks of HINT_GRANULE bytes; entries, a
// power of two: HINT_MIN at first, doubled while fewer than HINT_PER_LEAF per
// leaf, up to HINT_MAX (512 KiB of 16-bit entries); a descent fills the
// entries of up to HINT_SPREAD blocks on either side of the address.
const HINT_GRANULE = 16384;
const HINT_SCALE = 1 / HINT_GRANULE;
const HINT_MIN = 64;
const HINT_PER_LEAF = 32;
const HINT_MAX = 1 << 18;
// 32, not 16: descents per vma-churn operation 0.112 -> 0.091 at N = 10,000
// and 0.161 -> 0.111 at N = 65,000 (a leaf there covers ~48 blocks), for up
// to 65 entries written per descent instead of 33.
const HINT_SPREAD = 32;
const NODE_HEAD = 2;
const FLOOR = 2;

/**
 * An ordered set of non-overlapping, non-empty half-open areas [start, end),
 * kept in a B+tree whose leaves hold the areas' bounds and references to the
 * areas, augmented with the largest free gap of every subtree.
 *
 * Costs: insert, remove, lookups and gap searches O(log n); operations given a
 * node (`next`, `prev`, `remove`, `split`, `insertAfter`, `setStart`/`setEnd`/
 * `setBounds`) start from the node's leaf: O(log B) to find it there, plus
 * O(B log n) worst case to fix the augmentation or the structure (usually one
 * leaf); `first`, `last` O(1).
 *
 * Gaps are the free ranges of the window [low, high): [low, first.start), the
 * spaces between consecutive nodes, and [last.end, high).
 */
export class AreaTree<N extends AreaNode = AreaNode> {
  /** Lowest address of the window (inclusive). */
  declare readonly low: number;
  /** Highest address of the window (exclusive). */
  declare readonly high: number;
  // Node capacity, minimum fill of a non-root node, largest merged size.
  declare private readonly _cap: number;
  declare private readonly _min: number;
  declare private readonly _mergeMax: number;
  // Strides: leaf and inner blocks (doubles), items per leaf (capacity + 1).
  declare private readonly _ls: number;
  declare private readonly _ns: number;
  declare private readonly _it: number;
  // Half the smallest power of two >= the capacity: the first step of the
  // descent's fixed-length binary searches.
  declare private readonly _half: number;
  // Offsets (in doubles) of an inner block's max-gap and child columns.
  declare private readonly _go: number;
  declare private readonly _ko: number;
  declare private _lk: Float64Array;
  declare private _li: Int32Array;
  declare private _nk: Float64Array;
  declare private _ni: Int32Array;
  declare private _items: (N | null)[];
  // Blocks ever handed out, and the freed ones for reuse.
  declare private _leafTop: number;
  declare private _nodeTop: number;
  declare private _leafFree: number[];
  declare private _nodeFree: number[];
  declare private _root: number;
  // Number of inner levels (0: the root is a leaf).
  declare private _height: number;
  declare private _firstLeaf: number;
  declare private _lastLeaf: number;
  declare private _count: number;
  // Largest gap of the whole tree (the tail gap [last.end, high) excluded).
  declare private _rootMaxGap: number;
  // (Leaf id + 1) mod 2^16 (0: none) by HINT_GRANULE block of addresses,
  // direct-mapped.
  declare private _hint: Uint16Array;
  /** @internal Leaf of the item found by the last `_seek`. */
  declare _cLeaf: number;
  /** @internal Slot of the item found by the last `_seek`. */
  declare _cSlot: number;

  constructor(options: AreaTreeOptions = {}) {
    const low = options.low ?? 0;
    const high = options.high ?? DEFAULT_TREE_HIGH;
    checkAddress('low', low);
    checkAddress('high', high);
    if (high <= low) throw new RangeError(`tree window [${hex(low)}, ${hex(high)}) is empty`);
    const cap = options.nodeCapacity ?? DEFAULT_NODE_CAPACITY;
    if (!Number.isInteger(cap) || cap < 4 || cap > 1024) {
      throw new RangeError(`nodeCapacity must be an integer from 4 to 1024, got ${cap}`);
    }
    this.low = low;
    this.high = high;
    this._cap = cap;
    // A quarter full at least (2 for tiny capacities, so that every non-root
    // node has a sibling); merge only when the result keeps a quarter free, so
    // that alternating inserts and removals do not split and merge over and over.
    this._min = Math.max(2, cap >> 2);
    this._mergeMax = cap - (cap >> 2);
    this._ls = LEAF_HEAD + 2 * (cap + 1);
    this._go = NODE_HEAD + cap + 1;
    this._ko = NODE_HEAD + 2 * (cap + 1);
    this._ns = this._ko + ((cap + 2) >> 1);
    this._it = cap + 1;
    // (Shifts, so that the field holds a small integer, not a double.)
    this._half = (1 << Math.ceil(Math.log2(cap))) >> 1;
    this._reset();
  }

  /** Number of nodes. */
  get size(): number {
    return this._count;
  }

  /** The lowest node, or undefined when the tree is empty. O(1). */
  first(): N | undefined {
    return this._count === 0 ? undefined : (this._items[this._firstLeaf * this._it] as N);
  }

  /** The highest node, or undefined when the tree is empty. O(1). */
  last(): N | undefined {
    if (this._count === 0) return undefined;
    const leaf = this._lastLeaf;
    return this._items[leaf * this._it + this._li[2 * leaf * this._ls] - 1] as N;
  }

  /** The node just below `node` (which must be in this tree). O(log B). */
  prev(node: N): N | undefined {
    const slot = this._slotOf(node);
    if (slot < 0) throw notInTreeError(node);
    return this._itemBefore(node._treeLeaf, slot);
  }

  /** The node just above `node` (which must be in this tree). O(log B). */
  next(node: N): N | undefined {
    const slot = this._slotOf(node);
    if (slot < 0) throw notInTreeError(node);
    return this._itemAfter(node._treeLeaf, slot);
  }

  /** True when `node` is in this tree. O(log B). */
  has(node: N): boolean {
    return this._slotOf(node) >= 0;
  }

  /** The node containing `addr`, or undefined. O(log n). */
  find(addr: number): N | undefined {
    checkAddress('addr', addr);
    if (!this._seek(addr)) return undefined;
    const leaf = this._cLeaf;
    const slot = this._cSlot;
    if (this._lk[leaf * this._ls + LEAF_HEAD + 2 * slot] > addr) return undefined;
    return this._items[leaf * this._it + slot] as N;
  }

  /**
   * The first node with `end > addr` (it contains `addr` or lies above it), or
   * undefined. Linux's find_vma. O(log n).
   */
  findFirstEndingAfter(addr: number): N | undefined {
    checkAddress('addr', addr);
    if (!this._seek(addr)) return undefined;
    return this._items[this._cLeaf * this._it + this._cSlot] as N;
  }

  /** The last node with `start < addr`, or undefined. O(log n). */
  findLastStartingBefore(addr: number): N | undefined {
    checkAddress('addr', addr);
    if (!this._seek(addr)) return this.last();
    const leaf = this._cLeaf;
    const slot = this._cSlot;
    if (this._lk[leaf * this._ls + LEAF_HEAD + 2 * slot] < addr) {
      return this._items[leaf * this._it + slot] as N;
    }
    return this._itemBefore(leaf, slot);
  }

  /**
   * The lowest node overlapping [start, end), or undefined. Linux's
   * find_vma_intersection. O(log n).
   */
  findFirstOverlapping(start: number, end: number): N | undefined {
    checkAddress('end', end);
    const n = this.findFirstEndingAfter(start);
    return n !== undefined && n.start < end ? n : undefined;
  }

  /** Nodes in address order. Removing the node just yielded is allowed; other changes are not. */
  *[Symbol.iterator](): Generator<N, void, undefined> {
    let n = this.first();
    while (n !== undefined) {
      const next = this.next(n);
      yield n;
      n = next;
    }
  }

  /**
   * Nodes overlapping [start, end) in address order. Removing the node just
   * yielded is allowed; other changes are not.
   */
  *overlapping(start: number, end: number): Generator<N, void, undefined> {
    checkAddress('end', end);
    let n = this.findFirstEndingAfter(start);
    while (n !== undefined && n.start < end) {
      const next = this.next(n);
      yield n;
      n = next;
    }
  }

  /**
   * Calls `visit` on each node overlapping [start, end) in address order,
   * stopping early when it returns false. Removing the visited node is
   * allowed. For hot paths, a loop over `findFirstEndingAfter` / `next`
   * avoids the callback entirely.
   */
  forEachOverlapping(start: number, end: number, visit: (node: N) => boolean | undefined): void {
    checkAddress('end', end);
    let n = this.findFirstEndingAfter(start);
    while (n !== undefined && n.start < end) {
      const next = this.next(n);
      if (visit(n) === false) return;
      n = next;
    }
  }

  /**
   * Adds `node`. Throws RangeError when it is empty, outside the window,
   * overlaps a node, or is already in a tree; the tree is then unchanged.
   * O(log n).
   */
  insert(node: N): void {
    checkDetached(node);
    const start = node.start;
    const end = node.end;
    this._checkInWindow(start, end);
    let leaf: number;
    let slot: number;
    if (this._seek(start)) {
      leaf = this._cLeaf;
      slot = this._cSlot;
      // The first node ending above start: it must begin at or above end (the
      // one before it ends at or below start by construction).
      const next = this._items[leaf * this._it + slot]!;
      if (this._lk[leaf * this._ls + LEAF_HEAD + 2 * slot] < end) {
        throw overlapError(start, end, next);
      }
    } else {
      leaf = this._lastLeaf;
      slot = this._li[2 * leaf * this._ls];
    }
    this._insertAt(leaf, slot, node, start, end);
  }

  /**
   * Adds `node` just after `anchor` (a node of this tree) without a search
   * from the root. Meant for splits and appends, where the new piece follows a
   * node at hand. Throws RangeError when `node` does not fit between `anchor`
   * and the node after it, or is already in a tree.
   */
  insertAfter(anchor: N, node: N): void {
    checkDetached(node);
    const slot = this._slotOf(anchor);
    if (slot < 0) throw notInTreeError(anchor);
    const start = node.start;
    const end = node.end;
    this._checkInWindow(start, end);
    const leaf = anchor._treeLeaf;
    // The neighbours' bounds from the leaves' copies, not from the nodes: a
    // node and its boxed bounds are further loads (cache misses in a large
    // tree) that the leaf, just scanned, spares.
    const lk = this._lk;
    const b = (leaf * this._ls) | 0;
    const k = (b + LEAF_HEAD + 2 * slot) | 0;
    if (lk[k + 1] > start) throw overlapError(start, end, anchor);
    let above: number;
    if (slot + 1 < this._li[b << 1]) above = lk[k + 2];
    else {
      const nextLeaf = this._li[(b << 1) + 3];
      above = nextLeaf < 0 ? this.high : lk[(nextLeaf * this._ls + LEAF_HEAD) | 0];
    }
    if (end > above) throw overlapError(start, end, this._itemAfter(leaf, slot)!);
    this._insertAt(leaf, slot + 1, node, start, end);
  }

  /**
   * Splits `node` at `at`: `node` keeps [node.start, at) and `upper`, a node
   * in no tree, gets the bounds [at, node.end) and goes in right after it
   * (Linux's __split_vma). No gap changes, so no augmentation is updated:
   * O(B) to shift the leaf, plus a leaf split now and then. Throws RangeError
   * when `at` is not strictly inside `node` or `upper` is in a tree.
   */
  split(node: N, at: number, upper: N): void {
    checkDetached(upper);
    const slot = this._slotOf(node);
    if (slot < 0) throw notInTreeError(node);
    checkAddress('at', at);
    if (!(node.start < at && at < node.end)) throw splitPointError(at, node);
    const leaf = node._treeLeaf;
    const upperBounds = upper as WritableBounds;
    upperBounds.start = at;
    upperBounds.end = node.end;
    (node as WritableBounds).end = at;
    this._lk[leaf * this._ls + LEAF_HEAD + 2 * slot + 1] = at;
    // The gaps are the same plus an empty one between the pieces, and the
    // leaf's last end is unchanged (a leaf split below keeps both pieces in
    // the same leaf), so no aggregate changes.
    this._place(leaf, slot + 1, upper, at, upperBounds.end);
    if (this._li[2 * leaf * this._ls] > this._cap) this._splitLeaf(leaf, slot + 1);
  }

  /** Removes `node`. Throws RangeError when it is not in this tree. O(log n). */
  remove(node: N): void {
    const slot = this._slotOf(node);
    if (slot < 0) throw notInTreeError(node);
    this._removeAt(node._treeLeaf, slot);
  }

  /** Removes every node (they can be inserted again). O(n). */
  clear(): void {
    const items = this._items;
    for (let i = 0; i < items.length; i++) {
      const n = items[i];
      if (n !== null) n._treeLeaf = -1;
    }
    this._reset();
  }

  /** Moves `node`'s start within the free space below it; see {@link AreaTree.setBounds}. */
  setStart(node: N, start: number): void {
    this.setBounds(node, start, node.end);
  }

  /** Moves `node`'s end within the free space above it; see {@link AreaTree.setBounds}. */
  setEnd(node: N, end: number): void {
    this.setBounds(node, node.start, end);
  }

  /**
   * Moves both bounds of `node` within the free space around it, keeping the
   * order (it cannot jump over a neighbour). Throws RangeError when the new
   * range would be empty, overlap a neighbour, leave the window, or `node` is
   * in another tree. A node in no tree is just checked and updated.
   */
  setBounds(node: N, start: number, end: number): void {
    checkAddress('start', start);
    checkAddress('end', end);
    const bounds = node as WritableBounds;
    if (node._treeLeaf === -1) {
      if (end < start) throw reversedError(start, end);
      bounds.start = start;
      bounds.end = end;
      return;
    }
    const slot = this._slotOf(node);
    if (slot < 0) throw notInTreeError(node);
    if (end <= start) throw emptyError(start, end);
    const leaf = node._treeLeaf;
    const lk = this._lk;
    const k = leaf * this._ls + LEAF_HEAD + 2 * slot;
    const floor = slot > 0 ? lk[k - 1] : lk[leaf * this._ls + FLOOR];
    let ceiling: number;
    if (slot + 1 < this._li[2 * leaf * this._ls]) ceiling = lk[k + 2];
    else {
      const next = this._li[2 * leaf * this._ls + 3];
      ceiling = next < 0 ? this.high : lk[next * this._ls + LEAF_HEAD];
    }
    if (start < floor || end > ceiling) throw freeSpaceError(start, end, floor, ceiling);
    if (start !== node.start) {
      bounds.start = start;
      this._startChanged(leaf, slot, start);
    }
    if (end !== node.end) {
      bounds.end = end;
      this._endChanged(leaf, slot, end);
    }
  }

  /**
   * Finds the HIGHEST gap whose intersection with [low, high) holds at least
   * `length` addresses, and writes that intersection and the gap's neighbours
   * into `out`. Returns false (and sets out.start/end to -1) when there is
   * none. Limits are clipped to the tree's window. O(B log n); mirrors the
   * maple tree's mas_empty_area_rev as used by mm/mmap.c unmapped_area_topdown.
   */
  findGapTopDown(low: number, high: number, length: number, out: AreaGap<N>): boolean {
    checkAddress('low', low);
    checkAddress('high', high);
    checkLength('length', length);
    const lo = Math.max(low, this.low);
    const hi = Math.min(high, this.high);
    if (hi - lo >= length) {
      const tail = this._lastEnd();
      if (hi - Math.max(tail, lo) >= length) {
        return this._found(out, tail, this.high, lo, hi, this.last(), undefined);
      }
      if (this._rootMaxGap >= length) {
        const found =
          this._height === 0
            ? this._topDownLeaf(this._root, lo, hi, length)
            : this._topDownNode(this._root, this.low, lo, hi, length);
        if (found) return this._foundAtCursor(out, lo, hi);
        this._tightenRoot();
      }
    }
    return notFound(out);
  }

  /**
   * Finds the LOWEST gap whose intersection with [low, high) holds at least
   * `length` addresses; see {@link AreaTree.findGapTopDown}. Mirrors
   * mas_empty_area as used by mm/mmap.c unmapped_area.
   */
  findGapBottomUp(low: number, high: number, length: number, out: AreaGap<N>): boolean {
    checkAddress('low', low);
    checkAddress('high', high);
    checkLength('length', length);
    const lo = Math.max(low, this.low);
    const hi = Math.min(high, this.high);
    if (hi - lo >= length) {
      if (this._rootMaxGap >= length) {
        const found =
          this._height === 0
            ? this._bottomUpLeaf(this._root, lo, hi, length)
            : this._bottomUpNode(this._root, this.low, lo, hi, length);
        if (found) return this._foundAtCursor(out, lo, hi);
        this._tightenRoot();
      }
      const tail = this._lastEnd();
      if (hi - Math.max(tail, lo) >= length) {
        return this._found(out, tail, this.high, lo, hi, this.last(), undefined);
      }
    }
    return notFound(out);
  }

  /**
   * Checks every invariant (uniform depth, fill, parent and leaf links, order,
   * no overlap, window, counts, floors, stored last ends and gaps, the nodes'
   * leaf ids, no stale references) and throws an Error naming the first
   * violation. O(n); for tests.
   */
  checkInvariants(): void {
    const leaves: number[] = [];
    const state = { prevEnd: this.low, count: 0, nodes: 0 };
    const agg = this._checkSubtree(this._root, this._height, -1, 0, leaves, state);
    if (state.count !== this._count) {
      throw new Error(`tree holds ${state.count} nodes, size is ${this._count}`);
    }
    if (this._rootMaxGap < agg.bound) {
      throw new Error(`root max gap is ${this._rootMaxGap}, below ${agg.bound}`);
    }
    if (leaves[0] !== this._firstLeaf) throw new Error('first leaf is wrong');
    if (leaves.at(-1) !== this._lastLeaf) throw new Error('last leaf is wrong');
    const li = this._li;
    const ls = this._ls;
    for (let i = 0; i < leaves.length; i++) {
      const prev = li[2 * leaves[i] * ls + 2];
      const next = li[2 * leaves[i] * ls + 3];
      if (prev !== (i > 0 ? leaves[i - 1] : -1)) throw new Error(`wrong prev link of leaf ${i}`);
      if (next !== (i + 1 < leaves.length ? leaves[i + 1] : -1)) {
        throw new Error(`wrong next link of leaf ${i}`);
      }
    }
    // Free and unreachable blocks hold no references.
    const live = new Set(leaves);
    for (let leaf = 0; leaf < this._leafTop; leaf++) {
      if (live.has(leaf)) continue;
      for (let i = 0; i < this._it; i++) {
        if (this._items[leaf * this._it + i] !== null)
          throw new Error(`stale item in leaf ${leaf}`);
      }
    }
    if (this._leafTop - this._leafFree.length !== leaves.length) {
      throw new Error('leaked leaf blocks');
    }
    if (this._nodeTop - this._nodeFree.length !== state.nodes) {
      throw new Error('leaked inner-node blocks');
    }
  }

  // ---- internals used by MemorySet ----

  /**
   * @internal Positions the cursor (`_cLeaf`, `_cSlot`) on the first item with
   * end > addr; false when there is none. No argument check. (Index
   * arithmetic is truncated with `| 0` so that the compiler emits plain
   * int32 operations without overflow checks: blocks are far below 2^31.)
   */
  _seek(addr: number): boolean {
    if (this._count === 0) return false;
    const lk = this._lk;
    const li = this._li;
    const ls = this._ls;
    const last = (this._lastLeaf * ls) | 0;
    if (addr >= lk[(last + LEAF_HEAD - 1 + 2 * li[last << 1]) | 0]) return false;
    // The finger: when addr lies between the floor and the last end of the
    // cursor's leaf, the answer is in that leaf (every item before it ends at
    // or below the floor) and the descent is skipped. A freed leaf holds no
    // items, so a stale cursor is never trusted. Hits when an operation
    // works where the previous one did (a free-area search, then the map and
    // the unmap of what it found).
    let n = this._cLeaf;
    let h = this._height;
    if (n >= 0) {
      const f = (n * ls) | 0;
      const fc = li[f << 1];
      if (fc > 0 && lk[f + FLOOR] <= addr && addr < lk[(f + LEAF_HEAD - 1 + 2 * fc) | 0]) h = -1;
    }
    if (h > 0) {
      // Else the hint table's leaf for addr's block, on the same test (see
      // _fillHint): any leaf that passes it is the answer's, however stale
      // the entry.
      const c = (this._hint[(addr * HINT_SCALE) & (this._hint.length - 1)] - 1) | 0;
      if (c >= 0) {
        const f = (c * ls) | 0;
        const fc = li[f << 1];
        if (fc > 0 && lk[f + FLOOR] <= addr && addr < lk[(f + LEAF_HEAD - 1 + 2 * fc) | 0]) {
          n = c;
          h = -1;
        }
      }
    }
    if (h >= 0) n = this._root;
    // Each search below takes the same number of steps in every node, the
    // smallest power of two >= the capacity, whatever the node's count: a
    // search whose step count followed the count (3 or 4 steps in nodes of
    // 5 to 16) mispredicted its loop exit about every other node. A probe
    // past the last entry reads the last entry instead, whose key is above
    // addr (so the step is not taken, as if the key were +infinity); the
    // index is clamped without a branch: i + min(0, last - i).
    //
    // The last four steps (halves 8, 4, 2, 1) are unrolled: in a loop, V8
    // reloads and rechecks the typed array (map, base, length) and checks
    // the interrupt and the loop bound at every step. A capacity of 16 or
    // less (the default, 16) needs no other step; a smaller one takes these
    // four too, the surplus ones being harmless: a probe past the last entry
    // is never taken (above). The last step needs no clamp: `base` never
    // passes the answer, which is at most the last slot.
    const top = this._half;
    if (h > 0) {
      const nk = this._nk;
      const ni = this._ni;
      const ns = this._ns;
      const ko = this._ko;
      do {
        // The first child whose last end is above addr; the last child
        // qualifies since its parent's entry did. A branch-free binary
        // search: the comparisons' outcomes are random, and a mispredicted
        // branch per step cost more than the search itself (measured 2x on
        // 5,000 areas).
        const d = (n * ns) | 0;
        const e = (d + NODE_HEAD) | 0;
        const lastSlot = (ni[d << 1] - 1) | 0;
        let base = 0;
        for (let half = top; half > 8; half >>= 1) {
          const i = (base + half - 1) | 0;
          const over = (lastSlot - i) | 0;
          base += -(nk[(e + i + (over & (over >> 31))) | 0] <= addr) & half;
        }
        let i = (base + 7) | 0;
        let over = (lastSlot - i) | 0;
        base += -(nk[(e + i + (over & (over >> 31))) | 0] <= addr) & 8;
        i = (base + 3) | 0;
        over = (lastSlot - i) | 0;
        base += -(nk[(e + i + (over & (over >> 31))) | 0] <= addr) & 4;
        i = (base + 1) | 0;
        over = (lastSlot - i) | 0;
        base += -(nk[(e + i + (over & (over >> 31))) | 0] <= addr) & 2;
        base += -(nk[(e + base) | 0] <= addr) & 1;
        n = ni[(((d + ko) << 1) + base) | 0];
      } while (--h > 0);
      this._fillHint(n, addr);
    }
    const b = (n * ls) | 0;
    const k = (b + LEAF_HEAD + 1) | 0;
    const lastSlot = (li[b << 1] - 1) | 0;
    let base = 0;
    for (let half = top; half > 8; half >>= 1) {
      const i = (base + half - 1) | 0;
      const over = (lastSlot - i) | 0;
      base += -(lk[(k + 2 * (i + (over & (over >> 31)))) | 0] <= addr) & half;
    }
    let i = (base + 7) | 0;
    let over = (lastSlot - i) | 0;
    base += -(lk[(k + 2 * (i + (over & (over >> 31)))) | 0] <= addr) & 8;
    i = (base + 3) | 0;
    over = (lastSlot - i) | 0;
    base += -(lk[(k + 2 * (i + (over & (over >> 31)))) | 0] <= addr) & 4;
    i = (base + 1) | 0;
    over = (lastSlot - i) | 0;
    base += -(lk[(k + 2 * (i + (over & (over >> 31)))) | 0] <= addr) & 2;
    base += -(lk[(k + 2 * base) | 0] <= addr) & 1;
    this._cLeaf = n;
    this._cSlot = base;
    return true;
  }

  // The hint table maps a block of addresses (HINT_GRANULE bytes, hashed
  // by its number modulo the table's size) to a leaf id + 1 (0: none): the
  // leaf a descent for an address in or near that block ended in. A lookup
  // that the finger misses tries that leaf before descending from the root:
  // most lookups in a large tree land in blocks looked up before (measured
  // on vma-churn: 92% / 87% / 80% of the descents skipped at N = 1,000 /
  // 10,000 / 65,000), and a descent is the costliest part of an operation
  // on a tree of several levels, each a likely cache miss. Entries are never
  // invalidated: a leaf split, merged, freed or reused may fail the test,
  // never pass it wrongly. After a descent to `leaf`, the blocks it covers
  // around `addr` (up to HINT_SPREAD on each side, within its floor and last
  // end) point to it, so that the first lookup in each does not descend too.
  // Entries are 16 bits, the id + 1 taken mod 2^16: half the memory of 32
  // bits, so more of the table stays in cache (at N = 65,000 the table has
  // 2^18 entries, and vma-churn's cache misses per operation fell from 12.8
  // to 12.5 under cachegrind with a 1 MiB L2). In a tree of more than 65,535
  // leaves an entry may name another leaf, which fails the test like any
  // stale entry; ids never exceed the pool, so the test reads no further.
  private _fillHint(leaf: number, addr: number): void {
    const lk = this._lk;
    const b = (leaf * this._ls) | 0;
    const count = this._li[b << 1];
    const hint = this._hint;
    const mask = hint.length - 1;
    const key = Math.floor(addr * HINT_SCALE);
    const lo = Math.max(Math.floor(lk[b + FLOOR] * HINT_SCALE), key - HINT_SPREAD);
    const last = lk[(b + LEAF_HEAD - 1 + 2 * count) | 0] - 1;
    const hi = Math.min(Math.floor(last * HINT_SCALE), key + HINT_SPREAD);
    const id = (leaf + 1) & 0xffff;
    for (let k = lo; k <= hi; k++) hint[k & mask] = id;
  }

  /**
   * @internal Collects the nodes overlapping [start, end), in order, into
   * `items`, with their bounds (read from the leaves, not from the nodes) into
   * `starts` and `ends`, as many as `starts` holds; returns how many overlap
   * (more than `starts.length` means: grow the arrays and call again). Leaves
   * the cursor on the first of them, or where a node starting at `start`
   * would go. No argument checks.
   */
  _collect(
    start: number,
    end: number,
    items: (N | undefined)[],
    starts: Float64Array,
    ends: Float64Array,
  ): number {
    if (!this._seek(start)) {
      const last = this._lastLeaf;
      this._cLeaf = last;
      this._cSlot = this._li[(last * this._ls) << 1];
      return 0;
    }
    const lk = this._lk;
    const li = this._li;
    const ls = this._ls;
    const it = this._it;
    const all = this._items;
    const room = starts.length;
    let leaf = this._cLeaf;
    let slot = this._cSlot;
    let n = 0;
    for (;;) {
      const b = (leaf * ls) | 0;
      const k = (b + LEAF_HEAD) | 0;
      const base = (leaf * it) | 0;
      const count = li[b << 1];
      for (; slot < count; slot = (slot + 1) | 0) {
        const s = lk[(k + 2 * slot) | 0];
        if (s >= end) return n;
        if (n < room) {
          items[n] = all[(base + slot) | 0] as N;
          starts[n] = s;
          ends[n] = lk[(k + 2 * slot + 1) | 0];
        }
        n = (n + 1) | 0;
      }
      leaf = li[((b << 1) + 3) | 0];
      if (leaf < 0) return n;
      slot = 0;
    }
  }

  /**
   * @internal Inserts `node` ([start, end), in no tree) at the cursor, which
   * the caller has positioned with `_collect` and not invalidated since, and
   * checked: nothing overlaps.
   */
  _insertAtCursor(node: N, start: number, end: number): void {
    this._insertAt(this._cLeaf, this._cSlot, node, start, end);
  }

  /** @internal `insertAfter` without checks, for a caller that knows `node` fits. */
  _insertAfterNode(anchor: N, node: N, start: number, end: number): void {
    this._insertAt(anchor._treeLeaf, this._findSlot(anchor) + 1, node, start, end);
  }

  /** @internal `remove` of a node known to be in this tree. */
  _removeNode(node: N): void {
    this._removeAt(node._treeLeaf, this._findSlot(node));
  }

  /**
   * @internal `split` without checks: `node` (in this tree, ending at `end`)
   * keeps [node.start, at) and the detached `upper` gets [at, end).
   */
  _splitNode(node: N, at: number, end: number, upper: N): void {
    this._splitAt(node, node._treeLeaf, this._findSlot(node), at, end, upper);
  }

  /**
   * @internal `split` of the node at `slot` of `leaf` (ending at `end`)
   * without checks or a search for its slot.
   */
  _splitAt(node: N, leaf: number, slot: number, at: number, end: number, upper: N): void {
    const upperBounds = upper as WritableBounds;
    upperBounds.start = at;
    upperBounds.end = end;
    (node as WritableBounds).end = at;
    this._lk[(leaf * this._ls + LEAF_HEAD + 2 * slot + 1) | 0] = at;
    this._place(leaf, slot + 1, upper, at, end);
    if (this._li[(leaf * this._ls) << 1] > this._cap) this._splitLeaf(leaf, slot + 1);
  }

  /** @internal Removes the node at `slot` of `leaf`. */
  _removeAtSlot(leaf: number, slot: number): void {
    this._removeAt(leaf, slot);
  }

  /**
   * @internal Inserts `node` ([start, end), in no tree) at `slot` of `leaf`,
   * a position the caller knows to be right and free of overlap.
   */
  _insertAtSlot(leaf: number, slot: number, node: N, start: number, end: number): void {
    this._insertAt(leaf, slot, node, start, end);
  }

  /** @internal `setStart` of the node at `slot` of `leaf`, without checks. */
  _setStartAt(node: N, leaf: number, slot: number, start: number): void {
    (node as WritableBounds).start = start;
    this._startChanged(leaf, slot, start);
  }

  /** @internal `setEnd` of the node at `slot` of `leaf`, without checks. */
  _setEndAt(node: N, leaf: number, slot: number, end: number): void {
    (node as WritableBounds).end = end;
    this._endChanged(leaf, slot, end);
  }

  /**
   * @internal Puts `node` (in no tree) in place of the item at `slot` of
   * `leaf`, with bounds [start, end) that cover the item's and stay within
   * the free space around it (the caller knows). The replaced item leaves
   * the tree. No structural change: only the two gaps around it shrink.
   */
  _replaceAt(leaf: number, slot: number, node: N, start: number, end: number): void {
    const at = (leaf * this._it + slot) | 0;
    const items = this._items;
    items[at]!._treeLeaf = -1;
    items[at] = node;
    node._treeLeaf = leaf;
    const k = (leaf * this._ls + LEAF_HEAD + 2 * slot) | 0;
    if (start !== this._lk[k]) this._startChanged(leaf, slot, start);
    if (end !== this._lk[k + 1]) this._endChanged(leaf, slot, end);
  }

  /** @internal `setStart` without checks, for a caller that knows the new start fits. */
  _setStartNode(node: N, start: number): void {
    (node as WritableBounds).start = start;
    this._startChanged(node._treeLeaf, this._findSlot(node), start);
  }

  /** @internal `setEnd` without checks, for a caller that knows the new end fits. */
  _setEndNode(node: N, end: number): void {
    (node as WritableBounds).end = end;
    this._endChanged(node._treeLeaf, this._findSlot(node), end);
  }

  /** @internal The item after a leaf slot, or undefined. */
  _itemAfter(leaf: number, slot: number): N | undefined {
    const h = (leaf * this._ls) << 1;
    if (slot + 1 < this._li[h]) return this._items[(leaf * this._it + slot + 1) | 0] as N;
    const next = this._li[h + 3];
    return next < 0 ? undefined : (this._items[(next * this._it) | 0] as N);
  }

  /** @internal The item before a leaf slot, or undefined. */
  _itemBefore(leaf: number, slot: number): N | undefined {
    if (slot > 0) return this._items[(leaf * this._it + slot - 1) | 0] as N;
    const prev = this._li[((leaf * this._ls) << 1) + 2];
    if (prev < 0) return undefined;
    return this._items[(prev * this._it + this._li[(prev * this._ls) << 1] - 1) | 0] as N;
  }

  // ---- private ----

  private _reset(): void {
    const leaves = 4;
    const buf = new Float64Array(leaves * this._ls);
    this._lk = buf;
    this._li = new Int32Array(buf.buffer);
    const nodes = new Float64Array(2 * this._ns);
    this._nk = nodes;
    this._ni = new Int32Array(nodes.buffer);
    const items: (N | null)[] = [];
    for (let i = 0; i < leaves * this._it; i++) items.push(null);
    this._items = items;
    this._leafTop = 0;
    this._nodeTop = 0;
    this._leafFree = [];
    this._nodeFree = [];
    this._count = 0;
    this._height = 0;
    this._rootMaxGap = 0;
    this._cLeaf = -1;
    this._cSlot = -1;
    this._hint = new Uint16Array(HINT_MIN);
    const root = this._newLeaf();
    this._lk[root * this._ls + FLOOR] = this.low;
    this._root = root;
    this._firstLeaf = root;
    this._lastLeaf = root;
  }

  private _newLeaf(): number {
    let id = this._leafFree.pop();
    if (id === undefined) {
      id = this._leafTop++;
      if (id * HINT_PER_LEAF >= this._hint.length && this._hint.length < HINT_MAX) {
        this._hint = new Uint16Array(this._hint.length * 2);
      }
      const ls = this._ls;
      if ((id + 1) * ls > this._lk.length) {
        // Grow by half: pools are a large share of the per-area memory.
        const leaves = Math.ceil((this._lk.length / ls) * 1.5) + 1;
        const buf = new Float64Array(leaves * ls);
        buf.set(this._lk);
        this._lk = buf;
        this._li = new Int32Array(buf.buffer);
        const items = this._items;
        for (let i = items.length; i < leaves * this._it; i++) items.push(null);
      }
    }
    const h = 2 * id * this._ls;
    const li = this._li;
    li[h] = 0;
    li[h + 1] = -1;
    li[h + 2] = -1;
    li[h + 3] = -1;
    li[h + 6] = 0;
    return id;
  }

  private _freeLeaf(leaf: number): void {
    this._li[2 * leaf * this._ls] = 0;
    this._leafFree.push(leaf);
  }

  private _newNode(level: number): number {
    let id = this._nodeFree.pop();
    if (id === undefined) {
      id = this._nodeTop++;
      const ns = this._ns;
      if ((id + 1) * ns > this._nk.length) {
        const nodes = Math.ceil((this._nk.length / ns) * 1.5) + 1;
        const buf = new Float64Array(nodes * ns);
        buf.set(this._nk);
        this._nk = buf;
        this._ni = new Int32Array(buf.buffer);
      }
    }
    const h = 2 * id * this._ns;
    const ni = this._ni;
    ni[h] = 0;
    ni[h + 1] = -1;
    ni[h + 2] = level;
    ni[h + 3] = 0;
    return id;
  }

  private _freeNode(node: number): void {
    this._ni[2 * node * this._ns] = 0;
    this._nodeFree.push(node);
  }

  // Slot of `node` in its leaf, or -1 when it is not in this tree (so a node
  // of another tree is refused): a scan of the leaf's references, which are
  // contiguous, rather than a search on the node's bounds, which would load
  // the node's boxed numbers.
  private _slotOf(node: N): number {
    const leaf = node._treeLeaf;
    if (leaf < 0 || leaf >= this._leafTop) return -1;
    const items = this._items;
    const base = leaf * this._it;
    const stop = base + this._li[2 * leaf * this._ls];
    for (let i = base; i < stop; i++) if (items[i] === node) return i - base;
    return -1;
  }

  // Slot of a node known to be in this tree.
  private _findSlot(node: N): number {
    const items = this._items;
    const base = (node._treeLeaf * this._it) | 0;
    let i = base;
    while (items[i] !== node) i = (i + 1) | 0;
    return (i - base) | 0;
  }

  // End of the last item, or the window's low when empty.
  private _lastEnd(): number {
    if (this._count === 0) return this.low;
    const b = this._lastLeaf * this._ls;
    return this._lk[b + LEAF_HEAD + 2 * this._li[2 * b] - 1];
  }

  // Inserts `node` ([start, end)) at a position already checked to fit. It
  // cuts the gap it lands in into two smaller ones; at the end of the leaf,
  // the first is a new gap of this leaf and the second is the next leaf's
  // first, which shrinks with the new last end.
  private _insertAt(leaf: number, slot: number, node: N, start: number, end: number): void {
    const lk = this._lk;
    const b = (leaf * this._ls) | 0;
    const count = this._li[b << 1];
    const k = (b + LEAF_HEAD + 2 * slot) | 0;
    this._place(leaf, slot, node, start, end);
    if (slot === count) {
      // Inside the leaf the gap only shrinks, which leaves the stored maxima
      // as they are (see _raise); at its end the leaf gains a gap.
      this._raise(leaf, start - (slot > 0 ? lk[k - 1] : lk[b + FLOOR]));
      this._lastEndChanged(leaf, end);
    }
    if (count + 1 > this._cap) this._splitLeaf(leaf, slot);
  }

  // Puts `node` at `slot` of `leaf`, shifting the slots above (the leaf may
  // overflow by one; the caller splits it).
  private _place(leaf: number, slot: number, node: N, start: number, end: number): void {
    const lk = this._lk;
    const h = (leaf * this._ls) << 1;
    const count = this._li[h];
    const k = (leaf * this._ls + LEAF_HEAD + 2 * slot) | 0;
    const items = this._items;
    const at = (leaf * this._it + slot) | 0;
    // One loop, not copyWithin: a few entries move, and the builtin's call
    // overhead dominates at that size. One loop for bounds and items, not
    // one each: its exit, after a random number of entries, is a
    // mispredicted branch.
    for (let i = (count - slot) | 0; i > 0; i = (i - 1) | 0) {
      const j = (k + 2 * i) | 0;
      lk[j] = lk[j - 2];
      lk[j + 1] = lk[j - 1];
      items[at + i] = items[at + i - 1];
    }
    lk[k] = start;
    lk[k + 1] = end;
    items[at] = node;
    this._li[h] = (count + 1) | 0;
    node._treeLeaf = leaf;
    this._count++;
  }

  private _removeAt(leaf: number, slot: number): void {
    const lk = this._lk;
    const h = (leaf * this._ls) << 1;
    const count = (this._li[h] - 1) | 0;
    const k = (leaf * this._ls + LEAF_HEAD + 2 * slot) | 0;
    const prevEnd = slot > 0 ? lk[k - 1] : lk[leaf * this._ls + FLOOR];
    const items = this._items;
    const at = (leaf * this._it + slot) | 0;
    const stop = (at + count - slot) | 0;
    items[at]!._treeLeaf = -1;
    // One loop for bounds and items (see _place).
    for (let i = 0, n = (count - slot) | 0; i < n; i = (i + 1) | 0) {
      const j = (k + 2 * i) | 0;
      lk[j] = lk[j + 2];
      lk[j + 1] = lk[j + 3];
      items[at + i] = items[at + i + 1];
    }
    items[stop] = null;
    this._li[h] = count;
    this._count--;
    // The gaps below and above the item become one, at least as large as
    // either. When the item was the leaf's last, that gap is the next leaf's
    // first, and this leaf loses one, whose stored maximum may stay (see
    // _raise); an emptied non-root leaf is consistent until the merge below
    // (no gaps, last end = floor).
    if (slot < count) this._raise(leaf, lk[k] - prevEnd);
    else this._lastEndChanged(leaf, prevEnd);
    // (Leaf and inner-node ids are separate: the root leaf is the one without a parent.)
    if (count < this._min && this._li[h + 1] >= 0) this._fixLeaf(leaf);
  }

  // Largest gap below an item of the leaf (0 when empty).
  private _leafMaxGap(leaf: number): number {
    const lk = this._lk;
    const b = (leaf * this._ls) | 0;
    const count = this._li[b << 1];
    let prev = lk[b + FLOOR];
    let max = 0;
    for (let j = (b + LEAF_HEAD) | 0, stop = (j + 2 * count) | 0; j < stop; j = (j + 2) | 0) {
      const g = lk[j] - prev;
      if (g > max) max = g;
      prev = lk[j + 1];
    }
    return max;
  }

  // End of the leaf's last item (its floor when empty).
  private _leafLastEnd(leaf: number): number {
    const b = leaf * this._ls;
    const count = this._li[2 * b];
    return count === 0 ? this._lk[b + FLOOR] : this._lk[b + LEAF_HEAD + 2 * count - 1];
  }

  private _nodeMaxGap(node: number): number {
    const nk = this._nk;
    const d = (node * this._ns) | 0;
    const g = (d + this._go) | 0;
    const stop = (g + this._ni[d << 1]) | 0;
    let max = 0;
    for (let j = g; j < stop; j = (j + 1) | 0) if (nk[j] > max) max = nk[j];
    return max;
  }

  private _nodeLastEnd(node: number): number {
    const d = node * this._ns;
    return this._nk[d + NODE_HEAD + this._ni[2 * d] - 1];
  }

  // The child at `slot` of inner node `node`.
  private _child(node: number, slot: number): number {
    return this._ni[2 * (node * this._ns + this._ko) + slot];
  }

  // Rewrites the parent and slot of `node`'s children from slot `from` on.
  private _adopt(node: number, from: number): void {
    const ns = this._ns;
    const ni = this._ni;
    const d = node * ns;
    const count = ni[2 * d];
    const kids = 2 * (d + this._ko);
    if (ni[2 * d + 2] === 1) {
      const li = this._li;
      const ls = this._ls;
      for (let i = from; i < count; i++) {
        const h = 2 * ni[kids + i] * ls;
        li[h + 1] = node;
        li[h + 6] = i;
      }
    } else {
      for (let i = from; i < count; i++) {
        const h = 2 * ni[kids + i] * ns;
        ni[h + 1] = node;
        ni[h + 3] = i;
      }
    }
  }

  // The start of the item at `slot` of `leaf` becomes `start`: the gap below
  // it grows (raised on the path up) or shrinks (see _raise).
  private _startChanged(leaf: number, slot: number, start: number): void {
    const lk = this._lk;
    const b = (leaf * this._ls) | 0;
    const k = (b + LEAF_HEAD + 2 * slot) | 0;
    const old = lk[k];
    lk[k] = start;
    if (start > old) this._raise(leaf, start - (slot > 0 ? lk[k - 1] : lk[b + FLOOR]));
  }

  // The end of the item at `slot` of `leaf` becomes `end`: the gap above it
  // (this leaf's, or the next leaf's first) grows or shrinks (see _raise).
  private _endChanged(leaf: number, slot: number, end: number): void {
    const lk = this._lk;
    const b = (leaf * this._ls) | 0;
    const k = (b + LEAF_HEAD + 2 * slot + 1) | 0;
    const old = lk[k];
    lk[k] = end;
    if (slot + 1 < this._li[b << 1]) {
      if (end < old) this._raise(leaf, lk[k + 1] - end);
    } else {
      this._lastEndChanged(leaf, end);
    }
  }

  // A gap of `leaf` grew to `gap` (or appeared): raises the stored maxima on
  // the path up while they are smaller. O(1) per level.
  //
  // Stored maxima are upper bounds, not exact: a gap that shrinks or goes
  // away leaves them as they are. Invariants: a leaf's entry in its parent
  // is >= its largest gap, an inner node's entry >= every entry it holds,
  // and _rootMaxGap >= the root's. Raising may therefore stop at the first
  // entry already >= gap (every entry above it is larger still). A gap
  // search that a too-high maximum lets into a subtree without finding a
  // gap there tightens that entry from the subtree's own (_setMaxGap), so the
  // rescans that exact maxima cost on every shrinking gap (a leaf scan,
  // then a node scan per level while the maximum came from it: ~230
  // instructions per vma-churn operation) happen only when a search is
  // misled, at most once per entry lowered by the operations since.
  private _raise(leaf: number, gap: number): void {
    const ni = this._ni;
    const nk = this._nk;
    const ns = this._ns;
    const go = this._go;
    const lh = (leaf * this._ls) << 1;
    let node = this._li[lh + 1];
    let slot = this._li[lh + 6];
    while (node >= 0) {
      const d = (node * ns) | 0;
      const g = (d + go + slot) | 0;
      if (nk[g] >= gap) return;
      nk[g] = gap;
      slot = ni[(d << 1) + 3];
      node = ni[(d << 1) + 1];
    }
    if (gap > this._rootMaxGap) this._rootMaxGap = gap;
  }

  // The end of `leaf`'s last item (its floor when it is empty) is now `end`:
  // updates the stored last ends on the path up (while the child is its
  // parent's last), then the next leaf's floor, which moves its first gap.
  private _lastEndChanged(leaf: number, end: number): void {
    const li = this._li;
    const ni = this._ni;
    const nk = this._nk;
    const ns = this._ns;
    const lh = (leaf * this._ls) << 1;
    let node = li[lh + 1];
    let slot = li[lh + 6];
    while (node >= 0) {
      const d = (node * ns) | 0;
      nk[(d + NODE_HEAD + slot) | 0] = end;
      if (slot !== ni[d << 1] - 1) break;
      slot = ni[(d << 1) + 3];
      node = ni[(d << 1) + 1];
    }
    const next = li[lh + 3];
    if (next >= 0) {
      const lk = this._lk;
      const b = (next * this._ls) | 0;
      const old = lk[b + FLOOR];
      lk[b + FLOOR] = end;
      if (end < old) this._raise(next, lk[b + LEAF_HEAD] - end);
    }
  }

  // Writes entry `slot` of inner node `node` for `child`, from the child's contents.
  private _setEntry(node: number, slot: number, child: number, isLeaf: boolean): void {
    const d = node * this._ns;
    this._ni[2 * (d + this._ko) + slot] = child;
    this._nk[d + NODE_HEAD + slot] = isLeaf ? this._leafLastEnd(child) : this._nodeLastEnd(child);
    this._setMaxGap(node, slot, child, isLeaf);
  }

  // The max-gap part of _setEntry: a leaf's largest gap, an inner node's largest entry.
  private _setMaxGap(node: number, slot: number, child: number, isLeaf: boolean): void {
    this._nk[(node * this._ns + this._go + slot) | 0] = isLeaf
      ? this._leafMaxGap(child)
      : this._nodeMaxGap(child);
  }

  // Moves `count` entries from slot `fs` of inner node `from` to slot `ts` of
  // `to` (which may be the same node: a shift). Byte copies, so that child
  // ids are never read as doubles.
  private _copyEntries(from: number, fs: number, to: number, ts: number, count: number): void {
    const ns = this._ns;
    const src = from * ns;
    const dst = to * ns;
    const nk = this._nk;
    nk.copyWithin(dst + NODE_HEAD + ts, src + NODE_HEAD + fs, src + NODE_HEAD + fs + count);
    nk.copyWithin(dst + this._go + ts, src + this._go + fs, src + this._go + fs + count);
    const ko = this._ko;
    this._ni.copyWithin(2 * (dst + ko) + ts, 2 * (src + ko) + fs, 2 * (src + ko) + fs + count);
  }

  // Moves `count` items from `from`'s slot `fs` to `to`'s slot `ts` (slots
  // above ts in `to` must be free), repointing the nodes to their new leaf.
  private _moveItems(from: number, fs: number, to: number, ts: number, count: number): void {
    const ls = this._ls;
    this._lk.copyWithin(
      to * ls + LEAF_HEAD + 2 * ts,
      from * ls + LEAF_HEAD + 2 * fs,
      from * ls + LEAF_HEAD + 2 * (fs + count),
    );
    const items = this._items;
    const src = from * this._it + fs;
    const dst = to * this._it + ts;
    for (let i = 0; i < count; i++) {
      const n = items[src + i]!;
      items[src + i] = null;
      items[dst + i] = n;
      n._treeLeaf = to;
    }
  }

  // Splits an overfull leaf, in which an item was just put at `slot`: the
  // upper part goes to a new leaf after it. Every gap and last end of the
  // parent's subtree stays, so only the parent's entries change (and the
  // parent may split in turn).
  private _splitLeaf(leaf: number, slot: number): void {
    const right = this._newLeaf();
    const ls = this._ls;
    const li = this._li;
    const count = li[2 * leaf * ls];
    const keep = this._splitPoint(
      count,
      li[2 * leaf * ls + 3] < 0 && slot === count - 1,
      li[2 * leaf * ls + 2] < 0 && slot === 0,
    );
    this._moveItems(leaf, keep, right, 0, count - keep);
    li[2 * leaf * ls] = keep;
    li[2 * right * ls] = count - keep;
    this._lk[right * ls + FLOOR] = this._leafLastEnd(leaf);
    const next = li[2 * leaf * ls + 3];
    li[2 * right * ls + 2] = leaf;
    li[2 * right * ls + 3] = next;
    li[2 * leaf * ls + 3] = right;
    if (next >= 0) li[2 * next * ls + 2] = right;
    else this._lastLeaf = right;
    const parent = li[2 * leaf * ls + 1];
    if (parent < 0) {
      this._newRoot(leaf, right, 1);
      return;
    }
    const pslot = li[2 * leaf * ls + 6];
    this._setEntry(parent, pslot, leaf, true);
    this._insertEntry(parent, pslot + 1, right, true);
  }

  // How many of the `count` entries of an overfull node stay in it when it
  // splits. Half, except where the tree grows at one end (areas appended
  // above the last or below the first, as sequential mappings do): there
  // the full side keeps three quarters, so that such a build fills nodes to
  // 75% instead of 50% and still leaves room for later insertions.
  private _splitPoint(count: number, append: boolean, prepend: boolean): number {
    const cap = this._cap;
    if (append) return cap - (cap >> 2);
    if (prepend) return count - (cap - (cap >> 2));
    return count >> 1;
  }

  // A new root above the two halves of the old one.
  private _newRoot(left: number, right: number, level: number): void {
    const root = this._newNode(level);
    const isLeaf = level === 1;
    this._setEntry(root, 0, left, isLeaf);
    this._setEntry(root, 1, right, isLeaf);
    this._ni[2 * root * this._ns] = 2;
    this._adopt(root, 0);
    this._root = root;
    this._height = level;
    this._rootMaxGap = this._nodeMaxGap(root);
  }

  // Inserts the entry of `child` (computed from its contents) at `slot` of
  // inner node `node`, splitting the node if it overflows.
  private _insertEntry(node: number, slot: number, child: number, isLeaf: boolean): void {
    const count = this._ni[2 * node * this._ns];
    this._copyEntries(node, slot, node, slot + 1, count - slot);
    this._setEntry(node, slot, child, isLeaf);
    this._ni[2 * node * this._ns] = count + 1;
    this._adopt(node, slot);
    if (count + 1 > this._cap) this._splitInner(node, slot);
  }

  // Splits an overfull inner node, in which an entry was just put at `slot`.
  private _splitInner(node: number, slot: number): void {
    const ns = this._ns;
    const level = this._ni[2 * node * ns + 2];
    const right = this._newNode(level);
    const ni = this._ni;
    const count = ni[2 * node * ns];
    // At the tree's right (left) edge when every ancestor holds it last (first).
    let rightmost = slot === count - 1;
    let leftmost = slot === 0;
    for (let n = node; (rightmost || leftmost) && ni[2 * n * ns + 1] >= 0; ) {
      const p = ni[2 * n * ns + 1];
      const s = ni[2 * n * ns + 3];
      if (s !== ni[2 * p * ns] - 1) rightmost = false;
      if (s !== 0) leftmost = false;
      n = p;
    }
    const keep = this._splitPoint(count, rightmost, leftmost);
    this._copyEntries(node, keep, right, 0, count - keep);
    ni[2 * node * ns] = keep;
    ni[2 * right * ns] = count - keep;
    this._adopt(right, 0);
    const parent = ni[2 * node * ns + 1];
    if (parent < 0) {
      this._newRoot(node, right, level + 1);
      return;
    }
    const pslot = ni[2 * node * ns + 3];
    this._setEntry(parent, pslot, node, false);
    this._insertEntry(parent, pslot + 1, right, false);
  }

  // A non-root leaf below the minimum fill: merge it with a sibling, or take
  // items from one. The parent's subtree keeps every gap and last end, so only
  // the parent's entries change (and the parent may underflow in turn).
  private _fixLeaf(leaf: number): void {
    const ls = this._ls;
    const li = this._li;
    const parent = li[2 * leaf * ls + 1];
    const slot = li[2 * leaf * ls + 6];
    // The next sibling under the same parent, else the previous one.
    const ls0 = slot + 1 < this._ni[2 * parent * this._ns] ? slot : slot - 1;
    const left = this._child(parent, ls0);
    const right = this._child(parent, ls0 + 1);
    const lc = li[2 * left * ls];
    const rc = li[2 * right * ls];
    if (lc + rc <= this._mergeMax) {
      this._moveItems(right, 0, left, lc, rc);
      li[2 * left * ls] = lc + rc;
      li[2 * right * ls] = 0;
      const next = li[2 * right * ls + 3];
      li[2 * left * ls + 3] = next;
      if (next >= 0) li[2 * next * ls + 2] = left;
      else this._lastLeaf = left;
      this._freeLeaf(right);
      this._removeEntry(parent, ls0 + 1, left, true);
      return;
    }
    const half = (lc + rc) >> 1;
    if (lc > half) {
      // Make room at the front of the right leaf, then move the left's tail there.
      const move = lc - half;
      this._shiftItemsUp(right, move);
      this._moveItems(left, half, right, 0, move);
      li[2 * left * ls] = half;
      li[2 * right * ls] = rc + move;
    } else {
      const move = half - lc;
      this._moveItems(right, 0, left, lc, move);
      this._shiftItemsDown(right, move);
      li[2 * left * ls] = half;
      li[2 * right * ls] = rc - move;
    }
    this._lk[right * ls + FLOOR] = this._leafLastEnd(left);
    this._setEntry(parent, ls0, left, true);
    this._setEntry(parent, ls0 + 1, right, true);
  }

  // Opens `by` free slots at the front of a leaf.
  private _shiftItemsUp(leaf: number, by: number): void {
    const ls = this._ls;
    const count = this._li[2 * leaf * ls];
    const b = leaf * ls + LEAF_HEAD;
    this._lk.copyWithin(b + 2 * by, b, b + 2 * count);
    const items = this._items;
    const base = leaf * this._it;
    for (let j = base + count - 1; j >= base; j--) items[j + by] = items[j];
    for (let j = base; j < base + by; j++) items[j] = null;
  }

  // Closes `by` slots (already emptied) at the front of a leaf.
  private _shiftItemsDown(leaf: number, by: number): void {
    const ls = this._ls;
    const count = this._li[2 * leaf * ls];
    const b = leaf * ls + LEAF_HEAD;
    this._lk.copyWithin(b, b + 2 * by, b + 2 * count);
    const items = this._items;
    const base = leaf * this._it;
    for (let j = base + by; j < base + count; j++) items[j - by] = items[j];
    for (let j = base + count - by; j < base + count; j++) items[j] = null;
  }

  // Drops entry `slot` of inner node `node` after its child was merged into
  // the child `kept` at slot - 1 (whose entry is recomputed), then fixes
  // `node`'s fill.
  private _removeEntry(node: number, slot: number, kept: number, isLeaf: boolean): void {
    const ns = this._ns;
    const ni = this._ni;
    const count = ni[2 * node * ns] - 1;
    this._copyEntries(node, slot + 1, node, slot, count - slot);
    ni[2 * node * ns] = count;
    this._setEntry(node, slot - 1, kept, isLeaf);
    this._adopt(node, slot);
    if (ni[2 * node * ns + 1] < 0) {
      if (count === 1) {
        // A root with one child: the child becomes the root.
        const child = this._child(node, 0);
        this._freeNode(node);
        if (isLeaf) this._li[2 * child * this._ls + 1] = -1;
        else ni[2 * child * ns + 1] = -1;
        this._root = child;
        this._height--;
      }
      return;
    }
    if (count < this._min) this._fixNode(node);
  }

  // The inner-node counterpart of _fixLeaf.
  private _fixNode(node: number): void {
    const ns = this._ns;
    const ni = this._ni;
    const parent = ni[2 * node * ns + 1];
    const slot = ni[2 * node * ns + 3];
    const ls0 = slot + 1 < ni[2 * parent * ns] ? slot : slot - 1;
    const left = this._child(parent, ls0);
    const right = this._child(parent, ls0 + 1);
    const lc = ni[2 * left * ns];
    const rc = ni[2 * right * ns];
    if (lc + rc <= this._mergeMax) {
      this._copyEntries(right, 0, left, lc, rc);
      ni[2 * left * ns] = lc + rc;
      this._adopt(left, lc);
      this._freeNode(right);
      this._removeEntry(parent, ls0 + 1, left, false);
      return;
    }
    const half = (lc + rc) >> 1;
    if (lc > half) {
      const move = lc - half;
      this._copyEntries(right, 0, right, move, rc);
      this._copyEntries(left, half, right, 0, move);
      ni[2 * left * ns] = half;
      ni[2 * right * ns] = rc + move;
    } else {
      const move = half - lc;
      this._copyEntries(right, 0, left, lc, move);
      this._copyEntries(right, move, right, 0, rc - move);
      ni[2 * left * ns] = half;
      ni[2 * right * ns] = rc - move;
      this._adopt(left, lc);
    }
    this._adopt(right, 0);
    this._setEntry(parent, ls0, left, false);
    this._setEntry(parent, ls0 + 1, right, false);
  }

  // Top-down gap search in the subtree of inner node `node`, whose first
  // item's gap reaches down to `floor`. Children are visited from the highest;
  // a child's gaps lie within [its floor, its last end], which prunes children
  // outside the limits; its max gap prunes the rest. Only children straddling
  // lo or hi can be entered without success, hence O(B log n). Leaves the
  // cursor on the item above the gap found.
  private _topDownNode(node: number, floor: number, lo: number, hi: number, len: number): boolean {
    const nk = this._nk;
    const ni = this._ni;
    const d = node * this._ns;
    const ends = d + NODE_HEAD;
    const gaps = d + this._go;
    const kids = 2 * (d + this._ko);
    const leaves = ni[2 * d + 2] === 1;
    for (let i = ni[2 * d] - 1; i >= 0; i--) {
      if (nk[ends + i] - lo < len) return false;
      if (nk[gaps + i] < len) continue;
      const childFloor = i > 0 ? nk[ends + i - 1] : floor;
      if (hi - Math.max(childFloor, lo) < len) continue;
      const child = ni[kids + i];
      if (
        leaves
          ? this._topDownLeaf(child, lo, hi, len)
          : this._topDownNode(child, childFloor, lo, hi, len)
      ) {
        return true;
      }
      // The child's stored maximum let the search in and it found no gap
      // there: the maximum may be stale (see _raise); recomputed from the
      // child (whose own entries the search has just tightened). It stays
      // as it was when the search only failed for its limits.
      this._setMaxGap(node, i, child, leaves);
    }
    return false;
  }

  private _topDownLeaf(leaf: number, lo: number, hi: number, len: number): boolean {
    const lk = this._lk;
    const b = leaf * this._ls;
    for (let i = this._li[2 * b] - 1; i >= 0; i--) {
      const k = b + LEAF_HEAD + 2 * i;
      const start = lk[k];
      if (start - lo < len) return false;
      const prevEnd = i > 0 ? lk[k - 1] : lk[b + FLOOR];
      if (Math.min(start, hi) - Math.max(prevEnd, lo) >= len) {
        this._cLeaf = leaf;
        this._cSlot = i;
        return true;
      }
    }
    return false;
  }

  // Mirror image of _topDownNode: the lowest qualifying gap.
  private _bottomUpNode(node: number, floor: number, lo: number, hi: number, len: number): boolean {
    const nk = this._nk;
    const ni = this._ni;
    const d = node * this._ns;
    const ends = d + NODE_HEAD;
    const gaps = d + this._go;
    const kids = 2 * (d + this._ko);
    const count = ni[2 * d];
    const leaves = ni[2 * d + 2] === 1;
    for (let i = 0; i < count; i++) {
      const childFloor = i > 0 ? nk[ends + i - 1] : floor;
      if (hi - Math.max(childFloor, lo) < len) return false;
      if (nk[gaps + i] < len) continue;
      if (nk[ends + i] - lo < len) continue;
      const child = ni[kids + i];
      if (
        leaves
          ? this._bottomUpLeaf(child, lo, hi, len)
          : this._bottomUpNode(child, childFloor, lo, hi, len)
      ) {
        return true;
      }
      this._setMaxGap(node, i, child, leaves);
    }
    return false;
  }

  // _setMaxGap for the root, after a search of the whole tree found nothing.
  private _tightenRoot(): void {
    this._rootMaxGap =
      this._height === 0 ? this._leafMaxGap(this._root) : this._nodeMaxGap(this._root);
  }

  private _bottomUpLeaf(leaf: number, lo: number, hi: number, len: number): boolean {
    const lk = this._lk;
    const b = leaf * this._ls;
    const count = this._li[2 * b];
    let prevEnd = lk[b + FLOOR];
    for (let i = 0; i < count; i++) {
      if (hi - Math.max(prevEnd, lo) < len) return false;
      const k = b + LEAF_HEAD + 2 * i;
      const start = lk[k];
      if (Math.min(start, hi) - Math.max(prevEnd, lo) >= len) {
        this._cLeaf = leaf;
        this._cSlot = i;
        return true;
      }
      prevEnd = lk[k + 1];
    }
    return false;
  }

  // Fills `out` with the gap below the item at the cursor.
  private _foundAtCursor(out: AreaGap<N>, lo: number, hi: number): boolean {
    const leaf = this._cLeaf;
    const slot = this._cSlot;
    const k = leaf * this._ls + LEAF_HEAD + 2 * slot;
    const gapStart = slot > 0 ? this._lk[k - 1] : this._lk[leaf * this._ls + FLOOR];
    return this._found(
      out,
      gapStart,
      this._lk[k],
      lo,
      hi,
      this._itemBefore(leaf, slot),
      this._items[leaf * this._it + slot] as N,
    );
  }

  private _found(
    out: AreaGap<N>,
    gapStart: number,
    gapEnd: number,
    lo: number,
    hi: number,
    prev: N | undefined,
    next: N | undefined,
  ): boolean {
    out.start = Math.max(gapStart, lo);
    out.end = Math.min(gapEnd, hi);
    out.prev = prev;
    out.next = next;
    return true;
  }

  private _checkInWindow(start: number, end: number): void {
    if (!(start < end)) throw emptyError(start, end);
    if (start < this.low || end > this.high) {
      throw windowError(start, end, this.low, this.high);
    }
  }

  // Checks the subtree of `node` at `level` (0: a leaf), child `slot` of
  // `parent`; collects leaves in order; answers the subtree's last end and
  // the least value its entry may hold (see _raise): a leaf's largest gap,
  // an inner node's largest entry.
  private _checkSubtree(
    node: number,
    level: number,
    parent: number,
    slot: number,
    leaves: number[],
    state: { prevEnd: number; count: number; nodes: number },
  ): { lastEnd: number; bound: number } {
    const isRoot = parent < 0;
    if (level === 0) {
      const ls = this._ls;
      const b = node * ls;
      const count = this._li[2 * b];
      if (this._li[2 * b + 1] !== parent) throw new Error(`wrong parent of leaf ${node}`);
      if (!isRoot && this._li[2 * b + 6] !== slot) throw new Error(`wrong slot of leaf ${node}`);
      if (count > this._cap || (!isRoot && count < this._min)) {
        throw new Error(`leaf ${node} holds ${count} items`);
      }
      if (this._lk[b + FLOOR] !== state.prevEnd) {
        throw new Error(`floor of leaf ${node} is ${this._lk[b + FLOOR]}, not ${state.prevEnd}`);
      }
      leaves.push(node);
      let maxGap = 0;
      for (let i = 0; i < this._it; i++) {
        const n = this._items[node * this._it + i];
        if (i >= count) {
          if (n !== null) throw new Error(`stale item in leaf ${node}`);
          continue;
        }
        if (n === null || n === undefined) throw new Error(`missing item in leaf ${node}`);
        const s = this._lk[b + LEAF_HEAD + 2 * i];
        const e = this._lk[b + LEAF_HEAD + 2 * i + 1];
        if (n.start !== s || n.end !== e) throw new Error(`stale bounds of ${hex(n.start)}`);
        if (n._treeLeaf !== node) throw new Error(`wrong leaf id of ${hex(s)}`);
        if (!(s < e)) throw new Error(`empty area at ${hex(s)}`);
        if (s < this.low || e > this.high) throw new Error(`area ${hex(s)} outside window`);
        if (s < state.prevEnd) throw new Error(`overlap or disorder at ${hex(s)}`);
        maxGap = Math.max(maxGap, s - state.prevEnd);
        state.prevEnd = e;
        state.count++;
      }
      return { lastEnd: state.prevEnd, bound: maxGap };
    }
    const ns = this._ns;
    const ni = this._ni;
    const d = node * ns;
    const count = ni[2 * d];
    if (ni[2 * d + 1] !== parent) throw new Error(`wrong parent of node ${node}`);
    if (!isRoot && ni[2 * d + 3] !== slot) throw new Error(`wrong slot of node ${node}`);
    if (ni[2 * d + 2] !== level) throw new Error(`wrong level of node ${node}`);
    if (count > this._cap || count < (isRoot ? 2 : this._min)) {
      throw new Error(`node ${node} holds ${count} children`);
    }
    state.nodes++;
    let bound = 0;
    let lastEnd = state.prevEnd;
    for (let i = 0; i < count; i++) {
      const sub = this._checkSubtree(this._child(node, i), level - 1, node, i, leaves, state);
      if (this._nk[d + NODE_HEAD + i] !== sub.lastEnd) {
        throw new Error(`stale last end in node ${node}`);
      }
      const stored = this._nk[d + this._go + i];
      if (!(stored >= sub.bound)) {
        throw new Error(`max gap ${stored} in node ${node} is below its child's ${sub.bound}`);
      }
      bound = Math.max(bound, stored);
      lastEnd = sub.lastEnd;
    }
    return { lastEnd, bound };
  }
}

function checkDetached(node: AreaNode): void {
  if (node._treeLeaf !== -1) throw attachedError(node);
}

// Errors are built out of line (here and below), so that the checking
// functions stay small enough for V8 to inline them into their callers.
function attachedError(node: AreaNode): RangeError {
  return new RangeError(`area [${hex(node.start)}, ${hex(node.end)}) is already in a tree`);
}

function splitPointError(at: number, node: AreaNode): RangeError {
  return new RangeError(
    `split point ${hex(at)} is not inside [${hex(node.start)}, ${hex(node.end)})`,
  );
}

function emptyError(start: number, end: number): RangeError {
  return new RangeError(`area [${hex(start)}, ${hex(end)}) is empty`);
}

function freeSpaceError(start: number, end: number, floor: number, ceiling: number): RangeError {
  return new RangeError(
    `area [${hex(start)}, ${hex(end)}) would leave the free space [${hex(floor)}, ${hex(ceiling)}) around it`,
  );
}

function windowError(start: number, end: number, low: number, high: number): RangeError {
  return new RangeError(
    `area [${hex(start)}, ${hex(end)}) is outside the window [${hex(low)}, ${hex(high)})`,
  );
}

function notFound<N extends AreaNode>(out: AreaGap<N>): boolean {
  out.start = -1;
  out.end = -1;
  out.prev = undefined;
  out.next = undefined;
  return false;
}

function overlapError(start: number, end: number, other: AreaNode): RangeError {
  return new RangeError(
    `area [${hex(start)}, ${hex(end)}) overlaps [${hex(other.start)}, ${hex(other.end)})`,
  );
}

function notInTreeError(node: AreaNode): RangeError {
  return new RangeError(`area [${hex(node.start)}, ${hex(node.end)}) is not in this tree`);
}
