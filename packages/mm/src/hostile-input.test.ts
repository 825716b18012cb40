// Hostile arguments at every syscall-shaped entry point of MmStruct, and its other
// public methods (faults, user copies, fork, file truncation): each call either
// answers (a number, 0, an errno result, a fault) or throws a deliberate
// TypeError/RangeError for API misuse (never an engine error), nothing else
// escapes, and the address space stays well formed. The second half covers every
// other export of the package (see its own comment below).
//
// Inputs tried: the syscall sequences, 400 runs (seed 42) = 2,511 calls; the
// other exports (seed 10001): 13 single-call properties x 300 runs = 3,900, and
// 5,956 calls in sequences (mutated real traces parsed and replayed, TraceReplayer
// steps, MemoryFile, PageCache, both PTE stores, VmaIndex, maps/smaps/machine
// invariants on random address spaces): 12,367 in all.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  BitmapFrameAllocator,
  PhysicalMemory,
  RefCountedFrameAllocator,
} from '@vmem/frame-allocator';
import { PageTable } from '@vmem/page-table-x86_64';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as pkg from './index.js';
import { type Errno, errnoResult, isErrno, MAP, MREMAP, PROT } from './linux-abi.js';
import { checkMachineInvariants } from './machine-invariants.js';
import { MemoryFile } from './mm-file.js';
import type { MmStruct } from './mm-struct.js';
import { PageCache } from './page-cache.js';
import { PageTablePteStore } from './page-table-pte-store.js';
import { mapsLine, renderMaps, vmaName } from './proc-maps.js';
import { MapPteStore, type PteStore, pteBits, ptePfn } from './pte-store.js';
import { parseMapsLine, type ReplayReport, replayTrace, TraceReplayer } from './replay.js';
import { smapsOf, smapsRollup } from './smaps.js';
import { newMm } from './test-support/drawing.js';
import { newMachine } from './test-support/machine.js';
import { AnonVma, VmArea } from './vm-area.js';
import { VM } from './vm-flags.js';
import { VmaIndex } from './vma-index.js';
import { parseVmtrace, type Vmtrace, VmtraceFormatError, type VmtraceOp } from './vmtrace.js';

const W = 0x1_0000_0000;

// Messages of errors the engine raises by itself (a property read on undefined, a
// BigInt mixed into arithmetic, a runaway recursion): a TypeError or RangeError with
// one of these escaped validation instead of being thrown on purpose.
const ENGINE_ERROR =
  /Cannot (read|set) propert|Cannot convert|Cannot mix BigInt|Cannot use 'in'|Cannot destructure|is not a function|is not iterable|is not a constructor|is not callable|Maximum call stack|Invalid (typed )?array length|Invalid string length|Array buffer allocation|cannot be converted to a BigInt|Division by zero|Offset is outside|should be a multiple of|radix must be|Reduce of empty array/;

const hostileNumber = fc.oneof(
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -1,
    0.5,
    2 ** 53,
    2 ** 64,
    -0,
  ),
  fc.constantFrom(0, 1, 4095, 4096, 4097, W, W + 4096, 0x7fff_ffff_f000, 0x8000_0000_0000),
  fc.integer({ min: 0, max: 64 }).map((n) => W + n * 4096),
  fc.integer({ min: 0, max: 2 ** 20 }).map((n) => n * 4096),
  fc.double(),
);
const hostileU64 = fc.oneof(
  hostileNumber,
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.constantFrom(-1n, 1n << 64n, 0xffff_8000_0000_0000n, 0xffff_ffff_ffff_f000n),
  fc.constantFrom(
    '0x1000' as unknown as number,
    null as unknown as number,
    undefined as unknown as number,
  ),
);
const smallInt = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
  fc.constantFrom(
    PROT.READ | PROT.WRITE,
    PROT.READ,
    PROT.NONE,
    MAP.PRIVATE | MAP.ANONYMOUS,
    MAP.SHARED | MAP.ANONYMOUS,
  ),
  fc.constantFrom(Number.NaN, 1.5, 2 ** 40),
);

type Call = (mm: MmStruct) => unknown;
const call: fc.Arbitrary<Call> = fc.oneof(
  fc.tuple(hostileU64, hostileU64, smallInt, smallInt).map(
    ([a, l, p, f]) =>
      (mm: MmStruct) =>
        mm.mmap(a, l, p, f | MAP.ANONYMOUS, null),
  ),
  fc.tuple(hostileU64, hostileU64, smallInt).map(
    ([a, l, p]) =>
      (mm: MmStruct) =>
        mm.mprotect(a, l, p),
  ),
  fc.tuple(hostileU64, hostileU64).map(
    ([a, l]) =>
      (mm: MmStruct) =>
        mm.munmap(a, l),
  ),
  fc
    .tuple(hostileU64, hostileU64, hostileU64, fc.constantFrom(0, 1, 3, 5, 7, 8, -1), hostileU64)
    .map(
      ([a, o, n, f, na]) =>
        (mm: MmStruct) =>
          mm.mremap(a, o, n, f, na),
    ),
  fc.tuple(hostileU64, hostileU64, smallInt).map(
    ([a, l, adv]) =>
      (mm: MmStruct) =>
        mm.madvise(a, l, adv),
  ),
  hostileU64.map((b) => (mm: MmStruct) => mm.sysBrk(b)),
  hostileU64.map((a) => (mm: MmStruct) => mm.read(a)),
  hostileU64.map((a) => (mm: MmStruct) => mm.write(a, 0x1234n)),
  fc.tuple(hostileU64, fc.integer({ min: 0, max: 9000 })).map(
    ([a, n]) =>
      (mm: MmStruct) =>
        mm.copyFromUser(a, new Uint8Array(n)),
  ),
  // The other public methods of MmStruct (fault handling, user copies, fork, files).
  fc.tuple(hostileNumber, fc.boolean(), fc.boolean()).map(
    ([a, w, force]) =>
      (mm: MmStruct) =>
        mm.handleFault(a, w, force),
  ),
  fc.tuple(hostileU64, fc.integer({ min: 0, max: 9000 }), fc.boolean()).map(
    ([a, n, w]) =>
      (mm: MmStruct) =>
        mm.access(a, new Uint8Array(n), w),
  ),
  fc.tuple(hostileU64, fc.integer({ min: 0, max: 9000 }), fc.boolean()).map(
    ([a, n, force]) =>
      (mm: MmStruct) =>
        mm.copyToUser(a, new Uint8Array(n).fill(7), { force }),
  ),
  fc.tuple(hostileU64, hostileNumber).map(
    ([a, n]) =>
      (mm: MmStruct) =>
        mm.clearUser(a, n),
  ),
  fc.tuple(hostileU64, fc.oneof(fc.integer({ min: 0, max: 9000 }), hostileNumber)).map(
    ([a, n]) =>
      (mm: MmStruct) =>
        mm.readUser(a, n),
  ),
  fc.tuple(hostileU64, fc.integer({ min: 0, max: 9000 })).map(
    ([a, n]) =>
      (mm: MmStruct) =>
        mm.writeUser(a, new Uint8Array(n).fill(9)),
  ),
  hostileNumber.map((n) => (mm: MmStruct) => mm.findUnmappedArea(n)),
  fc.constant((mm: MmStruct) => {
    const child = mm.fork();
    if (isErrno(child)) return child;
    child.checkInvariants();
    child.destroy();
    return 0;
  }),
  hostileU64.map((size) => (mm: MmStruct) => mm.truncateFile(FILES.get(mm)!, size)),
  fc.tuple(hostileNumber, fc.option(hostileNumber), fc.boolean()).map(
    ([pgoff, end, cows]) =>
      (mm: MmStruct) =>
        mm.zapFileFrom(FILES.get(mm)!, pgoff, end ?? undefined, cows),
  ),
  fc
    .constantFrom('first', 'detached', 'overlapping')
    .map((which) => (mm: MmStruct) => mm.prepareAnonVma(vmaFor(mm, which))),
  fc
    .constantFrom('detached', 'overlapping')
    .map((which) => (mm: MmStruct) => mm.insertVma(vmaFor(mm, which))),
  fc
    .constantFrom('detached', 'overlapping')
    .map((which) => (mm: MmStruct) => mm.removeVma(vmaFor(mm, which))),
);

