import { Mulberry32 } from '@vmem/bench-kit';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { AreaNode } from './area-node.js';
import { AreaGap, AreaTree } from './area-tree.js';
import { NaiveAreas } from './test-support/naive-areas.js';

class Item extends AreaNode {
  readonly id: number;
  constructor(start: number, end: number, id: number) {
    super(start, end);
    this.id = id;
  }
}

function bounds(tree: AreaTree<Item>): [number, number][] {
  return [...tree].map((n) => [n.start, n.end]);
}

function build(ranges: [number, number][], low = 0, high = 1000): AreaTree<Item> {
  const tree = new AreaTree<Item>({ low, high });
  for (const [i, [s, e]] of ranges.entries()) tree.insert(new Item(s, e, i));
  tree.checkInvariants();
  return tree;
}

describe('AreaNode', () => {
  test('validates its range', () => {
    expect(() => new AreaNode(-1, 5)).toThrow(RangeError);
    expect(() => new AreaNode(1.5, 5)).toThrow(RangeError);
    expect(() => new AreaNode(5, 4)).toThrow(/below its start/);
    expect(() => new AreaNode(Number.NaN, 4)).toThrow(RangeError);
    expect(() => new AreaNode('1' as unknown as number, 4)).toThrow(TypeError);
    expect(() => new AreaNode(2 ** 53, 2 ** 53 + 2)).toThrow(RangeError);
    const n = new AreaNode(2 ** 52, 2 ** 52 + 4096);
    expect([n.start, n.end]).toEqual([2 ** 52, 2 ** 52 + 4096]);
  });
});

