// Scenario tests of the Linux rules mm mirrors, one rule per test, with drawings
// of the address space (see test-support/drawing.ts): a letter per VMA.

import { describe, expect, test } from 'vitest';
import { MADV, MAP, MREMAP, PROT } from './linux-abi.js';
import { FILE_AREA, MemoryFile } from './mm-file.js';
import { renderMaps } from './proc-maps.js';
import { smapsOf } from './smaps.js';
import { draw, newMm, ok } from './test-support/drawing.js';
import { ptraceHeader, replayerFor } from './test-support/trace.js';
import { VmArea } from './vm-area.js';
import { VM } from './vm-flags.js';

const P = 4096;
const W = 0x1_0000_0000;
const RW = PROT.READ | PROT.WRITE;
const R = PROT.READ;
const ANON = MAP.PRIVATE | MAP.ANONYMOUS;
const FIXED = ANON | MAP.FIXED;

describe('merging new mappings (mm/vma.c: vma_merge_new_range)', () => {
  test('an adjacent anonymous mapping with the same protection extends its neighbour', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, 2 * P, RW, FIXED, null));
    ok(mm.mmap(W + 2 * P, 2 * P, RW, FIXED, null));
    expect(draw(mm, W, 5)).toBe('AAAA ');
    expect(mm.mapCount).toBe(1);
  });

  test('a different protection, or a flag maps does not show (MAP_NORESERVE), keeps them apart', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, 2 * P, RW, FIXED, null));
    ok(mm.mmap(W + 2 * P, P, R, FIXED, null));
    ok(mm.mmap(W + 3 * P, P, R, FIXED | MAP.NORESERVE, null));
    expect(draw(mm, W, 4)).toBe('AABC');
    // NORESERVE on a read-only mapping changes nothing visible...
    expect(
      renderMaps(mm)
        .slice(-2)
        .map((l) => l.split(' ')[1]),
    ).toEqual(['r--p', 'r--p']);
  });

  test('filling a hole between two compatible mappings merges all three', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, P, RW, FIXED, null));
    ok(mm.mmap(W + 2 * P, P, RW, FIXED, null));
    expect(draw(mm, W, 3)).toBe('A B');
    ok(mm.mmap(W + P, P, RW, FIXED, null));
    expect(draw(mm, W, 3)).toBe('AAA');
  });

  test('two mappings that both have anonymous pages (different anon_vmas) never merge', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, P, RW, FIXED, null));
    ok(mm.mmap(W + P, P, R, FIXED, null));
    ok(mm.mmap(W + 2 * P, P, RW, FIXED, null));
    expect(mm.write(W, 1n)).toBeNull();
    expect(mm.write(W + 2 * P, 1n)).toBeNull();
    expect(draw(mm, W, 3)).toBe('ABC');
    // Making the middle writable would merge all three, but the outer two have
    // different anon_vmas: only the left merge happens (can_vma_merge_right).
    ok(mm.mprotect(W + P, P, RW));
    expect(draw(mm, W, 3)).toBe('AAB');
  });

  test('a fault reuses the anon_vma of a compatible neighbour (find_mergeable_anon_vma)', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, 2 * P, RW, FIXED, null));
    ok(mm.mprotect(W + P, P, R)); // split; neither half has pages yet
    expect(mm.write(W, 1n)).toBeNull(); // A gets an anon_vma
    ok(mm.mprotect(W + P, P, RW));
    expect(draw(mm, W, 2)).toBe('AA');
  });
});

describe('mprotect (mm/mprotect.c)', () => {
  test('changing the middle of a mapping splits it in three; changing it back merges', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, 6 * P, RW, FIXED, null));
    ok(mm.mprotect(W + 2 * P, 2 * P, R));
    expect(draw(mm, W, 6)).toBe('AABBCC');
    ok(mm.mprotect(W + 2 * P, 2 * P, RW));
    expect(draw(mm, W, 6)).toBe('AAAAAA');
  });

  test('VM_ACCOUNT: a read-only piece that was never touched loses it, a touched one keeps it', () => {
    const untouched = newMm().mm;
    ok(untouched.mmap(W, 2 * P, RW, FIXED, null));
    ok(untouched.mprotect(W + P, P, R));
    ok(untouched.mmap(W + 2 * P, P, R, FIXED, null)); // read-only, never accounted
    expect(draw(untouched, W, 3)).toBe('ABB');

    const touched = newMm().mm;
    ok(touched.mmap(W, 2 * P, RW, FIXED, null));
    expect(touched.write(W + P, 7n)).toBeNull();
    ok(touched.mprotect(W + P, P, R));
    ok(touched.mmap(W + 2 * P, P, R, FIXED, null));
    expect(draw(touched, W, 3)).toBe('ABC');
  });

  test('a private MAP_LOCKED mapping made writable is populated at once (COW broken): it keeps VM_ACCOUNT', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, 3 * P, R, FIXED | MAP.LOCKED, null));
    expect(smapsOf(mm, mm.vmas.findContaining(W)!).anonymous).toBe(0);
    ok(mm.mprotect(W + P, P, RW));
    expect(draw(mm, W, 3)).toBe('ABC');
    // The page is an anonymous copy before any write, and the area has an anon_vma...
    expect(smapsOf(mm, mm.vmas.findContaining(W + P)!).anonymous).toBe(P);
    // ...so back to read-only it keeps VM_ACCOUNT and stays apart from its neighbours.
    ok(mm.mprotect(W + P, P, R));
    expect(draw(mm, W, 3)).toBe('ABC');
    // Without MAP_LOCKED nothing is populated: the untouched piece loses VM_ACCOUNT and merges back.
    const plain = newMm().mm;
    ok(plain.mmap(W, 3 * P, R, FIXED, null));
    ok(plain.mprotect(W + P, P, RW));
    expect(smapsOf(plain, plain.vmas.findContaining(W + P)!).anonymous).toBe(0);
    ok(plain.mprotect(W + P, P, R));
    expect(draw(plain, W, 3)).toBe('AAA');
  });

  test('a hole stops it with ENOMEM after the mappings before the hole changed', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, 2 * P, RW, FIXED, null));
    ok(mm.mmap(W + 3 * P, 2 * P, RW, FIXED, null));
    expect(mm.mprotect(W, 5 * P, R)).toEqual({ errno: 'ENOMEM' });
    expect(renderMaps(mm).map((l) => l.split(' ')[1])).toEqual(['r--p', 'rw-p']);
    expect(draw(mm, W, 5)).toBe('AA BB');
  });

  test('argument errors', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, P, RW, FIXED, null));
    expect(mm.mprotect(W + 1, P, R)).toEqual({ errno: 'EINVAL' });
    expect(mm.mprotect(W, P, 0x10)).toEqual({ errno: 'EINVAL' });
    expect(mm.mprotect(W, 0, R)).toBe(0);
    expect(mm.mprotect(W + 8 * P, P, R)).toEqual({ errno: 'ENOMEM' });
    expect(mm.mprotect(W, P, R | PROT.GROWSDOWN | PROT.GROWSUP)).toEqual({ errno: 'EINVAL' });
    expect(mm.mprotect(W, P, R | PROT.GROWSDOWN)).toEqual({ errno: 'EINVAL' }); // not a grows-down VMA
  });
});

