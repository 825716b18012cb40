// fork (kernel/fork.c: dup_mmap) and exit: copy-on-write sharing by reference
// count, MADV_DONTFORK / MADV_WIPEONFORK, shared memory, and every frame back.
import { describe, expect, test } from 'vitest';
import { MADV, MAP, PROT } from './linux-abi.js';
import { MmStruct } from './mm-struct.js';
import { renderMaps } from './proc-maps.js';
import { draw, newMm, ok } from './test-support/drawing.js';

const P = 4096;
const W = 0x1_0000_0000;
const RW = PROT.READ | PROT.WRITE;
const ANON = MAP.PRIVATE | MAP.ANONYMOUS;

function forked(mm: MmStruct): MmStruct {
  const child = mm.fork();
  if (!(child instanceof MmStruct)) throw new Error(`fork failed: ${child.errno}`);
  return child;
}

describe('fork', () => {
  test('private pages are shared copy-on-write: a write in either copy breaks sharing for that page only', () => {
    const { mm: parent, frames } = newMm();
    ok(parent.mmap(W, 2 * P, RW, ANON | MAP.FIXED, null));
    expect(parent.write(W, 0x1111n)).toBeNull();
    expect(parent.write(W + P, 0x2222n)).toBeNull();
    const before = frames.usedFrames;
    const child = forked(parent);
    expect(frames.usedFrames).toBe(before); // nothing copied yet
    expect(child.read(W)).toBe(0x1111n);
    expect(child.write(W, 0xccccn)).toBeNull(); // child's own copy of page 0
    expect(frames.usedFrames).toBe(before + 1);
    expect(parent.read(W)).toBe(0x1111n);
    expect(parent.write(W + P, 0xaaaan)).toBeNull(); // parent's own copy of page 1
    expect(child.read(W + P)).toBe(0x2222n);
    expect(parent.read(W)).toBe(0x1111n);
    expect(child.read(W)).toBe(0xccccn);
    // Page 0 is now only the parent's: writing it again reuses it (do_wp_page).
    const used = frames.usedFrames;
    expect(parent.write(W, 0x3333n)).toBeNull();
    expect(frames.usedFrames).toBe(used);
    expect(renderMaps(child)).toEqual(renderMaps(parent));
  });

  test('shared anonymous memory stays shared between parent and child', () => {
    const { mm: parent } = newMm();
    const shm = ok(parent.mmap(0, P, RW, MAP.SHARED | MAP.ANONYMOUS, null));
    expect(parent.write(shm, 1n)).toBeNull();
    const child = forked(parent);
    expect(child.write(shm, 42n)).toBeNull();
    expect(parent.read(shm)).toBe(42n);
  });

  test('MADV_DONTFORK VMAs are not copied; MADV_WIPEONFORK ones come back empty', () => {
    const { mm: parent } = newMm();
    ok(parent.mmap(W, 3 * P, RW, ANON | MAP.FIXED, null));
    for (let i = 0; i < 3; i++) expect(parent.write(W + i * P, BigInt(i + 1))).toBeNull();
    expect(parent.madvise(W, P, MADV.DONTFORK)).toBe(0);
    expect(parent.madvise(W + 2 * P, P, MADV.WIPEONFORK)).toBe(0);
    const child = forked(parent);
    expect(draw(child, W, 3)).toBe(' AB');
    expect(child.read(W)).toEqual({ signal: 'SIGSEGV', code: 'SEGV_MAPERR' });
    expect(child.read(W + P)).toBe(2n);
    expect(child.read(W + 2 * P)).toBe(0n);
    expect(parent.read(W + 2 * P)).toBe(3n);
  });

  test('mlock is not inherited', () => {
    const { mm: parent } = newMm();
    ok(parent.mmap(W, P, RW, ANON | MAP.FIXED | MAP.LOCKED, null));
    expect(parent.lockedVm).toBe(1);
    const child = forked(parent);
    expect(child.lockedVm).toBe(0);
    expect(child.totalVm).toBe(1);
  });

  test("the child's VMAs get their own anon_vmas: pieces that shared one no longer merge", () => {
    // anon_vma_fork gives every child VMA that had anonymous memory a new anon_vma,
    // so two pieces split in the parent cannot merge again in the child.
    const { mm: parent } = newMm();
    ok(parent.mmap(W, 2 * P, RW, ANON | MAP.FIXED, null));
    expect(parent.write(W, 1n)).toBeNull();
    ok(parent.mprotect(W + P, P, PROT.READ));
    const child = forked(parent);
    ok(child.mprotect(W + P, P, RW));
    expect(draw(child, W, 2)).toBe('AB');
    ok(parent.mprotect(W + P, P, RW));
    expect(draw(parent, W, 2)).toBe('AA');
  });

  test('in the child, a VMA with an inherited anon_vma does not merge with a neighbour that has none', () => {
    // mm/vma.c: is_mergeable_anon_vma with vma_had_uncowed_parents (Linux 6.16+).
    const { mm: parent } = newMm();
    ok(parent.mmap(W, P, RW, ANON | MAP.FIXED, null));
    expect(parent.write(W, 1n)).toBeNull();
    const child = forked(parent);
    ok(child.mmap(W + P, P, RW, ANON | MAP.FIXED, null));
    expect(draw(child, W, 2)).toBe('AB');
    ok(parent.mmap(W + P, P, RW, ANON | MAP.FIXED, null));
    expect(draw(parent, W, 2)).toBe('AA');
  });

  test('exit of both gives every frame back', () => {
    const { mm: parent, frames } = newMm();
    const a = ok(parent.mmap(0, 8 * P, RW, ANON, null));
    for (let i = 0; i < 8; i++) expect(parent.write(a + i * P, BigInt(i))).toBeNull();
    const child = forked(parent);
    for (let i = 0; i < 8; i += 2) expect(child.write(a + i * P, 7n)).toBeNull();
    parent.destroy();
    expect(child.read(a + P)).toBe(1n);
    child.destroy();
    parent.pageCache.clear();
    expect(frames.usedFrames).toBe(0);
  });
});