describe('AreaTree basics', () => {
  test('window validation', () => {
    expect(() => new AreaTree({ low: 10, high: 10 })).toThrow(RangeError);
    expect(() => new AreaTree({ low: -1 })).toThrow(RangeError);
    const t = new AreaTree();
    expect([t.low, t.high]).toEqual([0, 2 ** 47]);
  });

  test('insert keeps order; lookups', () => {
    const t = build([
      [50, 60],
      [10, 20],
      [30, 40],
      [60, 70],
    ]);
    expect(bounds(t)).toEqual([
      [10, 20],
      [30, 40],
      [50, 60],
      [60, 70],
    ]);
    expect(t.size).toBe(4);
    expect(t.find(9)).toBeUndefined();
    expect(t.find(10)?.start).toBe(10);
    expect(t.find(19)?.start).toBe(10);
    expect(t.find(20)).toBeUndefined();
    expect(t.find(60)?.start).toBe(60);
    expect(t.findFirstEndingAfter(0)?.start).toBe(10);
    expect(t.findFirstEndingAfter(20)?.start).toBe(30);
    expect(t.findFirstEndingAfter(25)?.start).toBe(30);
    expect(t.findFirstEndingAfter(69)?.start).toBe(60);
    expect(t.findFirstEndingAfter(70)).toBeUndefined();
    expect(t.findLastStartingBefore(10)).toBeUndefined();
    expect(t.findLastStartingBefore(11)?.start).toBe(10);
    expect(t.findLastStartingBefore(60)?.start).toBe(50);
    expect(t.findLastStartingBefore(1000)?.start).toBe(60);
    expect(t.findFirstOverlapping(20, 30)).toBeUndefined();
    expect(t.findFirstOverlapping(20, 31)?.start).toBe(30);
    expect(t.first()?.start).toBe(10);
    expect(t.last()?.start).toBe(60);
    const n30 = t.find(35)!;
    expect(t.prev(n30)?.start).toBe(10);
    expect(t.next(n30)?.start).toBe(50);
    expect(t.prev(t.first()!)).toBeUndefined();
    expect(t.next(t.last()!)).toBeUndefined();
    expect([...t.overlapping(15, 51)].map((n) => n.start)).toEqual([10, 30, 50]);
    expect([...t.overlapping(20, 30)]).toEqual([]);
    const seen: number[] = [];
    t.forEachOverlapping(0, 1000, (n) => {
      seen.push(n.start);
      return n.start < 30;
    });
    expect(seen).toEqual([10, 30]);
  });

  test('insert rejects overlap, empty, out-of-window and double insertion without change', () => {
    const t = build([
      [10, 20],
      [30, 40],
    ]);
    expect(() => t.insert(new Item(19, 25, 9))).toThrow(/overlaps \[0xa, 0x14\)/);
    expect(() => t.insert(new Item(25, 31, 9))).toThrow(/overlaps \[0x1e, 0x28\)/);
    expect(() => t.insert(new Item(10, 20, 9))).toThrow(RangeError);
    expect(() => t.insert(new Item(0, 100, 9))).toThrow(RangeError);
    expect(() => t.insert(new Item(25, 25, 9))).toThrow(/empty/);
    expect(() => t.insert(new Item(990, 1001, 9))).toThrow(/outside the window/);
    const other = build([[500, 600]]);
    expect(() => t.insert(other.first()!)).toThrow(/already in a tree/);
    expect(() => t.insert(t.first()!)).toThrow(/already in a tree/);
    t.checkInvariants();
    expect(bounds(t)).toEqual([
      [10, 20],
      [30, 40],
    ]);
    t.insert(new Item(20, 30, 9));
    expect(t.size).toBe(3);
  });

  test('insertAfter places a node right after its anchor', () => {
    const t = build([
      [10, 20],
      [30, 40],
    ]);
    const a = t.first()!;
    t.insertAfter(a, new Item(20, 25, 7));
    t.insertAfter(t.last()!, new Item(40, 50, 8));
    expect(() => t.insertAfter(a, new Item(20, 20, 9))).toThrow(/empty/);
    expect(() => t.insertAfter(a, new Item(24, 26, 9))).toThrow(/overlaps/);
    expect(() => t.insertAfter(a, new Item(26, 31, 9))).toThrow(/overlaps \[0x14, 0x19\)/);
    expect(() => t.insertAfter(t.find(30)!, new Item(26, 29, 9))).toThrow(/overlaps/);
    expect(() => t.insertAfter(new Item(0, 1, 9), new Item(26, 29, 9))).toThrow(/not in this tree/);
    t.checkInvariants();
    expect(bounds(t)).toEqual([
      [10, 20],
      [20, 25],
      [30, 40],
      [40, 50],
    ]);
  });

  test('split cuts a node in two in place', () => {
    const t = build([
      [10, 20],
      [30, 40],
    ]);
    const last = t.last()!;
    const upper = new Item(0, 0, 9);
    t.split(last, 33, upper);
    t.checkInvariants();
    expect(bounds(t)).toEqual([
      [10, 20],
      [30, 33],
      [33, 40],
    ]);
    expect(t.last()).toBe(upper);
    expect(t.next(last)).toBe(upper);
    expect(() => t.split(last, 33, new Item(0, 0, 9))).toThrow(/not inside/);
    expect(() => t.split(last, 30, new Item(0, 0, 9))).toThrow(/not inside/);
    expect(() => t.split(last, 31, upper)).toThrow(/already in a tree/);
    expect(() => t.split(new Item(0, 5, 1), 3, new Item(0, 0, 9))).toThrow(/not in this tree/);
    t.checkInvariants();
  });

  test('remove relinks neighbours; nodes can be reinserted; foreign nodes are refused', () => {
    const t = build([
      [10, 20],
      [30, 40],
      [50, 60],
    ]);
    const mid = t.find(30)!;
    t.remove(mid);
    t.checkInvariants();
    expect(bounds(t)).toEqual([
      [10, 20],
      [50, 60],
    ]);
    expect(t.next(t.first()!)?.start).toBe(50);
    expect(t.has(mid)).toBe(false);
    expect(() => t.remove(mid)).toThrow(/not in this tree/);
    const other = build([[10, 20]]);
    expect(() => t.remove(other.first()!)).toThrow(/not in this tree/);
    t.insert(mid);
    expect(t.has(mid)).toBe(true);
    expect(bounds(t)).toHaveLength(3);
  });

  test('setBounds moves within the free space only', () => {
    const t = build([
      [10, 20],
      [30, 40],
      [50, 60],
    ]);
    const mid = t.find(30)!;
    t.setBounds(mid, 20, 50);
    t.checkInvariants();
    expect([mid.start, mid.end]).toEqual([20, 50]);
    expect(() => t.setStart(mid, 19)).toThrow(/free space \[0x14, 0x32\)/);
    expect(() => t.setEnd(mid, 51)).toThrow(RangeError);
    expect(() => t.setEnd(mid, 20)).toThrow(/empty/);
    expect(() => t.setEnd(mid, 20.5)).toThrow(RangeError);
    t.setStart(mid, 45);
    t.setEnd(mid, 46);
    t.checkInvariants();
    expect([mid.start, mid.end]).toEqual([45, 46]);
    const last = t.last()!;
    t.setEnd(last, 1000);
    expect(() => t.setEnd(last, 1001)).toThrow(RangeError);
    const first = t.first()!;
    t.setStart(first, 0);
    t.checkInvariants();
    const other = build([[45, 46]]);
    expect(() => t.setEnd(other.first()!, 47)).toThrow(/not in this tree/);
    expect(() => t.setStart(other.first()!, 44)).toThrow(/not in this tree/);
    const detached = new Item(1, 2, 0);
    t.setBounds(detached, 700, 800);
    expect([detached.start, detached.end]).toEqual([700, 800]);
  });

  test('clear detaches every node', () => {
    const t = build([
      [10, 20],
      [30, 40],
    ]);
    const nodes = [...t];
    t.clear();
    expect(t.size).toBe(0);
    expect(t.first()).toBeUndefined();
    t.checkInvariants();
    for (const n of nodes) t.insert(n);
    expect(t.size).toBe(2);
    t.checkInvariants();
  });

  test('node capacity validation', () => {
    expect(() => new AreaTree({ nodeCapacity: 3 })).toThrow(/nodeCapacity/);
    expect(() => new AreaTree({ nodeCapacity: 4.5 })).toThrow(RangeError);
    expect(() => new AreaTree({ nodeCapacity: 1025 })).toThrow(RangeError);
    expect(new AreaTree({ nodeCapacity: 4 }).size).toBe(0);
  });

  test('grows several levels and shrinks back to one empty leaf', () => {
    const t = new AreaTree<Item>({ low: 0, high: 10_000, nodeCapacity: 4 });
    const items: Item[] = [];
    for (let i = 0; i < 200; i++) {
      const item = new Item(i * 20, i * 20 + 10, i);
      items.push(item);
      t.insert(item);
    }
    t.checkInvariants();
    const internals = t as unknown as { _height: number; _root: number };
    expect(internals._height).toBeGreaterThanOrEqual(3);
    // Remove from the middle outwards so merges and borrows happen on both sides.
    for (let i = 0; i < 200; i++) {
      const k = i % 2 === 0 ? 100 + (i >> 1) : 99 - (i >> 1);
      t.remove(items[k]);
      t.checkInvariants();
    }
    expect(internals._height).toBe(0);
    expect(t.size).toBe(0);
  });

  test('checkInvariants detects corrupted augmentation, floors and leaf ids', () => {
    const make = (): AreaTree<Item> => {
      const t = new AreaTree<Item>({ low: 0, high: 10_000, nodeCapacity: 4 });
      for (let i = 0; i < 30; i++) t.insert(new Item(i * 20, i * 20 + 10 + (i % 3), i));
      t.checkInvariants();
      return t;
    };
    type Guts = {
      _nk: Float64Array;
      _lk: Float64Array;
      _root: number;
      _firstLeaf: number;
      _ls: number;
      _ns: number;
      _go: number;
      _rootMaxGap: number;
    };
    const guts = (tree: AreaTree<Item>): Guts => tree as unknown as Guts;
    // The root's columns: last ends after a 2-double header, max gaps at _go.
    // Stored max gaps are upper bounds: above the true value is allowed (an
    // entry no higher than the one above it), below is not.
    let t = make();
    guts(t)._nk[guts(t)._root * guts(t)._ns + guts(t)._go] += 1;
    guts(t)._rootMaxGap += 1;
    t.checkInvariants();
    t = make();
    guts(t)._nk[guts(t)._root * guts(t)._ns + guts(t)._go] += 1;
    guts(t)._rootMaxGap = 0;
    expect(() => t.checkInvariants()).toThrow(/root max gap/);
    t = make();
    guts(t)._nk[guts(t)._root * guts(t)._ns + guts(t)._go] -= 1;
    expect(() => t.checkInvariants()).toThrow(/max gap/);
    t = make();
    guts(t)._nk[guts(t)._root * guts(t)._ns + 2] -= 1;
    expect(() => t.checkInvariants()).toThrow(/last end/);
    t = make();
    // The floor (double 2 of a leaf's header) of a leaf other than the first.
    const leaf = t.find(400)!._treeLeaf;
    expect(leaf).not.toBe(guts(t)._firstLeaf);
    guts(t)._lk[leaf * guts(t)._ls + 2] += 1;
    expect(() => t.checkInvariants()).toThrow(/floor/);
    t = make();
    const n = t.find(100)!;
    n._treeLeaf = t.first()!._treeLeaf === n._treeLeaf ? n._treeLeaf + 1 : t.first()!._treeLeaf;
    expect(() => t.checkInvariants()).toThrow(/leaf id/);
    expect(() => t.remove(n)).toThrow(/not in this tree/);
  });

  test('iteration survives removal of the yielded node', () => {
    const t = build([
      [10, 20],
      [30, 40],
      [50, 60],
    ]);
    for (const n of t) t.remove(n);
    expect(t.size).toBe(0);
  });
});

