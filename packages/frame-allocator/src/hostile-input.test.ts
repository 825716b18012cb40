// Hostile arguments for every export of the package (issue #6): NaN, infinities,
// -1, -0, fractions, 2^53 and above, strings and bigints where numbers go, pfns
// just outside the managed range, counts past the end, alignments that are not
// powers of two, option bags of the wrong shape. Each call must either answer
// correctly (checked against a model kept here: which frames are allocated and
// with how many references, the bytes of memory) or throw a TypeError/RangeError
// raised on purpose; OUT_OF_MEMORY and every thrown error leave the object as it
// was. The documented exception is kept: an object parameter given a non-object
// may fail with the engine's own TypeError (the wrong-type error).
// `FrameHandle.keep()` on a handle that no longer owns its frame throws TypeError.
//
// Inputs tried (seed 7001): 10 single-call properties (the three allocator
// constructors, RefCountedFrameAllocator, FrameHandle, allocateHandle,
// isOutOfMemory, isLittleEndianHost, PhysicalMemory, keep/dispose orders) x 500
// runs = 5,000, and 900 call sequences (allocators, ref-counted allocators,
// physical memory; 300 runs each) of up to 40 calls = 18,108 calls: 23,108 in all.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as pkg from './index.js';
import {
  allocateHandle,
  BitmapFrameAllocator,
  BuddyFrameAllocator,
  type FrameAllocator,
  type FrameHandle,
  isOutOfMemory,
  MAX_FRAMES,
  OUT_OF_MEMORY,
  PFN_LIMIT,
  PhysicalMemory,
  RefCountedFrameAllocator,
  StackFrameAllocator,
} from './index.js';

const RUNS = 500;
const SEQUENCE_RUNS = 300;
const SEED = 7001;

// ------------------------------------------------------------------ outcomes

// Messages of errors the engine raises by itself (a property read on undefined, a
// BigInt mixed into arithmetic, a runaway recursion): a TypeError or RangeError with
// one of these escaped validation instead of being thrown on purpose.
const ENGINE_ERROR =
  /Cannot (read|set) propert|Cannot convert|Cannot mix BigInt|Cannot use 'in'|Cannot destructure|is not a function|is not iterable|is not a constructor|is not callable|Maximum call stack|Invalid (typed )?array length|Invalid string length|Array buffer allocation|cannot be converted to a BigInt|Division by zero|Offset is outside|should be a multiple of|radix must be|Reduce of empty array/;

type Outcome = { readonly threw: false; readonly value: unknown } | { readonly threw: true };

/**
 * Runs `call`. A throw must be a deliberate TypeError or RangeError, or (with
 * `wrongType`: an object parameter got a non-object) any TypeError, or (with
 * `documented`) the error class the documentation names for that case.
 */
function attempt(
  what: string,
  call: () => unknown,
  options: { wrongType?: boolean; documented?: ErrorConstructor } = {},
): Outcome {
  try {
    return { threw: false, value: call() };
  } catch (error) {
    const typed = error instanceof TypeError || error instanceof RangeError;
    const ok =
      (typed && !ENGINE_ERROR.test((error as Error).message)) ||
      (options.wrongType === true && error instanceof TypeError) ||
      (options.documented !== undefined && error instanceof options.documented);
    if (!ok) {
      throw new Error(`${what} threw an undocumented ${describeError(error)}`, { cause: error });
    }
    return { threw: true };
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
}

function show(args: readonly unknown[]): string {
  return args
    .map((a) => {
      if (typeof a === 'bigint') return `${a}n`;
      if (a instanceof Uint8Array) return `Uint8Array(${a.length})`;
      try {
        return typeof a === 'object' && a !== null ? JSON.stringify(a) : String(a);
      } catch {
        return Object.prototype.toString.call(a);
      }
    })
    .join(', ');
}

type Methods<T> = {
  [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T];

// ---------------------------------------------------------------- arbitraries

const NOT_NUMBERS: readonly unknown[] = ['4', '0x10', '', null, undefined, true, {}, [], [4], 4n];

/** A number that is never valid where a count, pfn or address goes. */
const badNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -1,
    0.5,
    2 ** 53,
    2 ** 64,
    -(2 ** 31),
  ),
  fc.constantFrom(...NOT_NUMBERS),
);

/** An integer near `[lo, hi]` (a little outside too), or a bad number. */
function near(lo: number, hi: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: lo, max: hi }) },
    { weight: 2, arbitrary: fc.constantFrom(lo - 1, hi + 1, lo + 0.5, -0, 2 ** 32 + lo) },
    { weight: 2, arbitrary: badNumber },
  );
}

/** Where an options bag goes: absent, not an object, or with any fields. */
function anyOptions(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 5, 'x') },
    { weight: 4, arbitrary: fc.record(fields, { requiredKeys: [] }) },
  );
}

