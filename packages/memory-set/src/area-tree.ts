import type { AreaNode, WritableBounds } from './area-node.js';
import { checkAddress, checkLength, hex } from './check.js';

/** The address window of an {@link AreaTree}: nodes and gaps lie in [low, high). */
export interface AreaTreeOptions {
  /** Lowest address (inclusive); default 0. */
  readonly low?: number;
  /** Highest address (exclusive); default 2^47 (x86_64 4-level user half). */
  readonly high?: number;
  /**
   * When true (default), `remove`, `insertAfter`, `split` and `setStart`/
   * `setEnd`/`setBounds` first check that the node they are given is in this tree (a
   * walk up to the root, O(log n)), so a node of another tree is refused
   * instead of corrupting both. Set false when the caller guarantees it (the
   * MemorySet does); a node in no tree is refused either way.
   */
  readonly verifyMembership?: boolean;
}

/** Default `high` of a tree: the top of the x86_64 4-level user address space. */
export const DEFAULT_TREE_HIGH: number = 2 ** 47;

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

type Node = AreaNode;

/**
 * An ordered set of non-overlapping, non-empty half-open areas [start, end),
 * kept in an intrusive AVL tree with parent pointers. Each node stores the
 * free space just below it (its "gap": start minus the predecessor's end, or
 * minus the window's `low` for the first node) and the largest gap of its
 * subtree, so gap searches skip whole subtrees and updates never need to look
 * at a neighbour's fields.
 *
 * Costs: insert, remove, lookups and gap searches O(log n); `insertAfter` and
 * `setStart`/`setEnd`/`setBounds` O(log n) worst case but usually a few
 * steps (they walk up only while the augmentation changes); `first`, `last`
 * O(1); `prev`/`next` O(1) amortized over a walk, O(log n) worst case.
 *
 * Gaps are the free ranges of the window [low, high): [low, first.start), the
 * spaces between consecutive nodes, and [last.end, high).
 */
export class AreaTree<N extends AreaNode = AreaNode> {
  /** Lowest address of the window (inclusive). */
  declare readonly low: number;
  /** Highest address of the window (exclusive). */
  declare readonly high: number;
  declare private _root: Node | null;
  declare private _first: Node | null;
  declare private _last: Node | null;
  declare private _count: number;
  declare private readonly _verify: boolean;

  constructor(options: AreaTreeOptions = {}) {
    const low = options.low ?? 0;
    const high = options.high ?? DEFAULT_TREE_HIGH;
    checkAddress('low', low);
    checkAddress('high', high);
    if (high <= low) throw new RangeError(`tree window [${hex(low)}, ${hex(high)}) is empty`);
    this.low = low;
    this.high = high;
    this._root = null;
    this._first = null;
    this._last = null;
    this._count = 0;
    this._verify = options.verifyMembership !== false;
  }

  /** Number of nodes. */
  get size(): number {
    return this._count;
  }

  /** The lowest node, or undefined when the tree is empty. O(1). */
  first(): N | undefined {
    return (this._first ?? undefined) as N | undefined;
  }

  /** The highest node, or undefined when the tree is empty. O(1). */
  last(): N | undefined {
    return (this._last ?? undefined) as N | undefined;
  }

  /**
   * The node just below `node` (which must be in this tree). O(1) amortized
   * over an in-order walk, O(log n) worst case.
   */
  prev(node: N): N | undefined {
    return (this._prev(node) ?? undefined) as N | undefined;
  }

  /**
   * The node just above `node` (which must be in this tree). O(1) amortized
   * over an in-order walk, O(log n) worst case.
   */
  next(node: N): N | undefined {
    return (this._next(node) ?? undefined) as N | undefined;
  }

  /** True when `node` is in this tree. O(log n). */
  has(node: N): boolean {
    return node._treeHeight !== 0 && rootOf(node) === this._root;
  }