describe('AreaTree gap search', () => {
  // window [0, 100): gaps [0,10) [20,30) [40,40) [45,70) [80,100)
  const ranges: [number, number][] = [
    [10, 20],
    [30, 40],
    [40, 45],
    [70, 80],
  ];

  test('top-down picks the highest fitting gap, clipped', () => {
    const t = build(ranges, 0, 100);
    const g = new AreaGap<Item>();
    expect(t.findGapTopDown(0, 100, 20, g)).toBe(true);
    expect([g.start, g.end, g.prev?.start, g.next?.start]).toEqual([80, 100, 70, undefined]);
    expect(t.findGapTopDown(0, 100, 21, g)).toBe(true);
    expect([g.start, g.end, g.prev?.start, g.next?.start]).toEqual([45, 70, 40, 70]);
    expect(t.findGapTopDown(0, 90, 11, g)).toBe(true);
    expect([g.start, g.end]).toEqual([45, 70]);
    expect(t.findGapTopDown(0, 60, 11, g)).toBe(true);
    expect([g.start, g.end]).toEqual([45, 60]);
    expect(t.findGapTopDown(0, 60, 16, g)).toBe(false);
    expect([g.start, g.end, g.prev, g.next]).toEqual([-1, -1, undefined, undefined]);
    expect(t.findGapTopDown(0, 55, 10, g)).toBe(true);
    expect([g.start, g.end, g.prev?.start, g.next?.start]).toEqual([45, 55, 40, 70]);
    expect(t.findGapTopDown(0, 55, 11, g)).toBe(false);
    expect(t.findGapTopDown(0, 44, 10, g)).toBe(true);
    expect([g.start, g.end, g.prev?.start, g.next?.start]).toEqual([20, 30, 10, 30]);
    expect(t.findGapTopDown(5, 55, 10, g)).toBe(true);
    expect([g.start, g.end]).toEqual([45, 55]);
    expect(t.findGapTopDown(5, 44, 6, g)).toBe(true);
    expect([g.start, g.end]).toEqual([20, 30]);
    expect(t.findGapTopDown(5, 15, 6, g)).toBe(false);
    expect(t.findGapTopDown(5, 15, 5, g)).toBe(true);
    expect([g.start, g.end, g.prev, g.next?.start]).toEqual([5, 10, undefined, 10]);
    expect(t.findGapTopDown(0, 200, 101, g)).toBe(false);
  });

  test('bottom-up picks the lowest fitting gap, clipped', () => {
    const t = build(ranges, 0, 100);
    const g = new AreaGap<Item>();
    expect(t.findGapBottomUp(0, 100, 10, g)).toBe(true);
    expect([g.start, g.end, g.prev, g.next?.start]).toEqual([0, 10, undefined, 10]);
    expect(t.findGapBottomUp(1, 100, 10, g)).toBe(true);
    expect([g.start, g.end, g.prev?.start, g.next?.start]).toEqual([20, 30, 10, 30]);
    expect(t.findGapBottomUp(21, 100, 10, g)).toBe(true);
    expect([g.start, g.end]).toEqual([45, 70]);
    expect(t.findGapBottomUp(61, 100, 10, g)).toBe(true);
    expect([g.start, g.end, g.prev?.start, g.next]).toEqual([80, 100, 70, undefined]);
    expect(t.findGapBottomUp(61, 95, 16, g)).toBe(false);
  });

  test('empty tree: the whole window is one gap', () => {
    const t = new AreaTree<Item>({ low: 100, high: 200 });
    const g = new AreaGap<Item>();
    expect(t.findGapTopDown(0, 1000, 100, g)).toBe(true);
    expect([g.start, g.end]).toEqual([100, 200]);
    expect(t.findGapBottomUp(150, 170, 20, g)).toBe(true);
    expect([g.start, g.end]).toEqual([150, 170]);
    expect(t.findGapBottomUp(150, 170, 21, g)).toBe(false);
  });

  test('argument validation', () => {
    const t = new AreaTree<Item>();
    const g = new AreaGap<Item>();
    expect(() => t.findGapTopDown(0, 100, 0, g)).toThrow(/positive/);
    expect(() => t.findGapTopDown(-1, 100, 1, g)).toThrow(RangeError);
    expect(() => t.findGapBottomUp(0, Number.NaN, 1, g)).toThrow(RangeError);
    expect(() => t.find(-1)).toThrow(RangeError);
    expect(() => t.findFirstEndingAfter(0.5)).toThrow(RangeError);
  });
});