const anyAlign: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 9 }).map((k) => 2 ** k) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 31, 2 ** 32, 2 ** 40, 2 ** 52, 2 ** 53, 0, 3, 6) },
  { weight: 1, arbitrary: badNumber },
);

// ------------------------------------------------------------------ reference

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isBag = (v: unknown): boolean => v === undefined || (typeof v === 'object' && v !== null);
const field = (o: unknown, key: string): unknown =>
  (o as Record<string, unknown> | undefined)?.[key];
const isPow2 = (v: unknown): boolean =>
  isInt(v) && v >= 1 && v <= 2 ** 52 && (BigInt(v) & (BigInt(v) - 1n)) === 0n;

/** `{ frames, base? }` as the documentation states it; the resolved base, or undefined. */
function validRange(options: unknown): { base: number; frames: number } | undefined {
  if (typeof options !== 'object' || options === null) return undefined;
  const frames = field(options, 'frames');
  const base = field(options, 'base') ?? 0;
  if (!isInt(frames) || frames < 1 || frames > MAX_FRAMES) return undefined;
  if (!isInt(base) || base < 0 || base > PFN_LIMIT - frames) return undefined;
  return { base, frames };
}

/** The alignment an allocateContiguous options bag asks for, or undefined when invalid. */
function alignOf(options: unknown): number | undefined {
  if (!isBag(options)) return undefined;
  const align = field(options, 'align') ?? 1;
  if (field(options, 'align') === null) return undefined;
  return isPow2(align) ? (align as number) : undefined;
}

// --------------------------------------------------------------------- table

const CONSTANT = 'constant';
const SEQUENCE = 'sequence';

interface Case {
  readonly args: fc.Arbitrary<readonly unknown[]>;
  readonly valid?: (args: readonly unknown[]) => boolean;
  readonly check?: (result: unknown, args: readonly unknown[]) => void;
  /** True when an object parameter received a non-object. */
  readonly wrongType?: (args: readonly unknown[]) => boolean;
  readonly total?: boolean;
}

const frameCounts = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 300 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, MAX_FRAMES + 1, 2 ** 40) },
  { weight: 2, arbitrary: badNumber },
);
const bases = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(undefined, 0, 1, 31, 32, 33, 511, 4096) },
  { weight: 1, arbitrary: fc.constantFrom(PFN_LIMIT - 300, PFN_LIMIT - 1, PFN_LIMIT, 2 ** 52) },
  { weight: 2, arbitrary: badNumber },
);

function allocatorCase(extra?: fc.Arbitrary<unknown>): Case {
  const cacheSizes = extra ?? fc.constant(undefined);
  return {
    args: fc.tuple(
      fc.oneof(
        {
          weight: 6,
          arbitrary: fc.record(
            { frames: frameCounts, base: bases, cacheSize: cacheSizes },
            { requiredKeys: ['frames'] },
          ),
        },
        { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null, 64, 'x', {}) },
      ),
    ),
    valid: ([o]) => {
      if (validRange(o) === undefined) return false;
      if (extra === undefined) return true;
      // Like `base`, a null option takes the default (the package reads options with ??).
      const c = field(o, 'cacheSize') ?? 64;
      return isInt(c) && c >= 0 && c <= 4096 && c % 2 === 0;
    },
    check: (r, [o]) => {
      const a = r as FrameAllocator;
      const { base, frames } = validRange(o)!;
      expect([a.base, a.totalFrames, a.usedFrames, a.freeFrames]).toEqual([
        base,
        frames,
        0,
        frames,
      ]);
      expect(a.stats()).toMatchObject({ totalFrames: frames, usedFrames: 0, freeFrames: frames });
      (a as unknown as { checkInvariants(): void }).checkInvariants();
    },
    // The constructor reads fields of `options`, so a non-object fails as JS does.
    wrongType: ([o]) => typeof o !== 'object',
  };
}

const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    OUT_OF_MEMORY,
    { errno: 'ENOMEM' },
    { errno: 'EEXIST' },
    { errno: 'ENOMEM', extra: 1 },
    Object.create({ errno: 'ENOMEM' }),
  ),
  fc.anything(),
);