/** The file mapped in each test address space (for truncateFile / zapFileFrom). */
const FILES = new WeakMap<MmStruct, MemoryFile>();

/** A VMA argument: the first VMA of `mm`, one in no address space, or one overlapping the first. */
function vmaFor(mm: MmStruct, which: string): VmArea {
  const first = mm.vmas.first();
  if (which === 'first' && first !== undefined) return first;
  if (which === 'overlapping' && first !== undefined) {
    return new VmArea(first.start, first.end, first.start / 4096, null, VM.READ | VM.MAYREAD);
  }
  // In no address space, outside every mapping the tests make.
  return new VmArea(0x3000_0000, 0x3000_1000, 0x3_0000, null, VM.READ | VM.MAYREAD);
}

describe('hostile input', () => {
  test('every call answers or throws TypeError/RangeError, and the address space stays valid', () => {
    let calls = 0;
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 30 }), (calls_) => {
        const { mm, frames } = newMm({ startBrk: 0x5555_5555_a000, brk: 0x5555_5555_a000 });
        // Something to hit: a few mappings in the window.
        mm.mmap(
          W,
          16 * 4096,
          PROT.READ | PROT.WRITE,
          MAP.PRIVATE | MAP.ANONYMOUS | MAP.FIXED,
          null,
        );
        mm.mmap(W + 32 * 4096, 8 * 4096, PROT.READ, MAP.SHARED | MAP.ANONYMOUS | MAP.FIXED, null);
        // A file, mapped shared and private, for truncateFile and zapFileFrom.
        const file = new MemoryFile({ path: '/hostile', ino: 7, size: 5 * 4096 + 100 });
        FILES.set(mm, file);
        const RW = PROT.READ | PROT.WRITE;
        mm.mmap(W + 48 * 4096, 8 * 4096, RW, MAP.SHARED | MAP.FIXED, file, 0);
        mm.mmap(W + 60 * 4096, 4 * 4096, RW, MAP.PRIVATE | MAP.FIXED, file, 4096);
        for (const c of calls_) {
          calls++;
          try {
            const r = c(mm);
            const ok =
              r === null ||
              r === undefined || // the void methods (zapFileFrom, insertVma, ...)
              r instanceof Uint8Array || // readUser
              typeof r === 'number' ||
              typeof r === 'bigint' ||
              isErrno(r) ||
              (typeof r === 'object' && r !== null && 'signal' in r);
            expect(ok).toBe(true);
          } catch (error) {
            // A deliberate TypeError or RangeError, never one the engine raised.
            const typed = error instanceof TypeError || error instanceof RangeError;
            expect(typed && !ENGINE_ERROR.test(error.message), String(error)).toBe(true);
          }
          mm.checkInvariants();
        }
        mm.destroy();
        mm.pageCache.clear();
        expect(frames.usedFrames).toBe(0);
      }),
      { numRuns: 400, seed: 42 },
    );
    expect(calls).toBeGreaterThan(1000);
  });
});

test('mremap flag validation matches the kernel order', () => {
  const { mm } = newMm();
  mm.mmap(W, 4096, PROT.READ, MAP.PRIVATE | MAP.ANONYMOUS | MAP.FIXED, null);
  expect(mm.mremap(W, 4096, 4096, 8)).toEqual({ errno: 'EINVAL' });
  expect(mm.mremap(W + 1, 4096, 4096, 0)).toEqual({ errno: 'EINVAL' });
  expect(mm.mremap(W, 4096, 0, 0)).toEqual({ errno: 'EINVAL' });
  expect(mm.mremap(W, 4096, 4096, MREMAP.FIXED, W + 8192)).toEqual({ errno: 'EINVAL' }); // FIXED needs MAYMOVE
  expect(mm.mremap(W + 8192, 4096, 8192, MREMAP.MAYMOVE)).toEqual({ errno: 'EFAULT' });
});

// ------------------------------------------------------------------------------
// The other exports of the package: trace parsing and replay, maps and smaps
// rendering, files, the page cache, the PTE stores, the VMA index, the helpers.
// Each call answers correctly (checked against a reference written here) or
// throws a deliberate TypeError / RangeError (VmtraceFormatError for text that is
// not a trace), and a failed call changes nothing. Unchecked hot-path helpers
// (pteEntry / ptePfn / pteBits, vmFlagsFromProt, vmFlagNames, computeMmapBase,
// errnoResult) are checked on valid input and must not crash on hostile input
// with anything but a TypeError. An object parameter given a non-object may fail
// with the engine's TypeError.

type Outcome =
  | { readonly threw: false; readonly value: unknown }
  | { readonly threw: true; readonly error: unknown };

/** Runs `call`; a throw must be deliberate (or, with `wrongType`, any TypeError; or a `documented` class). */
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
      const shown =
        error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
      throw new Error(`${what} threw an undocumented ${shown}`, { cause: error });
    }
    return { threw: true, error };
  }
}

function show(args: readonly unknown[]): string {
  return args
    .map((a) => {
      if (typeof a === 'bigint') return `${a}n`;
      if (typeof a === 'function') return 'fn';
      if (a instanceof Uint8Array) return `Uint8Array(${a.length})`;
      try {
        const text = typeof a === 'object' && a !== null ? JSON.stringify(a) : String(a);
        return text.length > 120 ? `${text.slice(0, 120)}...` : text;
      } catch {
        return Object.prototype.toString.call(a);
      }
    })
    .join(', ');
}

function expectThrew(out: Outcome, expected: boolean, what: string): void {
  expect(
    out.threw,
    `${what}: ${out.threw ? 'threw on valid input' : 'accepted invalid input'}`,
  ).toBe(expected);
}

type Methods<T> = {
  [K in keyof T]-?: K extends `_${string}`
    ? never
    : T[K] extends (...args: never[]) => unknown
      ? K
      : never;
}[keyof T];

const RUNS = 300;
const SEED = 10_001;
let tried = 0;

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
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, -4096, 0.5, 2 ** 53, 2 ** 64),
  fc.constantFrom(...NOT_NUMBERS),
);
const anyNumber: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 2 ** 32 }) },
  { weight: 2, arbitrary: fc.maxSafeNat() },
  { weight: 2, arbitrary: badNumber },
);
const isNat = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const numbersOnly = (args: readonly unknown[]): boolean => args.every((a) => typeof a === 'number');