type Op =
  | { kind: 'insert'; start: number; len: number }
  | { kind: 'insertAfter'; pick: number; gap: number; len: number }
  | { kind: 'split'; pick: number; at: number }
  | { kind: 'remove'; pick: number }
  | { kind: 'bounds'; pick: number; ds: number; de: number }
  | { kind: 'gap'; lo: number; hi: number; len: number; topDown: boolean }
  | { kind: 'probe'; addr: number };

const LOW = 16;
const HIGH = 2000;

// One step on both the tree and the reference; throws when they disagree.
function apply(
  tree: AreaTree<Item>,
  ref: NaiveAreas<Item>,
  op: Op,
  nextId: { value: number },
): void {
  const gap = new AreaGap<Item>();
  switch (op.kind) {
    case 'insert': {
      const item = new Item(op.start, op.start + op.len, nextId.value++);
      if (ref.canPlace(item.start, item.end)) {
        tree.insert(item);
        ref.insert(item.start, item.end, item);
      } else {
        expect(() => tree.insert(item)).toThrow(RangeError);
      }
      break;
    }
    case 'insertAfter': {
      if (ref.list.length === 0) return;
      const i = op.pick % ref.list.length;
      const anchor = ref.list[i].item;
      const start = anchor.end + op.gap;
      const item = new Item(start, start + op.len, nextId.value++);
      const nextStart = i + 1 < ref.list.length ? ref.list[i + 1].start : ref.high;
      if (ref.canPlace(item.start, item.end) && item.end <= nextStart) {
        tree.insertAfter(anchor, item);
        ref.insert(item.start, item.end, item);
      } else {
        expect(() => tree.insertAfter(anchor, item)).toThrow(RangeError);
      }
      break;
    }
    case 'split': {
      if (ref.list.length === 0) return;
      const item = ref.list[op.pick % ref.list.length].item;
      const at = item.start + op.at;
      const upper = new Item(0, 0, nextId.value++);
      if (at > item.start && at < item.end) {
        const end = item.end;
        tree.split(item, at, upper);
        ref.setBounds(item, item.start, at);
        ref.insert(at, end, upper);
      } else {
        const before = [item.start, item.end];
        expect(() => tree.split(item, at, upper)).toThrow(RangeError);
        expect([item.start, item.end]).toEqual(before);
      }
      break;
    }
    case 'remove': {
      if (ref.list.length === 0) return;
      const item = ref.list[op.pick % ref.list.length].item;
      tree.remove(item);
      ref.remove(item);
      break;
    }
    case 'bounds': {
      if (ref.list.length === 0) return;
      const item = ref.list[op.pick % ref.list.length].item;
      const s = item.start + op.ds;
      const e = item.end + op.de;
      if (s >= 0 && e >= 0 && ref.canPlace(s, e, item)) {
        const i = ref.list.findIndex((a) => a.item === item);
        const prevEnd = i > 0 ? ref.list[i - 1].end : ref.low;
        const nextStart = i + 1 < ref.list.length ? ref.list[i + 1].start : ref.high;
        if (s >= prevEnd && e <= nextStart) {
          if (op.de === 0) tree.setStart(item, s);
          else if (op.ds === 0) tree.setEnd(item, e);
          else tree.setBounds(item, s, e);
          ref.setBounds(item, s, e);
          break;
        }
      }
      const before = [item.start, item.end];
      expect(() => tree.setBounds(item, s, e)).toThrow(RangeError);
      expect([item.start, item.end]).toEqual(before);
      break;
    }
    case 'gap': {
      const want = ref.searchGap(op.lo, op.hi, op.len, op.topDown);
      const found = op.topDown
        ? tree.findGapTopDown(op.lo, op.hi, op.len, gap)
        : tree.findGapBottomUp(op.lo, op.hi, op.len, gap);
      if (want === undefined) {
        expect(found).toBe(false);
      } else {
        expect(found).toBe(true);
        expect({ start: gap.start, end: gap.end, prev: gap.prev, next: gap.next }).toEqual(want);
      }
      break;
    }
    case 'probe': {
      expect(tree.find(op.addr)).toBe(ref.find(op.addr));
      expect(tree.findFirstEndingAfter(op.addr)).toBe(ref.firstEndingAfter(op.addr));
      expect(tree.findLastStartingBefore(op.addr)).toBe(ref.lastStartingBefore(op.addr));
      break;
    }
  }
}