/** Every runtime export of index.ts: a constant, a single-call case, or a sequence test below. */
const EXPORTS = {
  MAX_FRAMES: CONSTANT,
  PFN_LIMIT: CONSTANT,
  MAX_PHYSICAL_MEMORY_SIZE: CONSTANT,
  OUT_OF_MEMORY: CONSTANT,
  BitmapFrameAllocator: allocatorCase(
    fc.oneof(fc.constantFrom(undefined, 0, 2, 64, 4096), near(0, 4100)),
  ),
  BuddyFrameAllocator: allocatorCase(),
  StackFrameAllocator: allocatorCase(),
  RefCountedFrameAllocator: SEQUENCE,
  PhysicalMemory: SEQUENCE,
  FrameHandle: {
    args: fc.tuple(
      fc.oneof(
        { weight: 3, arbitrary: fc.constant('allocator') },
        { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null, {}, { free: 5 }, 'x') },
      ),
      fc.oneof(fc.integer({ min: 0, max: 15 }), fc.constantFrom(2 ** 40, 2 ** 53 - 1), badNumber),
    ),
    valid: ([s, p]) => s === 'allocator' && isInt(p) && p >= 0 && Number.isSafeInteger(p),
    check: (r, [, p]) => {
      const h = r as FrameHandle;
      expect([h.pfn, h.address, h.owned]).toEqual([p, (p as number) * 4096, true]);
    },
  },
  allocateHandle: {
    args: fc.tuple(
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('allocator', 'full') },
        {
          weight: 1,
          arbitrary: fc.constantFrom<unknown>(undefined, null, {}, { allocate: () => 7 }),
        },
      ),
    ),
    valid: ([s]) => s === 'allocator' || s === 'full',
    check: (r, [s]) => {
      if (s === 'full') expect(r).toBe(OUT_OF_MEMORY);
      else expect((r as FrameHandle).owned).toBe(true);
    },
    wrongType: ([s]) => s !== 'allocator' && s !== 'full',
  },
  isOutOfMemory: {
    args: fc.tuple(anyValue),
    total: true,
    check: (r, [v]) =>
      expect(r).toBe(
        typeof v === 'object' && v !== null && (v as { errno?: unknown }).errno === 'ENOMEM',
      ),
  },
  isLittleEndianHost: {
    args: fc.tuple(),
    total: true,
    check: (r) => expect(r).toBe(new Uint8Array(new Uint16Array([1]).buffer)[0] === 1),
  },
} satisfies Record<keyof typeof pkg, Case | typeof CONSTANT | typeof SEQUENCE>;

/** Stand-ins resolved at call time (fresh objects per run). */
function resolve(arg: unknown): unknown {
  if (arg === 'allocator') return new StackFrameAllocator({ frames: 4 });
  if (arg === 'full') {
    const a = new StackFrameAllocator({ frames: 1 });
    a.allocate();
    return a;
  }
  return arg;
}

let tried = 0;

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
          const args = raw.map(resolve);
          const what = `${name}(${show(raw)})`;
          const call = () =>
            isClass
              ? new (value as unknown as new (...a: unknown[]) => unknown)(...args)
              : value(...args);
          const out = c.total
            ? { threw: false as const, value: call() }
            : attempt(what, call, { wrongType: c.wrongType?.(raw) });
          if (c.valid !== undefined) expect(out.threw, what).toBe(!c.valid(raw));
          if (!out.threw) c.check?.(out.value, raw);
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });
  }
});

// ------------------------------------------------------ allocator sequences

/** What the model says about the frames: pfn -> reference count (1 without ref counting). */
type Model = Map<number, number>;

interface Fixture {
  readonly allocator: FrameAllocator & { checkInvariants(): void };
  readonly rc: RefCountedFrameAllocator | null;
  readonly base: number;
  readonly frames: number;
  readonly exact: boolean;
  readonly model: Model;
}

type AllocatorMethod =
  | Methods<BitmapFrameAllocator>
  | Methods<BuddyFrameAllocator>
  | Methods<StackFrameAllocator>;
type RefCountMethod = Exclude<Methods<RefCountedFrameAllocator>, AllocatorMethod>;

/** Arguments of one call: pfns are relative to `base` (resolved per fixture) or raw. */
type Arg = { readonly rel: number } | { readonly raw: unknown };
const pfnArg = (span: number): fc.Arbitrary<Arg> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: -2, max: span + 2 }).map((rel) => ({ rel })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(0.5, 1.5, 2 ** 32, 2 ** 53).map((rel) => ({ rel })),
    },
    { weight: 2, arbitrary: badNumber.map((raw) => ({ raw })) },
  );
const countArg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 299, 300, 301, 1.5, 2 ** 31, 2 ** 32 + 1) },
  { weight: 1, arbitrary: badNumber },
);

interface AllocatorCall {
  readonly args: fc.Arbitrary<readonly unknown[]>;
  /** Runs the call against the model: validity, expected result, model update. */
  readonly model: (f: Fixture, args: readonly unknown[]) => ModelAnswer;
}
type ModelAnswer =
  | { readonly valid: false }
  | { readonly valid: true; readonly check: (result: unknown) => void };

const INVALID: ModelAnswer = { valid: false };
const inRange = (f: Fixture, pfn: unknown): pfn is number =>
  isInt(pfn) && pfn >= f.base && pfn < f.base + f.frames;
const countOk = (f: Fixture, count: unknown): count is number =>
  isInt(count) && count >= 1 && count <= f.frames;

/** Is there an aligned run of `count` free frames (by the model)? */
function runExists(f: Fixture, count: number, align: number): boolean {
  for (let start = f.base; start + count <= f.base + f.frames; start++) {
    if (start % align !== 0) continue;
    let free = true;
    for (let p = start; p < start + count && free; p++) free = !f.model.has(p);
    if (free) return true;
  }
  return false;
}