  /** The node containing `addr`, or undefined. O(log n). */
  find(addr: number): N | undefined {
    checkAddress('addr', addr);
    let n = this._root;
    while (n !== null) {
      if (addr < n.start) n = n._treeLeft;
      else if (addr >= n.end) n = n._treeRight;
      else return n as N;
    }
    return undefined;
  }

  /**
   * The first node with `end > addr` (it contains `addr` or lies above it), or
   * undefined. Linux's find_vma. O(log n).
   */
  findFirstEndingAfter(addr: number): N | undefined {
    checkAddress('addr', addr);
    // Above everything (appends at the top): no search.
    const last = this._last;
    if (last === null || last.end <= addr) return undefined;
    let n = this._root;
    let found: Node | null = null;
    while (n !== null) {
      if (n.end > addr) {
        found = n;
        n = n._treeLeft;
      } else {
        n = n._treeRight;
      }
    }
    return (found ?? undefined) as N | undefined;
  }

  /** The last node with `start < addr`, or undefined. O(log n). */
  findLastStartingBefore(addr: number): N | undefined {
    checkAddress('addr', addr);
    let n = this._root;
    let found: Node | null = null;
    while (n !== null) {
      if (n.start < addr) {
        found = n;
        n = n._treeRight;
      } else {
        n = n._treeLeft;
      }
    }
    return (found ?? undefined) as N | undefined;
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
    let n = this._first;
    while (n !== null) {
      const next = this._next(n);
      yield n as N;
      n = next;
    }
  }