function checkSame(tree: AreaTree<Item>, ref: NaiveAreas<Item>): void {
  tree.checkInvariants();
  expect(tree.size).toBe(ref.list.length);
  expect([...tree]).toEqual(ref.list.map((a) => a.item));
  for (const a of ref.list) expect([a.item.start, a.item.end]).toEqual([a.start, a.end]);
}

function randomOp(rng: Mulberry32): Op {
  const r = rng.rand(100);
  if (r < 25) return { kind: 'insert', start: rng.rand(HIGH + 10), len: 1 + rng.rand(40) };
  if (r < 35) {
    return { kind: 'insertAfter', pick: rng.rand(1 << 30), gap: rng.rand(6), len: 1 + rng.rand(6) };
  }
  if (r < 45) return { kind: 'remove', pick: rng.rand(1 << 30) };
  if (r < 55) return { kind: 'split', pick: rng.rand(1 << 30), at: rng.rand(12) };
  if (r < 75) {
    const ds = rng.rand(3) === 0 ? 0 : rng.rand(21) - 10;
    const de = rng.rand(3) === 0 ? 0 : rng.rand(21) - 10;
    return { kind: 'bounds', pick: rng.rand(1 << 30), ds, de };
  }
  if (r < 95) {
    const lo = rng.rand(HIGH + 50);
    return {
      kind: 'gap',
      lo,
      hi: lo + rng.rand(HIGH),
      len: 1 + rng.rand(rng.rand(2) ? 8 : 120),
      topDown: rng.rand(2) === 0,
    };
  }
  return { kind: 'probe', addr: rng.rand(HIGH + 20) };
}

