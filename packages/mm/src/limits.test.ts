// The limits Linux enforces on an address space: RLIMIT_AS, RLIMIT_DATA (brk and
// private writable mappings), RLIMIT_MEMLOCK, RLIMIT_STACK and max_map_count.
import { describe, expect, test } from 'vitest';
import { MAP, PROT } from './linux-abi.js';
import { draw, newMm, ok } from './test-support/drawing.js';

const P = 4096;
const W = 0x1_0000_0000;
const RW = PROT.READ | PROT.WRITE;
const ANON = MAP.PRIVATE | MAP.ANONYMOUS;

describe('resource limits', () => {
  test('RLIMIT_AS caps total_vm (may_expand_vm): ENOMEM, nothing mapped', () => {
    const { mm } = newMm();
    mm.rlimits.as = 8 * P;
    ok(mm.mmap(W, 6 * P, RW, ANON | MAP.FIXED, null));
    expect(mm.mmap(W + 8 * P, 3 * P, PROT.READ, ANON | MAP.FIXED, null)).toEqual({
      errno: 'ENOMEM',
    });
    // Replacing pages already counted does not need more room.
    ok(mm.mmap(W, 6 * P, PROT.READ, ANON | MAP.FIXED, null));
    expect(mm.totalVm).toBe(6);
    expect(draw(mm, W, 12)).toBe('AAAAAA      ');
  });

  test('RLIMIT_DATA: private writable mappings and brk, not read-only or shared ones', () => {
    const heap = 0x5555_5555_a000;
    const { mm } = newMm({ startBrk: heap, brk: heap });
    mm.rlimits.data = 4 * P;
    expect(mm.sysBrk(heap + 5 * P)).toBe(heap); // refused: brk returns the old break
    expect(mm.sysBrk(heap + 2 * P)).toBe(heap + 2 * P);
    expect(mm.mmap(0, 3 * P, RW, ANON, null)).toEqual({ errno: 'ENOMEM' });
    ok(mm.mmap(0, 3 * P, PROT.READ, ANON, null));
    ok(mm.mmap(0, 3 * P, RW, MAP.SHARED | MAP.ANONYMOUS, null));
    // mprotect turning a read-only mapping into data is refused the same way.
    const ro = ok(mm.mmap(0, 3 * P, PROT.READ, ANON, null));
    expect(mm.mprotect(ro, 3 * P, RW)).toEqual({ errno: 'ENOMEM' });
  });

  test('RLIMIT_MEMLOCK: MAP_LOCKED past the limit is EAGAIN; a zero limit is EPERM', () => {
    const { mm } = newMm();
    mm.rlimits.memlock = 2 * P;
    ok(mm.mmap(0, 2 * P, RW, ANON | MAP.LOCKED, null));
    expect(mm.lockedVm).toBe(2);
    expect(mm.mmap(0, P, RW, ANON | MAP.LOCKED, null)).toEqual({ errno: 'EAGAIN' });
    mm.rlimits.memlock = 0;
    expect(mm.mmap(0, P, RW, ANON | MAP.LOCKED, null)).toEqual({ errno: 'EPERM' });
  });

  test('RLIMIT_STACK caps the growth of a grows-down mapping (SEGV_MAPERR past it)', () => {
    const { mm } = newMm();
    mm.rlimits.stack = 4 * P;
    const top = W + 64 * P;
    ok(mm.mmap(top - 2 * P, 2 * P, RW, ANON | MAP.FIXED | MAP.GROWSDOWN, null));
    expect(mm.write(top - 4 * P, 1n)).toBeNull(); // grows to 4 pages
    expect(mm.write(top - 5 * P, 1n)).toEqual({ signal: 'SIGSEGV', code: 'SEGV_MAPERR' });
    expect(draw(mm, top - 6 * P, 6)).toBe('  AAAA');
  });

  test('max_map_count: an operation that needs one more VMA than allowed is ENOMEM and changes nothing', () => {
    const { mm } = newMm({ maxMapCount: 3 });
    ok(mm.mmap(W, 8 * P, RW, ANON | MAP.FIXED, null));
    ok(mm.mmap(W + 10 * P, P, RW, ANON | MAP.FIXED, null));
    ok(mm.mmap(W + 12 * P, P, RW, ANON | MAP.FIXED, null));
    expect(mm.mapCount).toBe(3);
    // Splitting the first VMA in three needs two more slots.
    expect(mm.mprotect(W + 2 * P, 2 * P, PROT.READ)).toEqual({ errno: 'ENOMEM' });
    expect(mm.munmap(W + 2 * P, 2 * P)).toEqual({ errno: 'ENOMEM' });
    expect(draw(mm, W, 13)).toBe('AAAAAAAA  B C');
    // Trimming the end needs no new VMA.
    ok(mm.munmap(W + 6 * P, 2 * P));
    expect(draw(mm, W, 13)).toBe('AAAAAA    B C');
  });
});