// A canonical maps line (FORMAT.md): `start-end perms offset dev inode[ name]`.
const MAPS_LINE =
  /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][sp]) ([0-9a-f]+) ([0-9a-f]+:[0-9a-f]+) (\d+)(?: (.+))?$/;

const aMapsLine: fc.Arbitrary<string> = fc
  .tuple(
    fc.integer({ min: 0x400, max: 0x7ffff_fff0 }),
    fc.integer({ min: 1, max: 64 }),
    fc.constantFrom('r--p', 'rw-p', 'r-xp', 'rw-s', '---p'),
    fc.integer({ min: 0, max: 1000 }),
    fc.constantFrom('00:00', 'fe:00', '00:01'),
    fc.integer({ min: 0, max: 1e6 }),
    fc.constantFrom('', '[heap]', '[stack]', '/usr/lib/libc.so.6', '/tmp/a b (deleted)', '[vdso]'),
  )
  .map(([page, n, perms, off, dev, ino, name]) => {
    const hex = (v: number) => v.toString(16).padStart(8, '0');
    const line = `${hex(page * 4096)}-${hex((page + n) * 4096)} ${perms} ${hex(off * 4096)} ${dev} ${ino}`;
    return name === '' ? line : `${line} ${name}`;
  });

/** Text near a maps line: the line, cut, with a character changed, or anything. */
const anyMapsText: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: aMapsLine },
  {
    weight: 3,
    arbitrary: fc
      .tuple(aMapsLine, fc.nat(), fc.string({ minLength: 0, maxLength: 2 }))
      .map(
        ([line, at, s]) =>
          line.slice(0, at % (line.length + 1)) + s + line.slice((at % (line.length + 1)) + 1),
      ),
  },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('', ' ', 'x-y', undefined, null, 5, ['a']) },
);

const CONSTANT = 'constant';
const SEQUENCE = 'sequence';
const SYSCALLS = 'syscalls';

interface Case {
  readonly args: fc.Arbitrary<readonly unknown[]>;
  readonly valid?: (args: readonly unknown[]) => boolean;
  readonly check?: (result: unknown, args: readonly unknown[]) => void;
  /** Hot-path helper that does not validate: on hostile input it may only answer or throw a TypeError. */
  readonly unchecked?: (args: readonly unknown[]) => boolean;
  readonly wrongType?: (args: readonly unknown[]) => boolean;
  readonly documented?: abstract new (...args: never[]) => Error;
  readonly total?: boolean;
}

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
    wrongType: (a) => !numbersOnly(a),
  };
}

/** Every runtime export of index.ts: a constant, a single-call case, a sequence, or the syscall test above. */
const EXPORTS = {
  LEGACY_MAP_MASK: CONSTANT,
  MADV: CONSTANT,
  MAP: CONSTANT,
  MREMAP: CONSTANT,
  PROT: CONSTANT,
  DEFAULT_LAYOUT: CONSTANT,
  DEFAULT_RLIMITS: CONSTANT,
  DEFAULT_TASK_SIZE: CONSTANT,
  FILE_AREA: CONSTANT,
  PTE_BITS: CONSTANT,
  VM: CONSTANT,
  VM_ACCESS_FLAGS: CONSTANT,
  VM_SPECIAL: CONSTANT,
  MmStruct: SYSCALLS,
  MemoryFile: SEQUENCE,
  PageCache: SEQUENCE,
  PageTablePteStore: SEQUENCE,
  MapPteStore: SEQUENCE,
  VmaIndex: SEQUENCE,
  TraceReplayer: SEQUENCE,
  replayTrace: SEQUENCE,
  mapsLine: SEQUENCE,
  renderMaps: SEQUENCE,
  vmaName: SEQUENCE,
  smapsOf: SEQUENCE,
  smapsRollup: SEQUENCE,
  checkMachineInvariants: SEQUENCE,

  errnoResult: {
    args: fc.tuple(fc.oneof(fc.constantFrom('ENOMEM', 'EINVAL', 'EFAULT'), fc.anything())),
    total: true,
    check: (r, [e]) => {
      expect(r).toEqual({ errno: e });
      expect(Object.isFrozen(r)).toBe(true);
      expect(errnoResult(e as Errno)).toBe(r);
    },
  },
  isErrno: {
    args: fc.tuple(
      fc.oneof(fc.constantFrom<unknown>({ errno: 'ENOMEM' }, 0, -1, null), fc.anything()),
    ),
    total: true,
    check: (r, [v]) => expect(r).toBe(typeof v === 'object' && v !== null && 'errno' in v),
  },
  computeMmapBase: unchecked(
    fc.tuple(
      fc.oneof(fc.constantFrom(0x7fff_ffff_f000, 2 ** 56 - 4096), anyNumber),
      fc.oneof(fc.constantFrom(8 * 2 ** 20, Number.POSITIVE_INFINITY, 0), anyNumber),
      fc.oneof(fc.constantFrom(2 ** 20, 0), anyNumber),
    ),
    ([t, s, g]) =>
      isNat(t) && t >= 2 ** 30 && (isNat(s) || s === Number.POSITIVE_INFINITY) && isNat(g),
    (r, [t]) => {
      const base = r as number;
      // Page aligned, at most 5/6 of the way down from the top, at least 128 MiB below it.
      expect(base % 4096).toBe(0);
      expect(base <= (t as number) - 128 * 2 ** 20 && base >= (t as number) / 6 - 4096).toBe(true);
    },
  ),
  pteEntry: unchecked(
    fc.tuple(
      fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), anyNumber),
      fc.oneof(fc.integer({ min: 0, max: 7 }), anyNumber),
    ),
    ([pfn, bits]) => isNat(pfn) && pfn <= 2 ** 40 && isNat(bits) && bits <= 7,
    (r, [pfn, bits]) => {
      expect(ptePfn(r as number)).toBe(pfn);
      expect(pteBits(r as number)).toBe(bits);
    },
  ),
  ptePfn: unchecked(
    fc.tuple(fc.oneof(fc.integer({ min: 0, max: 2 ** 43 }), anyNumber)),
    ([e]) => isNat(e),
    (r, [e]) => expect(r).toBe(Math.floor((e as number) / 8)),
  ),
  pteBits: unchecked(
    fc.tuple(fc.oneof(fc.integer({ min: 0, max: 2 ** 43 }), anyNumber)),
    ([e]) => isNat(e),
    (r, [e]) => expect(r).toBe((e as number) % 8),
  ),
  vmFlagsFromProt: unchecked(
    fc.tuple(fc.oneof(fc.integer({ min: 0, max: 7 }), anyNumber)),
    ([p]) => isNat(p) && p <= 7,
    (r, [p]) =>
      expect(r).toBe(
        ((p as number) & 1 ? VM.READ : 0) |
          ((p as number) & 2 ? VM.WRITE : 0) |
          ((p as number) & 4 ? VM.EXEC : 0),
      ),
  ),
  vmFlagNames: unchecked(
    fc.tuple(fc.oneof(fc.integer({ min: 0, max: 2 ** 27 - 1 }), anyNumber)),
    ([f]) => isNat(f) && f < 2 ** 27,
    (r, [f]) => {
      const names = r as string[];
      for (const [name, bit] of Object.entries(VM))
        expect(names.includes(name)).toBe(((f as number) & bit) !== 0);
    },
  ),
  hexArg: {
    args: fc.tuple(
      fc.oneof(
        fc.bigInt({ min: 0n, max: 2n ** 70n }).map((v) => `0x${v.toString(16)}`),
        fc.constantFrom<unknown>(
          '0x',
          '0xg',
          '1000',
          '0X10',
          ' 0x1',
          '-0x1',
          5,
          2 ** 60,
          null,
          undefined,
          5n,
        ),
        fc.string(),
      ),
    ),
    documented: VmtraceFormatError,
    // Numbers pass through unchanged (the format also writes small values as JSON numbers).
    valid: ([v]) => typeof v === 'number' || (typeof v === 'string' && /^0x[0-9a-fA-F]+$/.test(v)),
    check: (r, [v]) => {
      if (typeof v === 'number') return void expect(r).toBe(v);
      const big = BigInt(v as string);
      expect(r).toBe(big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big);
    },
  },
  parseMapsLine: {
    args: fc.tuple(anyMapsText),
    valid: ([l]) => typeof l === 'string' && MAPS_LINE.test(l),
    check: (r, [l]) => {
      const m = MAPS_LINE.exec(l as string)!;
      const p = r as ReturnType<typeof parseMapsLine>;
      expect([p.start, p.end, p.perms, p.offset, p.dev, p.ino, p.name]).toEqual([
        Number.parseInt(m[1], 16),
        Number.parseInt(m[2], 16),
        m[3],
        Number.parseInt(m[4], 16),
        m[5],
        Number(m[6]),
        m[7] ?? '',
      ]);
    },
  },
  parseVmtrace: SEQUENCE,
  VmtraceFormatError: {
    args: fc.tuple(fc.anything()),
    total: true,
    check: (r) => {
      expect(r).toBeInstanceOf(Error);
      expect((r as Error).name).toBe('VmtraceFormatError');
    },
  },
  AnonVma: {
    args: fc.tuple(fc.constantFrom<unknown>(undefined, null, 'parent')),
    total: true,
    check: (r, [p]) => {
      const a = r as AnonVma;
      expect(Number.isSafeInteger(a.id) && a.id > 0).toBe(true);
      if (p === undefined || p === null) expect(a.parent).toBe(null);
    },
  },
  VmArea: {
    args: fc.tuple(anyNumber, anyNumber, anyNumber, fc.constant(null), anyNumber),
    // The bounds are checked (AreaNode); pgoff and flags are the caller's.
    valid: ([s, e]) => isNat(s) && isNat(e) && s <= e,
    check: (r, [s, e]) => {
      const v = r as VmArea;
      expect([v.start, v.end, v.isAnonymous]).toEqual([s, e, true]);
    },
  },
} satisfies Record<keyof typeof pkg, Case | typeof CONSTANT | typeof SEQUENCE | typeof SYSCALLS>;