// `op` with its addresses, lengths and offsets multiplied by `s`.
function scaleOp(op: Op, s: number): Op {
  switch (op.kind) {
    case 'insert':
      return { ...op, start: op.start * s, len: op.len * s };
    case 'insertAfter':
      return { ...op, gap: op.gap * s, len: op.len * s };
    case 'split':
      return { ...op, at: op.at * s };
    case 'bounds':
      return { ...op, ds: op.ds * s, de: op.de * s };
    case 'gap':
      return { ...op, lo: op.lo * s, hi: op.hi * s, len: op.len * s };
    case 'probe':
      return { ...op, addr: op.addr * s };
    default:
      return op;
  }
}

// A tree and its reference laid out as (free, used) runs from 0 in [0, high).
function layOut(
  pieces: [number, number][],
  high: number,
  nodeCapacity: number,
): { tree: AreaTree<Item>; ref: NaiveAreas<Item> } {
  const tree = new AreaTree<Item>({ low: 0, high, nodeCapacity });
  const ref = new NaiveAreas<Item>(0, high);
  let cursor = 0;
  pieces.forEach(([free, used], i) => {
    const s = cursor + free;
    const item = new Item(s, s + used, i);
    tree.insert(item);
    ref.insert(s, s + used, item);
    cursor = s + used;
  });
  return { tree, ref };
}

// The tree's gap search answers what a linear scan of the reference does.
function expectSameGap(
  tree: AreaTree<Item>,
  ref: NaiveAreas<Item>,
  lo: number,
  hi: number,
  len: number,
  topDown: boolean,
): void {
  const g = new AreaGap<Item>();
  const found = topDown
    ? tree.findGapTopDown(lo, hi, len, g)
    : tree.findGapBottomUp(lo, hi, len, g);
  const want = ref.searchGap(lo, hi, len, topDown);
  expect(found).toBe(want !== undefined);
  if (want !== undefined) {
    expect({ start: g.start, end: g.end, prev: g.prev, next: g.next }).toEqual(want);
  }
}

