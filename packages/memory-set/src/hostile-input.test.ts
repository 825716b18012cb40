// Hostile arguments for every export of the package (issue #6): NaN, infinities,
// -1, -0, fractions, 2^53 and above, strings and bigints where numbers go,
// unaligned and empty ranges, ranges past the window, alignments that are not
// powers of two, nodes of another tree or of none, areas already in a set,
// option bags and callbacks of the wrong shape, backends that fail half way.
// Each call must either answer correctly or throw a TypeError/RangeError raised
// on purpose (never an engine error such as a property read on undefined), and a
// call that fails (thrown, or a `{ ok: false }` result) leaves the tree or set,
// and the backend behind it, exactly as they were.
//
// Correct answers: the tree against NaiveAreas (a sorted array scanned
// linearly, in test-support); the set against the list of its areas before the
// call (page by page at the range edges) and against its backend, whose pages
// must always hold exactly the areas' flags.
//
// Documented exceptions: an object or callback parameter given a non-object (a
// number where a node goes, null for an options bag, 5 as `visit`) may fail with
// the engine's TypeError, and a primitive options bag reads as an empty one.
// `next`/`prev` of a node in no tree or another tree throw RangeError.
// Known: the backends allocate per page mapped, so they are called directly with
// small ranges only.
//
// Inputs tried (seed 9001): 17,273 calls. 8 single-call properties (failure,
// AreaNode, AreaGap, MemoryArea, the two backends', AreaTree's and MemorySet's
// constructors) x 400 runs = 3,200, and 800 call sequences of up to 40 calls
// (AreaTree, MemorySet over a failing backend, InMemoryBackend and
// PageTableBackend called directly; 200 runs each) = 14,073 calls.

import { PageTable } from '@vmem/page-table-x86_64';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as pkg from './index.js';
import {
  AreaGap,
  AreaNode,
  AreaTree,
  failure,
  InMemoryBackend,
  type MappingBackend,
  MemoryArea,
  MemorySet,
  PageTableBackend,
  type Result,
} from './index.js';
import { FailingBackend } from './test-support/failing-backend.js';
import { NaiveAreas } from './test-support/naive-areas.js';

const RUNS = 400;
const SEQUENCE_RUNS = 200;
const SEED = 9001;

// ------------------------------------------------------------------ outcomes

// Messages of errors the engine raises by itself (a property read on undefined, a
// BigInt mixed into arithmetic, a runaway recursion): a TypeError or RangeError with
// one of these escaped validation instead of being thrown on purpose.
const ENGINE_ERROR =
  /Cannot (read|set) propert|Cannot convert|Cannot mix BigInt|Cannot use 'in'|Cannot destructure|is not a function|is not iterable|is not a constructor|is not callable|Maximum call stack|Invalid (typed )?array length|Invalid string length|Array buffer allocation|cannot be converted to a BigInt|Division by zero|Offset is outside|should be a multiple of|radix must be|Reduce of empty array/;

type Outcome =
  | { readonly threw: false; readonly value: unknown }
  | { readonly threw: true; readonly error: unknown };

/**
 * Runs `call`. A throw must be a deliberate TypeError or RangeError, or (with
 * `wrongType`: an object parameter got a non-object) any TypeError.
 */
function attempt(
  what: string,
  call: () => unknown,
  options: { wrongType?: boolean } = {},
): Outcome {
  try {
    return { threw: false, value: call() };
  } catch (error) {
    const typed = error instanceof TypeError || error instanceof RangeError;
    const ok =
      (typed && !ENGINE_ERROR.test((error as Error).message)) ||
      (options.wrongType === true && error instanceof TypeError);
    if (!ok) {
      throw new Error(`${what} threw an undocumented ${describeError(error)}`, { cause: error });
    }
    return { threw: true, error };
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
}

function show(args: readonly unknown[]): string {
  return args
    .map((a) => {
      if (typeof a === 'bigint') return `${a}n`;
      if (typeof a === 'function') return 'fn';
      if (a instanceof AreaNode) return `node[0x${a.start.toString(16)}, 0x${a.end.toString(16)})`;
      if (typeof a === 'number')
        return Number.isInteger(a) && a > 4096 ? `0x${a.toString(16)}` : String(a);
      try {
        return typeof a === 'object' && a !== null ? JSON.stringify(a) : String(a);
      } catch {
        return Object.prototype.toString.call(a);
      }
    })
    .join(', ');
}

/** Public methods of T; `_`-prefixed members are the package's internals (`@internal`). */
type Methods<T> = {
  [K in keyof T]-?: K extends `_${string}`
    ? never
    : T[K] extends (...args: never[]) => unknown
      ? K
      : never;
}[keyof T];

function expectThrew(out: Outcome, expected: boolean, what: string): void {
  expect(
    out.threw,
    `${what}: ${out.threw ? 'threw on valid input' : 'accepted invalid input'}`,
  ).toBe(expected);
}

// ---------------------------------------------------------------- arbitraries

const P = 4096;
const NOT_NUMBERS: readonly unknown[] = [
  '4096',
  '0x1000',
  '',
  null,
  undefined,
  true,
  {},
  [],
  4096n,
];
const badNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -1,
    -P,
    0.5,
    P + 0.5,
    2 ** 53,
    2 ** 64,
  ),
  fc.constantFrom(...NOT_NUMBERS),
);
/** An address: page aligned near the fixtures' areas, unaligned, huge, or not one. */
const addrArg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 80 }).map((n) => 0x10000 + n * P) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 0x10001, 2 ** 47 - P, 2 ** 47, 2 ** 53 - 1, -0) },
  { weight: 2, arbitrary: badNumber },
);
/**
 * An address for the backends called directly: never a valid range of more than a
 * few MiB, since both allocate per page mapped (InMemoryBackend a chunk per 2 MiB,
 * PageTable.mapRegion plans every table first: see the page-table package's todo).
 */
const smallAddrArg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 80 }).map((n) => 0x10000 + n * P) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 0x10001, 2 ** 53 - 1, 2 ** 53, -0) },
  { weight: 2, arbitrary: badNumber },
);
const sizeArg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 24 }).map((n) => n * P) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, P - 1, P + 1, 2 ** 47, 2 ** 53 - 1) },
  { weight: 2, arbitrary: badNumber },
);
const flagsArg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(1, 3, 5, 7) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(Number.NaN, '3', undefined, 3n, -1, 0.5, 2 ** 60),
  },
);

// ------------------------------------------------------------------ reference

const isNat = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
/**
 * This package reads option bags with plain property access: a primitive reads as
 * an empty bag (accepted), null fails with the engine's TypeError.
 */
const bagOk = (v: unknown): boolean => v !== null;
const field = (o: unknown, key: string): unknown =>
  (o as Record<string, unknown> | undefined)?.[key];
const isPow2 = (v: unknown): v is number =>
  isNat(v) && v > 0 && (BigInt(v) & (BigInt(v) - 1n)) === 0n;