describe('hostile input to the other exports', () => {
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
          const args = raw.map((a) => (a === 'parent' ? new AnonVma() : a));
          const what = `${name}(${show(raw)})`;
          const call = () =>
            isClass
              ? new (value as unknown as new (...a: unknown[]) => unknown)(...args)
              : value(...args);
          if (c.total) {
            c.check?.(call(), raw);
            return;
          }
          const out = attempt(what, call, {
            wrongType: c.wrongType?.(raw) ?? false,
            documented: c.documented,
          });
          if (c.unchecked !== undefined) {
            if (c.unchecked(raw)) expectThrew(out, false, what);
          } else if (c.valid !== undefined) {
            expectThrew(out, !c.valid(raw), what);
          }
          if (!out.threw) c.check?.(out.value, raw);
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });
  }
});

// ------------------------------------------------------- traces and replay

const FIXTURES = join(import.meta.dirname, '../test/fixtures/traces');
/** Real traces, the fuzz ones cut to their first 60 operations to keep replays short. */
const TRACES: readonly string[] = [
  ['real/true.jsonl.gz', 1000],
  ['fuzz/anon-1.jsonl.gz', 61],
  ['fuzz/file-1.jsonl.gz', 61],
].map(([name, lines]) =>
  gunzipSync(readFileSync(join(FIXTURES, name as string)))
    .toString('utf8')
    .split('\n')
    .slice(0, lines as number)
    .join('\n'),
);

