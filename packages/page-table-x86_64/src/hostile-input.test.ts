// Hostile arguments for every export of the package (issue #6): NaN, infinities,
// -1, -0, fractions, 2^53 and above, strings and bigints where numbers go,
// unaligned addresses and sizes, ranges that pass 2^48 / 2^57, unknown flag bits,
// invalid access kinds, PCIDs and protection keys, option bags and callbacks of
// the wrong shape. Each call must either answer correctly or throw a TypeError /
// RangeError raised on purpose (never an engine error such as a property read on
// undefined), and a call that fails (thrown, ALREADY_MAPPED, HUGE_PAGE_CONFLICT,
// OUT_OF_MEMORY, NOT_MAPPED) leaves the table exactly as it was: the same words in
// every table frame, the same frames in use.
//
// Correct answers: the checked functions against BigInt references written here;
// the page table against its own leaf listing before the call (map adds exactly
// the leaf, unmap removes the leaf holding the address, a region operation
// changes the pages of its range and nothing else, page by page at the edges);
// the walker against the leaf listing; the TLB, over a table that does not
// change, against the walker.
//
// Documented exceptions: the entry codec, tableIndex, vaBitsFor, pkeyOf, the
// translate-result helpers and accessErrorBits / accessFaultCode / pkeyDeniedKeys
// are hot-path helpers that do not validate (their answers are checked on valid
// input, and hostile input must not crash them with anything but a TypeError);
// an object parameter given a non-object may fail with the engine's TypeError. A
// PageTable used after destroy() throws TypeError.
//
// Inputs tried (seed 8001): 17,026 calls. 39 single-call properties (37
// functions and constructors, PageTable options, PageWalker/Tlb options) x 300
// runs = 11,700; the rest in call sequences: 150 page tables (4 or 5 levels,
// MAXPHYADDR 40-52, 1 to 24 table frames) of up to 25 calls, 200 walker+TLB
// sequences of up to 30 calls, 200 PagingRights sequences of up to 20 calls.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as pkg from './index.js';
import {
  ALREADY_MAPPED,
  HUGE_PAGE_CONFLICT,
  type Leaf,
  NOT_MAPPED,
  OK,
  OUT_OF_MEMORY,
  PageTable,
  PageTableOutOfMemoryError,
  PageWalker,
  type PagingControl,
  PagingRights,
  PTE,
  Tlb,
  TRANSLATE_GP,
  WalkInfo,
  WalkStatus,
} from './index.js';
import { CountingFrames, MapMemory } from './test-support/memory.js';

const RUNS = 300;
const SEED = 8001;

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
 * `wrongType`: a parameter got a value of the wrong type) any TypeError, or (with
 * `documented`) the error class the documentation names for that case.
 */
function attempt(
  what: string,
  call: () => unknown,
  options: { wrongType?: boolean; documented?: abstract new (...args: never[]) => Error } = {},
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

type Methods<T> = {
  [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T];

// ---------------------------------------------------------------- arbitraries

const SIZE_4K = 0x1000;
const SIZE_2M = 0x20_0000;
const SIZE_1G = 0x4000_0000;
const U64_LIMIT = 1n << 64n;

const NOT_NUMBERS: readonly unknown[] = [
  '4096',
  '0x1000',
  '',
  null,
  undefined,
  true,
  {},
  [],
  [4096],
  4096n,
];
const badNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -1,
    -4096,
    0.5,
    4096.5,
    2 ** 53,
    2 ** 64,
  ),
  fc.constantFrom(...NOT_NUMBERS),
);
/** Any number (hostile ones included) or a non-number. */
const anyNumber: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.maxSafeNat() },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 2 ** 32 - 1 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 2, arbitrary: badNumber },
);
/** Numbers only (for the unchecked helpers): valid, hostile, and a few non-numbers. */
const anyNumeric: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.maxSafeNat() },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 2 ** 32 - 1 }) },
  { weight: 2, arbitrary: fc.double() },
  { weight: 1, arbitrary: badNumber },
);
const anyLevels: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(undefined, 4, 5) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(3, 6, 0, '4', 4n, null, Number.NaN, 4.5) },
);
const anyAccess: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 31 }) },
  { weight: 1, arbitrary: fc.constantFrom(32, -1, 0.5, 2 ** 32 + 1, 3, 19, 22) },
  { weight: 1, arbitrary: badNumber },
);
const anyFlags: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 0xff_ffff }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      PTE.PRESENT | PTE.WRITABLE | PTE.USER,
      PTE.PRESENT,
      0,
      PTE.NO_EXECUTE | 1,
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(0x100_0000, 2 ** 31, -1, 0.5, 2 ** 53) },
  { weight: 1, arbitrary: badNumber },
);
const anyU64: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: U64_LIMIT - 1n }) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          0n,
          2n ** 47n,
          2n ** 48n,
          2n ** 56n,
          2n ** 57n,
          U64_LIMIT - 2n ** 47n,
          U64_LIMIT - 2n ** 56n,
          U64_LIMIT,
        ),
        fc.bigInt({ min: -4096n, max: 4096n }),
      )
      .map(([b, d]) => b + d),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(-1n, 2n ** 100n, 4096, '0x1000', null) },
);
const aControl: fc.Arbitrary<PagingControl> = fc.record({
  wp: fc.boolean(),
  nxe: fc.boolean(),
  smep: fc.boolean(),
  smap: fc.boolean(),
  pke: fc.boolean(),
  pkru: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
});
/** A partial control patch with fields of any value, or not an object. */
const anyControlPatch: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        wp: fc.oneof(fc.boolean(), fc.constantFrom<unknown>(1, 'true', null)),
        nxe: fc.boolean(),
        smep: fc.boolean(),
        smap: fc.boolean(),
        pke: fc.oneof(fc.boolean(), fc.constantFrom<unknown>(0, undefined)),
        pkru: fc.oneof(
          fc.integer({ min: 0, max: 2 ** 32 - 1 }),
          fc.constantFrom<unknown>(2 ** 32, -1, 0.5, '0', 1n),
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null, 5, 'x') },
);

// ------------------------------------------------------------------ reference

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNat = (v: unknown): v is number => isInt(v) && v >= 0;
const isU32 = (v: unknown): v is number => isNat(v) && v < 2 ** 32;
const isU64 = (v: unknown): v is bigint => typeof v === 'bigint' && v >= 0n && v < U64_LIMIT;
const levelsOf = (v: unknown): 4 | 5 | undefined =>
  v === undefined || v === 4 ? 4 : v === 5 ? 5 : undefined;
const bitsOf = (levels: 4 | 5): number => (levels === 5 ? 57 : 48);
const validAccess = (a: unknown): boolean =>
  isInt(a) && a >= 0 && a <= 31 && (a & 3) !== 3 && !((a & 16) !== 0 && (a & 6) !== 0);
const validFlags = (f: unknown): f is number => isInt(f) && f >= 0 && f < 2 ** 24;
const linearOk = (va: unknown, levels: unknown): va is number => {
  const l = levelsOf(levels);
  return l !== undefined && isNat(va) && va < 2 ** bitsOf(l);
};
const canonical = (linear: bigint, bits: number): bigint =>
  BigInt.asUintN(64, BigInt.asIntN(bits, linear));
const isCanonicalRef = (v: bigint, bits: number): boolean =>
  canonical(BigInt.asUintN(bits, v), bits) === v;
const hex16 = (v: bigint): string => `0x${v.toString(16).padStart(16, '0')}`;
const isControl = (c: unknown): c is PagingControl =>
  typeof c === 'object' &&
  c !== null &&
  ['wp', 'nxe', 'smep', 'smap', 'pke'].every(
    (k) => typeof (c as Record<string, unknown>)[k] === 'boolean',
  ) &&
  isU32((c as Record<string, unknown>).pkru);
const numbersOnly = (args: readonly unknown[]): boolean => args.every((a) => typeof a === 'number');

// --------------------------------------------------------------------- table

const CONSTANT = 'constant';
const SEQUENCE = 'sequence';

interface Case {
  readonly args: fc.Arbitrary<readonly unknown[]>;
  /** When given: valid arguments must succeed and invalid ones must throw. */
  readonly valid?: (args: readonly unknown[]) => boolean;
  /** Checks a successful result (for unchecked helpers: on valid input only). */
  readonly check?: (result: unknown, args: readonly unknown[]) => void;
  /** Hot-path helper that does not validate: hostile input may only give a value or a TypeError. */
  readonly unchecked?: (args: readonly unknown[]) => boolean;
  readonly wrongType?: (args: readonly unknown[]) => boolean;
  readonly total?: boolean;
}

/** An unchecked helper: `domain` says when its answer is defined, `check` verifies it then. */
function unchecked(
  args: fc.Arbitrary<readonly unknown[]>,
  domain: (args: readonly unknown[]) => boolean,
  check: (result: unknown, args: readonly unknown[]) => void,
): Case {
  return {
    args,
    unchecked: domain,
    check: (r, a) => {
      if (domain(a)) check(r, a);
    },
    wrongType: (a) => !numbersOnly(a.filter((x) => typeof x !== 'object' || x === null)),
  };
}

const aPa4K = fc.integer({ min: 0, max: 2 ** 40 - 1 }).map((n) => n * SIZE_4K);
const aPa2M = fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((n) => n * SIZE_2M);
const u32Pair = fc.tuple(
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
);
const is4KPa = (pa: unknown): pa is number => isNat(pa) && pa < 2 ** 52 && pa % SIZE_4K === 0;
const isHugePa = (pa: unknown): pa is number => isNat(pa) && pa < 2 ** 52 && pa % SIZE_2M === 0;
const isU32Result = (r: unknown): boolean => isU32(r);