describe('AreaTree against a naive reference', () => {
  // Tiny capacities give deep trees out of a few dozen areas, so that leaf and
  // inner-node splits, merges, borrows and root changes all happen often.
  test.each([
    [1, 4],
    [2, 4],
    [3, 4],
    [4, 5],
    [5, 5],
    [6, 32],
    [7, 32],
    [8, 32],
  ])('seeded random sequence, seed %i, node capacity %i', (seed, nodeCapacity) => {
    const rng = new Mulberry32(seed);
    const tree = new AreaTree<Item>({ low: LOW, high: HIGH, nodeCapacity });
    const ref = new NaiveAreas<Item>(LOW, HIGH);
    const ids = { value: 0 };
    for (let step = 0; step < 3000; step++) {
      apply(tree, ref, randomOp(rng), ids);
      checkSame(tree, ref);
    }
    // Leak check: removing everything leaves an empty, consistent tree.
    for (const a of [...ref.list]) {
      tree.remove(a.item);
      ref.remove(a.item);
    }
    checkSame(tree, ref);
    expect(tree.first()).toBeUndefined();
  });

  // The same sequences with every address and length times 4096: areas then
  // spread over many of the hint table's blocks (16 KiB), whose entries go
  // stale as leaves split, merge, are freed and reused; lookups at random
  // addresses after each step check that no stale entry is trusted.
  test.each([
    [9, 4],
    [10, 16],
  ])('seeded random sequence at page scale, seed %i, node capacity %i', (seed, nodeCapacity) => {
    const S = 4096;
    const rng = new Mulberry32(seed);
    const tree = new AreaTree<Item>({ low: LOW * S, high: HIGH * S, nodeCapacity });
    const ref = new NaiveAreas<Item>(LOW * S, HIGH * S);
    const ids = { value: 0 };
    for (let step = 0; step < 1000; step++) {
      apply(tree, ref, scaleOp(randomOp(rng), S), ids);
      for (let j = 0; j < 4; j++) {
        apply(tree, ref, { kind: 'probe', addr: rng.rand((HIGH + 20) * S) }, ids);
      }
      checkSame(tree, ref);
    }
  });

  test('fast-check: any operation sequence agrees with the reference', () => {
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant('insert' as const),
        start: fc.integer({ min: 0, max: 300 }),
        len: fc.integer({ min: 0, max: 30 }),
      }),
      fc.record({
        kind: fc.constant('insertAfter' as const),
        pick: fc.nat(),
        gap: fc.integer({ min: 0, max: 5 }),
        len: fc.integer({ min: 0, max: 8 }),
      }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
      fc.record({
        kind: fc.constant('split' as const),
        pick: fc.nat(),
        at: fc.integer({ min: 0, max: 12 }),
      }),
      fc.record({
        kind: fc.constant('bounds' as const),
        pick: fc.nat(),
        ds: fc.integer({ min: -8, max: 8 }),
        de: fc.integer({ min: -8, max: 8 }),
      }),
      fc.record({
        kind: fc.constant('gap' as const),
        lo: fc.integer({ min: 0, max: 300 }),
        hi: fc.integer({ min: 0, max: 300 }),
        len: fc.integer({ min: 1, max: 60 }),
        topDown: fc.boolean(),
      }),
      fc.record({ kind: fc.constant('probe' as const), addr: fc.integer({ min: 0, max: 300 }) }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), fc.constantFrom(4, 5, 32), (ops, cap) => {
        const tree = new AreaTree<Item>({ low: LOW, high: 280, nodeCapacity: cap });
        const ref = new NaiveAreas<Item>(LOW, 280);
        const ids = { value: 0 };
        for (const op of ops) {
          apply(tree, ref, op, ids);
          checkSame(tree, ref);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('fast-check: gap search equals a linear scan on arbitrary layouts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 50 })), {
          maxLength: 60,
        }),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 1, max: 200 }),
        fc.boolean(),
        fc.constantFrom(4, 5, 32),
        (pieces, lo, hi, len, topDown, nodeCapacity) => {
          const { tree, ref } = layOut(pieces, 3000, nodeCapacity);
          expectSameGap(tree, ref, lo, hi, len, topDown);
        },
      ),
      { numRuns: 500 },
    );
  });
  // Stored max gaps are upper bounds (a shrinking gap leaves them high): a
  // search must look past a subtree whose stored maximum is stale, and
  // tighten it on the way, with the same answers as a linear scan.
  test('fast-check: gap search after gaps shrank (stale maxima) equals a linear scan', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 20 })), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 20 })), {
          maxLength: 40,
        }),
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 5000 }),
            fc.integer({ min: 0, max: 5000 }),
            fc.integer({ min: 1, max: 80 }),
            fc.boolean(),
          ),
          { minLength: 1, maxLength: 8 },
        ),
        fc.constantFrom(4, 5, 32),
        (pieces, fills, searches, nodeCapacity) => {
          const { tree, ref } = layOut(pieces, 5000, nodeCapacity);
          // Shrink gaps: put an area inside a gap (at an offset into it), or
          // grow an area over part of the gap above it.
          fills.forEach(([pick, offset, len], i) => {
            const items = [...tree];
            const a = items[pick % items.length]!;
            const next = tree.next(a);
            const room = (next === undefined ? tree.high : next.start) - a.end;
            if (room <= 0) return;
            if (i % 2 === 0) {
              const s = a.end + (offset % room);
              const e = Math.min(s + len, a.end + room);
              const item = new Item(s, e, 1000 + i);
              tree.insert(item);
              ref.insert(s, e, item);
            } else {
              const e = a.end + 1 + (offset % room);
              tree.setEnd(a, e);
              ref.setBounds(a, a.start, e);
            }
          });
          tree.checkInvariants();
          for (const [lo, hi, len, topDown] of searches) {
            expectSameGap(tree, ref, lo, hi, len, topDown);
            tree.checkInvariants();
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test('a search misled by a stale maximum tightens it', () => {
    type Guts = { _rootMaxGap: number };
    // One leaf: the gap [100, 1000) is the largest (900), then filled up to 990.
    const t = build(
      [
        [0, 100],
        [1000, 1100],
      ],
      0,
      2000,
    );
    const g = new AreaGap<Item>();
    t.setEnd(t.first()!, 990);
    expect((t as unknown as Guts)._rootMaxGap).toBe(900);
    // Below the tail gap: only the (now 10) gap could serve; none does.
    expect(t.findGapTopDown(0, 1000, 50, g)).toBe(false);
    expect((t as unknown as Guts)._rootMaxGap).toBe(10);
    t.checkInvariants();
    // The same in a tree of several levels: every gap is 10, but for one
    // that grew to 110 (a removal) and shrank back (an insertion).
    const deep = new AreaTree<Item>({ low: 0, high: 1_000_000, nodeCapacity: 4 });
    for (let i = 0; i < 200; i++) deep.insert(new Item(i * 100, i * 100 + 90, i));
    deep.remove(deep.find(10_000)!);
    expect((deep as unknown as Guts)._rootMaxGap).toBe(110);
    deep.insert(new Item(10_000, 10_090, -1));
    expect((deep as unknown as Guts)._rootMaxGap).toBe(110);
    expect(deep.findGapBottomUp(0, 19_999, 11, g)).toBe(false);
    expect((deep as unknown as Guts)._rootMaxGap).toBe(10);
    deep.checkInvariants();
    expect(deep.findGapTopDown(0, 19_999, 10, g)).toBe(true);
    expect([g.start, g.end]).toEqual([19_890, 19_900]);
    expect(deep.findGapTopDown(0, 30_000, 11, g)).toBe(true);
    expect([g.start, g.end]).toEqual([19_990, 30_000]);
    expect((deep as unknown as Guts)._rootMaxGap).toBe(10);
  });
});