const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    0,
    -1,
    2 ** 60,
    '',
    '0x',
    '0xzz',
    '0xffffffffffffffffff',
    'inf',
    [],
    {},
    true,
  ),
  fc.constantFrom<unknown>(
    ['zz'],
    { del: 5 },
    { del: ['x'], add: [] },
    '00400000-00401000 r--p 00000000 00:00 0',
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A real trace, mutated: cut, a line dropped, a character changed, or one field replaced. */
const mutatedTrace: fc.Arbitrary<string> = fc
  .tuple(
    fc.integer({ min: 0, max: TRACES.length - 1 }),
    fc.constantFrom('none', 'cut', 'drop', 'char', 'field', 'field', 'field'),
    fc.nat(),
    fc.nat(),
    fc.string({ minLength: 1, maxLength: 1 }),
    hostileJson,
  )
  .map(([t, kind, a, b, ch, value]) => {
    const text = TRACES[t];
    const lines = text.split('\n');
    switch (kind) {
      case 'cut':
        return text.slice(0, a % text.length);
      case 'drop':
        lines.splice(a % lines.length, 1);
        return lines.join('\n');
      case 'char': {
        const at = a % text.length;
        return text.slice(0, at) + ch + text.slice(at + 1);
      }
      case 'field': {
        // Replace one field of one line (nested objects one level down too).
        const filled = lines.flatMap((l, k) => (l.trim() === '' ? [] : [k]));
        const i = filled[a % filled.length];
        const obj = JSON.parse(lines[i]) as Record<string, unknown>;
        const keys = Object.keys(obj);
        const key = keys[b % keys.length];
        const inner = obj[key];
        if (typeof inner === 'object' && inner !== null && !Array.isArray(inner) && b % 2 === 0) {
          const innerKeys = Object.keys(inner);
          if (innerKeys.length > 0)
            (inner as Record<string, unknown>)[innerKeys[b % innerKeys.length]] = value;
        } else {
          obj[key] = value;
        }
        lines[i] = JSON.stringify(obj);
        return lines.join('\n');
      }
      default:
        return text;
    }
  });

describe('hostile traces', () => {
  test('parseVmtrace: a trace, or VmtraceFormatError; replayTrace of what parses: a report or a typed error, nothing leaked', () => {
    fc.assert(
      fc.property(
        fc.oneof({ weight: 6, arbitrary: mutatedTrace }, { weight: 1, arbitrary: fc.string() }),
        (text) => {
          tried++;
          const parsed = attempt('parseVmtrace', () => parseVmtrace(text), {
            documented: VmtraceFormatError,
          });
          if (parsed.threw) return;
          const trace = parsed.value as Vmtrace;
          const frames = new RefCountedFrameAllocator(
            new BitmapFrameAllocator({ frames: 1 << 12 }),
          );
          const memory = new PhysicalMemory({ size: 2 ** 24 });
          const replay = attempt(
            'replayTrace',
            () => replayTrace(trace, 'mutated', { frames, memory }),
            {
              documented: VmtraceFormatError,
            },
          );
          if (replay.threw) {
            // A trace refused while its initial state was built leaks nothing either.
            expect(frames.usedFrames).toBe(0);
            return;
          }
          const report = replay.value as ReplayReport;
          expect(report.ops).toBe(trace.ops.length);
          expect(report.matched <= report.ops && report.mismatches.length <= 20).toBe(true);
          report.mm.checkInvariants();
          report.mm.destroy();
          report.mm.pageCache.clear();
          expect(frames.usedFrames).toBe(0);
        },
      ),
      { numRuns: 150, seed: SEED },
    );
  });

  test('TraceReplayer: options and operations of any shape', () => {
    const trace = parseVmtrace(TRACES[1]);
    fc.assert(
      fc.property(
        fc.record(
          {
            frames: fc.constantFrom<unknown>('frames', 'frames', undefined, {}),
            memory: fc.constantFrom<unknown>('memory', 'memory', undefined, {}),
            maxMismatches: fc.oneof(fc.constant(undefined), anyNumber),
          },
          { requiredKeys: [] },
        ),
        fc.array(
          fc.oneof(
            fc.constantFrom(...trace.ops),
            fc.record(
              {
                i: fc.nat(),
                op: fc.constantFrom('mmap', 'munmap', 'brk', 'read', 'sync', 'nope'),
                addr: hostileJson,
                len: hostileJson,
                maps: hostileJson,
              },
              { requiredKeys: ['i', 'op'] },
            ),
          ),
          { maxLength: 12 },
        ),
        (spec, ops) => {
          tried++;
          const frames = new RefCountedFrameAllocator(
            new BitmapFrameAllocator({ frames: 1 << 12 }),
          );
          const memory = new PhysicalMemory({ size: 2 ** 24 });
          const options = {
            ...spec,
            frames: spec.frames === 'frames' ? frames : spec.frames,
            memory: spec.memory === 'memory' ? memory : spec.memory,
          };
          const wrongType = spec.frames !== 'frames' || spec.memory !== 'memory';
          const made = attempt(
            'new TraceReplayer',
            () => new TraceReplayer(trace, options as never),
            { wrongType },
          );
          if (made.threw) return;
          const replayer = made.value as TraceReplayer;
          for (const op of ops) {
            tried++;
            // step() reports what an operation did wrong; only a malformed maps delta may throw.
            const out = attempt(`step(${show([op])})`, () => replayer.step(op as VmtraceOp), {
              documented: VmtraceFormatError,
              wrongType: true,
            });
            if (!out.threw)
              expect(
                typeof (out.value as { mismatch: unknown }).mismatch === 'string' ||
                  (out.value as { mismatch: unknown }).mismatch === null,
              ).toBe(true);
            replayer.mm.checkInvariants();
          }
          expect(typeof replayer.endMapsMatch()).toBe('boolean');
        },
      ),
      { numRuns: 100, seed: SEED },
    );
  });
});

// ------------------------------------------------------- files and page cache

const FILE_SIZE_MAX = 6 * 4096;

/** Byte arrays compared in a loop (expect's deep equality is slow on typed arrays). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
/** The content `fill` gives page `pgoff`: a byte pattern that differs per page. */
const fillByte = (pgoff: number, i: number): number => (pgoff * 31 + i) & 0xff;
const pgoffArg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 40, 2 ** 53 - 1, -0) },
  { weight: 2, arbitrary: badNumber },
);
const fileSizeArg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: FILE_SIZE_MAX }) },
  { weight: 2, arbitrary: badNumber },
);
const pageBuffer: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.integer({ min: 1, max: 255 }).map((b) => new Uint8Array(4096).fill(b)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      new Uint8Array(10),
      new Uint8Array(5000),
      undefined,
      [1, 2],
      'page',
    ),
  },
);