describe('munmap and MAP_FIXED', () => {
  test('unmapping the middle leaves two VMAs; MAP_FIXED replaces what was there', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, 5 * P, RW, FIXED, null));
    ok(mm.munmap(W + 2 * P, P));
    expect(draw(mm, W, 5)).toBe('AA BB');
    ok(mm.mmap(W + P, 3 * P, R, FIXED, null));
    expect(draw(mm, W, 5)).toBe('ABBBC');
  });

  test('unmapping either end of a mapping keeps the rest, its page offset, pages and accounting', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, 5 * P, RW, FIXED, null));
    expect(mm.write(W + 3 * P, 7n)).toBeNull();
    ok(mm.munmap(W, P));
    ok(mm.munmap(W + 4 * P, P));
    expect(draw(mm, W, 5)).toBe(' AAA ');
    const vma = mm.vmas.findVma(W)!;
    expect([vma.start, vma.end, vma.pgoff]).toEqual([W + P, W + 4 * P, (W + P) / P]);
    expect(mm.read(W + 3 * P)).toBe(7n);
    expect(mm.totalVm).toBe(3);
    // A hole inside: the pieces keep consecutive page offsets, so refilling merges them back.
    ok(mm.munmap(W + 2 * P, P));
    expect(draw(mm, W, 5)).toBe(' A B ');
    ok(mm.mmap(W + 2 * P, P, RW, FIXED, null));
    expect(draw(mm, W, 5)).toBe(' AAA ');
    expect(mm.totalVm).toBe(3);
    mm.checkInvariants();
  });

  test('MAP_FIXED over whole mappings gives a fresh one: new protection, no pages, no anon_vma', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, P, R, FIXED, null));
    ok(mm.mmap(W + P, 2 * P, RW | PROT.EXEC, FIXED, null));
    ok(mm.mmap(W + 3 * P, P, RW, FIXED, null));
    ok(mm.mmap(W + 4 * P, P, R, FIXED, null));
    expect(mm.write(W + P, 5n)).toBeNull();
    expect(draw(mm, W, 5)).toBe('ABBCD');
    ok(mm.mmap(W + P, 3 * P, RW, FIXED, null));
    expect(draw(mm, W, 5)).toBe('ABBBC');
    const vma = mm.vmas.findVma(W + P)!;
    expect([vma.start, vma.end, vma.pgoff]).toEqual([W + P, W + 4 * P, (W + P) / P]);
    expect(vma.anonVma).toBeNull();
    expect(renderMaps(mm)[1].split(' ')[1]).toBe('rw-p');
    expect(mm.read(W + P)).toBe(0n);
    expect([mm.totalVm, mm.execVm]).toEqual([5, 0]);
    mm.checkInvariants();
  });

  test('MAP_FIXED with the same protection inside a mapping leaves it one VMA; only the pages in the range go', () => {
    const { mm, frames } = newMm();
    ok(mm.mmap(W, 5 * P, RW, FIXED, null));
    expect(mm.write(W + P, 5n)).toBeNull();
    expect(mm.write(W + 3 * P, 7n)).toBeNull();
    const vma = mm.vmas.findVma(W)!;
    const anonVma = vma.anonVma;
    const used = frames.usedFrames;
    // Linux splits, unmaps, and merges the new range back into both pieces.
    ok(mm.mmap(W + P, 2 * P, RW, FIXED, null));
    expect(draw(mm, W, 6)).toBe('AAAAA ');
    expect(mm.vmas.findVma(W)).toBe(vma);
    expect([vma.start, vma.end, vma.pgoff, vma.anonVma]).toEqual([W, W + 5 * P, W / P, anonVma]);
    expect(frames.usedFrames).toBe(used - 1);
    expect(mm.read(W + P)).toBe(0n);
    expect(mm.read(W + 3 * P)).toBe(7n);
    expect([mm.totalVm, mm.dataVm]).toEqual([5, 5]);
    // Reaching past its end: the mapping grows over the rest.
    ok(mm.mmap(W + 3 * P, 3 * P, RW, FIXED, null));
    expect(draw(mm, W, 7)).toBe('AAAAAA ');
    expect([mm.totalVm, mm.mapCount]).toEqual([6, 1]);
    mm.checkInvariants();
  });

  test('MAP_FIXED at the edge of a mapping merges with the neighbour beyond that edge when it can', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, 2 * P, RW, FIXED, null));
    ok(mm.mmap(W + 3 * P, 2 * P, RW, FIXED, null));
    expect(mm.write(W, 1n)).toBeNull();
    expect(mm.write(W + 3 * P, 2n)).toBeNull();
    // Filling the hole merges with the left one only: the two anon_vmas differ.
    ok(mm.mmap(W + 2 * P, P, RW, FIXED, null));
    expect(draw(mm, W, 5)).toBe('AAABB');
    // The first page of B: the new range merges with A (compatible), not back into B.
    ok(mm.mmap(W + 3 * P, P, RW, FIXED, null));
    expect(draw(mm, W, 5)).toBe('AAAAB');
    // The last page of A and the same protection: nothing beyond can merge, so A stays whole.
    ok(mm.mmap(W + 3 * P, P, RW, FIXED, null));
    expect(draw(mm, W, 5)).toBe('AAAAB');
    expect([mm.totalVm, mm.mapCount]).toEqual([5, 2]);
    mm.checkInvariants();
  });

  test('MAP_FIXED_NOREPLACE fails with EEXIST on any overlap and changes nothing', () => {
    const { mm } = newMm();
    ok(mm.mmap(W + P, P, RW, FIXED, null));
    expect(mm.mmap(W, 2 * P, RW, ANON | MAP.FIXED_NOREPLACE, null)).toEqual({ errno: 'EEXIST' });
    expect(draw(mm, W, 2)).toBe(' A');
  });

  test('argument errors are Linux errnos', () => {
    const { mm } = newMm();
    expect(mm.mmap(0, 0, RW, ANON, null)).toEqual({ errno: 'EINVAL' });
    expect(mm.mmap(0, P, RW, MAP.ANONYMOUS, null)).toEqual({ errno: 'EINVAL' }); // no type
    expect(mm.mmap(0, P, RW, MAP.PRIVATE, null)).toEqual({ errno: 'EBADF' }); // no fd
    expect(mm.mmap(W + 16, P, RW, FIXED, null)).toEqual({ errno: 'EINVAL' });
    expect(mm.mmap(0, P, RW, FIXED, null)).toEqual({ errno: 'EPERM' }); // below mmap_min_addr
    expect(mm.mmap(0, 2n ** 63n, RW, ANON, null)).toEqual({ errno: 'ENOMEM' });
    expect(mm.mmap(0, P, RW, ANON, null, 0x800)).toEqual({ errno: 'EINVAL' });
    expect(mm.munmap(W + 1, P)).toEqual({ errno: 'EINVAL' });
    expect(mm.munmap(W, 0)).toEqual({ errno: 'EINVAL' });
    expect(mm.munmap(W, P)).toBe(0); // nothing there is fine
    expect(mm.mapCount).toBe(0);
  });

  test('API misuse throws TypeError / RangeError', () => {
    const { mm } = newMm();
    expect(() => mm.mmap(Number.NaN, P, RW, ANON, null)).toThrow(RangeError);
    expect(() => mm.mmap(-4096, P, RW, ANON, null)).toThrow(RangeError);
    expect(() => mm.mmap(2 ** 60, P, RW, ANON, null)).toThrow(RangeError);
    expect(() => mm.mmap('0' as never, P, RW, ANON, null)).toThrow(TypeError);
    expect(() => mm.mprotect(W, P, 1.5)).toThrow(RangeError);
  });
});