const ALLOCATOR_CALLS: { readonly [K in AllocatorMethod]: AllocatorCall } = {
  allocate: {
    args: fc.tuple(),
    model: (f) => ({
      valid: true,
      check: (r) => {
        if (f.model.size === f.frames) return expect(r).toBe(OUT_OF_MEMORY);
        expect(inRange(f, r) && !f.model.has(r)).toBe(true);
        f.model.set(r as number, 1);
      },
    }),
  },
  allocateContiguous: {
    args: fc.tuple(countArg, anyOptions({ align: anyAlign })),
    model: (f, [count, options]) => {
      const align = alignOf(options);
      if (!countOk(f, count) || align === undefined) return INVALID;
      return {
        valid: true,
        check: (r) => {
          if (r === OUT_OF_MEMORY) {
            // The bitmap finds a run whenever one exists.
            if (f.exact) expect(runExists(f, count, align)).toBe(false);
            return;
          }
          const pfn = r as number;
          expect(inRange(f, pfn) && pfn % align === 0 && pfn + count <= f.base + f.frames).toBe(
            true,
          );
          for (let p = pfn; p < pfn + count; p++) {
            expect(f.model.has(p)).toBe(false);
            f.model.set(p, 1);
          }
        },
      };
    },
  },
  free: {
    args: fc.tuple(pfnArg(300)),
    model: (f, [pfn]) =>
      inRange(f, pfn) && f.model.get(pfn) === 1
        ? { valid: true, check: (r) => (expect(r).toBe(undefined), f.model.delete(pfn)) }
        : INVALID,
  },
  freeContiguous: {
    args: fc.tuple(pfnArg(300), countArg),
    model: (f, [pfn, count]) => {
      if (!inRange(f, pfn) || !countOk(f, count) || pfn + count > f.base + f.frames) return INVALID;
      for (let p = pfn; p < pfn + count; p++) if (f.model.get(p) !== 1) return INVALID;
      return {
        valid: true,
        check: () => {
          for (let p = pfn; p < pfn + count; p++) f.model.delete(p);
        },
      };
    },
  },
  isAllocated: {
    args: fc.tuple(pfnArg(300)),
    model: (f, [pfn]) =>
      inRange(f, pfn) ? { valid: true, check: (r) => expect(r).toBe(f.model.has(pfn)) } : INVALID,
  },
  stats: {
    args: fc.tuple(),
    model: (f) => ({
      valid: true,
      check: (r) =>
        expect(r).toMatchObject({
          totalFrames: f.frames,
          usedFrames: f.model.size,
          freeFrames: f.frames - f.model.size,
        }),
    }),
  },
  checkInvariants: {
    args: fc.tuple(),
    model: () => ({ valid: true, check: (r) => expect(r).toBe(undefined) }),
  },
};

const REFCOUNT_CALLS: { readonly [K in RefCountMethod]: AllocatorCall } = {
  retain: {
    args: fc.tuple(pfnArg(300)),
    model: (f, [pfn]) => {
      const c = inRange(f, pfn) ? (f.model.get(pfn) ?? 0) : 0;
      // maxRefCount is 3 in these fixtures.
      if (c === 0 || c >= 3) return INVALID;
      return {
        valid: true,
        check: (r) => (expect(r).toBe(c + 1), f.model.set(pfn as number, c + 1)),
      };
    },
  },
  release: {
    args: fc.tuple(pfnArg(300)),
    model: (f, [pfn]) => {
      const c = inRange(f, pfn) ? (f.model.get(pfn) ?? 0) : 0;
      if (c === 0) return INVALID;
      return {
        valid: true,
        check: (r) => {
          expect(r).toBe(c - 1);
          if (c === 1) f.model.delete(pfn as number);
          else f.model.set(pfn as number, c - 1);
        },
      };
    },
  },
  refCount: {
    args: fc.tuple(pfnArg(300)),
    model: (f, [pfn]) =>
      inRange(f, pfn)
        ? { valid: true, check: (r) => expect(r).toBe(f.model.get(pfn) ?? 0) }
        : INVALID,
  },
};

/** The state a failed call must leave alone: every frame's allocation and reference count. */
function snapshot(f: Fixture): string {
  const a = f.allocator;
  const frames: number[] = [];
  for (let p = f.base; p < f.base + f.frames; p++) {
    frames.push(f.rc !== null ? f.rc.refCount(p) : a.isAllocated(p) ? 1 : 0);
  }
  return JSON.stringify([a.usedFrames, a.freeFrames, frames]);
}

function makeFixture(kind: string, frames: number, base: number, refCounted: boolean): Fixture {
  const options = { frames, base };
  const inner: FrameAllocator & { checkInvariants(): void } =
    kind === 'buddy'
      ? new BuddyFrameAllocator(options)
      : kind === 'stack'
        ? new StackFrameAllocator(options)
        : new BitmapFrameAllocator({ ...options, cacheSize: kind === 'bitmap' ? 4 : 0 });
  const rc = refCounted ? new RefCountedFrameAllocator(inner, { maxRefCount: 3 }) : null;
  return {
    allocator: rc ?? inner,
    rc,
    base,
    frames,
    exact: kind !== 'buddy' && kind !== 'stack',
    model: new Map(),
  };
}