/** Every runtime export of index.ts: a constant, a single-call case, or a sequence test. */
const EXPORTS = {
  Access: CONSTANT,
  Rights: CONSTANT,
  DEFAULT_CONTROL: CONSTANT,
  ENTRIES_PER_TABLE: CONSTANT,
  LEVEL_NAMES: CONSTANT,
  LEVEL_SPAN: CONSTANT,
  ENTRY_HUGE_PAT: CONSTANT,
  ENTRY_PS: CONSTANT,
  PTE: CONSTANT,
  PTE_MEMORY_TYPE_MASK: CONSTANT,
  PTE_SOFTWARE_MASK: CONSTANT,
  TABLE_ENTRY_FLAGS: CONSTANT,
  ALREADY_MAPPED: CONSTANT,
  HUGE_PAGE_CONFLICT: CONSTANT,
  NOT_MAPPED: CONSTANT,
  OK: CONSTANT,
  OUT_OF_MEMORY: CONSTANT,
  StaleReason: CONSTANT,
  PageFaultCode: CONSTANT,
  TRANSLATE_GP: CONSTANT,
  WalkStatus: CONSTANT,
  PageTable: SEQUENCE,
  PageWalker: SEQUENCE,
  Tlb: SEQUENCE,
  PagingRights: SEQUENCE,

  checkAccess: {
    args: fc.tuple(anyAccess),
    valid: ([a]) => validAccess(a),
    check: (r) => expect(r).toBe(undefined),
  },
  isValidAccess: {
    args: fc.tuple(anyAccess),
    total: true,
    check: (r, [a]) => expect(r).toBe(validAccess(a)),
  },
  pkruAccessDisable: {
    args: fc.tuple(fc.oneof(fc.integer({ min: -2, max: 17 }), badNumber)),
    valid: ([k]) => isInt(k) && k >= 0 && k <= 15,
    check: (r, [k]) => expect(r).toBe(2 ** (2 * (k as number))),
  },
  pkruWriteDisable: {
    args: fc.tuple(fc.oneof(fc.integer({ min: -2, max: 17 }), badNumber)),
    valid: ([k]) => isInt(k) && k >= 0 && k <= 15,
    check: (r, [k]) => expect(r).toBe(2 ** (2 * (k as number) + 1)),
  },
  pkeyFlags: {
    args: fc.tuple(fc.oneof(fc.integer({ min: -2, max: 17 }), badNumber)),
    valid: ([k]) => isInt(k) && k >= 0 && k <= 15,
    check: (r, [k]) => expect(r).toBe((k as number) * 2 ** 19),
  },
  checkFlags: {
    args: fc.tuple(anyFlags, fc.constantFrom<unknown>(undefined, 'set', 5, null)),
    valid: ([f]) => validFlags(f),
    check: (r) => expect(r).toBe(undefined),
  },
  describeFlags: {
    args: fc.tuple(anyFlags),
    valid: ([f]) => validFlags(f),
    check: (r, [f]) => {
      const names = (r as string).split(' ');
      const flags = f as number;
      expect(names.includes('!P')).toBe((flags & 1) === 0);
      expect(names.includes('XD')).toBe(flags >= 0x80_0000);
      expect(names.includes('RW')).toBe((flags & 2) !== 0);
    },
  },
  canonicalFromLinear: {
    args: fc.tuple(
      fc.oneof(anyNumber, fc.constantFrom(2 ** 47, 2 ** 48 - 4096, 2 ** 48, 2 ** 56, 2 ** 57)),
      anyLevels,
    ),
    valid: ([va, l]) => linearOk(va, l),
    check: (r, [va, l]) => expect(r).toBe(canonical(BigInt(va as number), bitsOf(levelsOf(l)!))),
  },
  formatCanonical: {
    args: fc.tuple(
      fc.oneof(anyNumber, fc.constantFrom(2 ** 47, 2 ** 48 - 4096, 2 ** 48)),
      anyLevels,
    ),
    valid: ([va, l]) => linearOk(va, l),
    check: (r, [va, l]) =>
      expect(r).toBe(hex16(canonical(BigInt(va as number), bitsOf(levelsOf(l)!)))),
  },
  formatCanonicalRange: {
    args: fc.tuple(
      fc.oneof(anyNumber, fc.constantFrom(0, 2 ** 47, 2 ** 48 - 4096)),
      fc.oneof(fc.constantFrom(1, SIZE_4K, SIZE_2M, 2 ** 47), anyNumber),
      anyLevels,
    ),
    valid: ([va, size, l]) =>
      linearOk(va, l) &&
      isNat(size) &&
      size >= 1 &&
      BigInt(va) + BigInt(size) <= 1n << BigInt(bitsOf(levelsOf(l)!)),
    check: (r, [va, size, l]) => {
      const bits = bitsOf(levelsOf(l)!);
      const first = canonical(BigInt(va as number), bits);
      const last = canonical(BigInt(va as number) + BigInt(size as number) - 1n, bits);
      expect(r).toBe(`${hex16(first)}-${hex16(last)}`);
    },
  },
  isCanonical: {
    args: fc.tuple(anyU64, anyLevels),
    valid: ([v, l]) => isU64(v) && levelsOf(l) !== undefined,
    check: (r, [v, l]) => expect(r).toBe(isCanonicalRef(v as bigint, bitsOf(levelsOf(l)!))),
  },
  linearFromCanonical: {
    args: fc.tuple(anyU64, anyLevels),
    valid: ([v, l]) => isU64(v) && levelsOf(l) !== undefined,
    check: (r, [v, l]) => {
      const bits = bitsOf(levelsOf(l)!);
      const u = v as bigint;
      expect(r).toBe(isCanonicalRef(u, bits) ? Number(BigInt.asUintN(bits, u)) : -1);
    },
  },
  linearFromHalves: {
    args: fc.tuple(
      fc.oneof(
        fc.constantFrom(
          0,
          0x7fff,
          0x8000,
          0xffff,
          0xffff_8000,
          0xffff_ffff,
          0xff00_0000,
          0x00ff_ffff,
        ),
        anyNumber,
      ),
      fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), anyNumber),
      anyLevels,
    ),
    valid: ([hi, lo, l]) => isU32(hi) && isU32(lo) && levelsOf(l) !== undefined,
    check: (r, [hi, lo, l]) => {
      const bits = bitsOf(levelsOf(l)!);
      const u = (BigInt(hi as number) << 32n) | BigInt(lo as number);
      expect(r).toBe(isCanonicalRef(u, bits) ? Number(BigInt.asUintN(bits, u)) : -1);
    },
  },
  isUpperHalf: {
    args: fc.tuple(
      fc.oneof(anyNumber, fc.constantFrom(2 ** 47 - 1, 2 ** 47, 2 ** 48, 2 ** 56)),
      anyLevels,
    ),
    valid: ([va, l]) => linearOk(va, l),
    check: (r, [va, l]) => expect(r).toBe((va as number) >= 2 ** (bitsOf(levelsOf(l)!) - 1)),
  },
  newLeaf: {
    args: fc.tuple(),
    total: true,
    check: (r) => {
      expect(r).toEqual({ ok: true, va: 0, pa: 0, size: SIZE_4K, flags: 0 });
      expect(r).not.toBe(pkg.newLeaf());
    },
  },
  PageTableOutOfMemoryError: {
    args: fc.tuple(fc.anything()),
    total: true,
    check: (r) => {
      expect(r).toBeInstanceOf(Error);
      expect((r as PageTableOutOfMemoryError).errno).toBe('ENOMEM');
    },
  },
  WalkInfo: {
    args: fc.tuple(fc.anything()),
    total: true,
    check: (r) => expect((r as WalkInfo).status).toBe(WalkStatus.NOT_PRESENT),
  },

  // Unchecked hot-path helpers.
  leafLo4K: unchecked(
    fc.tuple(fc.oneof(aPa4K, anyNumeric), anyFlags),
    ([pa, f]) => is4KPa(pa) && validFlags(f),
    (r, [pa, f]) => {
      const hi = pkg.leafHi(pa as number, f as number);
      expect(pkg.flagsOf4K(r as number, hi)).toBe(f);
      expect(pkg.entryAddress(r as number, hi, 0xfffff, 12)).toBe(pa);
    },
  ),
  leafLoHuge: unchecked(
    fc.tuple(fc.oneof(aPa2M, anyNumeric), anyFlags),
    ([pa, f]) => isHugePa(pa) && validFlags(f),
    (r, [pa, f]) => {
      const hi = pkg.leafHi(pa as number, f as number);
      expect(((r as number) & 0x80) !== 0).toBe(true);
      expect(pkg.flagsOfHuge(r as number, hi)).toBe(f);
      expect(pkg.entryAddress(r as number, hi, 0xfffff, 21)).toBe(pa);
    },
  ),
  leafLo: unchecked(
    fc.tuple(fc.oneof(fc.constantFrom(1, 2, 3), anyNumeric), fc.oneof(aPa2M, anyNumeric), anyFlags),
    ([level, pa, f]) =>
      (level === 1 || level === 2 || level === 3) && isHugePa(pa) && validFlags(f),
    (r, [level, pa, f]) => {
      const hi = pkg.leafHi(pa as number, f as number);
      expect(pkg.flagsOfLeaf(level as number, r as number, hi)).toBe(f);
    },
  ),
  leafHi: unchecked(
    fc.tuple(fc.oneof(aPa4K, anyNumeric), anyFlags),
    ([pa, f]) => is4KPa(pa) && validFlags(f),
    (r, [pa, f]) => {
      expect(isU32Result(r)).toBe(true);
      expect((r as number) >>> 20).toBe((f as number) >>> 12);
      expect((r as number) & 0xfffff).toBe(Math.floor((pa as number) / 2 ** 32));
    },
  ),
  flagsOf4K: unchecked(
    fc.tuple(
      fc.oneof(
        u32Pair.map(([a]) => a),
        anyNumeric,
      ),
      fc.oneof(
        u32Pair.map(([, b]) => b),
        anyNumeric,
      ),
    ),
    ([lo, hi]) => isU32(lo) && isU32(hi),
    (r, [lo, hi]) =>
      expect(r).toBe(((lo as number) & 0xfff) + Math.floor((hi as number) / 2 ** 20) * 0x1000),
  ),
  flagsOfHuge: unchecked(
    fc.tuple(
      fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), anyNumeric),
      fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), anyNumeric),
    ),
    ([lo, hi]) => isU32(lo) && isU32(hi),
    (r, [lo, hi]) => {
      const l = lo as number;
      const pat = Math.floor(l / 0x1000) % 2;
      expect(r).toBe(
        (l % 0x80) +
          (Math.floor(l / 0x100) % 16) * 0x100 +
          pat * 0x80 +
          Math.floor((hi as number) / 2 ** 20) * 0x1000,
      );
    },
  ),
  flagsOfLeaf: unchecked(
    fc.tuple(
      fc.oneof(fc.constantFrom(1, 2, 3), anyNumeric),
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    ),
    ([level, lo, hi]) => (level === 1 || level === 2 || level === 3) && isU32(lo) && isU32(hi),
    (r, [level, lo, hi]) =>
      expect(r).toBe(
        level === 1
          ? pkg.flagsOf4K(lo as number, hi as number)
          : pkg.flagsOfHuge(lo as number, hi as number),
      ),
  ),
  entryAddress: unchecked(
    fc.tuple(
      fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), anyNumeric),
      fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), anyNumeric),
      fc.oneof(fc.constantFrom(0xfffff, 0xff, 0), anyNumeric),
      fc.oneof(fc.constantFrom(12, 21, 30), anyNumeric),
    ),
    ([lo, hi, mask, shift]) =>
      isU32(lo) &&
      isU32(hi) &&
      (mask === 0xfffff || mask === 0xff || mask === 0) &&
      (shift === 12 || shift === 21 || shift === 30),
    (r, [lo, hi, mask, shift]) => {
      const low =
        BigInt(lo as number) & (((1n << 32n) - 1n) ^ ((1n << BigInt(shift as number)) - 1n));
      expect(BigInt(r as number)).toBe((BigInt((hi as number) & (mask as number)) << 32n) | low);
    },
  ),
  tableLo: unchecked(
    fc.tuple(
      fc.oneof(fc.integer({ min: 0, max: 2 ** 40 - 1 }), anyNumeric),
      fc.oneof(fc.integer({ min: 0, max: 0xfff }), anyNumeric),
    ),
    ([pfn, f]) => isNat(pfn) && pfn < 2 ** 40 && isInt(f) && f >= 0 && f <= 0xfff,
    (r, [pfn, f]) => {
      const hi = pkg.tableHi(pfn as number);
      expect(pkg.entryAddress(r as number, hi, 0xfffff, 12)).toBe((pfn as number) * SIZE_4K);
      expect((r as number) & 0xfff).toBe(f);
    },
  ),
  tableHi: unchecked(
    fc.tuple(fc.oneof(fc.integer({ min: 0, max: 2 ** 40 - 1 }), anyNumeric)),
    ([pfn]) => isNat(pfn) && pfn < 2 ** 40,
    (r, [pfn]) => expect(r).toBe(Math.floor((pfn as number) / 2 ** 20)),
  ),
  tableIndex: unchecked(
    fc.tuple(
      fc.oneof(fc.maxSafeNat(), anyNumeric),
      fc.oneof(fc.integer({ min: 1, max: 5 }), anyNumeric),
    ),
    ([va, level]) => isNat(va) && isInt(level) && level >= 1 && level <= 5,
    (r, [va, level]) =>
      expect(BigInt(r as number)).toBe(
        (BigInt(va as number) >> BigInt(12 + 9 * ((level as number) - 1))) % 512n,
      ),
  ),
  vaBitsFor: unchecked(
    fc.tuple(anyLevels),
    ([l]) => l === 4 || l === 5,
    (r, [l]) => expect(r).toBe(l === 5 ? 57 : 48),
  ),
  pkeyOf: unchecked(
    fc.tuple(anyFlags),
    ([f]) => validFlags(f),
    (r, [f]) => expect(r).toBe(Math.floor((f as number) / 2 ** 19) % 16),
  ),
  pageFaultResult: unchecked(
    fc.tuple(fc.oneof(fc.integer({ min: 0, max: 63 }), anyNumeric)),
    ([c]) => isInt(c) && c >= 0 && c <= 63,
    (r, [c]) => {
      expect(pkg.isPageFault(r as number)).toBe(true);
      expect(pkg.pageFaultErrorCode(r as number)).toBe(c);
    },
  ),
  pageFaultErrorCode: unchecked(
    fc.tuple(fc.oneof(fc.integer({ min: -64, max: -1 }), anyNumeric)),
    ([r]) => isInt(r) && r >= -64 && r <= -1,
    (code, [r]) => expect(code).toBe(-1 - (r as number)),
  ),
  isPageFault: unchecked(
    fc.tuple(fc.oneof(fc.integer({ min: -70, max: 70 }), fc.constant(TRANSLATE_GP), anyNumeric)),
    ([r]) => isInt(r),
    (b, [r]) =>
      expect(b).toBe(
        (r as number) < 0 && (r as number) !== TRANSLATE_GP && (r as number) > TRANSLATE_GP,
      ),
  ),
  describeTranslateResult: unchecked(
    fc.tuple(
      fc.oneof(fc.integer({ min: -64, max: 2 ** 40 }), fc.constant(TRANSLATE_GP), anyNumeric),
    ),
    ([r]) => isInt(r) && (r >= -64 || r === TRANSLATE_GP),
    (s, [r]) => {
      const v = r as number;
      if (v >= 0) expect(s).toBe(`pa=0x${v.toString(16)}`);
      else if (v === TRANSLATE_GP) expect(s).toBe('#GP(0) non-canonical');
      else expect((s as string).startsWith(`#PF(0x${(-1 - v).toString(16)}`)).toBe(true);
    },
  ),
  accessErrorBits: unchecked(
    fc.tuple(anyAccess, fc.oneof(aControl, fc.constantFrom<unknown>(undefined, null))),
    ([a, c]) => validAccess(a) && isControl(c),
    (r, [a, c]) => {
      const access = a as number;
      const control = c as PagingControl;
      const fetchBit = (access & 2) !== 0 && (control.smep || control.nxe) ? 0x10 : 0;
      expect(r).toBe(((access & 1) !== 0 ? 2 : 0) | ((access & 4) !== 0 ? 4 : 0) | fetchBit);
    },
  ),
  accessFaultCode: unchecked(
    fc.tuple(
      anyAccess,
      fc.oneof(fc.integer({ min: 0, max: 7 }), anyNumeric),
      fc.oneof(aControl, fc.constantFrom<unknown>(undefined, null)),
    ),
    ([a, rights, c]) =>
      validAccess(a) && isInt(rights) && rights >= 0 && rights <= 7 && isControl(c),
    (r, [a, rights, c]) => {
      const code = r as number;
      // 0, or a protection fault: P set, the access's own bits, nothing else.
      if (code !== 0) expect(code).toBe(1 | pkg.accessErrorBits(a as number, c as PagingControl));
      // Full rights (writable, user, executable) never fault a user access.
      if (rights === 3 && ((a as number) & 4) !== 0) expect(code).toBe(0);
    },
  ),
  pkeyDeniedKeys: unchecked(
    fc.tuple(anyAccess, fc.oneof(aControl, fc.constantFrom<unknown>(undefined, null))),
    ([a, c]) => validAccess(a) && isControl(c),
    (r, [a, c]) => {
      const control = c as PagingControl;
      expect(isU32(r)).toBe(true);
      if (!control.pke || ((a as number) & 2) !== 0) expect(r).toBe(0);
      // A key with AD set denies every data access.
      for (let k = 0; k < 16; k++) {
        if (control.pke && ((a as number) & 2) === 0 && ((control.pkru >>> (2 * k)) & 1) === 1) {
          expect(((r as number) >>> k) & 1).toBe(1);
        }
      }
    },
  ),
} satisfies Record<keyof typeof pkg, Case | typeof CONSTANT | typeof SEQUENCE>;

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
        fc.property(c.args, (args) => {
          tried++;
          const what = `${name}(${show(args)})`;
          const call = () =>
            isClass
              ? new (value as unknown as new (...a: unknown[]) => unknown)(...args)
              : value(...args);
          if (c.total) {
            c.check?.(call(), args);
            return;
          }
          const out = attempt(what, call, {
            wrongType: c.wrongType?.(args) ?? false,
          });
          if (c.unchecked !== undefined) {
            // Defined input must give an answer; hostile input may give anything but a crash.
            if (c.unchecked(args)) expect(out.threw, what).toBe(false);
          } else if (c.valid !== undefined) {
            expect(
              out.threw,
              `${what}: ${out.threw ? 'threw on valid input' : 'accepted invalid input'}`,
            ).toBe(!c.valid(args));
          }
          if (!out.threw) c.check?.(out.value, args);
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });
  }
});