const flagsOk = (f: unknown): f is number => typeof f === 'number' && !Number.isNaN(f);

// --------------------------------------------------------------------- table

const CONSTANT = 'constant';
const SEQUENCE = 'sequence';

interface Case {
  readonly args: fc.Arbitrary<readonly unknown[]>;
  readonly valid?: (args: readonly unknown[]) => boolean;
  readonly check?: (result: unknown, args: readonly unknown[]) => void;
  readonly wrongType?: (args: readonly unknown[]) => boolean;
  readonly total?: boolean;
}

const backendArg: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  'backend',
  'backend',
  undefined,
  null,
  {},
);

/** Every runtime export of index.ts: a constant, a single-call case, or a sequence test. */
const EXPORTS = {
  DEFAULT_TREE_HIGH: CONSTANT,
  OK: CONSTANT,
  AreaTree: SEQUENCE,
  MemorySet: SEQUENCE,
  failure: {
    args: fc.tuple(fc.oneof(fc.constantFrom('ENOMEM', 'EEXIST', 'EFAULT'), fc.string(), badNumber)),
    valid: ([e]) => typeof e === 'string' && e.length > 0,
    check: (r, [e]) => {
      expect(r).toEqual({ ok: false, errno: e });
      expect(Object.isFrozen(r)).toBe(true);
      expect(failure(e as string)).toBe(r);
    },
  },
  AreaNode: {
    args: fc.tuple(addrArg, addrArg),
    valid: ([s, e]) => isNat(s) && isNat(e) && s <= e,
    check: (r, [s, e]) => expect([(r as AreaNode).start, (r as AreaNode).end]).toEqual([s, e]),
  },
  AreaGap: {
    args: fc.tuple(fc.anything()),
    total: true,
    check: (r) => expect([(r as AreaGap).start, (r as AreaGap).end]).toEqual([-1, -1]),
  },
  MemoryArea: {
    args: fc.tuple(addrArg, addrArg, flagsArg, backendArg),
    valid: ([s, e, f]) => isNat(s) && isNat(e) && s <= e && flagsOk(f),
    check: (r, [s, e, f]) => {
      const a = r as MemoryArea;
      expect([a.start, a.end, a.flags, a.size]).toEqual([s, e, f, (e as number) - (s as number)]);
    },
  },
  InMemoryBackend: {
    args: fc.tuple(
      fc.oneof(
        fc.constant(undefined),
        fc.record(
          {
            pageSize: fc.oneof(
              fc.integer({ min: 0, max: 16 }).map((k) => 2 ** k),
              fc.constantFrom(0, 3, 4095),
              badNumber,
            ),
            record: fc.constantFrom<unknown>(true, false, 1, undefined),
          },
          { requiredKeys: [] },
        ),
        fc.constantFrom<unknown>(null, 5),
      ),
    ),
    valid: ([o]) => bagOk(o) && isPow2(field(o, 'pageSize') ?? P),
    check: (r, [o]) => expect((r as InMemoryBackend).pageSize).toBe(field(o, 'pageSize') ?? P),
    wrongType: ([o]) => o === null,
  },
  PageTableBackend: {
    args: fc.tuple(
      fc.constantFrom<unknown>('table', 'table', 'table', undefined, null, {}, { mapRegion: 5 }),
      fc.oneof(
        fc.constant(undefined),
        fc.record(
          {
            paOffset: fc.oneof(
              fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
              fc.constantFrom(-(2 ** 53), 2 ** 53),
              badNumber,
            ),
            maxPageSize: fc.constantFrom<unknown>(
              undefined,
              P,
              0x20_0000,
              0x4000_0000,
              8192,
              0,
              '4096',
              null,
            ),
          },
          { requiredKeys: [] },
        ),
        fc.constantFrom<unknown>(null, 5),
      ),
    ),
    valid: ([t, o]) => {
      if (t !== 'table' || !bagOk(o)) return false;
      const off = field(o, 'paOffset') ?? 0;
      const max = field(o, 'maxPageSize') ?? P;
      return (
        typeof off === 'number' &&
        Number.isSafeInteger(off) &&
        (max === P || max === 0x20_0000 || max === 0x4000_0000)
      );
    },
    check: (r, [, o]) => {
      const b = r as PageTableBackend;
      expect([b.paOffset, b.maxPageSize]).toEqual([
        field(o, 'paOffset') ?? 0,
        field(o, 'maxPageSize') ?? P,
      ]);
    },
    wrongType: ([t, o]) => t !== 'table' || o === null,
  },
} satisfies Record<keyof typeof pkg, Case | typeof CONSTANT | typeof SEQUENCE>;

let tried = 0;

function resolveSingle(arg: unknown): unknown {
  if (arg === 'backend') return new InMemoryBackend();
  if (arg === 'table') return newTable();
  return arg;
}

function newTable(): PageTable {
  const frames = new Map<number, Uint32Array>();
  let next = 0x100;
  const free: number[] = [];
  return new PageTable({
    memory: {
      frameWords(pfn: number): Uint32Array {
        let f = frames.get(pfn);
        if (f === undefined) frames.set(pfn, (f = new Uint32Array(1024)));
        return f;
      },
    },
    frames: { allocate: () => free.pop() ?? next++, free: (pfn: number) => void free.push(pfn) },
  });
}