describe('MemoryFile and PageCache', () => {
  test('MemoryFile: pages read and written like a byte array of the file size; bad arguments change nothing', () => {
    const CALLS: { readonly [K in Methods<MemoryFile>]: fc.Arbitrary<readonly unknown[]> } = {
      readPage: fc.tuple(pgoffArg, pageBuffer),
      writePage: fc.tuple(pgoffArg, pageBuffer),
      truncate: fc.tuple(fileSizeArg),
      unlink: fc.tuple(),
    };
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.record(
          {
            path: fc.oneof(fc.constant('/f'), fc.constantFrom<unknown>(5, undefined, null)),
            ino: fc.oneof(fc.nat(), badNumber),
            size: fc.oneof(fc.integer({ min: 0, max: FILE_SIZE_MAX }), badNumber),
            fill: fc.constantFrom<unknown>('fill', 'fill', undefined),
          },
          { requiredKeys: ['path', 'ino'] },
        ),
        fc.array(
          fc.oneof(
            ...Object.entries(CALLS).map(([n, a]) =>
              a.map((args): [string, readonly unknown[]] => [n, args]),
            ),
          ),
          {
            maxLength: 25,
          },
        ),
        (spec, sequence) => {
          tried++;
          const withFill = spec.fill === 'fill';
          const options = {
            ...spec,
            fill: withFill
              ? (pgoff: number, page: Uint8Array) =>
                  page.forEach((_, i) => {
                    page[i] = fillByte(pgoff, i);
                  })
              : undefined,
          };
          const size = spec.size ?? 0;
          const valid = typeof spec.path === 'string' && isNat(spec.ino) && isNat(size);
          const made = attempt('new MemoryFile', () => new MemoryFile(options as never));
          expectThrew(made, !valid, `new MemoryFile(${show([spec])})`);
          if (made.threw) return;
          const file = made.value as MemoryFile;
          // The model: the file's bytes.
          let bytes = new Uint8Array(size as number).map((_, i) =>
            withFill ? fillByte(Math.floor(i / 4096), i % 4096) : 0,
          );
          for (const [name, args] of sequence) {
            tried++;
            seen.add(name);
            const what = `file.${name}(${show(args)})`;
            const before = bytes.slice();
            const out = attempt(what, () =>
              (file as unknown as Record<string, (...a: unknown[]) => unknown>)[name].apply(file, [
                ...args,
              ]),
            );
            const [pgoff, buf] = args as [number, Uint8Array];
            if (name === 'readPage' || name === 'writePage') {
              const bufOk =
                buf instanceof Uint8Array && (name === 'writePage' || buf.length >= 4096);
              expectThrew(out, !(isNat(pgoff) && bufOk), what);
              if (!out.threw && name === 'readPage') {
                const want = new Uint8Array(4096);
                want.set(bytes.subarray(pgoff * 4096, pgoff * 4096 + 4096));
                expect(sameBytes(buf.subarray(0, 4096), want), what).toBe(true);
              }
              if (!out.threw && name === 'writePage' && pgoff * 4096 < bytes.length) {
                const n = Math.min(4096, buf.length, bytes.length - pgoff * 4096);
                bytes.set(buf.subarray(0, n), pgoff * 4096);
              }
            }
            if (name === 'truncate') {
              expectThrew(out, !isNat(pgoff), what);
              if (!out.threw) {
                const next = new Uint8Array(pgoff);
                next.set(bytes.subarray(0, Math.min(pgoff, bytes.length)));
                bytes = next;
              }
            }
            if (out.threw) expect(sameBytes(bytes, before), what).toBe(true);
            // The file holds exactly the model.
            expect(file.size).toBe(bytes.length);
            const page = new Uint8Array(4096);
            for (let p = 0; p * 4096 < bytes.length; p++) {
              file.readPage(p, page);
              const want = new Uint8Array(4096);
              want.set(bytes.subarray(p * 4096, p * 4096 + 4096));
              if (page.some((b, i) => b !== want[i])) expect.fail(`${what}: page ${p} differs`);
            }
          }
        },
      ),
      { numRuns: 200, seed: SEED },
    );
    expect([...seen].sort()).toEqual(Object.keys(CALLS).sort());
  });

  test('PageCache: cached pages hold the file content, frames are counted, failures change nothing', () => {
    const CALLS: { readonly [K in Methods<PageCache>]: fc.Arbitrary<readonly unknown[]> } = {
      zeroPage: fc.tuple(),
      adoptUnnamed: fc.tuple(fc.constantFrom<unknown>('file', 'other', undefined, 5)),
      unmapped: fc.tuple(fc.constantFrom<unknown>('file', 'other', undefined, 5)),
      attach: fc.tuple(fc.constantFrom<unknown>('mapper', 'mapper', {}, undefined, 5)),
      detach: fc.tuple(fc.constantFrom<unknown>('mapper', {}, undefined)),
      truncateFile: fc.tuple(fc.constantFrom<unknown>('file', 'file', {}, undefined), fileSizeArg),
      punchHole: fc.tuple(
        fc.constantFrom<unknown>('file', 'file', {}),
        pgoffArg,
        fc.oneof(pgoffArg, fc.constantFrom(Number.POSITIVE_INFINITY, 2 ** 53 - 1)),
      ),
      get: fc.tuple(
        fc.constantFrom<unknown>('file', 'file', 'file', 'other', {}, undefined),
        pgoffArg,
      ),
      lookup: fc.tuple(fc.constantFrom<unknown>('file', 'other', {}, undefined), pgoffArg),
      forEachPage: fc.tuple(fc.constantFrom<unknown>('count', 'count', 5)),
      writeBack: fc.tuple(fc.constantFrom<unknown>('file', 'file', {}, undefined), pgoffArg),
      truncate: fc.tuple(fc.constantFrom<unknown>('file', 'file', {}, undefined), fileSizeArg),
      drop: fc.tuple(fc.constantFrom<unknown>('file', 'file', {}, undefined), pgoffArg),
      clear: fc.tuple(),
    };
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(
          fc.oneof(
            ...Object.entries(CALLS).map(([n, a]) =>
              a.map((args): [string, readonly unknown[]] => [n, args]),
            ),
          ),
          {
            minLength: 1,
            maxLength: 30,
          },
        ),
        (budget, sequence) => {
          const frames = new RefCountedFrameAllocator(new BitmapFrameAllocator({ frames: budget }));
          const memory = new PhysicalMemory({ size: budget * 4096 });
          const cache = new PageCache(frames, memory);
          const fill = (pgoff: number, page: Uint8Array) =>
            page.forEach((_, i) => {
              page[i] = fillByte(pgoff, i);
            });
          const file = new MemoryFile({ path: '/cached', ino: 1, size: 5 * 4096 + 10, fill });
          const other = new MemoryFile({ path: '/other', ino: 2, size: 4096, fill });
          const zapped: unknown[][] = [];
          const mapper = {
            vmas: [] as { file: MemoryFile | null }[],
            zapFileFrom: (...a: unknown[]) => void zapped.push(a),
          };
          for (const [name, raw] of sequence) {
            tried++;
            seen.add(name);
            let counted = 0;
            const args = raw.map((a) =>
              a === 'file'
                ? file
                : a === 'other'
                  ? other
                  : a === 'mapper'
                    ? mapper
                    : a === 'count'
                      ? () => counted++
                      : a,
            );
            const what = `cache.${name}(${show(raw)})`;
            const before = [
              cache.size,
              frames.usedFrames,
              cache.zeroPagePfn,
              file.size,
              zapped.length,
            ];
            const isFile = (f: unknown) => f === file || f === other;
            const out = attempt(
              what,
              () =>
                (cache as unknown as Record<string, (...a: unknown[]) => unknown>)[name].apply(
                  cache,
                  args,
                ),
              {
                // Their first parameter is a file or an address space: a non-object fails as JS does.
                wrongType:
                  typeof args[0] !== 'object' &&
                  typeof args[0] !== 'function' &&
                  name !== 'zeroPage' &&
                  name !== 'clear',
              },
            );
            const pgoff = args[1];
            if (name === 'get' || name === 'lookup' || name === 'writeBack' || name === 'drop') {
              if (isFile(args[0])) expectThrew(out, !isNat(pgoff), what);
              if (!out.threw && name === 'get' && out.value !== -1) {
                // The frame holds the page as the file has it.
                const f = args[0] as MemoryFile;
                const want = new Uint8Array(4096);
                f.readPage(pgoff as number, want);
                expect(sameBytes(memory.frameBytes(out.value as number), want), what).toBe(true);
                expect(cache.lookup(f, pgoff as number)).toBe(out.value);
              }
            }
            if (name === 'truncateFile' || name === 'truncate') {
              if (isFile(args[0])) expectThrew(out, !isNat(args[1]), what);
            }
            if (name === 'punchHole' && isFile(args[0])) {
              expectThrew(
                out,
                !(isNat(args[1]) && (isNat(args[2]) || args[2] === Number.POSITIVE_INFINITY)),
                what,
              );
            }
            if (name === 'forEachPage' && !out.threw) expect(counted).toBe(cache.size);
            if (out.threw)
              expect(
                [cache.size, frames.usedFrames, cache.zeroPagePfn, file.size, zapped.length],
                what,
              ).toEqual(before);
            // The cache holds one reference on each of its frames, the zero page included.
            expect(frames.usedFrames, what).toBe(cache.size + (cache.zeroPagePfn >= 0 ? 1 : 0));
          }
          cache.clear();
          expect(frames.usedFrames).toBe(0);
        },
      ),
      { numRuns: 200, seed: SEED },
    );
    expect([...seen].sort()).toEqual(Object.keys(CALLS).sort());
  });
});

// ---------------------------------------------- PTE stores, VMA index, maps

const vaArg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }).map((n) => W + n * 4096) },
  { weight: 1, arbitrary: fc.constantFrom(W + 1, 0, 2 ** 47 - 4096, 2 ** 47, 2 ** 48, -0) },
  { weight: 2, arbitrary: badNumber },
);
const entryArg: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 2 ** 20 }), fc.integer({ min: 0, max: 7 }))
      .map(([pfn, bits]) => pfn * 8 + bits),
  },
  { weight: 1, arbitrary: fc.constantFrom(0, 2 ** 53 - 1, 2 ** 43) },
  { weight: 2, arbitrary: badNumber },
);
/** Table frames for a PageTablePteStore, counted (a bump pointer and a free list). */
class CountingFrames {
  inUse = 0;
  private next = 0x100;
  private readonly freed: number[] = [];
  allocate(): number {
    this.inUse++;
    return this.freed.pop() ?? this.next++;
  }
  free(pfn: number): void {
    this.inUse--;
    this.freed.push(pfn);
  }
}

