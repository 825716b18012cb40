// Hostile arguments for every export of the package (issue #6): NaN, infinities,
// -1, -0, fractions, 2^53 and above, strings, bigints, null/undefined/objects where
// numbers go, malformed hex text, unaligned values, non-canonical and kernel-half
// addresses, bad option bags. Every call must either return the right answer
// (checked against a BigInt reference written here, not computed by the package)
// or throw a TypeError/RangeError raised on purpose, never an engine error such as
// a property read on undefined. Where the reference can tell, a valid call must
// succeed and an invalid one must throw.
//
// Inputs tried: 40 properties (29 functions, the AddrRange constructor and
// fromStartSize, 9 AddrRange methods) x 600 runs = 24,000 calls.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as pkg from './index.js';
import { AddrRange } from './index.js';
import { refHexDigits } from './test-support/bigint-reference.js';

const RUNS = 600;
const SEED = 6001;

// ------------------------------------------------------------------ outcomes

// Messages of errors the engine raises by itself (a property read on undefined, a
// BigInt mixed into arithmetic, a runaway recursion): a TypeError or RangeError with
// one of these escaped validation instead of being thrown on purpose.
const ENGINE_ERROR =
  /Cannot (read|set) propert|Cannot convert|Cannot mix BigInt|Cannot use 'in'|Cannot destructure|is not a function|is not iterable|is not a constructor|is not callable|Maximum call stack|Invalid (typed )?array length|Invalid string length|Array buffer allocation|cannot be converted to a BigInt|Division by zero|Offset is outside|should be a multiple of|radix must be|Reduce of empty array/;

type Outcome = { readonly threw: false; readonly value: unknown } | { readonly threw: true };

/** Runs `call`; a throw must be a deliberate TypeError or RangeError. */
function attempt(what: string, call: () => unknown): Outcome {
  try {
    return { threw: false, value: call() };
  } catch (error) {
    const documented =
      (error instanceof TypeError || error instanceof RangeError) &&
      !ENGINE_ERROR.test(error.message);
    if (!documented) {
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
    .map((a) => (typeof a === 'bigint' ? `${a}n` : typeof a === 'string' ? JSON.stringify(a) : a))
    .map((a) => {
      try {
        return typeof a === 'object' && a !== null ? JSON.stringify(a) : String(a);
      } catch {
        return Object.prototype.toString.call(a);
      }
    })
    .join(', ');
}

// ---------------------------------------------------------------- arbitraries

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const U64_LIMIT = 1n << 64n;

/** Anything a caller might pass where a number goes, valid numbers included. */
const anyNumber: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.maxSafeNat() },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      0,
      1,
      4095,
      4096,
      4097,
      0x20_0000,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 47 - 4096,
      2 ** 47,
      2 ** 48 - 1,
      2 ** 48,
      2 ** 52,
      MAX_SAFE - 4095,
      MAX_SAFE,
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -1,
      -0,
      0.5,
      4096.5,
      2 ** 53,
      2 ** 53 + 2,
      2 ** 64,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      -(2 ** 53),
    ),
  },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
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
      -1n,
    ),
  },
);

/** A power of two (valid alignment) or anything else. */
const anyAlign: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 52 }).map((k) => 2 ** k) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 53, 2 ** 60, 0, 3, 6, 4095, 0.5, -4096) },
  { weight: 1, arbitrary: anyNumber },
);

/** A u64 as a bigint (either canonical half, near the edges) or a wrong value. */
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
          2n ** 53n,
          2n ** 56n,
          2n ** 57n,
          U64_LIMIT - 2n ** 47n,
          U64_LIMIT - 2n ** 56n,
          U64_LIMIT,
        ),
        fc.bigInt({ min: -4096n, max: 4096n }),
      )
      .map(([base, delta]) => base + delta),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(-1n, U64_LIMIT, 2n ** 100n) },
  { weight: 1, arbitrary: anyNumber },
);

/** Hex text: well formed, near-miss and garbage. */
const anyHexText: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom('', '0x', '0X'),
        fc.stringMatching(/^[0-9a-fA-F]{1,20}$/),
        fc.constantFrom('', '', '', 'g', ' ', '_0', '\n'),
      )
      .map(([p, d, s]) => p + d + s),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '0x',
      '-1',
      '+1',
      ' 1',
      '1_000',
      '0x0x1',
      'ffffffffffffffff',
      '10000000000000000',
      '1fffffffffffff',
      '20000000000000',
      '０',
    ),
  },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: anyNumber },
);