describe('hostile input to every export', () => {
  test('every runtime export of index.ts has an entry in the table', () => {
    expect(Object.keys(pkg).sort()).toEqual(Object.keys(EXPORTS).sort());
  });

  for (const [name, entry] of Object.entries(EXPORTS)) {
    if (typeof entry !== 'object') continue;
    const c: Case = entry;
    const value = (pkg as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
    const isClass = /^class\b/.test(Function.prototype.toString.call(value));
    test(name, () => {
      fc.assert(
        fc.property(c.args, (raw) => {
          tried++;
          const args = raw.map(resolveSingle);
          const what = `${name}(${show(raw)})`;
          const call = () =>
            isClass
              ? new (value as unknown as new (...a: unknown[]) => unknown)(...args)
              : value(...args);
          if (c.total) {
            c.check?.(call(), raw);
            return;
          }
          const out = attempt(what, call, { wrongType: c.wrongType?.(raw) ?? false });
          if (c.valid !== undefined) expectThrew(out, !c.valid(raw), what);
          if (!out.threw) c.check?.(out.value, raw);
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });
  }
});

// --------------------------------------------------------------- AreaTree

/** A node argument: one of the fixture's nodes (in this tree, detached, in another tree) or not a node. */
type NodeArg = { readonly node: number } | { readonly raw: unknown };
const nodeArg: fc.Arbitrary<NodeArg> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 11 }).map((node) => ({ node })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<unknown>(undefined, null, 5, {}, { start: 0, end: 1 })
      .map((raw) => ({ raw })),
  },
);

interface TreeFixture {
  readonly tree: AreaTree<AreaNode>;
  readonly other: AreaTree<AreaNode>;
  readonly nodes: AreaNode[];
  readonly model: NaiveAreas<AreaNode>;
}

interface TreeCall {
  readonly args: fc.Arbitrary<readonly unknown[]>;
  /** Expected outcome from the model; `undefined` validity means "not checked" (next/prev). */
  readonly model: (
    f: TreeFixture,
    args: readonly unknown[],
  ) => { valid?: boolean; check?: (r: unknown) => void };
  /** Parameters that must be nodes (so a non-node may fail with the engine's TypeError). */
  readonly nodes?: readonly number[];
  readonly generator?: boolean;
}

const member = (f: TreeFixture, n: unknown): n is AreaNode =>
  n instanceof AreaNode && f.model.list.some((a) => a.item === n);
const detached = (f: TreeFixture, n: unknown): n is AreaNode =>
  n instanceof AreaNode && !member(f, n) && !f.other.has(n);
const expectNode = (r: unknown, n: AreaNode | undefined): void => expect(r).toBe(n);
const neighbours = (f: TreeFixture, n: AreaNode): [AreaNode | undefined, AreaNode | undefined] => {
  const i = f.model.list.findIndex((a) => a.item === n);
  return [f.model.list[i - 1]?.item, f.model.list[i + 1]?.item];
};
/** Where `n` may move without meeting a neighbour or leaving the window. */
const room = (f: TreeFixture, n: AreaNode): [number, number] => {
  const i = f.model.list.findIndex((a) => a.item === n);
  return [f.model.list[i - 1]?.end ?? f.model.low, f.model.list[i + 1]?.start ?? f.model.high];
};

const TREE_CALLS: { readonly [K in Methods<AreaTree<AreaNode>>]: TreeCall } = {
  first: {
    args: fc.tuple(),
    model: (f) => ({ valid: true, check: (r) => expectNode(r, f.model.list[0]?.item) }),
  },
  last: {
    args: fc.tuple(),
    model: (f) => ({ valid: true, check: (r) => expectNode(r, f.model.list.at(-1)?.item) }),
  },
  prev: {
    args: fc.tuple(nodeArg),
    nodes: [0],
    model: (f, [n]) =>
      member(f, n)
        ? { valid: true, check: (r) => expectNode(r, neighbours(f, n)[0]) }
        : n instanceof AreaNode
          ? { valid: false }
          : {},
  },
  next: {
    args: fc.tuple(nodeArg),
    nodes: [0],
    model: (f, [n]) =>
      member(f, n)
        ? { valid: true, check: (r) => expectNode(r, neighbours(f, n)[1]) }
        : n instanceof AreaNode
          ? { valid: false }
          : {},
  },
  has: {
    args: fc.tuple(nodeArg),
    nodes: [0],
    model: (f, [n]) =>
      n instanceof AreaNode ? { valid: true, check: (r) => expect(r).toBe(member(f, n)) } : {},
  },
  find: {
    args: fc.tuple(addrArg),
    model: (f, [a]) =>
      isNat(a) ? { valid: true, check: (r) => expectNode(r, f.model.find(a)) } : { valid: false },
  },
  findFirstEndingAfter: {
    args: fc.tuple(addrArg),
    model: (f, [a]) =>
      isNat(a)
        ? { valid: true, check: (r) => expectNode(r, f.model.firstEndingAfter(a)) }
        : { valid: false },
  },
  findLastStartingBefore: {
    args: fc.tuple(addrArg),
    model: (f, [a]) =>
      isNat(a)
        ? { valid: true, check: (r) => expectNode(r, f.model.lastStartingBefore(a)) }
        : { valid: false },
  },
  findFirstOverlapping: {
    args: fc.tuple(addrArg, addrArg),
    model: (f, [s, e]) =>
      isNat(s) && isNat(e)
        ? {
            valid: true,
            check: (r) => expectNode(r, f.model.list.find((a) => a.end > s && a.start < e)?.item),
          }
        : { valid: false },
  },
  overlapping: {
    args: fc.tuple(addrArg, addrArg),
    generator: true,
    model: (f, [s, e]) =>
      isNat(s) && isNat(e)
        ? {
            valid: true,
            check: (r) =>
              expect(r).toEqual(
                f.model.list.filter((a) => a.end > s && a.start < e).map((a) => a.item),
              ),
          }
        : { valid: false },
  },
  forEachOverlapping: {
    args: fc.tuple(addrArg, addrArg, fc.constantFrom<unknown>('collect', 'collect', 'stop', 5)),
    model: (f, [s, e, visit]) => {
      if (!(isNat(s) && isNat(e))) return { valid: false };
      const hits = f.model.list.filter((a) => a.end > s && a.start < e).map((a) => a.item);
      // A visit that is not a function is only noticed when there is a node to visit.
      if (typeof visit !== 'function')
        return hits.length === 0 ? { valid: true } : { valid: false };
      return { valid: true };
    },
  },
  insert: {
    args: fc.tuple(nodeArg),
    nodes: [0],
    model: (f, [n]) => {
      if (!(n instanceof AreaNode)) return {};
      if (!detached(f, n) || !f.model.canPlace(n.start, n.end)) return { valid: false };
      return { valid: true, check: () => f.model.insert(n.start, n.end, n) };
    },
  },
  insertAfter: {
    args: fc.tuple(nodeArg, nodeArg),
    nodes: [0, 1],
    model: (f, [anchor, n]) => {
      if (!(anchor instanceof AreaNode) || !(n instanceof AreaNode)) return {};
      if (!member(f, anchor) || !detached(f, n) || !f.model.canPlace(n.start, n.end))
        return { valid: false };
      // It must go right after the anchor: no node between them.
      const next = neighbours(f, anchor)[1];
      if (!(anchor.end <= n.start && (next === undefined || n.end <= next.start)))
        return { valid: false };
      return { valid: true, check: () => f.model.insert(n.start, n.end, n) };
    },
  },
  split: {
    args: fc.tuple(nodeArg, addrArg, nodeArg),
    nodes: [0, 2],
    model: (f, [n, at, upper]) => {
      if (!(n instanceof AreaNode) || !(upper instanceof AreaNode)) return {};
      if (!member(f, n) || !detached(f, upper) || upper === n) return { valid: false };
      if (!(isNat(at) && n.start < at && at < n.end)) return { valid: false };
      const end = n.end;
      return {
        valid: true,
        check: () => {
          f.model.setBounds(n, n.start, at);
          f.model.insert(at, end, upper);
        },
      };
    },
  },
  remove: {
    args: fc.tuple(nodeArg),
    nodes: [0],
    model: (f, [n]) => {
      if (!(n instanceof AreaNode)) return {};
      return member(f, n) ? { valid: true, check: () => f.model.remove(n) } : { valid: false };
    },
  },
  clear: {
    args: fc.tuple(),
    model: (f) => ({ valid: true, check: () => void f.model.list.splice(0) }),
  },
  setStart: {
    args: fc.tuple(nodeArg, addrArg),
    nodes: [0],
    model: (f, [n, s]) => (n instanceof AreaNode ? boundsModel(f, n, s, n.end) : {}),
  },
  setEnd: {
    args: fc.tuple(nodeArg, addrArg),
    nodes: [0],
    model: (f, [n, e]) => (n instanceof AreaNode ? boundsModel(f, n, n.start, e) : {}),
  },
  setBounds: {
    args: fc.tuple(nodeArg, addrArg, addrArg),
    nodes: [0],
    model: (f, [n, s, e]) => (n instanceof AreaNode ? boundsModel(f, n, s, e) : {}),
  },
  findGapTopDown: {
    args: fc.tuple(
      addrArg,
      addrArg,
      sizeArg,
      fc.constantFrom<unknown>('gap', 'gap', undefined, {}),
    ),
    nodes: [3],
    model: (f, args) => gapModel(f, args, true),
  },
  findGapBottomUp: {
    args: fc.tuple(
      addrArg,
      addrArg,
      sizeArg,
      fc.constantFrom<unknown>('gap', 'gap', undefined, {}),
    ),
    nodes: [3],
    model: (f, args) => gapModel(f, args, false),
  },
  checkInvariants: { args: fc.tuple(), model: () => ({ valid: true }) },
  [Symbol.iterator]: {
    args: fc.tuple(),
    generator: true,
    model: (f) => ({
      valid: true,
      check: (r) => expect(r).toEqual(f.model.list.map((a) => a.item)),
    }),
  },
};

function boundsModel(f: TreeFixture, n: AreaNode, s: unknown, e: unknown) {
  if (!isNat(s) || !isNat(e)) return { valid: false };
  if (f.other.has(n)) return { valid: false };
  if (!member(f, n)) {
    // A node in no tree is just checked and updated.
    return s <= e ? { valid: true } : { valid: false };
  }
  const [floor, ceiling] = room(f, n);
  if (!(s < e && s >= floor && e <= ceiling)) return { valid: false };
  return { valid: true, check: () => f.model.setBounds(n, s, e) };
}

function gapModel(f: TreeFixture, [lo, hi, len, out]: readonly unknown[], topDown: boolean) {
  if (!isNat(lo) || !isNat(hi) || !isNat(len) || len === 0) return { valid: false };
  if (!(out instanceof AreaGap)) return {};
  const want = f.model.searchGap(
    Math.max(lo, f.model.low),
    Math.min(hi, f.model.high),
    len,
    topDown,
  );
  return {
    valid: true,
    check: (r: unknown) => {
      expect(r).toBe(want !== undefined);
      expect([out.start, out.end, out.prev, out.next]).toEqual(
        want === undefined
          ? [-1, -1, undefined, undefined]
          : [want.start, want.end, want.prev, want.next],
      );
    },
  };
}

function treeSnapshot(f: TreeFixture): string {
  return JSON.stringify(
    [...f.tree]
      .map((n) => [n.start, n.end, f.nodes.indexOf(n)])
      .concat(f.nodes.map((n) => [n.start, n.end])),
  );
}

describe('AreaTree', () => {
  test('constructor: options of any shape', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constant(undefined),
          fc.record(
            {
              low: fc.oneof(fc.constantFrom(0, P, 2 ** 47), addrArg),
              high: fc.oneof(fc.constantFrom(2 ** 47, 2 ** 53 - 1, P), addrArg),
              verifyMembership: fc.constantFrom<unknown>(true, false, undefined, 0),
            },
            { requiredKeys: [] },
          ),
          fc.constantFrom<unknown>(null, 5),
        ),
        (o) => {
          tried++;
          const low = field(o, 'low') ?? 0;
          const high = field(o, 'high') ?? 2 ** 47;
          const valid = bagOk(o) && isNat(low) && isNat(high) && low < high;
          const out = attempt(`new AreaTree(${show([o])})`, () => new AreaTree(o as never), {
            wrongType: o === null,
          });
          expectThrew(out, !valid, `new AreaTree(${show([o])})`);
          if (!out.threw)
            expect([(out.value as AreaTree).low, (out.value as AreaTree).high]).toEqual([
              low,
              high,
            ]);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });

  test('every method answers like NaiveAreas or throws, and a failure changes nothing', () => {
    const seen = new Set<string>();
    const names = Reflect.ownKeys(TREE_CALLS) as (keyof typeof TREE_CALLS)[];
    const calls = fc.oneof(
      ...names.map((name) =>
        TREE_CALLS[name].args.map((args): [keyof typeof TREE_CALLS, readonly unknown[]] => [
          name,
          args,
        ]),
      ),
    );
    fc.assert(
      fc.property(
        // Node bounds: page-aligned areas near 0x10000 (some empty, some overlapping).
        fc.array(
          fc
            .tuple(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 8 }))
            .map(([p, n]) => [0x10000 + p * P, 0x10000 + (p + n) * P] as const),
          { minLength: 12, maxLength: 12 },
        ),
        fc.array(fc.integer({ min: 0, max: 11 }), { maxLength: 8 }),
        fc.array(calls, { minLength: 1, maxLength: 40, size: 'max' }),
        (bounds, initial, sequence) => {
          const low = 0x10000;
          const high = 0x10000 + 90 * P;
          const tree = new AreaTree<AreaNode>({ low, high });
          const other = new AreaTree<AreaNode>({ low, high });
          const nodes = bounds.map(([s, e]) => new AreaNode(s, e));
          const model = new NaiveAreas<AreaNode>(low, high);
          // Node 11 lives in the other tree (made non-empty); the rest may start in this one.
          if (nodes[11].start === nodes[11].end)
            nodes[11] = new AreaNode(nodes[11].start, nodes[11].start + P);
          other.insert(nodes[11]);
          for (const i of initial) {
            const n = nodes[i];
            if (
              i !== 11 &&
              !model.list.some((a) => a.item === n) &&
              model.canPlace(n.start, n.end)
            ) {
              tree.insert(n);
              model.insert(n.start, n.end, n);
            }
          }
          const f: TreeFixture = { tree, other, nodes, model };
          for (const [name, raw] of sequence) {
            tried++;
            seen.add(String(name));
            const c = TREE_CALLS[name];
            const args = raw.map((a) => {
              if (a === 'gap') return new AreaGap();
              if (typeof a === 'object' && a !== null && 'node' in a)
                return nodes[(a as { node: number }).node];
              if (typeof a === 'object' && a !== null && 'raw' in a)
                return (a as { raw: unknown }).raw;
              return a;
            });
            if (name === 'forEachOverlapping') {
              const v = args[2];
              args[2] = v === 'collect' ? () => undefined : v === 'stop' ? () => false : v;
            }
            const what = `tree.${String(name)}(${show(args)})`;
            const expected = c.model(f, args);
            const before = treeSnapshot(f);
            const wrongType =
              (c.nodes ?? []).some(
                (i) => !(args[i] instanceof AreaNode || args[i] instanceof AreaGap),
              ) ||
              // A callback that is not a function fails as JS does when it is called.
              (name === 'forEachOverlapping' && typeof args[2] !== 'function');
            const method = (tree as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>)[
              name
            ];
            const out = attempt(
              what,
              () => {
                const r = method.apply(tree, args);
                return c.generator ? [...(r as Iterable<unknown>)] : r;
              },
              { wrongType },
            );
            if (expected.valid !== undefined) expectThrew(out, !expected.valid, what);
            if (!out.threw) expected.check?.(out.value);
            if (out.threw) expect(treeSnapshot(f), what).toBe(before);
            tree.checkInvariants();
            expect([...tree]).toEqual(model.list.map((a) => a.item));
            for (const a of model.list)
              expect([a.item.start, a.item.end]).toEqual([a.start, a.end]);
          }
        },
      ),
      { numRuns: SEQUENCE_RUNS, seed: SEED },
    );
    expect([...seen].sort()).toEqual(names.map(String).sort());
  });
});