function callArbitrary(
  table: Record<string, AllocatorCall>,
): fc.Arbitrary<[string, readonly unknown[]]> {
  return fc.oneof(
    ...Object.entries(table).map(([name, c]) =>
      c.args.map((args): [string, readonly unknown[]] => [name, args]),
    ),
  );
}

function runAllocatorSequence(refCounted: boolean): void {
  const table: Record<string, AllocatorCall> = refCounted
    ? { ...ALLOCATOR_CALLS, ...REFCOUNT_CALLS }
    : { ...ALLOCATOR_CALLS };
  const seen = new Set<string>();
  fc.assert(
    fc.property(
      fc.constantFrom('bitmap', 'bitmap-nocache', 'buddy', 'stack'),
      fc.integer({ min: 1, max: 300 }),
      fc.constantFrom(0, 1, 31, 33, 512, PFN_LIMIT - 300),
      // Mostly allocations first so that frees and retains have targets.
      fc.array(
        fc.oneof(
          { weight: 1, arbitrary: fc.constant<[string, readonly unknown[]]>(['allocate', []]) },
          { weight: 3, arbitrary: callArbitrary(table) },
        ),
        { minLength: 1, maxLength: 40, size: 'max' },
      ),
      (kind, frames, base, calls) => {
        const f = makeFixture(kind, frames, base, refCounted);
        for (const [name, rawArgs] of calls) {
          tried++;
          seen.add(name);
          const args = rawArgs.map((a) =>
            typeof a === 'object' && a !== null && 'rel' in a
              ? f.base + (a as { rel: number }).rel
              : typeof a === 'object' && a !== null && 'raw' in a
                ? (a as { raw: unknown }).raw
                : a,
          );
          const what = `${kind}${refCounted ? '+rc' : ''}(${frames} @${base}).${name}(${show(args)})`;
          const expected = table[name].model(f, args);
          const before = snapshot(f);
          const method = (f.allocator as unknown as Record<string, (...a: unknown[]) => unknown>)[
            name
          ];
          const out = attempt(what, () => method.apply(f.allocator, args));
          expect(
            out.threw,
            `${what}: ${out.threw ? 'threw on valid input' : 'accepted invalid input'}`,
          ).toBe(!expected.valid);
          if (!out.threw && expected.valid) expected.check(out.value);
          if (out.threw || out.value === OUT_OF_MEMORY) expect(snapshot(f), what).toBe(before);
          f.allocator.checkInvariants();
        }
      },
    ),
    { numRuns: SEQUENCE_RUNS, seed: SEED },
  );
  expect([...seen].sort()).toEqual(Object.keys(table).sort());
}

describe('hostile call sequences', () => {
  test('allocators: each call answers as the model says or throws, and a failure changes nothing', () => {
    runAllocatorSequence(false);
  });
  test('ref-counted allocators: the same with retain/release/refCount', () => {
    runAllocatorSequence(true);
  });
  test('the ref-counted wrapper refuses bad inner allocators and options', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<unknown>(
          'fresh',
          'used',
          undefined,
          null,
          {},
          { allocate() {}, free() {} },
        ),
        anyOptions({ maxRefCount: near(0, 5) }),
        (innerSpec, options) => {
          tried++;
          const inner =
            innerSpec === 'fresh' || innerSpec === 'used'
              ? new StackFrameAllocator({ frames: 8 })
              : innerSpec;
          if (innerSpec === 'used') (inner as StackFrameAllocator).allocate();
          const max = field(options, 'maxRefCount') ?? 0xffff_ffff;
          const valid =
            innerSpec === 'fresh' &&
            isBag(options) &&
            field(options, 'maxRefCount') !== null &&
            isInt(max) &&
            max >= 1 &&
            max <= 0xffff_ffff;
          const out = attempt(
            'new RefCountedFrameAllocator',
            () => new RefCountedFrameAllocator(inner as never, options as never),
          );
          expect(out.threw).toBe(!valid);
          if (!out.threw) expect((out.value as RefCountedFrameAllocator).maxRefCount).toBe(max);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });
});

// -------------------------------------------------------- handle sequences