const anyVaBits: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(undefined, 48, 57) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(47, 52, 64, 0, '48', 48n, null, Number.NaN) },
);
const anyBool: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  undefined,
  undefined,
  true,
  false,
  0,
  1,
  'true',
  null,
);

/** An options bag: absent, malformed, or with fields of any value. */
function anyOptions(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 5, 'x', true) },
    { weight: 4, arbitrary: fc.record(fields, { requiredKeys: [] }) },
  );
}

// ------------------------------------------------------------------ reference

const isNat = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isPow2 = (v: unknown): v is number => {
  if (!isNat(v) || v === 0) return false;
  const b = BigInt(v);
  return (b & (b - 1n)) === 0n;
};
const isU64 = (v: unknown): v is bigint => typeof v === 'bigint' && v >= 0n && v < U64_LIMIT;
const isBag = (v: unknown): v is Record<string, unknown> | undefined =>
  v === undefined || (typeof v === 'object' && v !== null);
const field = (o: unknown, key: string): unknown =>
  (o as Record<string, unknown> | undefined)?.[key];
const HEX_TEXT = /^(0[xX])?[0-9a-fA-F]+$/;
/** The u64 a bigint or hex string stands for, or undefined when it is not one. */
const u64Of = (v: unknown): bigint | undefined => {
  if (typeof v === 'string') {
    if (!HEX_TEXT.test(v)) return undefined;
    const b = BigInt(`0x${v.replace(/^0[xX]/, '')}`);
    return b < U64_LIMIT ? b : undefined;
  }
  return isU64(v) ? v : undefined;
};
const vaBitsOf = (v: unknown): number | undefined =>
  v === undefined ? 48 : v === 48 || v === 57 ? v : undefined;
/** Sign extension from `bits` bits (the definition, via BigInt.asIntN). */
const canonical = (linear: bigint, bits: number): bigint =>
  BigInt.asUintN(64, BigInt.asIntN(bits, linear));
const isCanonicalRef = (v: bigint, bits: number): boolean =>
  canonical(BigInt.asUintN(bits, v), bits) === v;

/** The exclusive top of a virtual space described by options, in bytes; undefined when invalid. */
function virtEnd(options: unknown): bigint | undefined {
  if (!isBag(options)) return undefined;
  const bits = vaBitsOf(field(options, 'vaBits'));
  const user = field(options, 'userOnly');
  if (bits === undefined || !(user === undefined || typeof user === 'boolean')) return undefined;
  return 1n << BigInt(user ? bits - 1 : bits);
}
function physEnd(options: unknown): bigint | undefined {
  if (!isBag(options)) return undefined;
  const bits = field(options, 'maxPhysAddrBits') ?? 52;
  if (!isNat(bits) || bits < 12 || bits > 52) return undefined;
  if (field(options, 'maxPhysAddrBits') === null) return undefined;
  return 1n << BigInt(bits);
}
const alignOk = (value: number, align: unknown): boolean =>
  align === undefined || (isPow2(align) && BigInt(value) % BigInt(align) === 0n);

// --------------------------------------------------------------------- table

/** How one function is exercised: argument lists, what the contract accepts, what it returns. */
interface Case {
  readonly args: fc.Arbitrary<readonly unknown[]>;
  /** When given: valid arguments must succeed and invalid ones must throw. */
  readonly valid?: (args: readonly unknown[]) => boolean;
  /** Checks a successful result against the reference. */
  readonly check?: (result: unknown, args: readonly unknown[]) => void;
  /** Predicates answer for every input and never throw. */
  readonly total?: boolean;
}

const CONSTANT = 'constant';

const eqBig = (result: unknown, expected: bigint): void => expect(result).toBe(expected);