// -------------------------------------------------------------- MemorySet

type AnySet = MemorySet<number, MappingBackend<number>>;
type AnyArea = MemoryArea<number, MappingBackend<number>>;

interface SetFixture {
  readonly set: AnySet;
  readonly backend: FailingBackend;
  /** Areas as [start, end, flags], in order (what the set held before the call). */
  readonly areas: Array<[number, number, number]>;
  readonly granule: number;
}

interface SetCall {
  readonly args: fc.Arbitrary<readonly unknown[]>;
  readonly check: (
    f: SetFixture,
    args: readonly unknown[],
    out: Outcome,
    after: Array<[number, number, number]>,
  ) => void;
  readonly generator?: boolean;
  readonly nodes?: readonly number[];
}

const areaArg: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 0, max: 12 }),
        fc.constantFrom(1, 3, 5),
      )
      .map(([p, n, fl]) => ({ area: [0x10000 + p * P, 0x10000 + (p + n) * P, fl] })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(0x10001, 0, 2 ** 47 - P, 2 ** 47), fc.integer({ min: 0, max: 4 }))
      .map(([s, n]) => ({ area: [s, s + n * P, 3] })),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('member', 'member') },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null, 5, {}) },
);
const updateArg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(1, 3, 5, 7) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>('fn-or', 'fn-keep', 'fn-bad') },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(Number.NaN, '3', undefined, null, 3n) },
);
const freeOptionsArg: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        length: fc.oneof(sizeArg, fc.constantFrom(P, 2 * P, 8 * P)),
        low: fc.oneof(fc.constant(undefined), addrArg),
        high: fc.oneof(fc.constant(undefined), addrArg),
        align: fc.oneof(
          fc.constantFrom(undefined, P, 2 * P, 16 * P, 2 ** 40, 2 ** 52),
          fc.constantFrom(3 * P, 0, P / 2),
          badNumber,
        ),
        alignOffset: fc.oneof(fc.constantFrom(undefined, 0, P, 3 * P), badNumber),
        topDown: fc.constantFrom<unknown>(true, false, undefined, 1),
        guardGap: fc.constantFrom<unknown>(undefined, 'guard', 'guard', 'bad-guard', {}),
      },
      { requiredKeys: ['length'] },
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null, 5) },
);