describe('FrameHandle methods', () => {
  const HANDLE_CALLS: { readonly [K in Methods<FrameHandle>]: true } = {
    keep: true,
    dispose: true,
    [Symbol.dispose]: true,
  };
  test('keep / dispose in any order: one free at most, keep throws Error once not owned', () => {
    const names = Reflect.ownKeys(HANDLE_CALLS) as (keyof FrameHandle)[];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...names), { maxLength: 6 }), (calls) => {
        tried++;
        const frames = new StackFrameAllocator({ frames: 2 });
        const h = allocateHandle(frames);
        if (isOutOfMemory(h)) throw new Error('a fresh allocator has room');
        let owned = true;
        for (const name of calls) {
          const out = attempt(
            `handle.${String(name)}()`,
            // keep() on a handle that no longer owns the frame throws TypeError.
            () => (h[name] as () => unknown).call(h),
          );
          if (name === 'keep') {
            expect(out.threw).toBe(!owned);
            if (!out.threw) expect(out.value).toBe(h.pfn);
          } else {
            expect(out.threw).toBe(false);
          }
          owned = false;
          expect(h.owned).toBe(false);
        }
        // Disposed means freed exactly once; kept means still allocated.
        const kept = calls.length > 0 && calls[0] === 'keep';
        expect(frames.isAllocated(h.pfn)).toBe(calls.length === 0 || kept);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});

// ------------------------------------------------------- physical memory

type MemoryMethod = Methods<PhysicalMemory>;

interface MemoryFixture {
  readonly memory: PhysicalMemory;
  readonly bytes: Uint8Array;
  readonly size: number;
}

interface MemoryCall {
  readonly args: (size: number) => fc.Arbitrary<readonly unknown[]>;
  readonly model: (m: MemoryFixture, args: readonly unknown[]) => ModelAnswer;
}

const paIn = (m: MemoryFixture, pa: unknown, width: number): pa is number =>
  isInt(pa) && pa >= 0 && pa + width <= m.size;
const pfnIn = (m: MemoryFixture, pfn: unknown): pfn is number =>
  isInt(pfn) && pfn >= 0 && pfn < m.size / 4096;
const le = (m: MemoryFixture, pa: number, width: number): bigint => {
  let v = 0n;
  for (let i = width - 1; i >= 0; i--) v = v * 256n + BigInt(m.bytes[pa + i]);
  return v;
};
const store = (m: MemoryFixture, pa: number, width: number, value: bigint): void => {
  for (let i = 0; i < width; i++) m.bytes[pa + i] = Number((value >> BigInt(8 * i)) & 0xffn);
};

const addrArg = (size: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: size - 1 }) },
    // Frame edges, where unaligned accesses cross into the next frame.
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.integer({ min: 0, max: size / 4096 }), fc.integer({ min: -9, max: 8 }))
        .map(([f, d]) => f * 4096 + d),
    },
    { weight: 1, arbitrary: fc.constantFrom(size - 1, size, size + 1, 2 ** 44, 0.5, -0) },
    { weight: 1, arbitrary: badNumber },
  );
const valueArg = (bits: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 2 ** bits - 1 }) },
    { weight: 1, arbitrary: fc.constantFrom(2 ** bits, -1, 0.5, -0, 2 ** 53) },
    { weight: 1, arbitrary: badNumber },
  );
const u64Arg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(-1n, 2n ** 64n, 5, '5', null) },
);
const pfnOf = (size: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: size / 4096 - 1 }) },
    { weight: 1, arbitrary: fc.constantFrom(size / 4096, -1, 0.5, 2 ** 32, 2 ** 32 + 1) },
    { weight: 1, arbitrary: badNumber },
  );
const bufferArg = (size: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.integer({ min: 0, max: 9000 }).map((n) => new Uint8Array(n).fill(0xa5)),
    },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(size + 1)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>(
        undefined,
        null,
        [1, 2],
        new Uint16Array(4),
        new ArrayBuffer(8),
        'ab',
      ),
    },
  );

function readCall(width: number): MemoryCall {
  return {
    args: (size) => fc.tuple(addrArg(size)),
    model: (m, [pa]) =>
      paIn(m, pa, width)
        ? { valid: true, check: (r) => expect(BigInt(r as number)).toBe(le(m, pa, width)) }
        : INVALID,
  };
}
function writeCall(width: number): MemoryCall {
  return {
    args: (size) => fc.tuple(addrArg(size), valueArg(8 * width)),
    model: (m, [pa, v]) =>
      paIn(m, pa, width) && isInt(v) && v >= 0 && v < 2 ** (8 * width)
        ? { valid: true, check: () => store(m, pa, width, BigInt(v)) }
        : INVALID,
  };
}