/** Every runtime export of index.ts: a constant, or how each callable is exercised. */
const EXPORTS = {
  MAX_PHYS_ADDR_BITS: CONSTANT,
  TASK_SIZE_4LEVEL: CONSTANT,
  TASK_SIZE_5LEVEL: CONSTANT,
  VA_BITS_4LEVEL: CONSTANT,
  VA_BITS_5LEVEL: CONSTANT,
  PAGE_SHIFT: CONSTANT,
  PAGE_SIZE_1G: CONSTANT,
  PAGE_SIZE_2M: CONSTANT,
  PAGE_SIZE_4K: CONSTANT,
  PageSize: CONSTANT,

  isPowerOfTwo: {
    args: fc.tuple(anyAlign),
    total: true,
    check: (r, [v]) => expect(r).toBe(isPow2(v)),
  },
  alignDown: {
    args: fc.tuple(anyNumber, anyAlign),
    valid: ([v, a]) => isNat(v) && isPow2(a),
    // -0 is accepted as 0 (it is a safe integer and not below 0), so compare as BigInt.
    check: (r, [v, a]) =>
      expect(BigInt(r as number)).toBe(
        (BigInt(v as number) / BigInt(a as number)) * BigInt(a as number),
      ),
  },
  alignUp: {
    args: fc.tuple(anyNumber, anyAlign),
    valid: ([v, a]) => {
      if (!isNat(v) || !isPow2(a)) return false;
      const up = ((BigInt(v) + BigInt(a) - 1n) / BigInt(a)) * BigInt(a);
      return up <= BigInt(MAX_SAFE);
    },
    check: (r, [v, a]) => {
      const up =
        ((BigInt(v as number) + BigInt(a as number) - 1n) / BigInt(a as number)) *
        BigInt(a as number);
      expect(BigInt(r as number)).toBe(up);
    },
  },
  isAligned: {
    args: fc.tuple(anyNumber, anyAlign),
    valid: ([v, a]) => isNat(v) && isPow2(a),
    check: (r, [v, a]) => expect(r).toBe(BigInt(v as number) % BigInt(a as number) === 0n),
  },
  alignOffset: {
    args: fc.tuple(anyNumber, anyAlign),
    valid: ([v, a]) => isNat(v) && isPow2(a),
    check: (r, [v, a]) =>
      expect(BigInt(r as number)).toBe(BigInt(v as number) % BigInt(a as number)),
  },

  isCanonical: {
    args: fc.tuple(fc.oneof(anyU64, anyHexText), anyVaBits),
    valid: ([v, bits]) => u64Of(v) !== undefined && vaBitsOf(bits) !== undefined,
    check: (r, [v, bits]) => expect(r).toBe(isCanonicalRef(u64Of(v)!, vaBitsOf(bits)!)),
  },
  canonicalToLinear: {
    args: fc.tuple(fc.oneof(anyU64, anyHexText), anyVaBits),
    valid: ([v, b]) => {
      const u = u64Of(v);
      const bits = vaBitsOf(b);
      if (u === undefined || bits === undefined || !isCanonicalRef(u, bits)) return false;
      return BigInt.asUintN(bits, u) <= BigInt(MAX_SAFE);
    },
    check: (r, [v, b]) => {
      const bits = vaBitsOf(b)!;
      expect(r).toBe(Number(BigInt.asUintN(bits, u64Of(v)!)));
      expect(canonical(BigInt(r as number), bits)).toBe(u64Of(v));
    },
  },
  canonicalToPageNumber: {
    args: fc.tuple(fc.oneof(anyU64, anyHexText), anyVaBits),
    valid: ([v, b]) => {
      const u = u64Of(v);
      const bits = vaBitsOf(b);
      return u !== undefined && bits !== undefined && isCanonicalRef(u, bits);
    },
    check: (r, [v, b]) => {
      const bits = vaBitsOf(b)!;
      expect(r).toBe(Number(BigInt.asUintN(bits, u64Of(v)!) / 4096n));
      expect(Number.isSafeInteger(r)).toBe(true);
    },
  },
  linearToCanonical: {
    args: fc.tuple(anyNumber, anyVaBits),
    valid: ([l, b]) => {
      const bits = vaBitsOf(b);
      return bits !== undefined && isNat(l) && BigInt(l) < 1n << BigInt(bits);
    },
    check: (r, [l, b]) => {
      const bits = vaBitsOf(b)!;
      eqBig(r, canonical(BigInt(l as number), bits));
      expect(isCanonicalRef(r as bigint, bits)).toBe(true);
    },
  },
  isUpperHalf: {
    args: fc.tuple(anyNumber, anyVaBits),
    valid: ([l, b]) => {
      const bits = vaBitsOf(b);
      return bits !== undefined && isNat(l) && BigInt(l) < 1n << BigInt(bits);
    },
    check: (r, [l, b]) => expect(r).toBe(BigInt(l as number) >= 1n << BigInt(vaBitsOf(b)! - 1)),
  },
  pageNumberToCanonical: {
    args: fc.tuple(anyNumber, anyVaBits),
    valid: ([n, b]) => {
      const bits = vaBitsOf(b);
      return bits !== undefined && isNat(n) && BigInt(n) < 1n << BigInt(bits - 12);
    },
    check: (r, [n, b]) => eqBig(r, canonical(BigInt(n as number) * 4096n, vaBitsOf(b)!)),
  },

  checkedAdd: {
    args: fc.tuple(anyNumber, anyNumber, fc.oneof(fc.constant(undefined), anyNumber)),
    valid: ([a, b, limit]) =>
      isNat(a) &&
      isNat(b) &&
      (limit === undefined || isNat(limit)) &&
      BigInt(a) + BigInt(b) <= BigInt((limit as number | undefined) ?? MAX_SAFE),
    check: (r, [a, b]) =>
      expect(BigInt(r as number)).toBe(BigInt(a as number) + BigInt(b as number)),
  },
  checkedSub: {
    args: fc.tuple(anyNumber, anyNumber),
    valid: ([a, b]) => isNat(a) && isNat(b) && b <= a,
    check: (r, [a, b]) =>
      expect(BigInt(r as number)).toBe(BigInt(a as number) - BigInt(b as number)),
  },
  checkedMul: {
    args: fc.tuple(anyNumber, anyNumber, fc.oneof(fc.constant(undefined), anyNumber)),
    valid: ([a, b, limit]) =>
      isNat(a) &&
      isNat(b) &&
      (limit === undefined || isNat(limit)) &&
      BigInt(a) * BigInt(b) <= BigInt((limit as number | undefined) ?? MAX_SAFE),
    check: (r, [a, b]) =>
      expect(BigInt(r as number)).toBe(BigInt(a as number) * BigInt(b as number)),
  },

  formatHex: {
    args: fc.tuple(
      fc.oneof(anyNumber, anyU64),
      anyOptions({
        width: fc.oneof(fc.integer({ min: 0, max: 70 }), anyNumber),
        prefix: anyBool,
      }),
    ),
    valid: ([v, o]) => {
      if (!(isNat(v) || (typeof v === 'bigint' && v >= 0n))) return false;
      if (o === undefined) return true;
      if (!isBag(o)) return false;
      const width = field(o, 'width') ?? 0;
      const prefix = field(o, 'prefix') ?? true;
      if (field(o, 'width') === null || field(o, 'prefix') === null) return false;
      return isNat(width) && width <= 64 && typeof prefix === 'boolean';
    },
    check: (r, [v, o]) => {
      const digits = refHexDigits(BigInt(v as number | bigint));
      const width = (field(o, 'width') as number | undefined) ?? 0;
      const prefix = field(o, 'prefix') !== false;
      expect(r).toBe((prefix ? '0x' : '') + digits.padStart(width, '0'));
    },
  },
  parseHex: {
    args: fc.tuple(anyHexText),
    valid: ([t]) => typeof t === 'string' && HEX_TEXT.test(t) && u64Of(t)! <= BigInt(MAX_SAFE),
    check: (r, [t]) => expect(BigInt(r as number)).toBe(u64Of(t)),
  },
  parseHex64: {
    args: fc.tuple(anyHexText),
    valid: ([t]) => typeof t === 'string' && u64Of(t) !== undefined,
    check: (r, [t]) => eqBig(r, u64Of(t)!),
  },

  pageNumberOf: {
    args: fc.tuple(anyNumber),
    valid: ([a]) => isNat(a),
    check: (r, [a]) => expect(BigInt(r as number)).toBe(BigInt(a as number) / 4096n),
  },
  frameNumberOf: {
    args: fc.tuple(anyNumber),
    valid: ([a]) => isNat(a) && a < 2 ** 52,
    check: (r, [a]) => expect(BigInt(r as number)).toBe(BigInt(a as number) / 4096n),
  },
  addrOfPage: {
    args: fc.tuple(anyNumber),
    valid: ([n]) => isNat(n) && BigInt(n) * 4096n <= BigInt(MAX_SAFE),
    check: (r, [n]) => expect(BigInt(r as number)).toBe(BigInt(n as number) * 4096n),
  },
  addrOfFrame: {
    args: fc.tuple(anyNumber),
    valid: ([n]) => isNat(n) && BigInt(n) * 4096n < 1n << 52n,
    check: (r, [n]) => expect(BigInt(r as number)).toBe(BigInt(n as number) * 4096n),
  },
  virtPageNum: {
    args: fc.tuple(anyNumber, anyOptions({ vaBits: anyVaBits, userOnly: anyBool })),
    valid: ([n, o]) => {
      const end = virtEnd(o);
      return end !== undefined && isNat(n) && BigInt(n) < end / 4096n;
    },
    check: (r, [n]) => expect(r).toBe(n),
  },
  physFrameNum: {
    args: fc.tuple(
      anyNumber,
      anyOptions({ maxPhysAddrBits: fc.oneof(fc.integer({ min: 10, max: 54 }), anyNumber) }),
    ),
    valid: ([n, o]) => {
      const end = physEnd(o);
      return end !== undefined && isNat(n) && BigInt(n) < end / 4096n;
    },
    check: (r, [n]) => expect(r).toBe(n),
  },
  physAddr: {
    args: fc.tuple(
      anyNumber,
      anyOptions({
        maxPhysAddrBits: fc.oneof(fc.integer({ min: 10, max: 54 }), anyNumber),
        align: anyAlign,
      }),
    ),
    valid: ([v, o]) => {
      const end = physEnd(o);
      return end !== undefined && isNat(v) && BigInt(v) < end && alignOk(v, field(o, 'align'));
    },
    check: (r, [v]) => expect(r).toBe(v),
  },
  virtAddr: {
    args: fc.tuple(
      anyNumber,
      anyOptions({ vaBits: anyVaBits, userOnly: anyBool, align: anyAlign }),
    ),
    valid: ([v, o]) => {
      const end = virtEnd(o);
      return end !== undefined && isNat(v) && BigInt(v) < end && alignOk(v, field(o, 'align'));
    },
    check: (r, [v]) => expect(r).toBe(v),
  },
  isPageSize: {
    args: fc.tuple(anyAlign),
    total: true,
    check: (r, [v]) => expect(r).toBe(v === 4096 || v === 0x20_0000 || v === 0x4000_0000),
  },

  splitU64: {
    args: fc.tuple(anyU64),
    valid: ([v]) => isU64(v),
    check: (r, [v]) => {
      const { hi, lo } = r as { hi: number; lo: number };
      expect(BigInt(hi) * 2n ** 32n + BigInt(lo)).toBe(v);
      expect(lo >= 0 && lo < 2 ** 32 && Number.isInteger(lo)).toBe(true);
    },
  },
  joinU64: {
    args: fc.tuple(
      fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), anyNumber),
      fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), anyNumber),
    ),
    valid: ([hi, lo]) => isNat(hi) && hi < 2 ** 32 && isNat(lo) && lo < 2 ** 32,
    check: (r, [hi, lo]) => eqBig(r, BigInt(hi as number) * 2n ** 32n + BigInt(lo as number)),
  },
  u64ToNumber: {
    args: fc.tuple(anyU64),
    valid: ([v]) => isU64(v) && v <= BigInt(MAX_SAFE),
    check: (r, [v]) => expect(BigInt(r as number)).toBe(v),
  },

  AddrRange: 'class',
} satisfies Record<keyof typeof pkg, Case | typeof CONSTANT | 'class'>;