/** Pages of the areas as page -> flags. */
function pagesOf(areas: ReadonlyArray<readonly [number, number, number]>): Map<number, number> {
  const m = new Map<number, number>();
  for (const [s, e, fl] of areas) for (let a = s; a < e; a += P) m.set(a, fl);
  return m;
}
function areasOf(set: AnySet): Array<[number, number, number]> {
  return [...set].map((a) => [a.start, a.end, a.flags]);
}
const rangeOk = (f: SetFixture, s: unknown, n: unknown): boolean =>
  isNat(s) &&
  isNat(n) &&
  n > 0 &&
  s % f.granule === 0 &&
  n % f.granule === 0 &&
  s >= f.set.low &&
  s + n <= f.set.high;

/** The page map after a successful call must be `expected(page, old)` for every page. */
function expectPages(
  before: ReadonlyArray<readonly [number, number, number]>,
  after: ReadonlyArray<readonly [number, number, number]>,
  expected: (page: number, old: number | undefined) => number | undefined,
  what: string,
): void {
  const b = pagesOf(before);
  const a = pagesOf(after);
  const pages = new Set([...b.keys(), ...a.keys()]);
  for (const p of pages) {
    const want = expected(p, b.get(p));
    if (a.get(p) !== want) {
      expect.fail(`${what}: page 0x${p.toString(16)} has ${a.get(p)}, expected ${want}`);
    }
  }
}

const EEXIST = failure('EEXIST');

