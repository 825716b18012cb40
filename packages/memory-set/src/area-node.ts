import { checkAddress, hex } from './check.js';

/**
 * A half-open address range [start, end) that can live in one {@link AreaTree}.
 *
 * The tree is intrusive: its links and its augmentation are fields of the node
 * itself, so a user type extends this class (`class VmArea extends AreaNode`)
 * and pays for no separate tree entry. All fields are initialised in the
 * constructor so every node keeps one hidden class. The fields are `declare`d:
 * an emitted ES2022 field declaration first sets `undefined`, after which V8
 * keeps the field tagged and allocates a new HeapNumber on every write of a
 * value >= 2^31 (measured 4x slower stores of such doubles). A subclass field
 * written often with large numbers should be `declare`d and set in the
 * constructor too; rarely written ones holding small integers are smaller
 * left tagged (no 16-byte box).
 *
 * `start` and `end` are read-only to users: while the node is in a tree, change
 * them only through `AreaTree.setStart` / `setEnd` / `setBounds`, which keep the
 * order and the gap augmentation right.
 */
export class AreaNode {
  /** First address of the area. */
  declare readonly start: number;
  /** One past the last address of the area. */
  declare readonly end: number;
  /** @internal AVL left child. */
  declare _treeLeft: AreaNode | null;
  /** @internal AVL right child. */
  declare _treeRight: AreaNode | null;
  /** @internal AVL parent (null for the root). */
  declare _treeParent: AreaNode | null;
  /** @internal The free space just below this node: start - predecessor's end (or - low). */
  declare _treeGap: number;
  /** @internal Largest `_treeGap` in this subtree. */
  declare _treeMaxGap: number;
  /** @internal AVL height; 0 while the node is in no tree. */
  declare _treeHeight: number;

  /** Throws TypeError/RangeError unless 0 <= start <= end are safe integers. */
  constructor(start: number, end: number) {
    checkAddress('start', start);
    checkAddress('end', end);
    if (end < start) throw new RangeError(`area end ${hex(end)} is below its start ${hex(start)}`);
    this.start = start;
    this.end = end;
    this._treeLeft = null;
    this._treeRight = null;
    this._treeParent = null;
    // Not numbers at first, so V8 keeps these fields tagged: gaps below 2^31
    // then sit inline as small integers instead of in a 16-byte box each
    // (only larger gaps are boxed). Measured 16 bytes less per node for the
    // max gap, and no slower.
    this._treeGap = null as unknown as number;
    this._treeMaxGap = null as unknown as number;
    this._treeHeight = 0;
  }
}

/** The tree's writable view of a node's bounds. */
export interface WritableBounds {
  start: number;
  end: number;
}