// ------------------------------------------------------- AddrRange (a class)

const limitOf = (o: unknown): number | undefined => {
  if (!isBag(o)) return undefined;
  const limit = field(o, 'limit');
  if (limit === undefined) return MAX_SAFE;
  return isNat(limit) ? limit : undefined;
};

/** Ranges to call methods on: small ones (to compare as point sets) and huge ones. */
const aRange: fc.Arbitrary<AddrRange> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 64 }))
    .map(([a, b]) => new AddrRange(Math.min(a, b), Math.max(a, b))),
  fc
    .tuple(fc.maxSafeNat(), fc.maxSafeNat())
    .map(([a, b]) => new AddrRange(Math.min(a, b), Math.max(a, b))),
  fc
    .tuple(fc.integer({ min: 0, max: 2 ** 20 }), fc.integer({ min: 0, max: 16 }))
    .map(([p, n]) => new AddrRange(p * 4096, (p + n) * 4096)),
);
const anyRange: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: aRange },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(undefined, null, { start: 0, end: 10 }, 5, '[0, 10)'),
  },
);

interface MethodCase {
  readonly args: fc.Arbitrary<readonly unknown[]>;
  readonly valid?: (self: AddrRange, args: readonly unknown[]) => boolean;
  readonly check?: (result: unknown, self: AddrRange, args: readonly unknown[]) => void;
}