const SET_CALLS: { readonly [K in Methods<AnySet>]: SetCall } = {
  find: {
    args: fc.tuple(addrArg),
    check: (f, [a], out) => {
      expectThrew(out, !isNat(a), 'find');
      if (!out.threw) {
        const hit = f.areas.find(([s, e]) => s <= (a as number) && (a as number) < e);
        const r = out.value as AnyArea | undefined;
        expect(r === undefined ? undefined : [r.start, r.end, r.flags]).toEqual(hit);
      }
    },
  },
  findFirstEndingAfter: {
    args: fc.tuple(addrArg),
    check: (f, [a], out) => {
      expectThrew(out, !isNat(a), 'findFirstEndingAfter');
      if (!out.threw) {
        const hit = f.areas.find(([, e]) => e > (a as number));
        const r = out.value as AnyArea | undefined;
        expect(r === undefined ? undefined : [r.start, r.end, r.flags]).toEqual(hit);
      }
    },
  },
  first: {
    args: fc.tuple(),
    check: (f, _a, out) => expect((out as { value?: AnyArea }).value?.start).toBe(f.areas[0]?.[0]),
  },
  last: {
    args: fc.tuple(),
    check: (f, _a, out) =>
      expect((out as { value?: AnyArea }).value?.start).toBe(f.areas.at(-1)?.[0]),
  },
  // 'member' is the set's first area (null when there is none).
  next: {
    args: fc.tuple(fc.constantFrom<unknown>('member', 'member', 'detached', 5)),
    nodes: [0],
    check: (f, [a], out) => {
      if (a === 'detached') expectThrew(out, true, 'next of a detached area');
      if (a !== 'member' || f.areas.length === 0) return;
      expectThrew(out, false, 'next');
      expect((out as { value?: AnyArea }).value?.start).toBe(f.areas[1]?.[0]);
    },
  },
  prev: {
    args: fc.tuple(fc.constantFrom<unknown>('member', 'member', 'detached', 5)),
    nodes: [0],
    check: (f, [a], out) => {
      if (a === 'detached') expectThrew(out, true, 'prev of a detached area');
      if (a !== 'member' || f.areas.length === 0) return;
      expectThrew(out, false, 'prev');
      expect((out as { value?: AnyArea }).value).toBe(undefined);
    },
  },
  [Symbol.iterator]: {
    args: fc.tuple(),
    generator: true,
    check: (f, _a, out) =>
      expect((out as { value: AnyArea[] }).value.map((a) => a.start)).toEqual(
        f.areas.map((a) => a[0]),
      ),
  },
  overlapping: {
    args: fc.tuple(addrArg, addrArg),
    generator: true,
    check: (f, [s, e], out) => {
      expectThrew(out, !(isNat(s) && isNat(e)), 'overlapping');
      if (!out.threw) {
        const want = f.areas
          .filter(([as, ae]) => ae > (s as number) && as < (e as number))
          .map((a) => a[0]);
        expect((out.value as AnyArea[]).map((a) => a.start)).toEqual(want);
      }
    },
  },
  map: {
    args: fc.tuple(
      areaArg,
      fc.constantFrom<unknown>(
        undefined,
        { replace: true },
        { replace: false },
        { replace: 1 },
        null,
      ),
    ),
    nodes: [0],
    check: (f, [spec, options], out, after) => {
      const what = `map(${show([spec, options])})`;
      if (typeof spec !== 'object' || spec === null || !('area' in spec)) {
        // An area already in the set, or not an area.
        expectThrew(out, true, what);
        return;
      }
      const [s, e, fl] = (spec as { area: [number, number, number] }).area;
      expectThrew(out, !rangeOk(f, s, e - s), what);
      if (out.threw) return;
      const r = out.value as Result;
      const overlaps = f.areas.some(([as, ae]) => as < e && s < ae);
      const replace = (options as { replace?: unknown } | null | undefined)?.replace === true;
      if (overlaps && !replace) return void expect(r, what).toBe(EEXIST);
      if (!r.ok) return; // a backend failure: checked unchanged by the caller
      expectPages(f.areas, after, (p, old) => (p >= s && p < e ? fl : old), what);
    },
  },
  unmap: {
    args: fc.tuple(addrArg, sizeArg),
    check: (f, [s, n], out, after) => {
      const what = `unmap(${show([s, n])})`;
      expectThrew(out, !rangeOk(f, s, n), what);
      if (out.threw || !(out.value as Result).ok) return;
      const start = s as number;
      const end = start + (n as number);
      expectPages(f.areas, after, (p, old) => (p >= start && p < end ? undefined : old), what);
    },
  },
  protect: {
    args: fc.tuple(addrArg, sizeArg, updateArg),
    check: (f, [s, n, update], out, after) => {
      const what = `protect(${show([s, n, update])})`;
      const touched =
        rangeOk(f, s, n) &&
        f.areas.some(([as, ae]) => as < (s as number) + (n as number) && (s as number) < ae);
      // The update is checked up front, on a range without areas too; a function's
      // answers only when it is called (on the areas the range touches).
      const updateOk =
        (typeof update === 'number' && !Number.isNaN(update)) ||
        update === 'fn-or' ||
        update === 'fn-keep' ||
        // undefined, like a function answering undefined, leaves every area alone.
        update === undefined ||
        (update === 'fn-bad' && !touched);
      expectThrew(out, !(rangeOk(f, s, n) && updateOk), what);
      if (out.threw || !(out.value as Result).ok) return;
      const start = s as number;
      const end = start + (n as number);
      const next = (old: number) =>
        update === 'fn-or'
          ? old | 4
          : update === 'fn-keep' || update === undefined
            ? old
            : (update as number);
      expectPages(
        f.areas,
        after,
        (p, old) => (old !== undefined && p >= start && p < end ? next(old) : old),
        what,
      );
    },
  },
  clear: {
    args: fc.tuple(),
    check: (_f, _a, out, after) => {
      expectThrew(out, false, 'clear');
      if ((out as { value: Result }).value.ok) expect(after).toEqual([]);
    },
  },
  findFreeArea: {
    args: fc.tuple(freeOptionsArg),
    check: (f, [o], out) => freeAreaCheck(f, o, out),
  },
  checkInvariants: {
    args: fc.tuple(),
    check: (_f, _a, out) => expectThrew(out, false, 'checkInvariants'),
  },
};

/** Guard gaps of the fixtures: one page below every area with flags 5, two above flags 3. */
const GUARD = {
  before: (a: AnyArea) => (a.flags === 5 ? P : 0),
  after: (a: AnyArea) => (a.flags === 3 ? 2 * P : 0),
};

function freeAreaCheck(f: SetFixture, o: unknown, out: Outcome): void {
  const what = `findFreeArea(${show([o])})`;
  if (typeof o !== 'object' || o === null) {
    expectThrew(out, true, what);
    return;
  }
  const g = f.granule;
  const length = field(o, 'length');
  const align = field(o, 'align') ?? g;
  const alignOffset = field(o, 'alignOffset') ?? 0;
  const lo = field(o, 'low') ?? f.set.low;
  const hi = field(o, 'high') ?? f.set.high;
  const guard = field(o, 'guardGap');
  const aligned = (v: unknown) => isNat(v) && v % g === 0;
  const valid =
    aligned(length) &&
    (length as number) > 0 &&
    isPow2(align) &&
    (align as number) >= g &&
    aligned(alignOffset) &&
    aligned(lo) &&
    aligned(hi) &&
    (guard === undefined || guard === 'guard');
  if (!valid) {
    // A guard object without functions is only noticed when a neighbour is looked at.
    if (guard !== undefined && guard !== 'guard' && !out.threw) return;
    expectThrew(out, true, what);
    return;
  }
  expectThrew(out, false, what);
  if (out.threw) return;
  const r = out.value as number | undefined;
  const len = length as number;
  if (r === undefined) {
    // Nothing found: without guards that means no gap in [lo, hi) holds the
    // length plus the worst alignment loss.
    if (guard === undefined) {
      const need = len + (align as number) - g;
      const model = new NaiveAreas<number>(f.set.low, f.set.high);
      for (const [s, e] of f.areas) model.insert(s, e, s);
      const l = Math.max(lo as number, f.set.low);
      const h = Math.min(hi as number, f.set.high);
      expect(
        Number.isSafeInteger(need) && model.searchGap(l, h, need, false) !== undefined,
        what,
      ).toBe(false);
    }
    return;
  }
  // Found: aligned as asked, inside the limits and the window, free, clear of guards.
  expect(
    (((r - (alignOffset as number)) % (align as number)) + (align as number)) % (align as number),
    what,
  ).toBe(0);
  expect(
    r >= Math.max(lo as number, f.set.low) && r + len <= Math.min(hi as number, f.set.high),
    what,
  ).toBe(true);
  for (const [s, e, fl] of f.areas) {
    expect(s < r + len && r < e, `${what} -> 0x${r.toString(16)} overlaps an area`).toBe(false);
    if (guard === 'guard') {
      const below = fl === 5 ? P : 0;
      const above = fl === 3 ? 2 * P : 0;
      expect(
        s - below < r + len && r < e + above,
        `${what} -> 0x${r.toString(16)} meets a guard`,
      ).toBe(false);
    }
  }
}