/** Physical memory for the page table: frames made on first use. */
class MapMemory {
  private readonly frames = new Map<number, Uint32Array>();
  frameWords(pfn: number): Uint32Array {
    let f = this.frames.get(pfn);
    if (f === undefined) this.frames.set(pfn, (f = new Uint32Array(1024)));
    return f;
  }
}

const isPage = (va: unknown): va is number => isNat(va) && va % 4096 === 0 && va < 2 ** 48;
const isEntry = (e: unknown): e is number => isNat(e) && e < 2 ** 43;

describe('PTE stores', () => {
  test('MapPteStore and PageTablePteStore: get/set/delete/forEach agree with a Map; bad arguments change nothing', () => {
    type StoreMethod = Methods<MapPteStore> | Methods<PageTablePteStore>;
    const CALLS: { readonly [K in StoreMethod]: fc.Arbitrary<readonly unknown[]> } = {
      get: fc.tuple(vaArg),
      set: fc.tuple(vaArg, entryArg),
      delete: fc.tuple(vaArg),
      forEach: fc.tuple(vaArg, vaArg, fc.constantFrom<unknown>('collect', 'collect', 5)),
      translate: fc.tuple(vaArg, fc.boolean()),
      spawn: fc.tuple(),
      destroy: fc.tuple(),
    };
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.constantFrom('map', 'page-table'),
        fc.array(
          fc.oneof(
            ...Object.entries(CALLS).map(([n, a]) =>
              a.map((args): [string, readonly unknown[]] => [n, args]),
            ),
          ),
          {
            minLength: 1,
            maxLength: 30,
          },
        ),
        (kind, sequence) => {
          const frames = new CountingFrames();
          const memory = new MapMemory();
          const store: PteStore =
            kind === 'map'
              ? new MapPteStore()
              : new PageTablePteStore(new PageTable({ memory, frames }));
          const model = new Map<number, number>();
          for (const [name, raw] of sequence) {
            if (name === 'translate' && kind === 'map') continue;
            tried++;
            seen.add(name);
            const collected: [number, number][] = [];
            const args = raw.map((a) =>
              a === 'collect' ? (va: number, e: number) => collected.push([va, e]) : a,
            );
            const what = `${kind}.${name}(${show(args)})`;
            const before = JSON.stringify([...model].sort((x, y) => x[0] - y[0]));
            const out = attempt(
              what,
              () =>
                (store as unknown as Record<string, (...a: unknown[]) => unknown>)[name].apply(
                  store,
                  args,
                ),
              {
                wrongType: name === 'forEach' && typeof args[2] !== 'function',
              },
            );
            const [va, entry] = args;
            if (name === 'set') {
              // The Map store takes any page address and entry; the page table's own limits
              // are 2^48 (4-level linear addresses) and frames below 2^52.
              const fits =
                kind === 'map'
                  ? isNat(va) && va % 4096 === 0 && isNat(entry)
                  : isPage(va) && isEntry(entry);
              expectThrew(out, !fits, what);
              if (!out.threw && out.value === true) model.set(va as number, entry as number);
            }
            if (name === 'get' || name === 'delete') {
              if (isPage(va) || (kind === 'map' && isNat(va) && va % 4096 === 0)) {
                expectThrew(out, false, what);
                expect(out.threw ? undefined : out.value, what).toBe(model.get(va) ?? -1);
                if (name === 'delete') model.delete(va);
              } else if (!isNat(va) || va % 4096 !== 0) {
                expectThrew(out, true, what);
              }
            }
            if (name === 'forEach' && !out.threw && typeof args[2] === 'function') {
              const [s, e] = args as [number, number];
              const want = [...model].filter(([v]) => v >= s && v < e).sort((x, y) => x[0] - y[0]);
              expect(collected, what).toEqual(want);
            }
            if (name === 'spawn' && !out.threw && out.value !== null) {
              const child = out.value as PteStore;
              expect(child.size).toBe(0);
              child.destroy();
            }
            if (name === 'destroy') {
              model.clear();
              // A destroyed page table is unusable (PageTable throws Error on use).
              if (kind === 'page-table') return;
            }
            if (out.threw)
              expect(JSON.stringify([...model].sort((x, y) => x[0] - y[0]))).toBe(before);
            expect(store.size, what).toBe(model.size);
          }
          store.destroy();
          expect(frames.inUse).toBe(0);
        },
      ),
      { numRuns: 200, seed: SEED },
    );
    expect([...seen].sort()).toEqual(Object.keys(CALLS).sort());
  });
});