type Methods<T> = {
  [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T];

const isRange = (v: unknown): v is AddrRange => v instanceof AddrRange;
const setOf = (r: AddrRange): string => (r.start === r.end ? 'empty' : `${r.start}-${r.end}`);

const RANGE_STATIC: Record<'construct' | 'fromStartSize', Case> = {
  construct: {
    args: fc.tuple(anyNumber, anyNumber, anyOptions({ limit: anyNumber })),
    valid: ([s, e, o]) => {
      const limit = limitOf(o);
      return limit !== undefined && isNat(s) && isNat(e) && s <= e && e <= limit;
    },
    check: (r, [s, e]) => {
      expect(r).toBeInstanceOf(AddrRange);
      expect([(r as AddrRange).start, (r as AddrRange).end]).toEqual([s, e]);
      expect(Object.isFrozen(r)).toBe(true);
    },
  },
  fromStartSize: {
    args: fc.tuple(anyNumber, anyNumber, anyOptions({ limit: anyNumber })),
    valid: ([s, n, o]) => {
      const limit = limitOf(o);
      return limit !== undefined && isNat(s) && isNat(n) && BigInt(s) + BigInt(n) <= BigInt(limit);
    },
    check: (r, [s, n]) => {
      expect([(r as AddrRange).start, (r as AddrRange).size]).toEqual([s, n]);
    },
  },
};

const RANGE_METHODS: { readonly [K in Methods<AddrRange>]: MethodCase } = {
  isEmpty: { args: fc.tuple(), check: (r, self) => expect(r).toBe(self.start === self.end) },
  contains: {
    args: fc.tuple(anyNumber),
    valid: (_, [a]) => isNat(a),
    check: (r, self, [a]) =>
      expect(r).toBe(self.start <= (a as number) && (a as number) < self.end),
  },
  containsRange: {
    args: fc.tuple(anyRange),
    valid: (_, [o]) => isRange(o),
    check: (r, self, [o]) => {
      const other = o as AddrRange;
      const empty = other.start === other.end;
      expect(r).toBe(empty || (self.start <= other.start && other.end <= self.end));
    },
  },
  overlaps: {
    args: fc.tuple(anyRange),
    valid: (_, [o]) => isRange(o),
    check: (r, self, [o]) => {
      const other = o as AddrRange;
      // Some address lies in both: the larger start is below the smaller end.
      let shared = false;
      if (self.start < self.end && other.start < other.end) {
        shared = Math.max(self.start, other.start) < Math.min(self.end, other.end);
      }
      expect(r).toBe(shared);
    },
  },
  intersection: {
    args: fc.tuple(anyRange),
    valid: (_, [o]) => isRange(o),
    check: (r, self, [o]) => {
      const other = o as AddrRange;
      const lo = BigInt(Math.max(self.start, other.start));
      const hi = BigInt(Math.min(self.end, other.end));
      expect(setOf(r as AddrRange)).toBe(lo < hi ? `${lo}-${hi}` : 'empty');
    },
  },
  difference: {
    args: fc.tuple(anyRange),
    valid: (_, [o]) => isRange(o),
    check: (r, self, [o]) => {
      const other = o as AddrRange;
      const pieces = r as AddrRange[];
      // The pieces are non-empty, ascending, inside self, disjoint from other, and
      // together with self ∩ other they cover self exactly (sizes add up).
      let covered = 0;
      let prevEnd = -1;
      for (const p of pieces) {
        expect(p.start < p.end && p.start > prevEnd && self.containsRange(p)).toBe(true);
        expect(p.overlaps(other)).toBe(false);
        covered += p.size;
        prevEnd = p.end;
      }
      expect(covered + self.intersection(other).size).toBe(self.size);
    },
  },
  equals: {
    args: fc.tuple(anyRange),
    valid: (_, [o]) => isRange(o),
    check: (r, self, [o]) => expect(r).toBe(setOf(self) === setOf(o as AddrRange)),
  },
  iterPages: {
    args: fc.tuple(fc.oneof(fc.constant(undefined), anyAlign)),
    valid: (self, [p]) => {
      const size = p === undefined ? 4096 : p;
      return isPow2(size) && alignOk(self.start, size) && alignOk(self.end, size);
    },
    check: (r, self, [p]) => {
      const size = (p as number | undefined) ?? 4096;
      const it = r as Generator<number>;
      // Only the first few pages: a huge range with page size 1 must not be walked.
      const expected: number[] = [];
      for (let a = self.start; a < self.end && expected.length < 8; a += size) expected.push(a);
      const got: number[] = [];
      for (const a of it) {
        got.push(a);
        if (got.length === 8) break;
      }
      expect(got).toEqual(expected);
    },
  },
  toString: {
    args: fc.tuple(),
    check: (r, self) =>
      expect(r).toBe(`[0x${self.start.toString(16)}, 0x${self.end.toString(16)})`),
  },
};

// ---------------------------------------------------------------------- tests

let tried = 0;

function runCase(name: string, c: Case, call: (args: readonly unknown[]) => unknown): void {
  fc.assert(
    fc.property(c.args, (args) => {
      tried++;
      const what = `${name}(${show(args)})`;
      const out = c.total
        ? { threw: false as const, value: call(args) }
        : attempt(what, () => call(args));
      if (c.valid !== undefined) {
        expect(
          out.threw,
          `${what}: ${out.threw ? 'threw on valid input' : 'accepted invalid input'}`,
        ).toBe(!c.valid(args));
      }
      if (!out.threw) c.check?.(out.value, args);
    }),
    { numRuns: RUNS, seed: SEED },
  );
}

describe('hostile input to every export', () => {
  test('every runtime export of index.ts has an entry in the table', () => {
    expect(Object.keys(pkg).sort()).toEqual(Object.keys(EXPORTS).sort());
  });

  for (const [name, entry] of Object.entries(EXPORTS)) {
    if (entry === CONSTANT || entry === 'class') continue;
    const fn = (pkg as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
    test(name, () => runCase(name, entry, (args) => fn(...args)));
  }
});

describe('hostile input to AddrRange', () => {
  test('constructor', () =>
    runCase(
      'new AddrRange',
      RANGE_STATIC.construct,
      (a) => new AddrRange(...(a as [number, number])),
    ));
  test('fromStartSize', () =>
    runCase('AddrRange.fromStartSize', RANGE_STATIC.fromStartSize, (a) =>
      AddrRange.fromStartSize(...(a as [number, number])),
    ));

  test('every method on the prototype is in the table', () => {
    const own = Object.getOwnPropertyNames(AddrRange.prototype).filter(
      (k) =>
        k !== 'constructor' &&
        typeof Object.getOwnPropertyDescriptor(AddrRange.prototype, k)?.value === 'function',
    );
    expect(own.sort()).toEqual(Object.keys(RANGE_METHODS).sort());
  });

  for (const [name, m] of Object.entries(RANGE_METHODS) as [
    keyof typeof RANGE_METHODS,
    MethodCase,
  ][]) {
    test(name, () => {
      fc.assert(
        fc.property(aRange, m.args, (self, args) => {
          tried++;
          const what = `${self}.${name}(${show(args)})`;
          const before = setOf(self);
          const out = attempt(what, () => (self[name] as (...a: unknown[]) => unknown)(...args));
          if (m.valid !== undefined) {
            expect(out.threw, what).toBe(!m.valid(self, args));
          }
          if (!out.threw) m.check?.(out.value, self, args);
          // Frozen: no call, failed or not, changes the range.
          expect(setOf(self)).toBe(before);
          expect(Object.isFrozen(self)).toBe(true);
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });
  }

  test('inputs tried', () => {
    const callables = Object.values(EXPORTS).filter((e) => typeof e === 'object').length;
    const properties =
      callables + Object.keys(RANGE_STATIC).length + Object.keys(RANGE_METHODS).length;
    expect(properties).toBe(40);
    expect(tried).toBe(properties * RUNS);
  });
});