const MEMORY_CALLS: { readonly [K in MemoryMethod]: MemoryCall } = {
  read8: readCall(1),
  read16: readCall(2),
  read32: readCall(4),
  read64: {
    args: (size) => fc.tuple(addrArg(size)),
    model: (m, [pa]) =>
      paIn(m, pa, 8) ? { valid: true, check: (r) => expect(r).toBe(le(m, pa, 8)) } : INVALID,
  },
  read64Parts: {
    args: (size) =>
      fc.tuple(
        addrArg(size),
        fc.constantFrom<unknown>(
          'out',
          'out',
          new Uint32Array(1),
          undefined,
          [0, 0],
          new Int32Array(2),
        ),
      ),
    model: (m, [pa, out]) =>
      paIn(m, pa, 8) && out instanceof Uint32Array && out.length >= 2
        ? { valid: true, check: () => undefined }
        : INVALID,
  },
  write8: writeCall(1),
  write16: writeCall(2),
  write32: writeCall(4),
  write64: {
    args: (size) => fc.tuple(addrArg(size), u64Arg),
    model: (m, [pa, v]) =>
      paIn(m, pa, 8) && typeof v === 'bigint' && v >= 0n && v < 2n ** 64n
        ? { valid: true, check: () => store(m, pa, 8, v) }
        : INVALID,
  },
  write64Parts: {
    args: (size) => fc.tuple(addrArg(size), valueArg(32), valueArg(32)),
    model: (m, [pa, hi, lo]) =>
      paIn(m, pa, 8) && isInt(hi) && hi >= 0 && hi < 2 ** 32 && isInt(lo) && lo >= 0 && lo < 2 ** 32
        ? { valid: true, check: () => store(m, pa, 8, (BigInt(hi) << 32n) | BigInt(lo)) }
        : INVALID,
  },
  readBytes: {
    args: (size) => fc.tuple(addrArg(size), bufferArg(size)),
    model: (m, [pa, dest]) =>
      dest instanceof Uint8Array && paIn(m, pa, dest.length)
        ? {
            valid: true,
            check: () =>
              expect(firstDifference(dest, m.bytes.subarray(pa, pa + dest.length))).toBe(-1),
          }
        : INVALID,
  },
  writeBytes: {
    args: (size) => fc.tuple(addrArg(size), bufferArg(size)),
    model: (m, [pa, src]) =>
      src instanceof Uint8Array && paIn(m, pa, src.length)
        ? { valid: true, check: () => m.bytes.set(src, pa) }
        : INVALID,
  },
  copyFrame: {
    args: (size) => fc.tuple(pfnOf(size), pfnOf(size)),
    model: (m, [dst, src]) =>
      pfnIn(m, dst) && pfnIn(m, src)
        ? {
            valid: true,
            check: () => m.bytes.copyWithin(dst * 4096, src * 4096, src * 4096 + 4096),
          }
        : INVALID,
  },
  fillFrame: {
    args: (size) => fc.tuple(pfnOf(size), valueArg(8)),
    model: (m, [pfn, b]) =>
      pfnIn(m, pfn) && isInt(b) && b >= 0 && b < 256
        ? { valid: true, check: () => m.bytes.fill(b, pfn * 4096, pfn * 4096 + 4096) }
        : INVALID,
  },
  zeroFrame: {
    args: (size) => fc.tuple(pfnOf(size)),
    model: (m, [pfn]) =>
      pfnIn(m, pfn)
        ? { valid: true, check: () => m.bytes.fill(0, pfn * 4096, pfn * 4096 + 4096) }
        : INVALID,
  },
  frameWords: {
    args: (size) => fc.tuple(pfnOf(size)),
    model: (m, [pfn]) =>
      pfnIn(m, pfn)
        ? {
            valid: true,
            check: (r) => {
              const words = r as Uint32Array;
              expect(words.length).toBe(1024);
              expect(words[1]).toBe(Number(le(m, pfn * 4096 + 4, 4)));
              expect(m.memory.frameWords(pfn)).toBe(words);
            },
          }
        : INVALID,
  },
  frameBytes: {
    args: (size) => fc.tuple(pfnOf(size)),
    model: (m, [pfn]) =>
      pfnIn(m, pfn)
        ? {
            valid: true,
            check: (r) =>
              expect(
                firstDifference(r as Uint8Array, m.bytes.subarray(pfn * 4096, pfn * 4096 + 4096)),
              ).toBe(-1),
          }
        : INVALID,
  },
  chunkWords: {
    args: (size) =>
      fc.tuple(
        fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min: 0, max: Math.ceil(size / 4096 / 1024) - 1 }) },
          {
            weight: 1,
            arbitrary: fc.constantFrom(Math.ceil(size / 4096 / 1024), -1, 0.5, 2 ** 32),
          },
          { weight: 1, arbitrary: badNumber },
        ),
      ),
    model: (m, [chunk]) =>
      isInt(chunk) && chunk >= 0 && chunk < Math.ceil(m.size / 4096 / 1024)
        ? {
            valid: true,
            check: (r) => {
              const words = r as Uint32Array;
              const start = chunk * 1024 * 4096;
              expect(words.length).toBe(Math.min(1024 * 4096, m.size - start) / 4);
              expect(words[1]).toBe(Number(le(m, start + 4, 4)));
              expect(m.memory.chunkWords(chunk)).toBe(words);
            },
          }
        : INVALID,
  },
  isMaterialised: {
    args: (size) => fc.tuple(pfnOf(size)),
    model: (m, [pfn]) =>
      pfnIn(m, pfn) ? { valid: true, check: (r) => expect(typeof r).toBe('boolean') } : INVALID,
  },
};