describe('MemorySet', () => {
  test('constructor: options of any shape', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constant(undefined),
          fc.record(
            {
              low: fc.oneof(fc.constantFrom(0, P, 0x10000), addrArg),
              high: fc.oneof(fc.constantFrom(2 ** 47, 0x20000), addrArg),
              granule: fc.oneof(
                fc.integer({ min: 0, max: 20 }).map((k) => 2 ** k),
                fc.constantFrom(0, 3, 6144),
                badNumber,
              ),
              merge: fc.constantFrom<unknown>(true, false, undefined, 1),
            },
            { requiredKeys: [] },
          ),
          fc.constantFrom<unknown>(null, 5),
        ),
        (o) => {
          tried++;
          const granule = field(o, 'granule') ?? P;
          const low = field(o, 'low') ?? 0;
          const high = field(o, 'high') ?? 2 ** 47;
          const aligned = (v: unknown) => isNat(v) && v % (granule as number) === 0;
          const valid =
            bagOk(o) &&
            isPow2(granule) &&
            aligned(low) &&
            aligned(high) &&
            (low as number) < (high as number);
          const what = `new MemorySet(${show([o])})`;
          const out = attempt(what, () => new MemorySet(o as never), { wrongType: o === null });
          expectThrew(out, !valid, what);
          if (!out.threw) {
            const s = out.value as AnySet;
            expect([s.low, s.high, s.granule, s.merging]).toEqual([
              low,
              high,
              granule,
              field(o, 'merge') === true,
            ]);
          }
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });

  test('every method answers against the areas before the call or fails whole, backend included', () => {
    const seen = new Set<string>();
    const names = Reflect.ownKeys(SET_CALLS) as (keyof typeof SET_CALLS)[];
    const calls = fc.oneof(
      ...names.map((name) =>
        SET_CALLS[name].args.map((args): [keyof typeof SET_CALLS, readonly unknown[]] => [
          name,
          args,
        ]),
      ),
      // Mostly maps first, so that there are areas to unmap, protect and search around.
      SET_CALLS.map.args.map((args): [keyof typeof SET_CALLS, readonly unknown[]] => ['map', args]),
      SET_CALLS.map.args.map((args): [keyof typeof SET_CALLS, readonly unknown[]] => ['map', args]),
    );
    const failPlan = fc.option(
      fc.tuple(
        fc.constantFrom('map', 'unmap', 'protect', 'canSplit') as fc.Arbitrary<
          'map' | 'unmap' | 'protect' | 'canSplit'
        >,
        fc.integer({ min: 1, max: 6 }),
      ),
    );
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.tuple(calls, failPlan), { minLength: 1, maxLength: 40, size: 'max' }),
        (merge, sequence) => {
          const backend = new FailingBackend();
          const set: AnySet = new MemorySet({ low: 0x10000, high: 0x10000 + 100 * P, merge });
          const f: SetFixture = { set, backend, areas: [], granule: P };
          for (const [[name, raw], plan] of sequence) {
            tried++;
            seen.add(String(name));
            if (plan !== null) backend.failOn(plan[0], plan[1], 'ENOMEM');
            const c = SET_CALLS[name];
            const member = f.set.first();
            const args = raw.map((a) => {
              if (a === 'member') return member ?? null;
              if (a === 'detached') return new MemoryArea(0x10000, 0x11000, 1, backend);
              if (typeof a === 'object' && a !== null && 'area' in a) {
                const [s, e, fl] = (a as { area: [number, number, number] }).area;
                return new MemoryArea(s, e, fl, backend as MappingBackend<number>);
              }
              if (a === 'guard') return GUARD;
              if (a === 'fn-or') return (fl: number) => fl | 4;
              if (a === 'fn-keep') return () => undefined;
              if (a === 'fn-bad') return () => 'x';
              if (typeof a === 'object' && a !== null && 'guardGap' in a) {
                const o = { ...(a as Record<string, unknown>) };
                o.guardGap =
                  o.guardGap === 'guard'
                    ? GUARD
                    : o.guardGap === 'bad-guard'
                      ? { before: 5, after: 5 }
                      : o.guardGap;
                return o;
              }
              return a;
            });
            const what = `${String(name)}(${show(args)})`;
            const areasBefore = areasOf(set);
            const pagesBefore = [...backend.mapped()].sort((x, y) => x[0] - y[0]);
            const wrongType =
              (c.nodes ?? []).some((i) => !(args[i] instanceof MemoryArea)) ||
              (name === 'findFreeArea' && (typeof args[0] !== 'object' || args[0] === null)) ||
              (name === 'findFreeArea' &&
                typeof args[0] === 'object' &&
                args[0] !== null &&
                (args[0] as { guardGap?: unknown }).guardGap !== undefined &&
                (args[0] as { guardGap?: unknown }).guardGap !== GUARD) ||
              (name === 'protect' && raw[2] === 'fn-bad');
            const method = (set as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>)[
              name
            ];
            const out = attempt(
              what,
              () => {
                const r = method.apply(set, args);
                return c.generator ? [...(r as Iterable<unknown>)] : r;
              },
              { wrongType },
            );
            const after = areasOf(set);
            c.check({ ...f, areas: areasBefore }, raw, out, after);
            if (
              out.threw ||
              (typeof out.value === 'object' &&
                out.value !== null &&
                (out.value as Result).ok === false)
            ) {
              // A failure changes nothing: the areas and every page of the backend.
              expect(after, what).toEqual(areasBefore);
              expect(
                [...backend.mapped()].sort((x, y) => x[0] - y[0]),
                what,
              ).toEqual(pagesBefore);
            }
            // Drop an unfired failure plan so it does not hit a later call.
            backend.failOn('map', 1_000_000, 'ENOMEM');
            backend.failOn('unmap', 1_000_000, 'ENOMEM');
            backend.failOn('protect', 1_000_000, 'ENOMEM');
            backend.failOn('canSplit', 1_000_000, 'ENOMEM');
            set.checkInvariants();
            // The backend holds exactly the areas' pages with their flags.
            const pages = pagesOf(after);
            expect(backend.mappedPages, what).toBe(pages.size);
            for (const [p, fl] of pages)
              if (backend.flagsAt(p) !== fl)
                expect.fail(`${what}: backend page 0x${p.toString(16)}`);
          }
        },
      ),
      { numRuns: SEQUENCE_RUNS, seed: SEED },
    );
    expect([...seen].sort()).toEqual(names.map(String).sort());
  });
});

// -------------------------------------------------------------- backends