describe('placement (get_unmapped_area)', () => {
  test('unhinted mappings go top-down from mmap_base', () => {
    const { mm } = newMm();
    const a = ok(mm.mmap(0, 3 * P, RW, ANON, null));
    const b = ok(mm.mmap(0, P, R, ANON, null));
    expect(a).toBe(0x7fff_f7ff_f000 - 3 * P);
    expect(b).toBe(a - P);
  });

  test('a free hint is taken; an occupied one falls back to the top-down search', () => {
    const { mm } = newMm();
    expect(ok(mm.mmap(W + 123, P, RW, ANON, null))).toBe(W); // rounded down
    expect(ok(mm.mmap(W, P, RW, ANON, null))).toBe(0x7fff_f7ff_f000 - P);
  });

  test('a length that is a multiple of 2 MiB is placed 2 MiB-aligned (THP)', () => {
    const { mm } = newMm();
    const a = ok(mm.mmap(0, 0x20_0000, RW, ANON, null));
    expect(a % 0x20_0000).toBe(0);
    const b = ok(mm.mmap(0, 0x20_0000 + P, RW, ANON, null));
    expect(b % 0x20_0000).not.toBe(0);
  });

  test('the stack guard gap below a grows-down mapping is never handed out', () => {
    const { mm } = newMm();
    const top = 0x7fff_f7ff_f000;
    ok(mm.mmap(top - 0x10_0000 - 4 * P, 4 * P, RW, FIXED | MAP.GROWSDOWN, null));
    const a = ok(mm.mmap(0, P, RW, ANON, null));
    // Above the stack-like mapping there is room; below it, 1 MiB stays free.
    expect(a).toBe(top - P);
    const hint = top - 0x10_0000 - 4 * P - 2 * P;
    const placed = ok(mm.mmap(hint, P, RW, ANON, null));
    expect(placed).not.toBe(hint);
  });

  test('a tmpfs file is not THP-aligned (shmem_get_unmapped_area on a huge=never mount)', () => {
    // Found by the ptrace trace of Python multiprocessing.shared_memory op 83:
    // a 4 MiB /dev/shm file went right below mmap_base, where an ext4 file of
    // the same size goes 2 MiB-aligned (thp_get_unmapped_area).
    const M = 0x40_0000;
    const top = 0x7fff_f7ff_f000;
    const shm = new MemoryFile({
      path: '/dev/shm/s',
      dev: '00:1b',
      ino: 12,
      size: M,
      area: FILE_AREA.SHMEM,
    });
    const ext4 = new MemoryFile({ path: '/f', dev: 'fe:00', ino: 13, size: M });
    const { mm } = newMm();
    expect(ok(mm.mmap(0, M, RW, MAP.SHARED, shm))).toBe(top - M);
    expect(ok(mm.mmap(0, M, RW, MAP.SHARED, ext4)) % 0x20_0000).toBe(0);
  });

  test('/dev/zero: MAP_SHARED is shared anonymous memory, MAP_PRIVATE is anonymous but THP-placed and named', () => {
    // drivers/char/mem.c: mmap_zero / get_unmapped_area_zero. Found by the
    // ptrace trace of a Python program mapping /dev/zero (op 89).
    const M = 0x40_0000;
    const top = 0x7fff_f7ff_f000;
    const zero = new MemoryFile({ path: '/dev/zero', dev: '00:06', ino: 4, area: FILE_AREA.ZERO });
    const { mm } = newMm();
    const s = ok(mm.mmap(0, M, RW, MAP.SHARED, zero));
    expect(s).toBe(top - M); // shmem_get_unmapped_area: no alignment
    expect(renderMaps(mm).at(-1)).toMatch(/ rw-s 00000000 00:01 \d+ +\/dev\/zero \(deleted\)$/);
    const p = ok(mm.mmap(0, M, RW, MAP.PRIVATE, zero));
    expect(p % 0x20_0000).toBe(0);
    expect(renderMaps(mm)[0]).toMatch(/ rw-p 00000000 00:06 4 +\/dev\/zero$/);
    // Anonymous memory: zeros, no SIGBUS past the (empty) file's end.
    expect(mm.read(p + P)).toBe(0n);
    expect(mm.write(p, 7n)).toBeNull();
    expect(mm.read(p)).toBe(7n);
    expect(mm.write(p + P, 8n)).toBeNull(); // the zero page read above is replaced
    expect(mm.read(p + P)).toBe(8n);
    expect(mm.read(s + P)).toBe(0n);
    mm.checkInvariants();
  });

  test('the legacy layout (ADDR_COMPAT_LAYOUT) searches bottom-up from TASK_UNMAPPED_BASE', () => {
    // arch/x86/mm/mmap.c: arch_pick_mmap_layout leaves MMF_TOPDOWN clear, so
    // mm_get_unmapped_area is arch_get_unmapped_area. Found by the ptrace trace
    // of `setarch x86_64 -L -R ls` op 1. __thp_get_unmapped_area rounds the
    // padded area up to the alignment, without the top-down extra 2 MiB.
    const { mm } = newMm({ topdown: false });
    const base = mm.layout.mmapLegacyBase; // 0x2aaaaaaab000
    expect(ok(mm.mmap(0, 2 * P, RW, ANON, null))).toBe(base);
    expect(ok(mm.mmap(0, P, R, ANON, null))).toBe(base + 2 * P);
    const huge = ok(mm.mmap(0, 0x20_0000, RW, ANON, null));
    expect(huge).toBe(Math.ceil((base + 3 * P) / 0x20_0000) * 0x20_0000);
    expect(ok(mm.mmap(0, P, R, ANON, null))).toBe(base + 3 * P); // the hole below it
  });

  test('with the sysctl mmap_min_addr below CONFIG_LSM_MMAP_MIN_ADDR, hints and searches stop at the larger one', () => {
    // security/min_addr.c: the kernel's mmap_min_addr is the larger of the
    // sysctl (4096 on the recording machine) and CONFIG_LSM_MMAP_MIN_ADDR
    // (65536). Hint rounding, the free-area search and stack growth use that;
    // only MAP_FIXED's permission check (cap_mmap_addr) uses the sysctl.
    // Found by the ptrace trace of java -XX:+UseShenandoahGC op 140: a hint of
    // 0x1000 was placed at 0x10000. Checked on Linux 6.18.
    const min = 0x1_0000;
    const { mm } = newMm({ mmapMinAddr: 0x1000, mmapBase: 2 * min });
    expect(ok(mm.mmap(0x1000, 4 * P, 0, ANON, null))).toBe(min); // round_hint_to_min
    ok(mm.munmap(min, 4 * P));
    // The top-down gap [0x10000, 0x20000) is too small for 0x18000 bytes: the
    // search may not use [0x1000, 0x10000), so it falls back to bottom-up.
    expect(ok(mm.mmap(0, 0x1_8000, R, ANON, null))).toBe(mm.layout.mmapLegacyBase);
    // MAP_FIXED between the two is allowed even without CAP_SYS_RAWIO.
    expect(ok(mm.mmap(0x2000, P, R, FIXED, null))).toBe(0x2000);
    expect(mm.mmap(0, P, R, FIXED, null)).toEqual({ errno: 'EPERM' });
    ok(mm.munmap(0x2000, P)); // nothing within the stack guard gap
    // A grows-down mapping may grow to mmap_min_addr, not below it.
    ok(mm.mmap(min + 2 * P, P, RW, FIXED | MAP.GROWSDOWN, null));
    expect(mm.write(min, 1n)).toBeNull();
    expect(mm.write(min - P, 1n)).toEqual({ signal: 'SIGSEGV', code: 'SEGV_MAPERR' });
  });

  test('MAP_HUGETLB: no huge pages in the pool, so an anonymous one fails with ENOMEM and maps nothing', () => {
    // mm/mmap.c: ksys_mmap_pgoff sets up a hugetlbfs file (EINVAL for an unknown
    // MAP_HUGE_* size or a file of another kind) and rounds the length up to the
    // huge page size; hugetlbfs_file_mmap cannot reserve pages from an empty
    // pool. Found by ptrace traces of C programs (r8-mmflags op 19, r8-huge ops
    // 26 and 29), and java -XX:+UseLargePages.
    const { mm } = newMm();
    const X = W + 0x10_0000; // 1 MiB past a 2 MiB boundary
    ok(mm.mmap(X, 8 * P, R, FIXED, null));
    const HUGE = ANON | MAP.HUGETLB;
    expect(mm.mmap(0, P, RW, HUGE, null)).toEqual({ errno: 'ENOMEM' });
    expect(mm.mmap(0, P, RW, HUGE | (21 << 26), null)).toEqual({ errno: 'ENOMEM' });
    expect(mm.mmap(0, P, RW, HUGE | (25 << 26), null)).toEqual({ errno: 'EINVAL' });
    expect(mm.mmap(X, P, RW, HUGE | MAP.FIXED, null)).toEqual({ errno: 'EINVAL' });
    // the length is rounded up to 2 MiB, so a page at W reaches the mapping at X
    expect(mm.mmap(W, P, RW, HUGE | MAP.FIXED_NOREPLACE, null)).toEqual({ errno: 'EEXIST' });
    const file = new MemoryFile({ path: '/f', dev: 'fe:00', ino: 13, size: 16 * P });
    expect(mm.mmap(0, P, R, MAP.PRIVATE | MAP.HUGETLB, file)).toEqual({ errno: 'EINVAL' });
    // hugetlbfs_file_mmap: the (otherwise ignored) offset must be huge-page aligned
    expect(mm.mmap(0, P, RW, HUGE, null, P)).toEqual({ errno: 'EINVAL' });
    expect(mm.mmap(0, P, RW, HUGE, null, 0x20_0000)).toEqual({ errno: 'ENOMEM' });
    expect(draw(mm, X, 8)).toBe('AAAAAAAA');
    expect(mm.vmas.count).toBe(1);
    // The ->mmap hook fails after the replaced range was cleared: MAP_FIXED
    // leaves a hole where the 2 MiB it asked for overlapped A.
    expect(mm.mmap(W, P, RW, HUGE | MAP.FIXED, null)).toEqual({ errno: 'ENOMEM' });
    expect(mm.vmas.count).toBe(0);
  });
});

describe('brk', () => {
  const heap = 0x5555_5555_a000;
  test('grows and shrinks the heap, named [heap]', () => {
    const { mm } = newMm({ startBrk: heap, brk: heap });
    expect(mm.sysBrk(heap + 3 * P + 5)).toBe(heap + 3 * P + 5);
    expect(renderMaps(mm)).toEqual([
      `${heap.toString(16)}-${(heap + 4 * P).toString(16)} rw-p 00000000 00:00 0 [heap]`,
    ]);
    expect(mm.sysBrk(heap + P)).toBe(heap + P);
    expect(draw(mm, heap, 4)).toBe('A   ');
    expect(mm.sysBrk(heap - P)).toBe(heap + P); // below start_brk: unchanged
  });

  test('refuses to grow into (or next to) another mapping and returns the old break', () => {
    const { mm } = newMm({ startBrk: heap, brk: heap });
    ok(mm.mmap(heap + 4 * P, P, RW, FIXED, null));
    expect(mm.sysBrk(heap + 3 * P)).toBe(heap + 3 * P);
    expect(mm.sysBrk(heap + 4 * P)).toBe(heap + 3 * P); // would leave no page between
  });
});

describe('mremap', () => {
  test('grows in place when the next pages are free, else moves with MREMAP_MAYMOVE', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, 2 * P, RW, FIXED, null));
    expect(mm.mremap(W, 2 * P, 3 * P, 0)).toBe(W);
    ok(mm.mmap(W + 4 * P, P, R, FIXED, null));
    expect(mm.mremap(W, 3 * P, 5 * P, 0)).toEqual({ errno: 'ENOMEM' });
    expect(mm.write(W, 0x1234n)).toBeNull();
    const moved = ok(mm.mremap(W, 3 * P, 5 * P, 1));
    expect(moved).not.toBe(W);
    expect(mm.read(moved)).toBe(0x1234n); // the data follows
    expect(draw(mm, W, 5)).toBe('    A');
  });

  test('a touched anonymous mapping moved away keeps its pgoff: it does not merge until moved back', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, P, RW, FIXED, null));
    ok(mm.mmap(W + 2 * P, P, RW, FIXED, null));
    expect(mm.write(W + 2 * P, 1n)).toBeNull();
    ok(mm.mremap(W + 2 * P, P, P, 3, W + P)); // MAYMOVE|FIXED next to the first
    expect(draw(mm, W, 3)).toBe('AB ');
    const { mm: fresh } = newMm();
    ok(fresh.mmap(W, P, RW, FIXED, null));
    ok(fresh.mmap(W + 2 * P, P, RW, FIXED, null));
    ok(fresh.mremap(W + 2 * P, P, P, 3, W + P)); // untouched: takes the new pgoff, merges
    expect(draw(fresh, W, 3)).toBe('AA ');
  });
});

