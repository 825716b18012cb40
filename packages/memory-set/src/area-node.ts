import { checkAddress, reversedError } from './check.js';

// The class most recently constructed, and every class already made fast.
let fastClass: typeof AreaNode | undefined;
const fastClasses = new WeakSet<typeof AreaNode>();

// Keeps a node class's constructor in V8's fast mode. Running from source
// through tsx, esbuild's `keepNames` redefines every class's `name`, which
// turns the constructor object into a dictionary-mode object; TurboFan then
// aborts every optimization of code that constructs the class (a failed
// stable-map dependency, retried forever), so `new MemoryArea(...)` and every
// function inlining it stay in the baseline tier: measured 14x slower
// construction, and several times slower set operations. Becoming the
// prototype of another class turns the constructor back into fast mode, so
// the first construction of each class makes it one (once per class).
function keepFast(cls: typeof AreaNode): void {
  fastClass = cls;
  if (fastClasses.has(cls)) return;
  fastClasses.add(cls);
  void class extends cls {};
}

/**
 * A half-open address range [start, end) that can live in one {@link AreaTree}.
 *
 * The node is the user's object (`class VmArea extends AreaNode`): the tree
 * keeps a reference to it in a leaf, next to copies of its bounds, and the
 * node keeps one field of tree state, the id of that leaf, so that operations
 * given a node (`next`, `remove`, `split`, `setEnd`, ...) start from its leaf
 * instead of searching from the root. The fields are `declare`d and set in
 * the constructor, so every node keeps one hidden class; an emitted ES2022
 * field declaration would first store `undefined`, after which V8 keeps the
 * field tagged and allocates a new HeapNumber on every write of a value
 * >= 2^31 (measured 4x slower stores of such doubles). A subclass field
 * written often with large numbers should be `declare`d and set in the
 * constructor too.
 *
 * `start` and `end` are read-only to users: while the node is in a tree, change
 * them only through `AreaTree.setStart` / `setEnd` / `setBounds` / `split`,
 * which keep the tree's copies, order and gap augmentation right.
 */
export class AreaNode {
  /** First address of the area. */
  declare readonly start: number;
  /** One past the last address of the area. */
  declare readonly end: number;
  /** @internal Id of the tree leaf holding this node; -1 while it is in no tree. */
  declare _treeLeaf: number;

  /** Throws TypeError/RangeError unless 0 <= start <= end are safe integers. */
  constructor(start: number, end: number) {
    checkAddress('start', start);
    checkAddress('end', end);
    if (end < start) throw reversedError(start, end);
    if (new.target !== fastClass) keepFast(new.target);
    this.start = start;
    this.end = end;
    this._treeLeaf = -1;
  }
}

/** The tree's writable view of a node's bounds. */
export interface WritableBounds {
  start: number;
  end: number;
}