  /**
   * Nodes overlapping [start, end) in address order. Removing the node just
   * yielded is allowed; other changes are not.
   */
  *overlapping(start: number, end: number): Generator<N, void, undefined> {
    checkAddress('end', end);
    let n: Node | null = this.findFirstEndingAfter(start) ?? null;
    while (n !== null && n.start < end) {
      const next = this._next(n);
      yield n as N;
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
    let n: Node | null = this.findFirstEndingAfter(start) ?? null;
    while (n !== null && n.start < end) {
      const next = this._next(n);
      if (visit(n as N) === false) return;
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
    let parent: Node | null = null;
    let prev: Node | null = null;
    let next: Node | null = null;
    let n = this._root;
    while (n !== null) {
      parent = n;
      if (start < n.start) {
        next = n;
        n = n._treeLeft;
      } else {
        prev = n;
        n = n._treeRight;
      }
    }
    if (prev !== null && prev.end > start) throw overlapError(start, end, prev);
    if (next !== null && end > next.start) throw overlapError(start, end, next);
    if (parent === null) this._root = node;
    else if (start < parent.start) parent._treeLeft = node;
    else parent._treeRight = node;
    this._link(node, parent, prev, next);
  }

  /**
   * Adds `node` just after `anchor` (a node of this tree) without a search:
   * O(1) to place plus the rebalancing walk, which usually stops within a
   * few levels. Meant for splits, where the new piece follows the piece it
   * came from. Throws RangeError when `node` does not fit between `anchor`
   * and the node after it, or is already in a tree.
   */
  insertAfter(anchor: N, node: N): void {
    checkDetached(node);
    if (!this._isMember(anchor)) throw notInTreeError(anchor);
    const start = node.start;
    const end = node.end;
    this._checkInWindow(start, end);
    const next = this._next(anchor);
    if (anchor.end > start) throw overlapError(start, end, anchor);
    if (next !== null && end > next.start) throw overlapError(start, end, next);
    // When anchor has a right subtree its successor is that subtree's
    // leftmost node, whose left slot is free; otherwise anchor's right slot is.
    let parent: Node;
    if (anchor._treeRight === null) {
      parent = anchor;
      anchor._treeRight = node;
    } else {
      parent = next!;
      parent._treeLeft = node;
    }
    this._link(node, parent, anchor, next);
  }

  /**
   * Splits `node` at `at`: `node` keeps [node.start, at) and `upper`, a node
   * in no tree, gets the bounds [at, node.end) and goes in right after it
   * (Linux's __split_vma). No gap changes, so only the structure is fixed:
   * O(log n) worst case, usually a few steps. Throws RangeError when `at` is
   * not strictly inside `node` or `upper` is in a tree.
   */
  split(node: N, at: number, upper: N): void {
    checkDetached(upper);
    if (!this._isMember(node)) throw notInTreeError(node);
    checkAddress('at', at);
    if (!(node.start < at && at < node.end)) {
      throw new RangeError(
        `split point ${hex(at)} is not inside [${hex(node.start)}, ${hex(node.end)})`,
      );
    }
    const upperBounds = upper as WritableBounds;
    upperBounds.start = at;
    upperBounds.end = node.end;
    (node as WritableBounds).end = at;
    // The successor slot: node's right slot, or the left slot of the leftmost
    // node of its right subtree.
    let parent = node._treeRight;
    if (parent === null) {
      parent = node;
      node._treeRight = upper;
    } else {
      while (parent._treeLeft !== null) parent = parent._treeLeft;
      parent._treeLeft = upper;
    }
    upper._treeParent = parent;
    upper._treeLeft = null;
    upper._treeRight = null;
    upper._treeHeight = 1;
    upper._treeGap = 0;
    upper._treeMaxGap = 0;
    if (node === this._last) this._last = upper;
    this._count++;
    this._fixUp(parent);
  }

  /** Removes `node`. Throws RangeError when it is not in this tree. O(log n). */
  remove(node: N): void {
    if (!this._isMember(node)) throw notInTreeError(node);
    const next = this._next(node);
    if (node === this._first) this._first = next;
    if (node === this._last) this._last = predecessor(node);
    // The successor's gap now reaches down to node's predecessor.
    if (next !== null) next._treeGap = next.start - node.start + node._treeGap;

    const left = node._treeLeft;
    const right = node._treeRight;
    const parent = node._treeParent;
    if (left !== null && right !== null) {
      // The successor is the leftmost node of the right subtree: move it into
      // node's place (relinking, since nodes are the user's objects).
      const s = next!;
      let fixFrom: Node;
      if (s === right) {
        fixFrom = s;
      } else {
        const sp = s._treeParent!;
        const sr = s._treeRight;
        sp._treeLeft = sr;
        if (sr !== null) sr._treeParent = sp;
        s._treeRight = right;
        right._treeParent = s;
        fixFrom = sp;
      }
      s._treeLeft = left;
      left._treeParent = s;
      s._treeParent = parent;
      this._replaceChild(parent, node, s);
      // Start from node's values so the early stop in _fixUp compares like with like.
      s._treeHeight = node._treeHeight;
      s._treeMaxGap = node._treeMaxGap;
      resetLinks(node);
      this._count--;
      this._fixUp(fixFrom);
      // s's own gap grew (its predecessor is node's).
      this._fixGaps(s);
      return;
    }
    // An AVL node with one child has a leaf child; when that is the right
    // child it is the successor, whose gap grew. Otherwise the successor, if
    // any, is an ancestor.
    const child = left !== null ? left : right;
    if (child !== null) {
      child._treeParent = parent;
      this._update(child);
    }
    this._replaceChild(parent, node, child);
    resetLinks(node);
    this._count--;
    this._fixUp(parent);
    // The successor's gap grew.
    if (next !== null) this._fixGaps(next);
  }

  /** Removes every node (each one can then be inserted again). O(n). */
  clear(): void {
    let n = this._first;
    while (n !== null) {
      const next = this._next(n);
      resetLinks(n);
      n = next;
    }
    this._root = null;
    this._first = null;
    this._last = null;
    this._count = 0;
  }

  /**
   * Moves the start of `node` within the free space around it (it may shrink
   * or grow down to its predecessor's end). Throws RangeError when the new
   * range would be empty or overlap; a node in no tree is just checked and
   * updated.
   */
  setStart(node: N, start: number): void {
    this.setBounds(node, start, node.end);
  }

  /** Moves the end of `node`; see {@link AreaTree.setStart}. */
  setEnd(node: N, end: number): void {
    this.setBounds(node, node.start, end);
  }

  /**
   * Moves both bounds of `node` within the free space around it, keeping the
   * order (it cannot jump over a neighbour). O(log n) worst case. Throws
   * RangeError when the new range would be empty, overlap a neighbour, leave
   * the window, or `node` is in another tree. A node in no tree is just
   * checked and updated.
   */
  setBounds(node: N, start: number, end: number): void {
    checkAddress('start', start);
    checkAddress('end', end);
    const bounds = node as WritableBounds;
    if (node._treeHeight === 0) {
      if (end < start)
        throw new RangeError(`area end ${hex(end)} is below its start ${hex(start)}`);
      bounds.start = start;
      bounds.end = end;
      return;
    }
    if (!this._isMember(node)) throw notInTreeError(node);
    if (end <= start) throw new RangeError(`area [${hex(start)}, ${hex(end)}) is empty`);
    const next = this._next(node);
    const floor = node.start - node._treeGap;
    const ceiling = next === null ? this.high : next.start;
    if (start < floor || end > ceiling) {
      throw new RangeError(
        `area [${hex(start)}, ${hex(end)}) would leave the free space [${hex(floor)}, ${hex(ceiling)}) around it`,
      );
    }
    if (start !== node.start) {
      node._treeGap = start - floor;
      bounds.start = start;
      this._fixGaps(node);
    }
    if (end !== node.end) {
      bounds.end = end;
      // The successor's gap changes; the tail gap is computed from `last`.
      if (next !== null) {
        next._treeGap = next.start - end;
        this._fixGaps(next);
      }
    }
  }

  /**
   * Finds the HIGHEST gap whose intersection with [low, high) holds at least
   * `length` addresses, and writes that intersection and the gap's neighbours
   * into `out`. Returns false (and sets out.start/end to -1) when there is
   * none. Limits are clipped to the tree's window. O(log n); mirrors the
   * maple tree's mas_empty_area_rev as used by mm/mmap.c unmapped_area_topdown.
   */
  findGapTopDown(low: number, high: number, length: number, out: AreaGap<N>): boolean {
    checkAddress('low', low);
    checkAddress('high', high);
    checkLength('length', length);
    const lo = Math.max(low, this.low);
    const hi = Math.min(high, this.high);
    if (hi - lo >= length) {
      const last = this._last;
      const tail = last === null ? this.low : last.end;
      if (hi - Math.max(tail, lo) >= length) {
        return this._found(out, tail, this.high, lo, hi, last, null);
      }
      const n = this._topDown(this._root, lo, hi, length);
      if (n !== null)
        return this._found(out, n.start - n._treeGap, n.start, lo, hi, this._prev(n), n);
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
      const n = this._bottomUp(this._root, lo, hi, length);
      if (n !== null)
        return this._found(out, n.start - n._treeGap, n.start, lo, hi, this._prev(n), n);
      const last = this._last;
      const tail = last === null ? this.low : last.end;
      if (hi - Math.max(tail, lo) >= length) {
        return this._found(out, tail, this.high, lo, hi, last, null);
      }
    }
    return notFound(out);
  }

  /**
   * Checks every invariant (AVL balance and heights, order, no overlap, window,
   * list links, counts, gap augmentation) and throws an Error naming the first
   * violation. O(n); for tests.
   */
  checkInvariants(): void {
    const root = this._root;
    if (root !== null && root._treeParent !== null) throw new Error('the root has a parent');
    const inOrder: Node[] = [];
    this._checkSubtree(root, inOrder);
    if (inOrder.length !== this._count) {
      throw new Error(`tree holds ${inOrder.length} nodes, size is ${this._count}`);
    }
    if ((inOrder[0] ?? null) !== this._first) throw new Error('first is not the lowest node');
    if ((inOrder.at(-1) ?? null) !== this._last) throw new Error('last is not the highest node');
    let prev: Node | null = null;
    for (const n of inOrder) {
      if (predecessor(n) !== prev) throw new Error(`wrong predecessor of ${hex(n.start)}`);
      if (prev !== null && successor(prev) !== n) {
        throw new Error(`wrong successor of ${hex(prev.start)}`);
      }
      const gap = n.start - (prev === null ? this.low : prev.end);
      if (n._treeGap !== gap) {
        throw new Error(`gap below ${hex(n.start)} is ${n._treeGap}, should be ${gap}`);
      }
      if (!(n.start < n.end)) throw new Error(`empty area at ${hex(n.start)}`);
      if (n.start < this.low || n.end > this.high)
        throw new Error(`area ${hex(n.start)} outside window`);
      if (prev !== null && prev.end > n.start) throw new Error(`overlap at ${hex(n.start)}`);
      prev = n;
    }
    if (prev !== null && successor(prev) !== null) throw new Error('the last node has a successor');
    if (inOrder.length > 0 && predecessor(inOrder[0]) !== null)
      throw new Error('the first node has a predecessor');
  }

  private _checkSubtree(n: Node | null, out: Node[]): void {
    if (n === null) return;
    const l = n._treeLeft;
    const r = n._treeRight;
    if ((l !== null && l._treeParent !== n) || (r !== null && r._treeParent !== n)) {
      throw new Error(`broken parent link below ${hex(n.start)}`);
    }
    this._checkSubtree(l, out);
    out.push(n);
    this._checkSubtree(r, out);
    const hl = l === null ? 0 : l._treeHeight;
    const hr = r === null ? 0 : r._treeHeight;
    if (n._treeHeight !== 1 + Math.max(hl, hr)) throw new Error(`wrong height at ${hex(n.start)}`);
    if (Math.abs(hl - hr) > 1) throw new Error(`unbalanced at ${hex(n.start)}`);
    let gap = n._treeGap;
    if (l !== null) gap = Math.max(gap, l._treeMaxGap);
    if (r !== null) gap = Math.max(gap, r._treeMaxGap);
    if (n._treeMaxGap !== gap) {
      throw new Error(`max gap at ${hex(n.start)} is ${n._treeMaxGap}, should be ${gap}`);
    }
    if (l !== null && !(l.start < n.start)) throw new Error('left child order');
    if (r !== null && !(r.start > n.start)) throw new Error('right child order');
  }

  private _checkInWindow(start: number, end: number): void {
    if (!(start < end)) throw new RangeError(`area [${hex(start)}, ${hex(end)}) is empty`);
    if (start < this.low || end > this.high) {
      throw new RangeError(
        `area [${hex(start)}, ${hex(end)}) is outside the window [${hex(this.low)}, ${hex(this.high)})`,
      );
    }
  }

  private _found(
    out: AreaGap<N>,
    gapStart: number,
    gapEnd: number,
    lo: number,
    hi: number,
    prev: Node | null,
    next: Node | null,
  ): boolean {
    out.start = Math.max(gapStart, lo);
    out.end = Math.min(gapEnd, hi);
    out.prev = (prev ?? undefined) as N | undefined;
    out.next = (next ?? undefined) as N | undefined;
    return true;
  }

  // The node whose gap-before is the highest one with a clipped size >= len,
  // searching the subtree of n. Right subtrees hold gaps starting at or above
  // n.end, left subtrees gaps ending below the predecessor's end, which gives
  // the two range prunings; maxGap gives the third. Only subtrees straddling
  // lo or hi can fail after being entered, hence O(log n).
  private _topDown(n: Node | null, lo: number, hi: number, len: number): Node | null {
    while (n !== null && n._treeMaxGap >= len) {
      if (hi - n.end >= len) {
        const r = this._topDown(n._treeRight, lo, hi, len);
        if (r !== null) return r;
      }
      const pe = n.start - n._treeGap;
      const gs = Math.max(pe, lo);
      const ge = Math.min(n.start, hi);
      if (ge - gs >= len) return n;
      if (pe - lo < len) return null;
      n = n._treeLeft;
    }
    return null;
  }

  // Mirror image of _topDown: the lowest qualifying gap.
  private _bottomUp(n: Node | null, lo: number, hi: number, len: number): Node | null {
    while (n !== null && n._treeMaxGap >= len) {
      const pe = n.start - n._treeGap;
      if (pe - lo >= len) {
        const r = this._bottomUp(n._treeLeft, lo, hi, len);
        if (r !== null) return r;
      }
      const gs = Math.max(pe, lo);
      const ge = Math.min(n.start, hi);
      if (ge - gs >= len) return n;
      if (hi - n.end < len) return null;
      n = n._treeRight;
    }
    return null;
  }

  // successor / predecessor without the walk up from the last / first node.
  private _next(n: Node): Node | null {
    return n === this._last ? null : successor(n);
  }

  private _prev(n: Node): Node | null {
    return n === this._first ? null : predecessor(n);
  }

  private _isMember(node: Node): boolean {
    return node._treeHeight !== 0 && (!this._verify || rootOf(node) === this._root);
  }

  // Finishes an insertion: `parent` (null for the root) already points at
  // `node`; link it between prev and next and rebalance upwards.
  private _link(node: Node, parent: Node | null, prev: Node | null, next: Node | null): void {
    node._treeParent = parent;
    node._treeLeft = null;
    node._treeRight = null;
    if (prev === null) this._first = node;
    if (next === null) this._last = node;
    else next._treeGap = next.start - node.end;
    node._treeHeight = 1;
    node._treeGap = node.start - (prev === null ? this.low : prev.end);
    node._treeMaxGap = node._treeGap;
    this._count++;
    this._fixUp(parent);
    // The successor's gap shrank.
    if (next !== null) this._fixGaps(next);
  }

  // Points `parent` (or the root when null) from `old` to `replacement`.
  private _replaceChild(parent: Node | null, old: Node, replacement: Node | null): void {
    if (parent === null) this._root = replacement;
    else if (parent._treeLeft === old) parent._treeLeft = replacement;
    else parent._treeRight = replacement;
  }

  // Recomputes height and max gap of n from its children and its own gap.
  private _update(n: Node): void {
    const l = n._treeLeft;
    const r = n._treeRight;
    let h = 0;
    let g = n._treeGap;
    if (l !== null) {
      h = l._treeHeight;
      if (l._treeMaxGap > g) g = l._treeMaxGap;
    }
    if (r !== null) {
      if (r._treeHeight > h) h = r._treeHeight;
      if (r._treeMaxGap > g) g = r._treeMaxGap;
    }
    n._treeHeight = h + 1;
    n._treeMaxGap = g;
  }

  private _rotateRight(n: Node): Node {
    const l = n._treeLeft!;
    const lr = l._treeRight;
    n._treeLeft = lr;
    if (lr !== null) lr._treeParent = n;
    l._treeRight = n;
    l._treeParent = n._treeParent;
    n._treeParent = l;
    this._update(n);
    this._update(l);
    return l;
  }

  private _rotateLeft(n: Node): Node {
    const r = n._treeRight!;
    const rl = r._treeLeft;
    n._treeRight = rl;
    if (rl !== null) rl._treeParent = n;
    r._treeLeft = n;
    r._treeParent = n._treeParent;
    n._treeParent = r;
    this._update(n);
    this._update(r);
    return r;
  }

  // Rotates n, whose children's heights differ by 2, back into balance
  // (recomputing the rotated nodes); returns the subtree's new root.
  private _rebalance(n: Node): Node {
    const l = n._treeLeft;
    const r = n._treeRight;
    if ((l === null ? 0 : l._treeHeight) > (r === null ? 0 : r._treeHeight)) {
      const ll = l!._treeLeft;
      const lr = l!._treeRight;
      if ((ll === null ? 0 : ll._treeHeight) < (lr === null ? 0 : lr._treeHeight)) {
        n._treeLeft = this._rotateLeft(l!);
      }
      return this._rotateRight(n);
    }
    const rl = r!._treeLeft;
    const rr = r!._treeRight;
    if ((rr === null ? 0 : rr._treeHeight) < (rl === null ? 0 : rl._treeHeight)) {
      n._treeRight = this._rotateRight(r!);
    }
    return this._rotateLeft(n);
  }

  // Rebalances and re-augments from n up to the root after a structural
  // change below n; stops at the first node left unchanged and unrotated.
  // Own gaps that changed elsewhere are fixed by the caller with _fixGaps
  // afterwards: it recomputes from that node up while anything changes, so
  // either walk may stop early without missing the other's changes.
  private _fixUp(n: Node | null): void {
    while (n !== null) {
      const parent = n._treeParent;
      const l = n._treeLeft;
      const r = n._treeRight;
      const hl = l === null ? 0 : l._treeHeight;
      const hr = r === null ? 0 : r._treeHeight;
      if (hl > hr + 1 || hr > hl + 1) {
        this._replaceChild(parent, n, this._rebalance(n));
      } else {
        // _update inlined, stopping when nothing changes.
        const h = Math.max(hl, hr) + 1;
        let g = n._treeGap;
        if (l !== null && l._treeMaxGap > g) g = l._treeMaxGap;
        if (r !== null && r._treeMaxGap > g) g = r._treeMaxGap;
        if (h === n._treeHeight && g === n._treeMaxGap) return;
        n._treeHeight = h;
        n._treeMaxGap = g;
      }
      n = parent;
    }
  }

  // Re-augments from n upwards after n's own gap changed (heights are
  // already right); stops at the first node whose max gap stays.
  private _fixGaps(n: Node | null): void {
    while (n !== null) {
      const oldGap = n._treeMaxGap;
      this._update(n);
      if (n._treeMaxGap === oldGap) return;
      n = n._treeParent;
    }
  }
}

// In-order successor through child and parent links.
function successor(n: Node): Node | null {
  let c = n._treeRight;
  if (c !== null) {
    while (c._treeLeft !== null) c = c._treeLeft;
    return c;
  }
  let p = n._treeParent;
  while (p !== null && p._treeRight === n) {
    n = p;
    p = p._treeParent;
  }
  return p;
}

// In-order predecessor, the mirror image of successor.
function predecessor(n: Node): Node | null {
  let c = n._treeLeft;
  if (c !== null) {
    while (c._treeRight !== null) c = c._treeRight;
    return c;
  }
  let p = n._treeParent;
  while (p !== null && p._treeLeft === n) {
    n = p;
    p = p._treeParent;
  }
  return p;
}

function rootOf(n: Node): Node {
  while (n._treeParent !== null) n = n._treeParent;
  return n;
}

function checkDetached(node: Node): void {
  if (node._treeHeight !== 0) {
    throw new RangeError(`area [${hex(node.start)}, ${hex(node.end)}) is already in a tree`);
  }
}

function resetLinks(n: Node): void {
  n._treeLeft = null;
  n._treeRight = null;
  n._treeParent = null;
  n._treeGap = 0;
  n._treeMaxGap = 0;
  n._treeHeight = 0;
}

function notFound<N extends AreaNode>(out: AreaGap<N>): boolean {
  out.start = -1;
  out.end = -1;
  out.prev = undefined;
  out.next = undefined;
  return false;
}

function overlapError(start: number, end: number, other: Node): RangeError {
  return new RangeError(
    `area [${hex(start)}, ${hex(end)}) overlaps [${hex(other.start)}, ${hex(other.end)})`,
  );
}

function notInTreeError(node: Node): RangeError {
  return new RangeError(`area [${hex(node.start)}, ${hex(node.end)}) is not in this tree`);
}