describe('madvise (mm/madvise.c)', () => {
  test('MAP_DROPPABLE: private anonymous memory with flags maps does not show, so it does not merge', () => {
    // mm/mmap.c: do_mmap adds VM_DROPPABLE, VM_NORESERVE, VM_WIPEONFORK and
    // VM_DONTDUMP, which MADV_KEEPONFORK / MADV_DODUMP may not take away. Found
    // by the ptrace trace of `docker --version` op 48 (Go's vgetrandom state).
    const { mm } = newMm();
    ok(mm.mmap(W, 2 * P, RW, FIXED, null));
    const d = ok(mm.mmap(W + 2 * P, P, RW, MAP.DROPPABLE | MAP.ANONYMOUS | MAP.FIXED, null));
    expect(d).toBe(W + 2 * P);
    expect(draw(mm, W, 3)).toBe('AAB');
    expect(renderMaps(mm).at(-1)).toMatch(/ rw-p 00000000 00:00 0/);
    expect(mm.madvise(d, P, MADV.KEEPONFORK)).toEqual({ errno: 'EINVAL' });
    expect(mm.madvise(d, P, MADV.DODUMP)).toEqual({ errno: 'EINVAL' });
    expect(mm.mmap(0, P, RW, MAP.DROPPABLE | MAP.ANONYMOUS | MAP.LOCKED, null)).toEqual({
      errno: 'EINVAL',
    });
    expect(mm.mmap(0, P, RW, MAP.DROPPABLE | MAP.ANONYMOUS | MAP.GROWSDOWN, null)).toEqual({
      errno: 'EINVAL',
    });
    expect(mm.write(d, 5n)).toBeNull();
    expect(mm.read(d)).toBe(5n);
  });

  // Linux 6.18's madvise_guard_install gives an anonymous VMA an anon_vma (the guard
  // markers are page-table entries, and fork copies those only for a VMA with one),
  // so a guarded VMA merges, and moves, like one whose pages were touched.
  test('MADV_GUARD_INSTALL gives an anonymous VMA an anon_vma: it no longer merges with a touched neighbour', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, 4 * P, RW, FIXED, null));
    ok(mm.madvise(W + 2 * P, 2 * P, MADV.RANDOM));
    expect(draw(mm, W, 4)).toBe('AABB');
    ok(mm.madvise(W + 3 * P, P, MADV.GUARD_INSTALL)); // B gets an anon_vma (A has none to share)
    expect(mm.write(W, 1n)).toBeNull(); // A gets its own: B's flags differ (anon_vma_compatible)
    ok(mm.madvise(W + 2 * P, 2 * P, MADV.NORMAL));
    expect(draw(mm, W, 4)).toBe('AABB'); // same flags, different anon_vmas
    const { mm: unguarded } = newMm();
    ok(unguarded.mmap(W, 4 * P, RW, FIXED, null));
    ok(unguarded.madvise(W + 2 * P, 2 * P, MADV.RANDOM));
    expect(unguarded.write(W, 1n)).toBeNull();
    ok(unguarded.madvise(W + 2 * P, 2 * P, MADV.NORMAL));
    expect(draw(unguarded, W, 4)).toBe('AAAA');
  });

  test('a guarded anonymous VMA moved by mremap keeps its pgoff, so a new mapping beside it stays apart', () => {
    const { mm } = newMm();
    ok(mm.mmap(W + 8 * P, 2 * P, R, FIXED, null));
    ok(mm.madvise(W + 9 * P, P, MADV.GUARD_INSTALL));
    ok(mm.mremap(W + 8 * P, 2 * P, 2 * P, 3, W + 2 * P)); // MAYMOVE|FIXED
    ok(mm.mmap(W, 2 * P, R, FIXED, null));
    expect(draw(mm, W, 4)).toBe('AABB');
  });

  test('the anon_vma outlives MADV_GUARD_REMOVE: moved next to an untouched mapping, the VMA still keeps its pgoff', () => {
    // Checked on Linux 6.18; the shape of kernel traces all-935 op 2376 and
    // madvise-946 op 2894 (mremap next to an anon_vma-less neighbour).
    const { mm } = newMm();
    ok(mm.mmap(W, P, RW, FIXED, null));
    ok(mm.mmap(W + 2 * P, P, RW, FIXED, null));
    ok(mm.madvise(W + 2 * P, P, MADV.GUARD_INSTALL));
    ok(mm.madvise(W + 2 * P, P, MADV.GUARD_REMOVE));
    ok(mm.mremap(W + 2 * P, P, P, 3, W + P)); // MAYMOVE|FIXED
    expect(draw(mm, W, 3)).toBe('AB ');
  });

  test('MADV_GUARD_INSTALL on a file or shared mapping gives it no anon_vma (it is not anonymous)', () => {
    for (const flags of [MAP.PRIVATE, MAP.SHARED]) {
      const { mm } = newMm();
      const file = new MemoryFile({ path: '/f', dev: 'fe:00', ino: 7, size: 4 * P });
      ok(mm.mmap(W, 4 * P, RW, flags | MAP.FIXED, file, 0));
      ok(mm.madvise(W + 2 * P, 2 * P, MADV.RANDOM));
      ok(mm.madvise(W + 3 * P, P, MADV.GUARD_INSTALL));
      expect(mm.write(W, 1n)).toBeNull();
      ok(mm.madvise(W + 2 * P, 2 * P, MADV.NORMAL));
      expect(draw(mm, W, 4)).toBe('AAAA');
    }
  });
});

describe('faults', () => {
  test('a fault too far below a grows-down mapping fails but leaves it an anon_vma (expand_downwards)', () => {
    // mm/vma.c: expand_downwards prepares the anon_vma after the guard-gap check
    // and before the growth is measured against RLIMIT_STACK: the fault fails,
    // the VMA stays as it was, but from now on it behaves as touched.
    const G = W + 0x200_0000; // 32 MiB above W: nothing below within reach
    const X = W + 0x400_0000;
    const GD = FIXED | MAP.GROWSDOWN;
    const moveAndExtend = (fault: boolean): string => {
      const { mm } = newMm();
      ok(mm.mmap(G, P, RW, GD, null));
      if (fault) {
        // 16 MiB below: past the 8 MiB stack limit
        expect(mm.write(G - 0x100_0000, 1n)).toEqual({ signal: 'SIGSEGV', code: 'SEGV_MAPERR' });
      }
      expect(draw(mm, G - P, 2)).toBe(' A');
      ok(mm.mremap(G, P, P, 3, X)); // MAYMOVE|FIXED
      ok(mm.mmap(X + P, P, RW, GD, null));
      return draw(mm, X, 2);
    };
    expect(moveAndExtend(false)).toBe('AA'); // untouched: takes the new pgoff, merges
    expect(moveAndExtend(true)).toBe('AB'); // an anon_vma: keeps its old pgoff
  });

  test('SEGV_MAPERR where nothing is mapped, SEGV_ACCERR where the mapping forbids it', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, P, R, FIXED, null));
    ok(mm.mmap(W + P, P, PROT.WRITE, FIXED, null));
    ok(mm.mmap(W + 2 * P, P, PROT.NONE, FIXED, null));
    expect(mm.read(W + 3 * P)).toEqual({ signal: 'SIGSEGV', code: 'SEGV_MAPERR' });
    expect(mm.write(W, 1n)).toEqual({ signal: 'SIGSEGV', code: 'SEGV_ACCERR' });
    expect(mm.read(W + P)).toBe(0n); // x86: write implies read
    expect(mm.read(W + 2 * P)).toEqual({ signal: 'SIGSEGV', code: 'SEGV_ACCERR' });
    expect(mm.read(0x8000_0000_0000)).toEqual({ signal: 'SIGSEGV', code: 'SI_KERNEL' });
  });

  test('file pages: shared by every mapping until a private one writes; SIGBUS past the end', () => {
    const { mm } = newMm();
    const file = new MemoryFile({
      path: '/f',
      dev: 'fe:00',
      ino: 7,
      size: P + 8,
      fill: (pg, page) => page.fill(pg + 1),
    });
    const shared = ok(mm.mmap(0, 3 * P, RW, MAP.SHARED, file, 0));
    const priv = ok(mm.mmap(0, 3 * P, RW, MAP.PRIVATE, file, 0));
    expect(mm.read(priv)).toBe(0x0101010101010101n);
    expect(mm.write(shared, 0x42n)).toBeNull();
    expect(mm.read(priv)).toBe(0x42n); // the private mapping still sees the page cache
    expect(mm.write(priv, 0x99n)).toBeNull(); // now it has its own copy
    expect(mm.read(shared)).toBe(0x42n);
    expect(mm.read(priv + P)).toBe(0x0202020202020202n); // inside the partial last page
    expect(mm.read(priv + P + 8)).toBe(0n); // past EOF in that page: zeros
    expect(mm.read(priv + 2 * P)).toEqual({ signal: 'SIGBUS', code: 'BUS_ADRERR' });
    expect(mm.truncateFile(file, 0)).toBe(0);
    expect(mm.read(priv)).toEqual({ signal: 'SIGBUS', code: 'BUS_ADRERR' }); // even the private copy
  });

  test('a private write past the end of the file gets SIGBUS but leaves an anon_vma (do_cow_fault)', () => {
    // mm/memory.c: do_cow_fault prepares the anon_vma before reading the file
    // page, so the failed write makes C "touched": its anon_vma differs from A's.
    const mprotectMiddleBack = (sigbus: boolean): string => {
      const { mm } = newMm();
      const file = new MemoryFile({ path: '/f', dev: 'fe:00', ino: 8, size: 100 });
      ok(mm.mmap(W, 3 * P, RW, MAP.PRIVATE | MAP.FIXED, file, 0));
      ok(mm.mprotect(W + P, P, R));
      if (sigbus) {
        expect(mm.write(W + 2 * P, 1n)).toEqual({ signal: 'SIGBUS', code: 'BUS_ADRERR' });
      }
      expect(mm.write(W, 1n)).toBeNull(); // A: a private copy, its own anon_vma
      expect(draw(mm, W, 3)).toBe('ABC');
      ok(mm.mprotect(W + P, P, RW));
      return draw(mm, W, 3);
    };
    expect(mprotectMiddleBack(false)).toBe('AAA');
    expect(mprotectMiddleBack(true)).toBe('AAB');
  });

  test('tearing down returns every frame', () => {
    const { mm, frames } = newMm();
    const a = ok(mm.mmap(0, 8 * P, RW, ANON, null));
    for (let i = 0; i < 8; i++) expect(mm.write(a + i * P, BigInt(i))).toBeNull();
    expect(frames.usedFrames).toBe(8);
    mm.destroy();
    expect(frames.usedFrames).toBe(0);
  });
});