describe('VmaIndex, maps and smaps', () => {
  test('VmaIndex: lookups and gap searches against a sorted list; bad arguments throw and change nothing', () => {
    const CALLS: { readonly [K in Methods<VmaIndex>]: fc.Arbitrary<readonly unknown[]> } = {
      findVma: fc.tuple(vaArg),
      findContaining: fc.tuple(vaArg),
      findIntersection: fc.tuple(vaArg, vaArg),
      findPrev: fc.tuple(vaArg),
      prev: fc.tuple(fc.constantFrom<unknown>('first', 'last', 'detached', 5)),
      next: fc.tuple(fc.constantFrom<unknown>('first', 'last', 'detached', 5)),
      first: fc.tuple(),
      last: fc.tuple(),
      insert: fc.tuple(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 6 }))),
      insertAfter: fc.tuple(
        fc.constantFrom<unknown>('first', 'last', 'detached', 5),
        fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 6 })),
      ),
      remove: fc.tuple(fc.constantFrom<unknown>('first', 'last', 'detached', 5)),
      split: fc.tuple(fc.constantFrom<unknown>('first', 'last', 'detached'), vaArg),
      setBounds: fc.tuple(fc.constantFrom<unknown>('first', 'last', 'detached'), vaArg, vaArg),
      overlapping: fc.tuple(vaArg, vaArg),
      toArray: fc.tuple(),
      emptyAreaRev: fc.tuple(
        vaArg,
        vaArg,
        fc.oneof(fc.constantFrom(4096, 8192, 2 ** 20), badNumber),
      ),
      emptyArea: fc.tuple(vaArg, vaArg, fc.oneof(fc.constantFrom(4096, 8192, 2 ** 20), badNumber)),
      checkInvariants: fc.tuple(),
      [Symbol.iterator]: fc.tuple(),
    };
    const names = Reflect.ownKeys(CALLS) as (keyof typeof CALLS)[];
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            ...names.map((n) =>
              CALLS[n].map((args): [keyof typeof CALLS, readonly unknown[]] => [n, args]),
            ),
          ),
          {
            minLength: 1,
            maxLength: 30,
          },
        ),
        (sequence) => {
          const index = new VmaIndex();
          for (const [name, raw] of sequence) {
            tried++;
            seen.add(String(name));
            const list = index.toArray();
            const pick = (a: unknown): unknown =>
              a === 'first'
                ? (list[0] ?? new VmArea(W, W + 4096, 0, null, 0))
                : a === 'last'
                  ? (list.at(-1) ?? new VmArea(W, W + 4096, 0, null, 0))
                  : a === 'detached'
                    ? new VmArea(0x2000_0000, 0x2000_1000, 0, null, 0)
                    : a;
            let args: unknown[] = raw.map(pick);
            if (name === 'insert') {
              const [p, n] = raw[0] as [number, number];
              args = [new VmArea(W + p * 4096, W + (p + n) * 4096, p, null, VM.READ)];
            }
            if (name === 'insertAfter') {
              const [p, n] = raw[1] as [number, number];
              args = [args[0], new VmArea(W + p * 4096, W + (p + n) * 4096, p, null, VM.READ)];
            }
            if (name === 'split') args = [args[0], args[1], new VmArea(0, 0, 0, null, 0)];
            const what = `index.${String(name)}(${show(args)})`;
            const before = JSON.stringify(list.map((v) => [v.start, v.end]));
            const out = attempt(
              what,
              () => {
                const r = (index as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>)[
                  name
                ].apply(index, args);
                return name === Symbol.iterator ? [...(r as Iterable<unknown>)] : r;
              },
              { wrongType: args.some((a) => a === 5) },
            );
            const [a, b] = args as [number, number];
            const bounds = list.map((v) => [v.start, v.end] as const);
            if (name === 'findVma' || name === 'findContaining' || name === 'findPrev') {
              expectThrew(out, !isNat(a), what);
              if (!out.threw) {
                const want =
                  name === 'findVma'
                    ? list.find((v) => v.end > a)
                    : name === 'findContaining'
                      ? list.find((v) => v.start <= a && a < v.end)
                      : list.filter((v) => v.start < a).at(-1);
                expect(out.value, what).toBe(want);
              }
            }
            if (name === 'findIntersection' || name === 'overlapping') {
              expectThrew(out, !(isNat(a) && isNat(b)), what);
              if (!out.threw) {
                const hits = list.filter((v) => v.end > a && v.start < b);
                expect(out.value, what).toEqual(name === 'overlapping' ? hits : hits[0]);
              }
            }
            if (name === 'insertAfter') {
              // Only right after an anchor of the index, in the free space that follows it.
              const [anchor, vma] = args as [VmArea, VmArea];
              const at = list.indexOf(anchor);
              const after = list[at + 1];
              const fits =
                at >= 0 &&
                vma.start < vma.end &&
                anchor.end <= vma.start &&
                (after === undefined || vma.end <= after.start);
              expectThrew(out, !fits, what);
              if (fits) expect(index.findContaining(vma.start), what).toBe(vma);
            }
            if (name === 'emptyArea' || name === 'emptyAreaRev') {
              const size = args[2];
              expectThrew(out, !(isNat(a) && isNat(b) && isNat(size) && size > 0), what);
              if (!out.threw && out.value !== -1) {
                // A free range of `size` bytes at (or ending at) the answer, inside [min, max].
                const r = out.value as number;
                const [s, e] =
                  name === 'emptyArea'
                    ? [r, r + (size as number)]
                    : [r + 1 - (size as number), r + 1];
                expect(s >= a && e <= b + 1, what).toBe(true);
                expect(
                  bounds.some(([vs, ve]) => vs < e && s < ve),
                  what,
                ).toBe(false);
              }
            }
            if (out.threw)
              expect(JSON.stringify(index.toArray().map((v) => [v.start, v.end])), what).toBe(
                before,
              );
            index.checkInvariants();
          }
        },
      ),
      { numRuns: 200, seed: SEED },
    );
    expect([...seen].sort()).toEqual(names.map(String).sort());
  });

  test('renderMaps, mapsLine, vmaName, smapsOf, smapsRollup, checkMachineInvariants on random address spaces', () => {
    fc.assert(
      fc.property(
        fc.array(call, { minLength: 1, maxLength: 15 }),
        fc.constantFrom<unknown>('vma', 'vma', 'detached', undefined, 5),
        (calls_, vmaSpec) => {
          tried++;
          const machine = newMachine();
          const mm = machine.spawn({ startBrk: 0x5555_5555_a000, brk: 0x5555_5555_a000 });
          mm.mmap(
            W,
            16 * 4096,
            PROT.READ | PROT.WRITE,
            MAP.PRIVATE | MAP.ANONYMOUS | MAP.FIXED,
            null,
          );
          const file = new MemoryFile({ path: '/hostile', ino: 7, size: 5 * 4096 + 100 });
          FILES.set(mm, file);
          for (const c of calls_) {
            try {
              c(mm);
            } catch {
              // The syscall test above checks these.
            }
          }
          const lines = renderMaps(mm);
          const vmas = mm.vmas.toArray();
          expect(lines.length).toBe(vmas.length);
          lines.forEach((line, i) => {
            expect(MAPS_LINE.test(line), line).toBe(true);
            const p = parseMapsLine(line);
            expect([p.start, p.end]).toEqual([vmas[i].start, vmas[i].end]);
            expect(mapsLine(mm, vmas[i])).toBe(line);
            expect(line.endsWith(vmaName(mm, vmas[i]))).toBe(true);
          });
          const total = smapsRollup(mm);
          let rss = 0;
          for (const v of vmas) {
            const c = smapsOf(mm, v);
            expect(c.size).toBe(v.end - v.start);
            expect(c.anonymous + c.file).toBe(c.rss);
            expect(c.shared + c.private).toBe(c.rss);
            expect(c.rss <= c.size).toBe(true);
            rss += c.rss;
          }
          expect(total.rss).toBe(rss);
          checkMachineInvariants([mm], machine.frames, machine.pageCache);
          // Hostile arguments: a VMA of no address space, or not a VMA; a wrong machine.
          const vma =
            vmaSpec === 'vma'
              ? (vmas[0] ?? new VmArea(W, W + 4096, 0, null, 0))
              : vmaSpec === 'detached'
                ? new VmArea(0x2000_0000, 0x2000_1000, 0, null, VM.READ)
                : vmaSpec;
          for (const [name, fn] of [
            ['mapsLine', () => mapsLine(mm, vma as VmArea)],
            ['vmaName', () => vmaName(mm, vma as VmArea)],
            ['smapsOf', () => smapsOf(mm, vma as VmArea)],
            ['renderMaps', () => renderMaps(vma as MmStruct)],
            ['smapsRollup', () => smapsRollup(vma as MmStruct)],
          ] as const) {
            tried++;
            attempt(`${name}(${show([vmaSpec])})`, fn, { wrongType: true });
          }
          const other = newMachine();
          for (const args of [
            [[mm, mm], machine.frames, machine.pageCache],
            [[mm], other.frames, machine.pageCache],
            [5, machine.frames, machine.pageCache],
            [[mm], machine.frames, undefined],
          ] as const) {
            tried++;
            const out = attempt(
              'checkMachineInvariants',
              () =>
                checkMachineInvariants(
                  ...(args as unknown as Parameters<typeof checkMachineInvariants>),
                ),
              {
                wrongType: true,
              },
            );
            expectThrew(out, true, `checkMachineInvariants(${show(args.slice(1) as unknown[])})`);
          }
          mm.destroy();
          machine.pageCache.clear();
          expect(machine.frames.usedFrames).toBe(0);
        },
      ),
      { numRuns: 150, seed: SEED },
    );
  });
});

test('inputs tried', () => {
  // 13 single-call properties x 300 runs, plus every call of the sequences.
  expect(tried).toBeGreaterThan(9_000);
});