describe('backends called directly', () => {
  type InMemoryMethod = Methods<InMemoryBackend<number>>;
  type TableMethod = Methods<PageTableBackend>;

  test('InMemoryBackend: every call keeps the page count and the page map consistent', () => {
    const CALLS: { readonly [K in InMemoryMethod]: fc.Arbitrary<readonly unknown[]> } = {
      flagsAt: fc.tuple(smallAddrArg),
      mapped: fc.tuple(),
      map: fc.tuple(smallAddrArg, smallAddrArg, flagsArg),
      unmap: fc.tuple(smallAddrArg, smallAddrArg, flagsArg),
      protect: fc.tuple(smallAddrArg, smallAddrArg, flagsArg, flagsArg),
      canSplit: fc.tuple(smallAddrArg, smallAddrArg, smallAddrArg, flagsArg),
      split: fc.tuple(smallAddrArg, smallAddrArg, smallAddrArg, flagsArg),
      shrink: fc.tuple(smallAddrArg, smallAddrArg, smallAddrArg, smallAddrArg, flagsArg),
      merge: fc.tuple(
        smallAddrArg,
        smallAddrArg,
        smallAddrArg,
        flagsArg,
        fc.constantFrom<unknown>('self', undefined, {}),
      ),
    };
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            ...Object.entries(CALLS).map(([n, a]) =>
              a.map((args): [string, readonly unknown[]] => [n, args]),
            ),
          ),
          { minLength: 1, maxLength: 40, size: 'max' },
        ),
        (sequence) => {
          const b = new InMemoryBackend<number>({ record: true });
          const model = new Map<number, number>();
          for (const [name, raw] of sequence) {
            tried++;
            seen.add(name);
            const args = raw.map((a) => (a === 'self' ? b : a));
            const what = `backend.${name}(${show(args)})`;
            const before = JSON.stringify([...model]);
            const out = attempt(what, () => {
              const r = (b as unknown as Record<string, (...a: unknown[]) => unknown>)[name].apply(
                b,
                args,
              );
              return name === 'mapped' ? [...(r as Iterable<unknown>)] : r;
            });
            const pagesOk = (s: unknown, e: unknown) =>
              isNat(s) && isNat(e) && s % P === 0 && e % P === 0 && s <= e;
            const [s, e] = args as number[];
            const all = (want: number | undefined) => {
              for (let p = s; p < e; p += P) if (model.get(p) !== want) return false;
              return true;
            };
            if (name === 'map' || name === 'unmap' || name === 'protect') {
              const flagsValid =
                name === 'unmap' ? true : flagsOk(args[name === 'protect' ? 3 : 2]);
              expectThrew(out, !(pagesOk(s, e) && flagsValid), what);
              if (!out.threw && (out.value as Result).ok) {
                for (let p = s; p < e; p += P) {
                  if (name === 'unmap') model.delete(p);
                  else model.set(p, args[name === 'protect' ? 3 : 2] as number);
                }
              } else if (!out.threw) {
                // Refused: EEXIST for a mapped page, EFAULT for pages not holding the stated flags.
                expect(
                  name === 'map' ? !all(undefined) : !(flagsOk(args[2]) && all(args[2] as number)),
                  what,
                ).toBe(true);
              }
            }
            if (name === 'flagsAt') {
              expectThrew(out, !isNat(args[0]), what);
              if (!out.threw)
                expect(out.value, what).toBe(model.get(Math.floor((args[0] as number) / P) * P));
            }
            if (out.threw) expect(JSON.stringify([...model]), what).toBe(before);
            expect(b.mappedPages, what).toBe(model.size);
          }
        },
      ),
      { numRuns: SEQUENCE_RUNS, seed: SEED },
    );
    expect([...seen].sort()).toEqual(Object.keys(CALLS).sort());
  });

  test('PageTableBackend: calls answer as the page table does, and failures change nothing', () => {
    const CALLS: { readonly [K in TableMethod]: fc.Arbitrary<readonly unknown[]> } = {
      map: fc.tuple(smallAddrArg, smallAddrArg, fc.oneof(fc.constantFrom(1, 3, 7), flagsArg)),
      unmap: fc.tuple(smallAddrArg, smallAddrArg, flagsArg),
      protect: fc.tuple(
        smallAddrArg,
        smallAddrArg,
        flagsArg,
        fc.oneof(fc.constantFrom(1, 3, 7), flagsArg),
      ),
      merge: fc.tuple(
        smallAddrArg,
        smallAddrArg,
        smallAddrArg,
        flagsArg,
        fc.constantFrom<unknown>('self', 'twin', 'other'),
      ),
    };
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.constantFrom(0, P, -0x10000, 2 ** 40),
        fc.array(
          fc.oneof(
            ...Object.entries(CALLS).map(([n, a]) =>
              a.map((args): [string, readonly unknown[]] => [n, args]),
            ),
          ),
          { minLength: 1, maxLength: 30, size: 'max' },
        ),
        (paOffset, sequence) => {
          const table = newTable();
          const b = new PageTableBackend(table, { paOffset });
          const twin = new PageTableBackend(table, { paOffset });
          const other = new PageTableBackend(newTable(), { paOffset });
          for (const [name, raw] of sequence) {
            tried++;
            seen.add(name);
            const args = raw.map((a) =>
              a === 'self' ? b : a === 'twin' ? twin : a === 'other' ? other : a,
            );
            const what = `pageTableBackend(${paOffset}).${name}(${show(args)})`;
            const before = tableState(table);
            const out = attempt(what, () =>
              (b as unknown as Record<string, (...a: unknown[]) => unknown>)[name].apply(b, args),
            );
            const [s, e] = args as number[];
            const regionOk =
              isNat(s) && isNat(e) && s % P === 0 && e % P === 0 && s < e && e <= 2 ** 48;
            if (name === 'map') {
              const pa = isNat(s) ? s + paOffset : Number.NaN;
              const f = args[2];
              const valid =
                regionOk &&
                isNat(pa) &&
                typeof f === 'number' &&
                Number.isInteger(f) &&
                f >= 0 &&
                f < 2 ** 24 &&
                !(pa === 0 && f === 0) &&
                pa + (e - s) <= 2 ** 52;
              expectThrew(out, !valid, what);
            }
            if (name === 'unmap') expectThrew(out, !regionOk, what);
            if (name === 'protect') {
              const f = args[3];
              const flagsValid =
                typeof f === 'number' && Number.isInteger(f) && f >= 0 && f < 2 ** 24;
              expectThrew(out, !(regionOk && flagsValid), what);
            }
            if (name === 'merge') {
              expectThrew(out, false, what);
              expect(out.threw ? undefined : out.value, what).toBe(raw[4] !== 'other');
            }
            if (
              out.threw ||
              (typeof out.value === 'object' &&
                out.value !== null &&
                (out.value as Result).ok === false)
            ) {
              expect(tableState(table), what).toBe(before);
            }
            table.checkInvariants();
          }
          table.destroy();
        },
      ),
      { numRuns: SEQUENCE_RUNS, seed: SEED },
    );
    expect([...seen].sort()).toEqual(Object.keys(CALLS).sort());
  });
});

/** Leaves and table count of a page table (cheaper than its dump, which formats every entry). */
function tableState(table: PageTable): string {
  return JSON.stringify([table.tableCount, [...table.mappings()]]);
}

test('inputs tried', () => {
  // 8 single-call properties x 400 runs, plus every call of the sequences.
  expect(tried).toBeGreaterThan(15_000);
});