describe('special mappings cannot be split (special_mapping_split)', () => {
  // mm/vma.c: __split_vma asks vm_ops->may_split, and [vdso], [vvar] and
  // [vvar_vclock] answer -EINVAL. Found by ptrace traces of a C program poking
  // at its vDSO on 6.18: every call that would cut one fails with EINVAL.
  const vdso = (mm: ReturnType<typeof newMm>['mm'], at: number) =>
    mm.insertVma(
      new VmArea(
        at,
        at + 2 * P,
        0,
        null,
        VM.READ | VM.EXEC | VM.MAYREAD | VM.MAYWRITE | VM.MAYEXEC | VM.DONTEXPAND,
        null,
        '[vdso]',
      ),
    );

  test('munmap, mprotect and madvise of part of it are EINVAL; the whole of it is fine', () => {
    const { mm } = newMm();
    vdso(mm, W);
    expect(mm.munmap(W, P)).toEqual({ errno: 'EINVAL' });
    expect(mm.munmap(W + P, P)).toEqual({ errno: 'EINVAL' });
    expect(mm.mprotect(W, P, R)).toEqual({ errno: 'EINVAL' });
    expect(mm.madvise(W, P, MADV.DONTDUMP)).toEqual({ errno: 'EINVAL' });
    // No flag change, no split: these succeed on part of it.
    expect(mm.madvise(W, P, MADV.NORMAL)).toBe(0);
    expect(mm.madvise(W, P, MADV.WILLNEED)).toBe(0);
    expect(draw(mm, W, 2)).toBe('AA');
    ok(mm.mprotect(W, 2 * P, RW | PROT.EXEC));
    expect(renderMaps(mm)[0]).toMatch(/ rwxp .*\[vdso\]$/);
    ok(mm.madvise(W, 2 * P, MADV.RANDOM));
    ok(mm.munmap(W, 2 * P));
    expect(mm.mapCount).toBe(0);
  });

  test('a MAP_FIXED or munmap that ends inside it fails, but the VMA cut at its start stays cut', () => {
    // vms_gather_munmap_vmas splits the first VMA before the last one refuses:
    // maps then shows two identical lines, which a later mprotect merges.
    const { mm } = newMm();
    ok(mm.mmap(W, 2 * P, RW, FIXED, null));
    vdso(mm, W + 2 * P);
    expect(mm.mmap(W + P, 2 * P, R, FIXED, null)).toEqual({ errno: 'EINVAL' });
    expect(draw(mm, W, 4)).toBe('ABCC');
    expect(
      renderMaps(mm)
        .slice(0, 2)
        .map((l) => l.split(' ')[1]),
    ).toEqual(['rw-p', 'rw-p']);
    ok(mm.mprotect(W, 2 * P, R));
    expect(draw(mm, W, 4)).toBe('AABB');
    expect(mm.munmap(W + 3 * P, 2 * P)).toEqual({ errno: 'EINVAL' });
  });

  test('mremap: moving part of it is EINVAL after a MREMAP_FIXED target was unmapped; DONTUNMAP is EINVAL', () => {
    const { mm } = newMm();
    vdso(mm, W);
    ok(mm.mmap(W + 16 * P, P, RW, FIXED, null));
    // mremap_to unmaps the target, then move_vma asks may_split of the source.
    expect(mm.mremap(W, P, P, 3, W + 16 * P)).toEqual({ errno: 'EINVAL' });
    expect(draw(mm, W + 16 * P, 1)).toBe(' ');
    // A move that shrinks it: shrink_vma's munmap would split it (not EFAULT,
    // which check_prep_vma keeps for growing a VM_DONTEXPAND mapping).
    expect(mm.mremap(W, 2 * P, P, 3, W + 32 * P)).toEqual({ errno: 'EINVAL' });
    expect(mm.mremap(W, 2 * P, 4 * P, 1)).toEqual({ errno: 'EFAULT' });
    // check_prep_vma: MREMAP_DONTUNMAP of a VM_DONTEXPAND or VM_PFNMAP mapping.
    expect(mm.mremap(W, 2 * P, 2 * P, 5)).toEqual({ errno: 'EINVAL' });
    // The whole of it moves (CRIU does this).
    expect(ok(mm.mremap(W, 2 * P, 2 * P, 3, W + 64 * P))).toBe(W + 64 * P);
    expect(renderMaps(mm).at(-1)).toMatch(/ r-xp .*\[vdso\]$/);
  });

  test('replay: [vvar] lines of a trace are VM_PFNMAP|VM_IO without VM_MAYWRITE', () => {
    // arch/x86/entry/vdso/vma.c: the vvar pages may only be read; the vDSO text
    // may be made writable (ptrace pokes it).
    const header = ptraceHeader([
      '7ffff7fc2000-7ffff7fc6000 r--p 00000000 00:00 0 [vvar]',
      '7ffff7fc8000-7ffff7fca000 r-xp 00000000 00:00 0 [vdso]',
    ]);
    const ops = [
      { i: 0, op: 'mprotect', addr: '0x7ffff7fc2000', len: '0x1000', prot: 3, err: 'EACCES' },
      { i: 1, op: 'mprotect', addr: '0x7ffff7fc2000', len: '0x1000', prot: 0, err: 'EINVAL' },
      { i: 2, op: 'madvise', addr: '0x7ffff7fc2000', len: '0x4000', advice: 4, err: 'EINVAL' },
      { i: 3, op: 'madvise', addr: '0x7ffff7fc2000', len: '0x4000', advice: 11, err: 'EINVAL' },
      { i: 4, op: 'madvise', addr: '0x7ffff7fc8000', len: '0x2000', advice: 4, ret: 0 },
    ];
    const replayer = replayerFor(header, ops);
    for (const op of replayer.trace.ops) expect(replayer.step(op).mismatch).toBeNull();
  });
});

describe('MAP_SHARED_VALIDATE (do_mmap: flags & ~LEGACY_MAP_MASK)', () => {
  test('accepts MAP_32BIT, MAP_ABOVE4G and the MAP_HUGE_* size bits 26..30, not bit 31 or MAP_SYNC', () => {
    // include/linux/mman.h: the mask ORs MAP_HUGE_2MB and MAP_HUGE_1GB (0x7c000000).
    // Found by a ptrace trace probing every flag bit on an ext4 file (6.18).
    const f = new MemoryFile({ path: '/f', dev: 'fe:00', ino: 13, size: 16 * P });
    const { mm } = newMm();
    for (const bit of [0x40, 0x80, 1 << 26, 1 << 27, 1 << 28, 1 << 29, 1 << 30]) {
      const a = ok(mm.mmap(0, P, R, MAP.SHARED_VALIDATE | bit, f));
      ok(mm.munmap(a, P));
    }
    for (const bit of [0x8_0000, 0x200, 0x400, 0x40_0000, 2 ** 31]) {
      expect(mm.mmap(0, P, R, (MAP.SHARED_VALIDATE | bit) >>> 0, f)).toEqual({
        errno: 'EOPNOTSUPP',
      });
    }
  });
});