// ------------------------------------------------------------- page tables

/** A frame source with a budget, to reach OUT_OF_MEMORY in the middle of operations. */
class BudgetFrames extends CountingFrames {
  constructor(private readonly budget: number) {
    super(0x100);
  }
  override allocate(): number | { readonly errno: 'ENOMEM' } {
    if (this.inUse >= this.budget) return { errno: 'ENOMEM' };
    return super.allocate();
  }
}

interface PtFixture {
  readonly pt: PageTable;
  readonly frames: BudgetFrames;
  readonly memory: MapMemory;
  readonly vaLimit: number;
  readonly paLimit: number;
  destroyed: boolean;
}

type LeafRecord = { va: number; pa: number; size: number; flags: number };

function leavesOf(pt: PageTable): LeafRecord[] {
  return [...pt.mappings()].map(({ va, pa, size, flags }) => ({ va, pa, size, flags }));
}

/** The leaf holding `addr`, if any (leaves in address order, as mappings() lists them). */
function leafAt(leaves: readonly LeafRecord[], addr: number): LeafRecord | undefined {
  let lo = 0;
  let hi = leaves.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const l = leaves[mid];
    if (addr < l.va) hi = mid - 1;
    else if (addr >= l.va + l.size) lo = mid + 1;
    else return l;
  }
  return undefined;
}