describe('AreaTree at scale', () => {
  test('90,000 nodes stay balanced; large addresses; gap searches agree', () => {
    const base = 2 ** 40;
    const page = 4096;
    const n = 90_000;
    const tree = new AreaTree<Item>();
    const rng = new Mulberry32(42);
    // Insert in a scrambled order: slot i*7919 mod n.
    const items: Item[] = [];
    for (let i = 0; i < n; i++) {
      const slot = (i * 7919) % n;
      const s = base + slot * 16 * page;
      const item = new Item(s, s + (1 + rng.rand(8)) * page, slot);
      tree.insert(item);
      items[slot] = item;
    }
    tree.checkInvariants();
    expect(tree.size).toBe(n);
    // B-tree height bound: non-root leaves and inner nodes are at least a
    // quarter full (8 of 32) and the root has 2 children, so there are at most
    // n / 8 leaves and 2 * 8^(height - 1) <= n / 8.
    const height = (tree as unknown as { _height: number })._height;
    expect(height).toBeGreaterThan(1);
    expect(height).toBeLessThanOrEqual(1 + Math.floor(Math.log(n / 16) / Math.log(8)));
    // Carve one 40-page hole in the middle by removing two neighbours.
    tree.remove(items[50_000]);
    tree.remove(items[50_001]);
    tree.checkInvariants();
    const g = new AreaGap<Item>();
    expect(tree.findGapBottomUp(base, 2 ** 47, 17 * page, g)).toBe(true);
    expect(g.prev).toBe(items[49_999]);
    expect(g.next).toBe(items[50_002]);
    expect(tree.findGapTopDown(0, base + 60_000 * 16 * page, 17 * page, g)).toBe(true);
    expect(g.prev).toBe(items[49_999]);
    for (const item of items.slice(0, 40_000)) tree.remove(item);
    tree.checkInvariants();
    expect(tree.size).toBe(n - 40_002);
  });

  test('more than 65,535 leaves: lookups stay right where 16-bit hint entries alias', () => {
    // Capacity 4 and ascending inserts: leaves of 2 to 4 items, so 200,000
    // items take more than 65,535 leaves, and the hint entries of the later
    // ones (ids taken mod 2^16) name earlier leaves, which must fail the test.
    const page = 4096;
    const n = 200_000;
    const tree = new AreaTree<Item>({ nodeCapacity: 4 });
    const items: Item[] = [];
    for (let i = 0; i < n; i++) {
      const item = new Item(2 * i * page, (2 * i + 1) * page, i);
      tree.insert(item);
      items.push(item);
    }
    expect((tree as unknown as { _leafTop: number })._leafTop).toBeGreaterThan(65_536);
    const rng = new Mulberry32(7);
    for (let j = 0; j < 200_000; j++) {
      // Random addresses, and runs near one address (descents fill the hint
      // entries around it, which the next lookups then use).
      const i = j % 4 === 0 ? rng.rand(n) : Math.min(n - 1, (j * 37) % n);
      const inside = rng.rand(2) === 0;
      const addr = inside ? 2 * i * page + rng.rand(page) : (2 * i + 1) * page + rng.rand(page);
      expect(tree.find(addr)).toBe(inside ? items[i] : undefined);
      expect(tree.findFirstEndingAfter(addr)).toBe(inside ? items[i] : items[i + 1]);
    }
    tree.checkInvariants();
  });
});