describe('MADV_COLLAPSE (mm/khugepaged.c: madvise_collapse)', () => {
  // Found by a ptrace trace of a C program asking for collapses on 6.18: the
  // kernel refuses (EINVAL) what cannot hold a THP and blocks without pages.
  const M2 = 0x20_0000;
  const COLLAPSE = 25;
  const at = 0x7f00_0000_0000;

  test('a block collapses once it has a page; an empty block, or a range inside one block, is EINVAL', () => {
    const { mm } = newMm();
    ok(mm.mmap(at, 4 * M2, RW, FIXED, null));
    expect(mm.madvise(at, 4 * M2, COLLAPSE)).toEqual({ errno: 'EINVAL' });
    expect(mm.write(at + 8, 1n)).toBeNull();
    expect(mm.madvise(at, M2, COLLAPSE)).toBe(0);
    expect(mm.madvise(at, 4 * M2, COLLAPSE)).toEqual({ errno: 'EINVAL' });
    expect(mm.madvise(at + P, 2 * P, COLLAPSE)).toEqual({ errno: 'EINVAL' });
    // Starts on a block boundary, ends inside it: no block to collapse, success.
    expect(mm.madvise(at + M2, 2 * P, COLLAPSE)).toBe(0);
  });

  test('EINVAL for a VMA that cannot hold an aligned 2 MiB block, VM_NOHUGEPAGE, shared memory', () => {
    const { mm } = newMm();
    ok(mm.mmap(at, 64 * P, RW, FIXED, null));
    expect(mm.write(at, 1n)).toBeNull();
    expect(mm.madvise(at, 64 * P, COLLAPSE)).toEqual({ errno: 'EINVAL' });
    ok(mm.mmap(at + 2 * M2, M2, RW, FIXED | MAP.STACK, null)); // MAP_STACK: VM_NOHUGEPAGE
    expect(mm.write(at + 2 * M2, 1n)).toBeNull();
    expect(mm.madvise(at + 2 * M2, M2, COLLAPSE)).toEqual({ errno: 'EINVAL' });
    ok(mm.mmap(at + 4 * M2, M2, RW, MAP.SHARED | MAP.ANONYMOUS | MAP.FIXED, null));
    expect(mm.write(at + 4 * M2, 1n)).toBeNull();
    expect(mm.madvise(at + 4 * M2, M2, COLLAPSE)).toEqual({ errno: 'EINVAL' });
    // An unaligned VMA that holds a whole block: its pages collapse.
    ok(mm.mmap(at + 6 * M2 - 8 * P, M2 + 16 * P, RW, FIXED, null));
    expect(mm.write(at + 6 * M2, 1n)).toBeNull();
    expect(mm.madvise(at + 6 * M2 - 8 * P, M2 + 16 * P, COLLAPSE)).toBe(0);
  });
});

describe('files without an mmap method (do_mmap: can_mmap_file)', () => {
  test('mmap is ENODEV, and a MAP_FIXED one leaves what was there', () => {
    // Found by a ptrace trace of a C program mapping a pipe, /dev/null,
    // /dev/urandom and /proc/PID/maps (6.18): each failed with ENODEV.
    const pipe = new MemoryFile({ path: 'pipe:[7]', dev: '00:0f', ino: 7, area: FILE_AREA.NONE });
    const { mm } = newMm();
    expect(mm.mmap(0, P, R, MAP.PRIVATE, pipe)).toEqual({ errno: 'ENODEV' });
    ok(mm.mmap(W, P, RW, FIXED, null));
    expect(mm.mmap(W, P, R, MAP.SHARED | MAP.FIXED, pipe)).toEqual({ errno: 'ENODEV' });
    expect(draw(mm, W, 1)).toBe('A');
    expect(renderMaps(mm)).toHaveLength(1);
  });

  test('replay: pipes, sockets, procfs files and /dev/null-like devices are such files', () => {
    const header = ptraceHeader(['7ffff7ff0000-7ffff7fff000 rw-p 00000000 00:00 0']);
    const map = (i: number, path: string, dev: string) => ({
      i,
      op: 'mmap',
      addr: '0x0',
      len: '0x1000',
      prot: 1,
      flags: 2,
      fd: 3,
      off: '0x0',
      file: { path, dev, ino: 9, size: '0x0' },
      err: 'ENODEV',
    });
    const ops = [
      map(0, 'pipe:[1407777]', '00:0f'),
      map(1, 'socket:[55]', '00:08'),
      map(2, '/proc/26441/maps', '00:15'),
      map(3, '/dev/null', '00:06'),
      map(4, '/dev/urandom', '00:06'),
      map(5, '/dev/pts/0', '00:18'),
    ];
    const replayer = replayerFor(header, ops);
    for (const op of replayer.trace.ops) expect(replayer.step(op).mismatch).toBeNull();
  });
});

describe('overcommit_memory 0 (mm/util.c: __vm_enough_memory, OVERCOMMIT_GUESS)', () => {
  // Found by a ptrace trace of Python catching MemoryError for a 30 GiB
  // bytearray on a 23.5 GiB machine without swap: mmap and brk failed with
  // ENOMEM, while a 20 GiB one succeeded. The bound is per call, not a sum.
  const G = 2 ** 30;
  const limit = (23 * G) / P;

  test('one charge above RAM + swap is ENOMEM; reservations are not charged', () => {
    const { mm } = newMm({ commitGuessPages: limit });
    expect(mm.mmap(0, 30 * G, RW, ANON, null)).toEqual({ errno: 'ENOMEM' });
    expect(mm.mmap(0, 30 * G, RW, MAP.SHARED | MAP.ANONYMOUS, null)).toEqual({ errno: 'ENOMEM' });
    const a = ok(mm.mmap(0, 20 * G, RW, ANON, null));
    const b = ok(mm.mmap(0, 20 * G, RW, ANON, null)); // no running total
    const r = ok(mm.mmap(0, 30 * G, R, ANON, null)); // read-only: not charged
    ok(mm.mmap(0, 30 * G, RW, ANON | MAP.NORESERVE, null));
    expect(mm.mprotect(r, 30 * G, RW)).toEqual({ errno: 'ENOMEM' });
    ok(mm.mprotect(r, 20 * G, RW));
    // A MAP_FIXED over charged memory is charged only for what is new.
    ok(mm.mmap(a, 20 * G, RW, FIXED, null));
    // mremap charges what it adds (vrm_calc_charge: the delta), 4 GiB here.
    ok(mm.mremap(b, 20 * G, 24 * G, 1));
  });

  test('brk that would charge more than RAM + swap returns the old break', () => {
    const { mm } = newMm({ commitGuessPages: limit, startBrk: W, brk: W });
    mm.setBrkArea(W);
    expect(mm.sysBrk(W + 30 * G)).toBe(W);
    expect(mm.sysBrk(W + 16 * P)).toBe(W + 16 * P);
  });
});

describe('memfd_secret files (mm/secretmem.c: secretmem_mmap_prepare)', () => {
  // Found by a ptrace trace mapping a memfd_secret descriptor (6.18).
  const secret = (): MemoryFile =>
    new MemoryFile({
      path: '/secretmem (deleted)',
      dev: '00:0e',
      ino: 7,
      size: 4 * P,
      area: FILE_AREA.SECRETMEM,
    });

  test('only shared mappings, locked and not dumped; MADV_DONTNEED is then EINVAL', () => {
    const f = secret();
    const { mm } = newMm();
    expect(mm.mmap(0, 4 * P, RW, MAP.PRIVATE, f)).toEqual({ errno: 'EINVAL' });
    expect(mm.mapCount).toBe(0);
    const a = ok(mm.mmap(0, 4 * P, RW, MAP.SHARED, f));
    const vma = mm.vmas.findContaining(a)!;
    expect(vma.flags & (VM.LOCKED | VM.DONTDUMP)).toBe(VM.LOCKED | VM.DONTDUMP);
    expect(mm.lockedVm).toBe(4);
    expect(renderMaps(mm)).toEqual([
      `${a.toString(16)}-${(a + 4 * P).toString(16)} rw-s 00000000 00:0e 7 /secretmem (deleted)`,
    ]);
    expect(mm.madvise(a, P, MADV.DONTNEED)).toEqual({ errno: 'EINVAL' });
    ok(mm.munmap(a, 4 * P));
    expect(mm.lockedVm).toBe(0);
  });

  test('over RLIMIT_MEMLOCK is EAGAIN; a failed MAP_FIXED leaves a hole where it asked', () => {
    const f = secret();
    const { mm } = newMm();
    mm.rlimits.memlock = 2 * P;
    expect(mm.mmap(0, 4 * P, RW, MAP.SHARED, f)).toEqual({ errno: 'EAGAIN' });
    ok(mm.mmap(W, 4 * P, RW, FIXED, null));
    expect(mm.mmap(W + P, P, RW, MAP.PRIVATE | MAP.FIXED, f)).toEqual({ errno: 'EINVAL' });
    expect(draw(mm, W, 4)).toBe('A BB');
  });
});

