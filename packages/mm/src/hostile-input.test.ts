// Hostile arguments at every syscall-shaped entry point of MmStruct: each call
// either answers (a number, 0, or an errno result) or throws TypeError/RangeError
// for API misuse, nothing else escapes, and the address space stays well formed.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isErrno, MAP, MREMAP, PROT } from './linux-abi.js';
import type { MmStruct } from './mm-struct.js';
import { newMm } from './test-support/drawing.js';

const W = 0x1_0000_0000;

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
);

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
        for (const c of calls_) {
          calls++;
          try {
            const r = c(mm);
            const ok =
              r === null ||
              typeof r === 'number' ||
              typeof r === 'bigint' ||
              isErrno(r) ||
              (typeof r === 'object' && r !== null && 'signal' in r);
            expect(ok).toBe(true);
          } catch (error) {
            expect(error instanceof TypeError || error instanceof RangeError).toBe(true);
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