describe('user-memory helpers (copy_from_user / copy_to_user)', () => {
  test('a copy across into an unmapped page stops there and reports the bytes not copied', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, P, RW, ANON | MAP.FIXED, null));
    expect(mm.copyToUser(W + P - 4, new Uint8Array([1, 2, 3, 4, 5, 6]))).toBe(2);
    const back = new Uint8Array(6);
    expect(mm.copyFromUser(W + P - 4, back)).toBe(2);
    expect([...back]).toEqual([1, 2, 3, 4, 0, 0]);
    expect(mm.readUser(W + P - 4, 4)).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(mm.readUser(W + P - 4, 5)).toEqual({ errno: 'EFAULT' });
    expect(mm.clearUser(W + P - 2, 2)).toBe(0);
    expect(mm.readUser(W + P - 4, 4)).toEqual(new Uint8Array([1, 2, 0, 0]));
  });

  test('kernel-half and past-TASK_SIZE ranges are refused whole (access_ok)', () => {
    const { mm } = newMm();
    expect(mm.copyFromUser(0xffff_8000_0000_0000n, new Uint8Array(8))).toBe(8);
    expect(mm.copyFromUser(0x7fff_ffff_eff8, new Uint8Array(16))).toBe(16);
    expect(mm.writeUser(0, new Uint8Array(1))).toEqual({ errno: 'EFAULT' });
  });

  test('force (ptrace) reads PROT_NONE memory and writes a private copy into read-only mappings', () => {
    const { mm } = newMm();
    ok(mm.mmap(W, P, RW, ANON | MAP.FIXED, null));
    expect(mm.write(W, 0x55n)).toBeNull();
    ok(mm.mprotect(W, P, PROT.NONE));
    expect(mm.readUser(W, 1)).toEqual({ errno: 'EFAULT' });
    expect(mm.readUser(W, 1, { force: true })).toEqual(new Uint8Array([0x55]));
    ok(mm.mprotect(W, P, PROT.READ));
    expect(mm.writeUser(W, new Uint8Array([0x66]))).toEqual({ errno: 'EFAULT' });
    expect(mm.writeUser(W, new Uint8Array([0x66]), { force: true })).toBe(0);
    expect(mm.read(W)).toBe(0x66n);
    expect(mm.write(W, 1n)).toEqual({ signal: 'SIGSEGV', code: 'SEGV_ACCERR' }); // still read-only
    // A shared mapping without write permission cannot be written even by force.
    const shm = ok(mm.mmap(0, P, PROT.READ, MAP.SHARED | MAP.ANONYMOUS, null));
    expect(mm.writeUser(shm, new Uint8Array([1]), { force: true })).toEqual({ errno: 'EFAULT' });
  });
});