describe('MAP_HUGETLB | MAP_NORESERVE maps a hugetlbfs file (mm/mmap.c: ksys_mmap_pgoff, fs/hugetlbfs/inode.c: hugetlbfs_file_mmap)', () => {
  // Found by ptrace traces of C programs on 6.18 with nr_hugepages = 0
  // (c-thp op 36, huge-errors ops 32-33, hug-split, hug-remap).
  const H = 0x20_0000;
  const HUGE = ANON | MAP.HUGETLB | MAP.NORESERVE;
  /** [start, end, pgoff] of every VMA, relative to `base`, in huge pages. */
  const areas = (mm: ReturnType<typeof newMm>['mm'], base: number) =>
    [...mm.vmas].map((v) => [(v.start - base) / H, (v.end - base) / H, (v.pgoff * P) / H]);

  test('each mmap gets its own unlinked /anon_hugepage file: VM_HUGETLB, never merged, never charged', () => {
    const { mm } = newMm();
    const a = ok(mm.mmap(0, H + P, RW, HUGE, null));
    const b = ok(mm.mmap(0, H, R, (HUGE ^ MAP.PRIVATE) | MAP.SHARED, null));
    // hugetlb_get_unmapped_area: huge-page aligned, the length rounded up.
    expect(a % H).toBe(0);
    expect(b).toBe(a - H);
    const maps = renderMaps(mm);
    expect(maps[0]).toMatch(
      /^[0-9a-f]+-[0-9a-f]+ r--s 00000000 00:11 (\d+) \/anon_hugepage \(deleted\)$/,
    );
    expect(maps[1]).toMatch(/ rw-p 00000000 00:11 \d+ \/anon_hugepage \(deleted\)$/);
    expect(maps[0].split(' ')[4]).not.toBe(maps[1].split(' ')[4]);
    const vma = mm.vmas.findContaining(a) as VmArea;
    expect(vma.flags & (VM.HUGETLB | VM.DONTEXPAND | VM.NORESERVE | VM.ACCOUNT)).toBe(
      VM.HUGETLB | VM.DONTEXPAND | VM.NORESERVE,
    );
    // Adjacent, same protection: still two VMAs (two files, VM_DONTEXPAND).
    ok(mm.mprotect(b, H, RW));
    expect(mm.vmas.count).toBe(2);
    // The caller's offset is the file offset maps prints; MAP_HUGE_1GB has its own mount.
    const c = ok(mm.mmap(0, H, R, HUGE, null, 2 * H));
    expect(renderMaps(mm)[0]).toMatch(/ r--p 00400000 00:11 \d+ \/anon_hugepage/);
    const g = ok(mm.mmap(0, P, R, HUGE | (30 << 26), null));
    expect(g % 2 ** 30).toBe(0);
    expect(renderMaps(mm)[0]).toMatch(
      new RegExp(`^${g.toString(16)}-${(g + 2 ** 30).toString(16)} r--p 00000000 00:12 `),
    );
    expect(c).toBeLessThan(b);
  });

  test('splitting it off a huge page boundary is EINVAL (mm/hugetlb.c: hugetlb_vm_op_split)', () => {
    const { mm } = newMm();
    const a = ok(mm.mmap(0, 3 * H, RW, HUGE, null));
    expect(mm.munmap(a + P, P)).toEqual({ errno: 'EINVAL' });
    expect(mm.munmap(a, P)).toEqual({ errno: 'EINVAL' });
    expect(mm.mprotect(a + P, P, R)).toEqual({ errno: 'EINVAL' });
    expect(mm.mmap(a + P, P, R, FIXED, null)).toEqual({ errno: 'EINVAL' });
    expect(mm.madvise(a, P, MADV.DONTFORK)).toEqual({ errno: 'EINVAL' });
    expect(mm.madvise(a, P, MADV.HUGEPAGE)).toEqual({ errno: 'EINVAL' });
    expect(areas(mm, a)).toEqual([[0, 3, 0]]);
    // The split at the start is made before the one at the end is refused
    // (vms_gather_munmap_vmas, vma_modify): that one stays.
    expect(mm.munmap(a + H, H + P)).toEqual({ errno: 'EINVAL' });
    expect(areas(mm, a)).toEqual([
      [0, 1, 0],
      [1, 3, 1],
    ]);
    ok(mm.mprotect(a + H, H, R));
    expect(areas(mm, a)).toEqual([
      [0, 1, 0],
      [1, 2, 1],
      [2, 3, 2],
    ]);
    // mprotect changes the VMAs before the one it cannot split.
    expect(mm.mprotect(a, 3 * H - P, R)).toEqual({ errno: 'EINVAL' });
    expect(renderMaps(mm).map((l) => l.split(' ')[1])).toEqual(['r--p', 'r--p', 'rw-p']);
    // On huge page boundaries everything works, MAP_FIXED included.
    ok(mm.mmap(a + 2 * H, H, R, FIXED, null));
    expect(renderMaps(mm)[2]).toMatch(/ r--p 00000000 00:00 0$/);
    ok(mm.madvise(a + H, H, MADV.DONTFORK));
    ok(mm.munmap(a, 2 * H));
    expect(mm.vmas.count).toBe(1);
  });

  test('mremap: addresses huge-page aligned, lengths rounded up, no growth, no MREMAP_DONTUNMAP (mm/mremap.c: align_hugetlb)', () => {
    const { mm } = newMm();
    const a = ok(mm.mmap(0, 4 * H, RW, HUGE, null));
    const t = W;
    ok(mm.mmap(t, 8 * H, PROT.NONE, FIXED, null));
    expect(mm.mremap(a, H, 2 * H, 1)).toEqual({ errno: 'EINVAL' });
    expect(mm.mremap(a, H, H + P, 0)).toEqual({ errno: 'EINVAL' });
    expect(mm.mremap(a + P, P, P, 3, t)).toEqual({ errno: 'EINVAL' });
    expect(mm.mremap(a, H, H, 3, t + P)).toEqual({ errno: 'EINVAL' });
    expect(mm.mremap(a, H, H, 5)).toEqual({ errno: 'EINVAL' });
    // A page's move takes the whole huge page; the file offset goes with it.
    expect(ok(mm.mremap(a, P, P, 3, t + 2 * H))).toBe(t + 2 * H);
    expect(ok(mm.mremap(a + 3 * H, H, H, 3, t + 6 * H))).toBe(t + 6 * H);
    expect(
      [...mm.vmas].filter((v) => v.flags & VM.HUGETLB).map((v) => [v.start, v.pgoff * P]),
    ).toEqual([
      [t + 2 * H, 0],
      [t + 6 * H, 3 * H],
      [a + H, H],
    ]);
    // Shrinking to less than a huge page, or a length short of one: no change.
    expect(ok(mm.mremap(a + 2 * H, H, P, 0))).toBe(a + 2 * H);
    expect(ok(mm.mremap(a + H, H - P, H, 0))).toBe(a + H);
    expect(mm.vmas.findContaining(a + H)?.end).toBe(a + 3 * H);
  });

  test('madvise: MADV_DONTNEED from a huge page boundary only; FREE, COLD, PAGEOUT, COLLAPSE, guards refused', () => {
    const { mm } = newMm();
    const a = ok(mm.mmap(0, 2 * H, RW, HUGE, null));
    ok(mm.madvise(a, P, MADV.DONTNEED)); // the end rounds down to a
    expect(mm.madvise(a + P, P, MADV.DONTNEED)).toEqual({ errno: 'EINVAL' });
    ok(mm.madvise(a, H, MADV.DONTNEED));
    for (const advice of [MADV.FREE, MADV.COLD, MADV.PAGEOUT, MADV.COLLAPSE, MADV.WIPEONFORK])
      expect(mm.madvise(a, H, advice)).toEqual({ errno: 'EINVAL' });
    expect(mm.madvise(a, P, MADV.GUARD_INSTALL)).toEqual({ errno: 'EINVAL' });
    expect(mm.madvise(a, H, MADV.REMOVE)).toEqual({ errno: 'EACCES' });
    ok(mm.madvise(a, H, MADV.MERGEABLE)); // ksm_madvise leaves VM_HUGETLB alone
    ok(mm.madvise(a, H, MADV.HUGEPAGE)); // on a boundary: a split
    expect(mm.vmas.count).toBe(2);
    // The pool is empty: populating faults, EFAULT.
    expect(mm.madvise(a, H, MADV.POPULATE_READ)).toEqual({ errno: 'EFAULT' });
  });

  test('replay: /anon_hugepage lines are hugetlb VMAs, and their dev and inode are identities', () => {
    // A trace names the kernel's run-time device (00:11 on the recording
    // machine) and inode; a new one binds to the simulator's new file.
    const header = ptraceHeader([
      '7ffff7600000-7ffff7a00000 rw-p 00000000 00:2a 99 /anon_hugepage (deleted)',
    ]);
    const line = (start: string, end: string, perms: string, off: string, ino: number) =>
      `${start}-${end} ${perms} ${off} 00:2a ${ino} /anon_hugepage (deleted)`;
    const ops = [
      { i: 0, op: 'munmap', addr: '0x7ffff7601000', len: '0x1000', err: 'EINVAL' },
      {
        i: 1,
        op: 'mprotect',
        addr: '0x7ffff7800000',
        len: '0x200000',
        prot: 1,
        ret: 0,
        maps: {
          del: [header.maps[0]],
          add: [
            line('7ffff7600000', '7ffff7800000', 'rw-p', '00000000', 99),
            line('7ffff7800000', '7ffff7a00000', 'r--p', '00200000', 99),
          ],
        },
      },
      {
        i: 2,
        op: 'mmap',
        addr: '0x0',
        len: '0x1000',
        prot: 3,
        flags: ANON | MAP.HUGETLB | MAP.NORESERVE,
        fd: -1,
        off: '0x0',
        ret: '0x7ffff7c00000',
        maps: { del: [], add: [line('7ffff7c00000', '7ffff7e00000', 'rw-p', '00000000', 1234)] },
      },
    ];
    const end = [...(ops[1].maps?.add ?? []), ...(ops[2].maps?.add ?? [])];
    const replayer = replayerFor(header, ops, end);
    for (const op of replayer.trace.ops) expect(replayer.step(op).mismatch).toBeNull();
    expect(replayer.endMapsMatch()).toBe(true);
  });

  test('a fault is SIGBUS: no huge page in the pool (mm/hugetlb.c: hugetlb_no_page)', () => {
    // Checked with a C program: read and write both get SIGBUS, BUS_ADRERR.
    const { mm } = newMm();
    const a = ok(mm.mmap(0, H, RW, HUGE, null));
    expect(mm.read(a)).toEqual({ signal: 'SIGBUS', code: 'BUS_ADRERR' });
    expect(mm.write(a + 8, 1n)).toEqual({ signal: 'SIGBUS', code: 'BUS_ADRERR' });
    // MAP_LOCKED still populates (and fails quietly); the VMA is never VM_LOCKED.
    const b = ok(mm.mmap(0, H, RW, HUGE | MAP.LOCKED | MAP.POPULATE, null));
    expect((mm.vmas.findContaining(b) as VmArea).flags & VM.LOCKED).toBe(0);
    expect(mm.lockedVm).toBe(0);
    expect(mm.ptes.size).toBe(0);
  });
});