/** What page `addr` maps to: [pa, flags], or null. */
function pageAt(leaves: readonly LeafRecord[], addr: number): [number, number] | null {
  const l = leafAt(leaves, addr);
  return l === undefined ? null : [l.pa + (addr - l.va), l.flags];
}

/** Page addresses worth comparing around a range: every leaf's edges, the range's edges, a few inside. */
function probes(
  before: readonly LeafRecord[],
  after: readonly LeafRecord[],
  va: number,
  size: number,
  limit: number,
): number[] {
  const set = new Set<number>();
  const add = (a: number) => {
    if (a >= 0 && a < limit) set.add(a - (a % SIZE_4K));
  };
  for (const l of [...before, ...after]) {
    add(l.va);
    add(l.va + l.size - SIZE_4K);
    add(l.va + l.size);
  }
  for (const a of [va - SIZE_4K, va, va + SIZE_4K, va + size - SIZE_4K, va + size]) add(a);
  for (let k = 1; k < 8; k++) add(va + Math.floor((size * k) / 8));
  return [...set];
}

/**
 * The first probed page whose mapping after the call is not `expected(page, before)`,
 * described, or null. (One expect per call: expect in the loop is the slow part.)
 */
function pageMismatch(
  before: readonly LeafRecord[],
  after: readonly LeafRecord[],
  va: number,
  size: number,
  limit: number,
  expected: (page: number, old: [number, number] | null) => [number, number] | null,
): string | null {
  for (const p of probes(before, after, va, size, limit)) {
    const want = expected(p, pageAt(before, p));
    const got = pageAt(after, p);
    if (want === null ? got !== null : got === null || got[0] !== want[0] || got[1] !== want[1]) {
      return `page 0x${p.toString(16)}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
    }
  }
  return null;
}

/**
 * The state a failed call must leave alone: table and frame counts and the words of
 * every table frame in use (raw, so a changed non-leaf bit shows too).
 */
function ptSnapshot(f: PtFixture): string {
  const live = [...(f.frames as unknown as { live: Set<number> }).live].sort((a, b) => a - b);
  const parts = [`${f.destroyed} ${f.destroyed ? 0 : f.pt.tableCount} ${f.frames.inUse}`];
  for (const pfn of live) {
    // FNV-1a over the words: cheaper to compare than the dump, and as exact in practice.
    let h = 0x811c9dc5;
    for (const w of f.memory.frameWords(pfn)) h = Math.imul(h ^ w, 0x01000193) >>> 0;
    parts.push(`${pfn}:${h}`);
  }
  return parts.join(' ');
}

const REGIONS = [
  0,
  SIZE_2M,
  SIZE_1G,
  2 ** 39,
  2 ** 47 - SIZE_1G,
  2 ** 47,
  2 ** 48 - 2 * SIZE_1G,
  2 ** 56,
  2 ** 57 - SIZE_1G,
];

/** A linear address: page aligned in a few regions (so calls meet), or hostile. */
const vaArg: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.constantFrom(...REGIONS), fc.integer({ min: 0, max: 1100 }))
      .map(([base, page]) => base + page * SIZE_4K),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...REGIONS),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom(SIZE_2M, SIZE_1G),
      )
      .map(([base, k, s]) => base + k * s),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      1,
      SIZE_4K + 1,
      2 ** 48,
      2 ** 57,
      2 ** 48 - SIZE_4K,
      2 ** 57 - SIZE_4K,
      -0,
    ),
  },
  { weight: 2, arbitrary: badNumber },
);
const paArg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 4096 }).map((n) => n * SIZE_2M) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 2 ** 20 }).map((n) => n * SIZE_4K) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 40, 2 ** 52 - SIZE_4K, 2 ** 52, 2 ** 53, 100) },
  { weight: 1, arbitrary: badNumber },
);
const sizeArg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 600 }).map((n) => n * SIZE_4K) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(SIZE_2M, 2 * SIZE_2M, SIZE_1G, SIZE_1G + SIZE_2M, 2 ** 47, 2 ** 48),
  },
  { weight: 1, arbitrary: fc.constantFrom(0, SIZE_4K - 1, SIZE_4K + 1, 2 ** 57) },
  { weight: 1, arbitrary: badNumber },
);
// mapRegion plans every table a range needs before allocating any, one entry at a
// time: 2^47 bytes of 4 KiB pages take 13 s to answer OUT_OF_MEMORY (reported, see
// the todo below), so its sizes stay below 2^33 here; the other region operations
// skip absent subtrees and get every size.
const mapSizeArg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 600 }).map((n) => n * SIZE_4K) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(SIZE_2M, 2 * SIZE_2M, SIZE_1G, SIZE_1G + SIZE_2M, 2 ** 32),
  },
  { weight: 1, arbitrary: fc.constantFrom(0, SIZE_4K - 1, SIZE_4K + 1, 2 ** 57 + SIZE_4K) },
  { weight: 1, arbitrary: badNumber },
);
const pageSizeArg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(SIZE_4K, SIZE_4K, SIZE_4K, SIZE_2M, SIZE_1G) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(0, 8192, 2 ** 39, '4096', undefined) },
);
const changeArg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ set: anyFlags, clear: anyFlags }, { requiredKeys: [] }) },
  { weight: 2, arbitrary: fc.record({ flags: anyFlags }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null, 5, { flags: 1, set: 2 }, {}) },
);
const rangeArg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.record({ va: vaArg, size: sizeArg }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 5, 'x') },
);
const leafOut: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(undefined, undefined, 'leaf');
type Transform =
  | 'identity'
  | 'readonly'
  | 'skip'
  | 'bad'
  | 'bad-later'
  | 'throws'
  | 'not-a-function';
const transformArg: fc.Arbitrary<Transform | undefined> = fc.constantFrom(
  undefined,
  'identity',
  'readonly',
  'skip',
  'bad',
  'bad-later',
  'throws',
  'not-a-function',
);

class CallbackError extends Error {}

function transformFn(t: Transform | undefined): unknown {
  switch (t) {
    case undefined:
      return undefined;
    case 'identity':
      return (_va: number, _pa: number, _s: number, flags: number) => flags;
    case 'readonly':
      return (_va: number, _pa: number, _s: number, flags: number) => flags & ~PTE.WRITABLE;
    case 'skip':
      return () => -1;
    case 'bad':
      return () => 0x100_0000;
    case 'bad-later': {
      // Good flags for the first leaf, bad ones after: a failure half way.
      let calls = 0;
      return (_va: number, _pa: number, _s: number, flags: number) =>
        calls++ === 0 ? flags & ~PTE.WRITABLE : 0x100_0000;
    }
    case 'throws':
      return () => {
        throw new CallbackError('from the callback');
      };
    default:
      return 5;
  }
}

interface PtCall {
  readonly args: fc.Arbitrary<readonly unknown[]>;
  /** Checks the outcome against the leaves before the call (and the fixture after it). */
  readonly check: (
    f: PtFixture,
    before: readonly LeafRecord[],
    args: readonly unknown[],
    out: Outcome,
    collected: readonly number[],
  ) => void;
  /** Errors thrown by the caller's own callbacks propagate (and still change nothing). */
  readonly callbackErrors?: boolean;
}

const vaOk = (f: PtFixture, va: unknown, align: number): va is number =>
  isNat(va) && va < f.vaLimit && va % align === 0;
const regionOk = (f: PtFixture, va: unknown, size: unknown): boolean =>
  vaOk(f, va, SIZE_4K) && isNat(size) && size > 0 && size % SIZE_4K === 0 && va + size <= f.vaLimit;
const changeOk = (c: unknown): boolean => {
  if (typeof c !== 'object' || c === null) return false;
  if ('flags' in c)
    return !('set' in c) && !('clear' in c) && validFlags((c as { flags: unknown }).flags);
  const set = (c as { set?: unknown }).set ?? 0;
  const clear = (c as { clear?: unknown }).clear ?? 0;
  return validFlags(set) && validFlags(clear) && (set & clear) === 0;
};
const applyChange = (c: unknown, old: number): number => {
  if ('flags' in (c as object)) return (c as { flags: number }).flags;
  const { set = 0, clear = 0 } = c as { set?: number; clear?: number };
  return ((old & ~clear) | set) & 0xff_ffff;
};
const rangeOf = (f: PtFixture, r: unknown): [number, number] | undefined => {
  const va = (r as { va?: unknown } | undefined)?.va ?? 0;
  const size = (r as { size?: unknown } | undefined)?.size ?? f.vaLimit - (va as number);
  if (r !== undefined && r !== null && typeof r !== 'object') {
    // A primitive has no va/size: the whole space.
    return [0, f.vaLimit];
  }
  // null reads as absent (the package reads ranges with ?.): the whole space.
  return regionOk(f, va, size) ? [va as number, (va as number) + (size as number)] : undefined;
};
const isEmptyEntry = (pa: number, flags: number, size: number) =>
  pa === 0 && flags === 0 && size === SIZE_4K;

/** Expected failure results, as frozen singletons. */
const FAILURES = new Set<unknown>([ALREADY_MAPPED, HUGE_PAGE_CONFLICT, OUT_OF_MEMORY, NOT_MAPPED]);

function expectThrew(out: Outcome, expected: boolean, what: string): void {
  expect(
    out.threw,
    `${what}: ${out.threw ? 'threw on valid input' : 'accepted invalid input'}`,
  ).toBe(expected);
}

const PT_CALLS: { readonly [K in Methods<PageTable>]: PtCall } = {
  cr3: {
    args: fc.tuple(
      fc.oneof(
        fc.constant(undefined),
        fc.record(
          { pcid: fc.oneof(fc.integer({ min: -1, max: 4096 }), badNumber) },
          { requiredKeys: [] },
        ),
      ),
    ),
    check: (f, _b, [o], out) => {
      const pcid = (o as { pcid?: unknown } | undefined)?.pcid ?? 0;
      expectThrew(out, !(isInt(pcid) && pcid >= 0 && pcid <= 0xfff), 'cr3');
      if (!out.threw) expect(out.value).toBe(f.pt.rootPfn * SIZE_4K + (pcid as number));
    },
  },
  translate: {
    args: fc.tuple(vaArg, anyAccess),
    check: (f, before, [va, access], out) => {
      const what = `translate(${show([va, access])})`;
      // A number at or above 2^vaBits is a non-canonical address: #GP, not an error.
      const gp = isInt(va) && va >= f.vaLimit;
      expectThrew(out, !(validAccess(access) && ((isNat(va) && va < f.vaLimit) || gp)), what);
      if (out.threw) return;
      const r = out.value as number;
      if (gp) return void expect(r).toBe(TRANSLATE_GP);
      const leaf = leafAt(before, va as number);
      if (r >= 0) {
        // An answer needs a present leaf, and it is that leaf's frame plus the offset.
        expect(leaf !== undefined && (leaf.flags & PTE.PRESENT) !== 0, what).toBe(true);
        expect(r).toBe(leaf!.pa + ((va as number) - leaf!.va));
      } else {
        expect(pkg.isPageFault(r), what).toBe(true);
        const present = leaf !== undefined && (leaf.flags & PTE.PRESENT) !== 0;
        expect((pkg.pageFaultErrorCode(r) & 1) !== 0, what).toBe(present);
      }
    },
  },
  map: {
    args: fc.tuple(vaArg, paArg, pageSizeArg, anyFlags),
    check: (f, before, [va, pa, size, flags], out) => {
      const what = `map(${show([va, pa, size, flags])})`;
      const sizeOk = size === SIZE_4K || size === SIZE_2M || size === SIZE_1G;
      const valid =
        sizeOk &&
        vaOk(f, va, size as number) &&
        isNat(pa) &&
        pa < f.paLimit &&
        pa % (size as number) === 0 &&
        validFlags(flags) &&
        !isEmptyEntry(pa, flags, size as number);
      expectThrew(out, !valid, what);
      if (out.threw) return;
      const v = (va as number) + 0; // -0 is address 0
      const s = size as number;
      const covering = before.find((l) => l.va <= v && v < l.va + l.size && l.size > s);
      const inside = before.some((l) => l.va < v + s && v < l.va + l.size);
      const after = leavesOf(f.pt);
      if (covering !== undefined) expect(out.value, what).toBe(HUGE_PAGE_CONFLICT);
      else if (inside) expect(out.value, what).toBe(ALREADY_MAPPED);
      else if (out.value !== OUT_OF_MEMORY) {
        expect(out.value, what).toBe(OK);
        expect(after).toEqual(
          sortLeaves([...before, { va: v, pa: pa as number, size: s, flags: flags as number }]),
        );
      }
    },
  },
  query: {
    args: fc.tuple(vaArg, leafOut),
    check: (f, before, [va], out) => {
      const what = `query(${show([va])})`;
      expectThrew(out, !vaOk(f, va, 1), what);
      if (out.threw) return;
      const leaf = leafAt(before, va as number);
      if (leaf === undefined) expect(out.value, what).toBe(NOT_MAPPED);
      else expect({ ...(out.value as Leaf) }, what).toEqual({ ok: true, ...leaf });
    },
  },
  unmap: {
    args: fc.tuple(vaArg, leafOut),
    check: (f, before, [va], out) => {
      const what = `unmap(${show([va])})`;
      expectThrew(out, !vaOk(f, va, 1), what);
      if (out.threw) return;
      const leaf = leafAt(before, va as number);
      if (leaf === undefined) return void expect(out.value, what).toBe(NOT_MAPPED);
      expect({ ...(out.value as Leaf) }, what).toEqual({ ok: true, ...leaf });
      expect(leavesOf(f.pt)).toEqual(before.filter((l) => l !== leaf));
    },
  },
  changeFlags: {
    args: fc.tuple(vaArg, anyFlags),
    check: (f, before, [va, flags], out) =>
      protectCheck(f, before, va, { flags }, out, validFlags(flags)),
  },
  protect: {
    args: fc.tuple(vaArg, changeArg),
    check: (f, before, [va, change], out) =>
      protectCheck(f, before, va, change, out, changeOk(change)),
  },
  remap: {
    args: fc.tuple(vaArg, paArg, anyFlags),
    check: (f, before, [va, pa, flags], out) => {
      const what = `remap(${show([va, pa, flags])})`;
      const argsOk = vaOk(f, va, 1) && isNat(pa) && pa < f.paLimit && validFlags(flags);
      const leaf = argsOk ? leafAt(before, va) : undefined;
      // Refused once the leaf is known: pa not aligned to its size, or an empty entry.
      const refused =
        leaf !== undefined &&
        ((pa as number) % leaf.size !== 0 ||
          isEmptyEntry(pa as number, flags as number, leaf.size));
      expectThrew(out, !argsOk || refused, what);
      if (out.threw) return;
      if (leaf === undefined) return void expect(out.value, what).toBe(NOT_MAPPED);
      expect(out.value, what).toBe(OK);
      expect(leavesOf(f.pt)).toEqual(
        before.map((l) => (l === leaf ? { ...l, pa: pa as number, flags: flags as number } : l)),
      );
    },
  },
  mapRegion: {
    args: fc.tuple(
      vaArg,
      paArg,
      mapSizeArg,
      anyFlags,
      fc.oneof(
        fc.constant(undefined),
        fc.record(
          { huge: fc.constantFrom<unknown>(true, false, 1, undefined), maxPageSize: pageSizeArg },
          { requiredKeys: [] },
        ),
      ),
    ),
    check: (f, before, [va, pa, size, flags, options], out) => {
      const what = `mapRegion(${show([va, pa, size, flags, options])})`;
      const max = (options as { maxPageSize?: unknown } | undefined)?.maxPageSize;
      const valid =
        regionOk(f, va, size) &&
        isNat(pa) &&
        pa % SIZE_4K === 0 &&
        pa + (size as number) <= f.paLimit &&
        validFlags(flags) &&
        !(pa === 0 && flags === 0) &&
        (max === undefined || max === SIZE_4K || max === SIZE_2M || max === SIZE_1G);
      expectThrew(out, !valid, what);
      if (out.threw) return;
      const v = (va as number) + 0; // -0 is address 0
      const s = size as number;
      const overlapping = before.filter((l) => l.va < v + s && v < l.va + l.size);
      if (overlapping.length > 0) {
        expect([ALREADY_MAPPED, HUGE_PAGE_CONFLICT], what).toContain(out.value);
        return;
      }
      if (out.value === OUT_OF_MEMORY) return;
      expect(out.value, what).toBe(OK);
      // Every page of the range maps linearly with the flags; nothing else changed.
      const after = leavesOf(f.pt);
      const huge =
        (options as { huge?: unknown } | undefined)?.huge === true ||
        (max !== undefined && max !== SIZE_4K);
      if (!huge) {
        expect(
          after.some((l) => l.va >= v && l.va < v + s && l.size !== SIZE_4K),
          what,
        ).toBe(false);
      }
      const mapped = (p: number, old: [number, number] | null): [number, number] | null =>
        p >= v && p < v + s ? [(pa as number) + (p - v), flags as number] : old;
      expect(pageMismatch(before, after, v, s, f.vaLimit, mapped), what).toBe(null);
    },
  },
  unmapRegion: {
    args: fc.tuple(
      vaArg,
      sizeArg,
      fc.constantFrom<unknown>(
        undefined,
        {},
        { onRemoved: 'count' },
        { onRemoved: 'count' },
        { onRemoved: 5 },
        null,
      ),
    ),
    check: (f, before, [va, size, options], out, collected) => {
      const what = `unmapRegion(${show([va, size, options])})`;
      const cb = (options as { onRemoved?: unknown } | null | undefined)?.onRemoved;
      const valid = regionOk(f, va, size) && (cb === undefined || cb === 'count');
      if (out.threw && out.error instanceof CallbackError) return;
      expectThrew(out, !valid, what);
      if (out.threw || out.value === OUT_OF_MEMORY) return;
      expect(out.value, what).toBe(OK);
      const v = (va as number) + 0; // -0 is address 0
      const s = size as number;
      const after = leavesOf(f.pt);
      const removed = (p: number, old: [number, number] | null) =>
        p >= v && p < v + s ? null : old;
      expect(pageMismatch(before, after, v, s, f.vaLimit, removed), what).toBe(null);
      // onRemoved saw every removed byte, once: the mapped part of the range.
      if (cb === 'count') {
        const mapped = before.reduce(
          (sum, l) => sum + Math.max(0, Math.min(v + s, l.va + l.size) - Math.max(v, l.va)),
          0,
        );
        expect(
          collected.reduce((a, b) => a + b, 0),
          what,
        ).toBe(mapped);
      }
    },
  },
  protectRegion: {
    args: fc.tuple(vaArg, sizeArg, changeArg),
    check: (f, before, [va, size, change], out) => {
      const what = `protectRegion(${show([va, size, change])})`;
      expectThrew(out, !(regionOk(f, va, size) && changeOk(change)), what);
      if (out.threw || out.value === OUT_OF_MEMORY) return;
      expect(out.value, what).toBe(OK);
      const v = (va as number) + 0; // -0 is address 0
      const s = size as number;
      const after = leavesOf(f.pt);
      const changed = (p: number, old: [number, number] | null): [number, number] | null =>
        old === null || p < v || p >= v + s ? old : [old[0], applyChange(change, old[1])];
      expect(pageMismatch(before, after, v, s, f.vaLimit, changed), what).toBe(null);
    },
  },
  forEachMapping: {
    args: fc.tuple(
      fc.constantFrom<unknown>('collect', 'collect', 'throws', 5, undefined),
      rangeArg,
    ),
    callbackErrors: true,
    check: (f, before, [cb, range], out, collected) => {
      if (out.threw && out.error instanceof CallbackError) return;
      const r = rangeOf(f, range);
      const what = `forEachMapping(${show([cb, range])})`;
      expectThrew(out, !(r !== undefined && (cb === 'collect' || cb === 'throws')), what);
      if (out.threw || cb !== 'collect') return;
      const [s, e] = r!;
      expect(collected, what).toEqual(
        before.filter((l) => l.va < e && s < l.va + l.size).map((l) => l.va),
      );
    },
  },
  mappings: {
    args: fc.tuple(rangeArg),
    check: (f, before, [range], out) => {
      const r = rangeOf(f, range);
      expectThrew(out, r === undefined, `mappings(${show([range])})`);
      if (out.threw) return;
      const [s, e] = r!;
      expect(out.value).toEqual(
        before.filter((l) => l.va < e && s < l.va + l.size).map((l) => ({ ok: true, ...l })),
      );
    },
  },
  clone: {
    args: fc.tuple(
      fc.oneof(
        fc.constant(undefined),
        fc.record(
          {
            transform: transformArg,
            parentTransform: transformArg,
            frames: fc.constantFrom<unknown>(undefined, 'empty', {}),
          },
          { requiredKeys: [] },
        ),
      ),
    ),
    callbackErrors: true,
    check: (f, before, [options], out) => {
      const what = `clone(${show([options])})`;
      if (out.threw && out.error instanceof CallbackError) return;
      const o = (options ?? {}) as {
        transform?: unknown;
        parentTransform?: unknown;
        frames?: unknown;
      };
      // The arguments here are the markers resolved by resolvePtArgs.
      const fnOk = (t: unknown) => t !== 'not-a-function';
      if (
        !fnOk(o.transform) ||
        !fnOk(o.parentTransform) ||
        (o.frames !== undefined && o.frames !== 'empty')
      ) {
        expectThrew(out, true, what);
        return;
      }
      if (out.threw) {
        // Only a transform that gives bad flags, or a parentTransform that would empty
        // the entry of frame 0, may refuse (RangeError; the table is compared below).
        const failing = (t: unknown) => t === 'bad' || t === 'bad-later';
        const empties =
          (o.parentTransform === 'readonly' || o.parentTransform === 'bad-later') &&
          before.some((l) => isEmptyEntry(l.pa, l.flags & ~PTE.WRITABLE, l.size));
        expect(failing(o.transform) || failing(o.parentTransform) || empties, what).toBe(true);
        return;
      }
      if (out.value === OUT_OF_MEMORY) return;
      const child = out.value as PageTable;
      // What each transform does to a leaf (the failing ones only succeed before they fail).
      const apply = (t: unknown, leaves: readonly LeafRecord[]): LeafRecord[] =>
        t === 'skip'
          ? []
          : t === 'readonly' || t === 'bad-later'
            ? leaves
                .map((l) => ({ ...l, flags: l.flags & ~PTE.WRITABLE }))
                .filter((l) => !isEmptyEntry(l.pa, l.flags, l.size))
            : [...leaves];
      expect(leavesOf(child), what).toEqual(apply(o.transform, before));
      const parent = o.parentTransform === 'skip' ? before : apply(o.parentTransform, before);
      expect(leavesOf(f.pt), what).toEqual(parent);
      child.checkInvariants();
      child.destroy();
    },
  },
  destroy: {
    args: fc.tuple(fc.constantFrom<unknown>(undefined, {}, { onLeaf: 'count' }, { onLeaf: 5 })),
    check: (f, before, [options], out, collected) => {
      const cb = (options as { onLeaf?: unknown } | undefined)?.onLeaf;
      expectThrew(out, !(cb === undefined || cb === 'count'), `destroy(${show([options])})`);
      if (out.threw) return;
      if (cb === 'count') expect(collected).toEqual(before.map((l) => l.size));
      f.destroyed = true;
      expect(f.frames.inUse).toBe(0);
      expect(f.pt.destroyed).toBe(true);
    },
  },
  checkInvariants: {
    args: fc.tuple(),
    check: (_f, _b, _a, out) => expectThrew(out, false, 'checkInvariants'),
  },
  dump: {
    args: fc.tuple(rangeArg),
    check: (f, _before, [range], out) => {
      expectThrew(out, rangeOf(f, range) === undefined, `dump(${show([range])})`);
      if (!out.threw) expect(typeof out.value).toBe('string');
    },
  },
};

function sortLeaves(leaves: LeafRecord[]): LeafRecord[] {
  return [...leaves].sort((a, b) => a.va - b.va);
}

function protectCheck(
  f: PtFixture,
  before: readonly LeafRecord[],
  va: unknown,
  change: unknown,
  out: Outcome,
  changeValid: boolean,
): void {
  const what = `protect(${show([va, change])})`;
  const leaf = vaOk(f, va, 1) ? leafAt(before, va) : undefined;
  // Documented refusal: flags 0 on the 4 KiB page at frame 0 would empty the entry.
  const empties =
    leaf !== undefined &&
    changeValid &&
    isEmptyEntry(leaf.pa, applyChange(change, leaf.flags), leaf.size);
  expectThrew(out, !(vaOk(f, va, 1) && changeValid) || empties, what);
  if (out.threw) return;
  if (leaf === undefined) return void expect(out.value, what).toBe(NOT_MAPPED);
  expect(out.value, what).toBe(OK);
  expect(leavesOf(f.pt)).toEqual(
    before.map((l) => (l === leaf ? { ...l, flags: applyChange(change, l.flags) } : l)),
  );
}

function resolvePtArgs(name: string, args: readonly unknown[], removed: number[]): unknown[] {
  return args.map((a, i) => {
    if (a === 'leaf') return pkg.newLeaf();
    if (name === 'forEachMapping' && i === 0) {
      if (a === 'collect') return (va: number) => removed.push(va);
      if (a === 'throws')
        return () => {
          throw new CallbackError('from the callback');
        };
    }
    if (typeof a === 'object' && a !== null) {
      const o = { ...(a as Record<string, unknown>) };
      for (const key of ['onRemoved', 'onLeaf']) {
        if (o[key] === 'count')
          o[key] = (_va: number, _pa: number, size: number) => removed.push(size);
        if (o[key] === 'throws')
          o[key] = () => {
            throw new CallbackError('from the callback');
          };
      }
      if ('transform' in o) o.transform = transformFn(o.transform as Transform);
      if ('parentTransform' in o) o.parentTransform = transformFn(o.parentTransform as Transform);
      if (o.frames === 'empty') o.frames = new BudgetFrames(0);
      return o;
    }
    return a;
  });
}

describe('PageTable', () => {
  test('constructor and create: options of any shape', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record(
            {
              memory: fc.constantFrom<unknown>('memory', 'memory', undefined, {}, null),
              frames: fc.constantFrom<unknown>(
                'frames',
                'frames',
                'empty',
                undefined,
                {},
                { allocate: () => -1 },
                { allocate: () => 0.5 },
              ),
              levels: anyLevels,
              maxPhysAddrBits: fc.oneof(
                fc.constantFrom(undefined, 32, 40, 52),
                fc.integer({ min: 30, max: 54 }),
                badNumber,
              ),
              control: anyControlPatch,
              walker: fc.constantFrom<unknown>(undefined, undefined, 'walker', {}, 5),
            },
            { requiredKeys: [] },
          ),
          fc.constantFrom<unknown>(undefined, null, 5),
        ),
        fc.boolean(),
        (spec, useCreate) => {
          tried++;
          const memory = new MapMemory();
          const resolve = (v: unknown): unknown =>
            v === 'memory'
              ? memory
              : v === 'frames'
                ? new BudgetFrames(8)
                : v === 'empty'
                  ? new BudgetFrames(0)
                  : v === 'walker'
                    ? new PageWalker({ memory })
                    : v;
          const options =
            typeof spec === 'object' && spec !== null
              ? Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, resolve(v)]))
              : spec;
          const what = `${useCreate ? 'PageTable.create' : 'new PageTable'}(${show([spec])})`;
          const out = attempt(
            what,
            () =>
              useCreate ? PageTable.create(options as never) : new PageTable(options as never),
            { documented: useCreate ? undefined : PageTableOutOfMemoryError },
          );
          if (!out.threw) {
            const pt = out.value;
            if (pt === OUT_OF_MEMORY) return;
            (pt as PageTable).checkInvariants();
            (pt as PageTable).destroy();
          }
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });

  test('every method answers against the leaf listing or throws, and a failure changes nothing', () => {
    const seen = new Set<string>();
    const callArb = fc.oneof(
      ...Object.entries(PT_CALLS)
        .filter(([name]) => name !== 'destroy')
        .map(([name, c]) => c.args.map((args): [string, readonly unknown[]] => [name, args])),
      // Rarely destroy: later calls then meet a destroyed table.
      PT_CALLS.destroy.args
        .map((args): [string, readonly unknown[]] => ['destroy', args])
        .filter(() => true),
    );
    fc.assert(
      fc.property(
        fc.constantFrom<4 | 5>(4, 5),
        fc.constantFrom(52, 46, 40),
        fc.integer({ min: 1, max: 24 }),
        fc.array(
          fc.oneof(
            {
              weight: 2,
              arbitrary: PT_CALLS.map.args.map((a): [string, readonly unknown[]] => ['map', a]),
            },
            {
              weight: 1,
              arbitrary: PT_CALLS.mapRegion.args.map((a): [string, readonly unknown[]] => [
                'mapRegion',
                a,
              ]),
            },
            { weight: 6, arbitrary: callArb },
          ),
          { minLength: 1, maxLength: 25, size: 'max' },
        ),
        (levels, bits, budget, calls) => {
          const memory = new MapMemory();
          const frames = new BudgetFrames(budget);
          const pt = new PageTable({ memory, frames, levels, maxPhysAddrBits: bits });
          const f: PtFixture = {
            pt,
            frames,
            memory,
            vaLimit: 2 ** (levels === 5 ? 57 : 48),
            paLimit: 2 ** bits,
            destroyed: false,
          };
          for (const [name, rawArgs] of calls) {
            tried++;
            seen.add(name);
            const removed: number[] = [];
            const args = resolvePtArgs(name, rawArgs, removed);
            const what = `${levels}-level/${bits}-bit/${budget} frames: ${name}(${show(rawArgs)})`;
            const c = PT_CALLS[name as Methods<PageTable>];
            const before = f.destroyed ? [] : leavesOf(pt);
            const snap = ptSnapshot(f);
            const method = (pt as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
            const out = attempt(
              what,
              () => {
                const r = method.apply(pt, args);
                // mappings() is a generator: run it here, where its errors belong to the call.
                return name === 'mappings' ? [...(r as Iterable<Leaf>)] : r;
              },
              {
                // A destroyed table throws TypeError on use (typed, as any misuse);
                // documented: callbacks' own errors propagate.
                documented: !f.destroyed && c.callbackErrors ? CallbackError : undefined,
              },
            );
            if (f.destroyed) {
              if (name !== 'destroy' && name !== 'translate' && name !== 'checkInvariants') {
                expect(out.threw, `${what} on a destroyed table`).toBe(true);
              }
              continue;
            }
            c.check(f, before, rawArgs, out, removed);
            if (out.threw || FAILURES.has(out.value)) expect(ptSnapshot(f), what).toBe(snap);
            if (!f.destroyed) pt.checkInvariants();
          }
          if (!f.destroyed) {
            pt.destroy();
            expect(frames.inUse).toBe(0);
          }
        },
      ),
      { numRuns: 150, seed: SEED },
    );
    expect([...seen].sort()).toEqual(Object.keys(PT_CALLS).sort());
  });
});

// ------------------------------------------------- walkers, TLBs and rights

/** A page table with a few leaves of each size, present or not, to walk and cache. */
function walkFixture(levels: 4 | 5): { pt: PageTable; memory: MapMemory } {
  const memory = new MapMemory();
  const pt = new PageTable({ memory, frames: new CountingFrames(), levels });
  const U = PTE.PRESENT | PTE.USER;
  pt.mapRegion(0x40_0000, 0x1_0000, 0x10 * SIZE_4K, U | PTE.WRITABLE);
  pt.mapRegion(0x41_0000, 0x2_0000, 4 * SIZE_4K, U | PTE.NO_EXECUTE | pkg.pkeyFlags(3));
  pt.map(0x42_0000, 0x3_0000, SIZE_4K, PTE.USER); // not present
  pt.map(0x60_0000, 0x20_0000, SIZE_2M, PTE.PRESENT | PTE.WRITABLE | PTE.GLOBAL);
  pt.map(0x4000_0000, 0x4000_0000, SIZE_1G, U);
  pt.map(2 ** 47, 0x5000, SIZE_4K, PTE.PRESENT | PTE.WRITABLE | PTE.GLOBAL);
  return { pt, memory };
}
const walkVa: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.constantFrom(0x40_0000, 0x41_0000, 0x42_0000, 0x60_0000, 0x4000_0000, 2 ** 47, 0),
        fc.integer({ min: 0, max: 0x2_1000 }),
      )
      .map(([b, o]) => b + o),
  },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 48, 2 ** 57, 2 ** 48 - 1, 2 ** 53 - 1) },
  { weight: 2, arbitrary: badNumber },
);
const pcidArg: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: 0, max: 4095 }),
  fc.constantFrom(4096, -1, 0.5),
  badNumber,
);

describe('PageWalker and Tlb', () => {
  test('constructors: options of any shape', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            memory: fc.constantFrom<unknown>('memory', undefined, {}, null),
            levels: anyLevels,
            maxPhysAddrBits: fc.oneof(fc.integer({ min: 30, max: 54 }), badNumber),
            control: anyControlPatch,
          },
          { requiredKeys: [] },
        ),
        fc.record(
          {
            walker: fc.constantFrom<unknown>('walker', 'walker', undefined, {}),
            entries: fc.oneof(
              fc.integer({ min: 0, max: 12 }).map((k) => 2 ** k),
              fc.constantFrom(0, 3, 2 ** 23, 0.5),
              badNumber,
            ),
            pcide: fc.constantFrom<unknown>(undefined, true, false, 1),
            pge: fc.constantFrom<unknown>(undefined, true, false, 'yes'),
            check: fc.constantFrom<unknown>(undefined, true, false, null),
            onStale: fc.constantFrom<unknown>(undefined, () => undefined, 5),
            cr3: fc.oneof(
              fc.constant(undefined),
              fc.integer({ min: 0, max: 2 ** 24 }).map((n) => n * 4096),
              fc.constantFrom(2 ** 52, 2 ** 64, -1, 5),
              badNumber,
            ),
          },
          { requiredKeys: [] },
        ),
        (walkerSpec, tlbSpec) => {
          tried++;
          const memory = new MapMemory();
          const wOptions = {
            ...walkerSpec,
            memory: walkerSpec.memory === 'memory' ? memory : walkerSpec.memory,
          };
          const w = attempt(
            `new PageWalker(${show([walkerSpec])})`,
            () => new PageWalker(wOptions as never),
          );
          const walker = w.threw ? new PageWalker({ memory }) : (w.value as PageWalker);
          const tOptions = {
            ...tlbSpec,
            walker: tlbSpec.walker === 'walker' ? walker : tlbSpec.walker,
          };
          attempt(`new Tlb(${show([tlbSpec])})`, () => new Tlb(tOptions as never), {
            wrongType: tlbSpec.walker !== 'walker',
          });
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });

  test('walker calls answer like the leaf listing, TLB calls like the walker; a failure changes nothing', () => {
    type WalkerMethod = Methods<PageWalker>;
    type TlbMethod = Methods<Tlb>;
    const WALKER: { readonly [K in WalkerMethod]: fc.Arbitrary<readonly unknown[]> } = {
      setControl: fc.tuple(anyControlPatch),
      setPkru: fc.tuple(fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), badNumber)),
      translate: fc.tuple(
        fc.constantFrom<unknown>('root', 'root', 'root', -1, 0.5, 2 ** 40, Number.NaN),
        walkVa,
        anyAccess,
      ),
      lookup: fc.tuple(
        fc.constantFrom<unknown>('root', 'root', -1),
        walkVa,
        fc.constantFrom<unknown>('info', 'info', undefined, {}, null),
      ),
    };
    const TLB: { readonly [K in TlbMethod]: fc.Arbitrary<readonly unknown[]> } = {
      resetCounters: fc.tuple(),
      writeCr3: fc.tuple(
        fc.oneof(
          pcidArg.map((p) => (isInt(p) ? `root+${p}` : p)),
          fc.constantFrom<unknown>(2 ** 52, 2 ** 64, 'root+0'),
        ),
        fc.constantFrom<unknown>(undefined, {}, { noFlush: true }, { noFlush: 1 }),
      ),
      setCr4: fc.tuple(
        fc.oneof(
          fc.record(
            {
              pge: fc.constantFrom<unknown>(true, false, undefined, 1),
              pcide: fc.constantFrom<unknown>(true, false, undefined, 'no'),
            },
            { requiredKeys: [] },
          ),
          fc.constantFrom<unknown>(undefined, null),
        ),
      ),
      translate: fc.tuple(walkVa, anyAccess),
      invlpg: fc.tuple(walkVa),
      flushAll: fc.tuple(),
      flushPcid: fc.tuple(pcidArg),
      flushNonGlobal: fc.tuple(),
      invpcid: fc.tuple(
        fc.oneof(fc.integer({ min: -1, max: 4 }), badNumber),
        pcidArg,
        fc.oneof(fc.constant(undefined), walkVa),
      ),
    };
    const seen = new Set<string>();
    const calls = fc.oneof(
      ...Object.entries(WALKER).map(([n, a]) =>
        a.map((args): [string, string, readonly unknown[]] => ['walker', n, args]),
      ),
      ...Object.entries(TLB).map(([n, a]) =>
        a.map((args): [string, string, readonly unknown[]] => ['tlb', n, args]),
      ),
      // Translations are what a TLB is for: more of them.
      TLB.translate.map((args): [string, string, readonly unknown[]] => ['tlb', 'translate', args]),
      TLB.translate.map((args): [string, string, readonly unknown[]] => ['tlb', 'translate', args]),
    );
    fc.assert(
      fc.property(
        fc.constantFrom<4 | 5>(4, 5),
        fc.boolean(),
        fc.constantFrom(1, 16, 4096),
        fc.array(calls, { minLength: 1, maxLength: 30, size: 'max' }),
        (levels, check, entries, sequence) => {
          const { pt } = walkFixture(levels);
          const walker = pt.walker;
          const tlb = new Tlb({ walker, cr3: pt.cr3(), entries, check, onStale: () => undefined });
          const root = pt.rootPfn;
          const listing = leavesOf(pt);
          const vaLimit = 2 ** (levels === 5 ? 57 : 48);
          // Cached rights follow the control registers, but an entry cached before
          // a control change (NXE makes XD reserved, for one) may legitimately
          // differ from a fresh walk until the TLB is flushed.
          let mayDiffer = false;
          for (const [target, name, raw] of sequence) {
            tried++;
            seen.add(`${target}.${name}`);
            const args = raw.map((a) => {
              if (a === 'root') return root;
              if (a === 'info') return new WalkInfo();
              if (typeof a === 'string' && a.startsWith('root+'))
                return root * SIZE_4K + Number(a.slice(5));
              return a;
            });
            const what = `${levels}-level ${target}.${name}(${show(args)})`;
            const subject = target === 'walker' ? walker : tlb;
            const control = walker.control;
            const cr3 = tlb.cr3;
            const last = args.at(-1);
            const method = (subject as unknown as Record<string, (...a: unknown[]) => unknown>)[
              name
            ];
            const out = attempt(what, () => method.apply(subject, args), {
              // Their last parameter is an object: a non-object fails as JS does.
              wrongType:
                (name === 'setControl' || name === 'setCr4' || name === 'lookup') &&
                (typeof last !== 'object' || last === null),
            });
            const translation = name === 'translate' || name === 'lookup';
            const [va, access] =
              target === 'walker' ? [args[1], name === 'lookup' ? 0 : args[2]] : [args[0], args[1]];
            // CR3 may have been loaded with another frame (a PCID past 4095 carries into it).
            const tlbRoot = Math.floor(tlb.cr3 / SIZE_4K);
            const rootOk = target === 'tlb' ? tlbRoot === root : args[0] === root;
            const validVa = isNat(va) && va < vaLimit;
            const gp = isInt(va) && va >= vaLimit;
            if (out.threw) {
              // Nothing changed: control registers, CR3.
              expect(walker.control, what).toEqual(control);
              expect(tlb.cr3, what).toBe(cr3);
              if (translation && rootOk && validAccess(access) && (validVa || gp)) {
                const outOk = name !== 'lookup' || args[2] instanceof WalkInfo;
                expect(outOk, `${what} threw on valid input`).toBe(false);
              }
              continue;
            }
            if (name === 'setControl' || name === 'setPkru') mayDiffer = true;
            if ((name === 'flushAll' || (name === 'invpcid' && args[0] === 2)) && !out.threw)
              mayDiffer = false;
            if (!translation) continue;
            expect(validAccess(access) && (validVa || gp), `${what} accepted invalid input`).toBe(
              true,
            );
            const r = out.value as number;
            if (gp) {
              expect(r, what).toBe(TRANSLATE_GP);
              continue;
            }
            if (target === 'tlb' && !mayDiffer) {
              // The TLB over an unchanged table answers like a fresh walk of its CR3.
              expect(r, what).toBe(walker.translate(tlbRoot, va as number, access as number));
            }
            if (!rootOk) continue;
            const leaf = leafAt(listing, va as number);
            const present = leaf !== undefined && (leaf.flags & 1) !== 0;
            if (name === 'lookup') {
              expect((args[2] as WalkInfo).status === WalkStatus.OK, what).toBe(present);
              if (present) expect(r, what).toBe(leaf!.pa + ((va as number) - leaf!.va));
              continue;
            }
            if (r >= 0) {
              expect(present, what).toBe(true);
              expect(r, what).toBe(leaf!.pa + ((va as number) - leaf!.va));
            }
          }
          pt.checkInvariants();
        },
      ),
      { numRuns: 200, seed: SEED },
    );
    expect([...seen].sort()).toEqual(
      [
        ...Object.keys(WALKER).map((n) => `walker.${n}`),
        ...Object.keys(TLB).map((n) => `tlb.${n}`),
      ].sort(),
    );
  });

  test('PagingRights: any control, access, rights and key; a failure changes nothing', () => {
    const RIGHTS: { readonly [K in Methods<PagingRights>]: fc.Arbitrary<readonly unknown[]> } = {
      set: fc.tuple(fc.oneof(aControl, anyControlPatch)),
      setPkru: fc.tuple(fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), badNumber)),
      check: fc.tuple(
        anyAccess,
        fc.oneof(fc.integer({ min: 0, max: 7 }), badNumber),
        fc.oneof(fc.integer({ min: 0, max: 15 }), fc.constantFrom(16, -1), badNumber),
      ),
    };
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(undefined), aControl, anyControlPatch),
        fc.array(
          fc.oneof(
            ...Object.entries(RIGHTS).map(([n, a]) =>
              a.map((args): [string, readonly unknown[]] => [n, args]),
            ),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        (initial, sequence) => {
          tried++;
          const made = attempt(
            `new PagingRights(${show([initial])})`,
            () => new PagingRights(initial as never),
          );
          expect(made.threw, 'new PagingRights').toBe(
            !(initial === undefined || isControl(initial)),
          );
          if (made.threw) return;
          const rights = made.value as PagingRights;
          for (const [name, args] of sequence) {
            tried++;
            seen.add(name);
            const before = JSON.stringify([rights.control, [...rights.decide], [...rights.pkDeny]]);
            const out = attempt(`rights.${name}(${show(args)})`, () =>
              (rights as unknown as Record<string, (...a: unknown[]) => unknown>)[name].apply(
                rights,
                [...args],
              ),
            );
            const valid =
              name === 'set'
                ? isControl(args[0])
                : name === 'setPkru'
                  ? isU32(args[0])
                  : validAccess(args[0]) &&
                    isInt(args[1]) &&
                    args[1] >= 0 &&
                    args[1] <= 7 &&
                    isInt(args[2]) &&
                    args[2] >= 0 &&
                    args[2] <= 15;
            expectThrew(out, !valid, `rights.${name}(${show(args)})`);
            if (out.threw) {
              expect(JSON.stringify([rights.control, [...rights.decide], [...rights.pkDeny]])).toBe(
                before,
              );
              continue;
            }
            if (name === 'check') {
              const code = out.value as number;
              const [access, r, key] = args as number[];
              const c = rights.control;
              let expected = pkg.accessFaultCode(access, r, c);
              if ((r & 2) !== 0 && ((pkg.pkeyDeniedKeys(access, c) >>> key) & 1) !== 0) {
                expected |= 1 | 0x20 | pkg.accessErrorBits(access, c);
              }
              expect(code).toBe(expected);
            }
          }
        },
      ),
      { numRuns: 200, seed: SEED },
    );
    expect([...seen].sort()).toEqual(Object.keys(RIGHTS).sort());
  });
});

test('inputs tried', () => {
  // 39 single-call properties x 300 runs, plus every call of the sequences.
  expect(tried).toBeGreaterThan(15_000);
});