/** Index of the first byte where `a` and `b` differ, or -1 (expect's deep equality is slow here). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** A resizable ArrayBuffer (ES2024; not in this package's lib typings). */
function resizable(): ArrayBuffer {
  const Ctor = ArrayBuffer as unknown as new (
    n: number,
    o: { maxByteLength: number },
  ) => ArrayBuffer;
  return new Ctor(4096, { maxByteLength: 8192 });
}

describe('PhysicalMemory', () => {
  test('constructor: { size } or { buffer }, nothing else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record(
            {
              size: fc.oneof(
                fc.integer({ min: 1, max: 64 }).map((n) => n * 4096),
                fc.constantFrom(0, 4095, 4097, 2 ** 44, 2 ** 44 + 4096, 2 ** 53),
                badNumber,
              ),
              buffer: fc.constantFrom<unknown>(
                undefined,
                new ArrayBuffer(8192),
                new ArrayBuffer(100),
                new SharedArrayBuffer(4096),
                resizable(),
                new Uint8Array(4096),
                null,
              ),
            },
            { requiredKeys: [] },
          ),
          fc.constantFrom<unknown>(undefined, null, 4096, 'x'),
        ),
        (options) => {
          tried++;
          const size = field(options, 'size');
          const buffer = field(options, 'buffer');
          const sizeOk = (s: unknown) => isInt(s) && s >= 4096 && s <= 2 ** 44 && s % 4096 === 0;
          const bufferOk =
            (buffer instanceof ArrayBuffer || buffer instanceof SharedArrayBuffer) &&
            !(buffer as { resizable?: boolean }).resizable &&
            sizeOk(buffer.byteLength);
          const valid =
            typeof options === 'object' &&
            options !== null &&
            (size === undefined) !== (buffer === undefined) &&
            (buffer === undefined ? sizeOk(size) : bufferOk);
          const out = attempt('new PhysicalMemory', () => new PhysicalMemory(options as never));
          expect(out.threw, show([options])).toBe(!valid);
          if (!out.threw) {
            const m = out.value as PhysicalMemory;
            expect(m.size).toBe(buffer === undefined ? size : (buffer as ArrayBuffer).byteLength);
            expect(m.frameCount).toBe(m.size / 4096);
          }
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });

  test('every method answers like a byte array or throws, and a failure changes nothing', () => {
    const seen = new Set<string>();
    const calls = (size: number) =>
      fc.array(
        fc.oneof(
          ...Object.entries(MEMORY_CALLS).map(([name, c]) =>
            c.args(size).map((args): [string, readonly unknown[]] => [name, args]),
          ),
        ),
        { minLength: 1, maxLength: 40, size: 'max' },
      );
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 5 })
          .chain((frames) => fc.tuple(fc.constant(frames), fc.boolean(), calls(frames * 4096))),
        ([frames, onBuffer, sequence]) => {
          const size = frames * 4096;
          const memory = onBuffer
            ? new PhysicalMemory({ buffer: new ArrayBuffer(size) })
            : new PhysicalMemory({ size });
          const m: MemoryFixture = { memory, bytes: new Uint8Array(size), size };
          const out64 = new Uint32Array(2);
          for (const [name, rawArgs] of sequence) {
            tried++;
            seen.add(name);
            const args = rawArgs.map((a) => (a === 'out' ? out64 : a));
            const what = `${onBuffer ? 'buffer' : 'sparse'}(${frames}).${name}(${show(args)})`;
            const expected = MEMORY_CALLS[name as MemoryMethod].model(m, args);
            const materialised = memory.materialisedFrames;
            const method = (memory as unknown as Record<string, (...a: unknown[]) => unknown>)[
              name
            ];
            const out = attempt(what, () => method.apply(memory, args));
            expect(
              out.threw,
              `${what}: ${out.threw ? 'threw on valid input' : 'accepted invalid input'}`,
            ).toBe(!expected.valid);
            if (!out.threw && expected.valid) expected.check(out.value);
            if (name === 'read64Parts' && !out.threw) {
              const pa = args[0] as number;
              expect([out64[0], out64[1]]).toEqual([
                Number(le(m, pa, 4)),
                Number(le(m, pa + 4, 4)),
              ]);
            }
            // The memory equals the model byte for byte; a failed call materialised nothing.
            const all = new Uint8Array(size);
            memory.readBytes(0, all);
            expect(firstDifference(all, m.bytes), what).toBe(-1);
            if (out.threw) expect(memory.materialisedFrames, what).toBe(materialised);
          }
        },
      ),
      { numRuns: SEQUENCE_RUNS, seed: SEED },
    );
    expect([...seen].sort()).toEqual(Object.keys(MEMORY_CALLS).sort());
  });
});

test('inputs tried', () => {
  // 10 single-call properties x 500 runs, plus the calls of 900 sequences.
  expect(tried).toBeGreaterThan(20_000);
});