describe('madvise advice values (mm/madvise.c: madvise_behavior_valid)', () => {
  test('MADV_HWPOISON and MADV_SOFT_OFFLINE are EINVAL: the kernel lacks CONFIG_MEMORY_FAILURE', () => {
    // Trace mx-madv-kinds-a/-b: 100 and 101 are EINVAL on every kind of VMA,
    // before capable(CAP_SYS_ADMIN) could answer EPERM; 26, 27, 99, 104, 105, -1 too.
    const { mm } = newMm();
    ok(mm.mmap(W, 8 * P, RW, FIXED, null));
    for (const advice of [MADV.HWPOISON, MADV.SOFT_OFFLINE, 26, 27, 99, 104, 105, -1]) {
      expect(mm.madvise(W, 8 * P, advice)).toEqual({ errno: 'EINVAL' });
    }
    // The advice is checked before the range: an unaligned start is EINVAL too.
    expect(mm.madvise(W + 1, P, MADV.HWPOISON)).toEqual({ errno: 'EINVAL' });
  });
});

describe('madvise far above TASK_SIZE (mm/madvise.c: madvise_populate)', () => {
  test('MADV_POPULATE_* on the [vsyscall] page finds no VMA: ENOMEM', () => {
    // Trace mx-madv-shapes: madvise(0xffffffffff600000, 4096, POPULATE_READ/WRITE).
    const { mm } = newMm();
    for (const advice of [MADV.POPULATE_READ, MADV.POPULATE_WRITE, MADV.WILLNEED]) {
      expect(mm.madvise(0xffffffffff600000n, P, advice)).toEqual({ errno: 'ENOMEM' });
    }
  });
});

describe('pkey_mprotect without protection keys (mm/mprotect.c: do_mprotect_pkey)', () => {
  test('every pkey but -1 is EINVAL after the argument checks, before the VMA lookup', () => {
    // Trace mx-mprot-3: the machine has no PKU, pkey_alloc fails, and no key is
    // allocated (mm_pkey_is_allocated), not even 0.
    const { mm } = newMm();
    ok(mm.mmap(W, 8 * P, RW, FIXED, null));
    expect(mm.mprotect(W, 8 * P, R, -1)).toBe(0);
    for (const pkey of [0, 1, 5, 15, 16, -2, 0x7fffffff]) {
      expect(mm.mprotect(W, 8 * P, RW, pkey)).toEqual({ errno: 'EINVAL' });
      // A hole is not reached: EINVAL, not ENOMEM.
      expect(mm.mprotect(W + 8 * P, P, R, pkey)).toEqual({ errno: 'EINVAL' });
      // len 0 returns before the check; a wrapping range is ENOMEM before it.
      expect(mm.mprotect(W, 0, R, pkey)).toBe(0);
      expect(mm.mprotect(W, 2n ** 64n - BigInt(P), R, pkey)).toEqual({ errno: 'ENOMEM' });
    }
    expect(draw(mm, W, 8)).toBe('AAAAAAAA');
    expect(renderMaps(mm).at(-1)?.split(' ')[1]).toBe('r--p');
  });

  test('a prot above 32 bits (recorded as a hex string) is EINVAL', () => {
    // Trace mx-mprot-0: mprotect(addr, len, -1) and 0x7fffffff are EINVAL.
    const header = ptraceHeader(['300000000-300001000 rw-p 00000000 00:00 0'], {
      program: 'prot',
      kernel: '6.18',
      page_size: 4096,
      mmap_base: '0x7ffff7fff000',
      overcommit_memory: 0,
    });
    const ops = [
      {
        i: 0,
        op: 'mprotect',
        addr: '0x300000000',
        len: '0x1000',
        prot: '0xffffffffffffffff',
        err: 'EINVAL',
      },
      {
        i: 1,
        op: 'mprotect',
        addr: '0x300000000',
        len: '0x1000',
        prot: '0x100000001',
        err: 'EINVAL',
      },
      { i: 2, op: 'mprotect', addr: '0x300000000', len: '0x1000', prot: 2147483647, err: 'EINVAL' },
    ];
    const replayer = replayerFor(header, ops);
    for (const op of replayer.trace.ops) expect(replayer.step(op).mismatch).toBeNull();
    expect(replayer.endMapsMatch()).toBe(true);
  });
});

describe('MAP_SYNC on a file without DAX (fs/ext4/file.c: ext4_file_mmap_prepare)', () => {
  test('EOPNOTSUPP with every map type, after a MAP_FIXED range was cleared', () => {
    // Trace mx-mmap-s1-0 (MAP_SHARED|MAP_SYNC, MAP_PRIVATE|MAP_SYNC); the hole left
    // behind was checked with a C program reading /proc/self/maps.
    const { mm } = newMm();
    const file = new MemoryFile({ path: '/f', dev: 'fe:00', ino: 13, size: 64 * P });
    for (const type of [MAP.SHARED, MAP.PRIVATE, MAP.SHARED_VALIDATE]) {
      expect(mm.mmap(W, 8 * P, RW, type | MAP.SYNC, file)).toEqual({ errno: 'EOPNOTSUPP' });
    }
    ok(mm.mmap(W, 8 * P, RW, FIXED, null));
    expect(mm.mmap(W, 8 * P, RW, MAP.SHARED | MAP.FIXED | MAP.SYNC, file)).toEqual({
      errno: 'EOPNOTSUPP',
    });
    expect(draw(mm, W, 8)).toBe('        ');
    // Checks before the hook still win: MAP_GROWSDOWN on a file is EINVAL.
    expect(mm.mmap(W, 8 * P, RW, MAP.PRIVATE | MAP.SYNC | MAP.GROWSDOWN, file)).toEqual({
      errno: 'EINVAL',
    });
    // Anonymous and tmpfs mappings take MAP_SYNC.
    ok(mm.mmap(W, 8 * P, RW, ANON | MAP.SYNC | MAP.FIXED, null));
    const shm = new MemoryFile({
      path: '/memfd:mx (deleted)',
      dev: '00:01',
      ino: 5,
      size: 64 * P,
      area: FILE_AREA.SHMEM,
    });
    ok(mm.mmap(W, 8 * P, RW, MAP.SHARED | MAP.SYNC | MAP.FIXED, shm));
  });
});

describe('MAP_SHARED_VALIDATE with anonymous MAP_HUGETLB (mm/mmap.c: ksys_mmap_pgoff, do_mmap)', () => {
  test('validated as the internal hugetlbfs file it is, not refused as anonymous', () => {
    // Trace mx-mmap-s0-0: MAP_SHARED_VALIDATE|MAP_ANONYMOUS|MAP_HUGETLB is ENOMEM
    // (no huge page to reserve) where plain anonymous MAP_SHARED_VALIDATE is EINVAL.
    const { mm } = newMm();
    const SV = MAP.SHARED_VALIDATE | MAP.ANONYMOUS;
    expect(mm.mmap(0, 8 * P, RW, SV, null)).toEqual({ errno: 'EINVAL' });
    expect(mm.mmap(0, 8 * P, RW, SV | MAP.HUGETLB, null)).toEqual({ errno: 'ENOMEM' });
    expect(mm.mmap(0, 8 * P, RW, SV | MAP.HUGETLB | MAP.SYNC, null)).toEqual({
      errno: 'EOPNOTSUPP',
    });
    ok(mm.mmap(0, 8 * P, RW, SV | MAP.HUGETLB | MAP.NORESERVE, null));
  });
});

describe('a move that shrinks (mm/mremap.c: check_prep_vma, mremap_to)', () => {
  test('only new_len must lie in the VMA; the tail past it is unmapped, hole or VMA', () => {
    // Trace mx-mremap-special: mremap(addr, 4 pages, 1 or 2 pages, MAYMOVE|FIXED)
    // of a 2-page VMA moves it, unmapping the next VMA or nothing; 3 or 4 pages are
    // EFAULT. (Without FIXED a shrink is in place and checks nothing.)
    const { mm } = newMm();
    const C = W + 64 * P;
    ok(mm.mmap(W, 2 * P, RW, FIXED, null));
    ok(mm.mmap(W + 2 * P, 2 * P, R, FIXED, null));
    expect(mm.mremap(W, 4 * P, 3 * P, MREMAP.MAYMOVE | MREMAP.FIXED, C)).toEqual({
      errno: 'EFAULT',
    });
    expect(draw(mm, W, 4)).toBe('AABB');
    expect(mm.mremap(W, 4 * P, 2 * P, MREMAP.MAYMOVE | MREMAP.FIXED, C)).toBe(C);
    expect(draw(mm, W, 4)).toBe('    ');
    expect(draw(mm, C, 3)).toBe('AA ');
    // Over a hole: the same.
    expect(mm.mremap(C, 4 * P, P, MREMAP.MAYMOVE | MREMAP.FIXED, W)).toBe(W);
    expect(draw(mm, W, 2)).toBe('A ');
    expect(mm.vmas.findContaining(C)).toBeUndefined();
  });
});
