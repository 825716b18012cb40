import { describe, expect, test } from 'vitest';
import { BuddyFrameAllocator } from './buddy-frame-allocator.js';
import { OUT_OF_MEMORY } from './out-of-memory.js';

// Free block counts per order, as Linux reports them in /proc/buddyinfo.
function freeBlocks(a: BuddyFrameAllocator): readonly number[] {
  return a.stats().freeBlocks;
}

describe('BuddyFrameAllocator', () => {
  test('splitting keeps the lower half and frees the upper halves (expand)', () => {
    const a = new BuddyFrameAllocator({ frames: 16, cacheSize: 0 });
    expect(a.maxOrder).toBe(4);
    expect(freeBlocks(a)).toEqual([0, 0, 0, 0, 1]);
    expect(a.allocate()).toBe(0);
    // 16 = 1 (allocated) + 1 + 2 + 4 + 8
    expect(freeBlocks(a)).toEqual([1, 1, 1, 1, 0]);
    expect(a.allocate()).toBe(1);
    expect(freeBlocks(a)).toEqual([0, 1, 1, 1, 0]);
    a.checkInvariants();
  });

  test('freeing merges buddies back into the largest block', () => {
    const a = new BuddyFrameAllocator({ frames: 16, cacheSize: 0 });
    const pfns = [a.allocate(), a.allocate(), a.allocate()] as number[];
    // Free: [3], [4, 8), [8, 16).
    a.free(pfns[1]);
    // 1's buddy 0 is allocated: no merge.
    expect(freeBlocks(a)).toEqual([2, 0, 1, 1, 0]);
    a.free(pfns[0]);
    // 0 and 1 merge to [0, 2); its buddy [2, 4) still holds frame 2.
    expect(freeBlocks(a)).toEqual([1, 1, 1, 1, 0]);
    a.free(pfns[2]);
    // 2 + 3, then + [0, 2), + [4, 8), + [8, 16).
    expect(freeBlocks(a)).toEqual([0, 0, 0, 0, 1]);
    a.checkInvariants();
  });

  test('a non-power-of-two request returns its tail (alloc_pages_exact)', () => {
    const a = new BuddyFrameAllocator({ frames: 16, cacheSize: 0 });
    expect(a.allocateContiguous(5)).toBe(0);
    // The order-3 block [0, 8) keeps [0, 5); [5, 6) and [6, 8) go back.
    expect(freeBlocks(a)).toEqual([1, 1, 0, 1, 0]);
    expect(a.usedFrames).toBe(5);
    a.freeContiguous(0, 5);
    expect(freeBlocks(a)).toEqual([0, 0, 0, 0, 1]);
  });

  test('a contiguous request needs one whole aligned block', () => {
    const a = new BuddyFrameAllocator({ frames: 16, cacheSize: 0 });
    for (let i = 0; i < 16; i++) a.allocate();
    a.freeContiguous(1, 3); // frees 1, 2, 3: blocks [1] and [2, 4)
    a.free(4);
    // Four free frames in a row (1..4), but no free aligned block of 4.
    expect(a.allocateContiguous(4)).toBe(OUT_OF_MEMORY);
    expect(a.allocateContiguous(3)).toBe(OUT_OF_MEMORY);
    expect(a.allocateContiguous(2)).toBe(2);
    a.checkInvariants();
  });

  test('an unaligned base is tiled with the largest aligned blocks', () => {
    const a = new BuddyFrameAllocator({ frames: 13, base: 3, cacheSize: 0 });
    // [3, 16) = [3] + [4, 8) + [8, 16)
    expect(freeBlocks(a)).toEqual([1, 0, 1, 1, 0]);
    expect(a.allocateContiguous(8)).toBe(8);
    expect(a.allocateContiguous(4, { align: 4 })).toBe(4);
    expect(a.allocate()).toBe(3);
    expect(a.allocate()).toBe(OUT_OF_MEMORY);
  });

  test('an alignment beyond the largest block tries the one aligned pfn in range', () => {
    const a = new BuddyFrameAllocator({ frames: 30, base: 40, cacheSize: 0 }); // maxOrder 5, pfns [40, 70)
    expect(a.allocateContiguous(6, { align: 64 })).toBe(64);
    expect(a.allocateContiguous(1, { align: 64 })).toBe(OUT_OF_MEMORY);
    expect(a.allocateContiguous(1, { align: 128 })).toBe(OUT_OF_MEMORY);
    a.checkInvariants();
    a.freeContiguous(64, 6);
    expect(a.allocateContiguous(7, { align: 64 })).toBe(OUT_OF_MEMORY);
    expect(a.allocateContiguous(2, { align: 64 })).toBe(64);
    a.checkInvariants();
    expect(a.usedFrames).toBe(2);
  });

  test('freeContiguous finds a free frame at any position of any range (word-wise check)', () => {
    // The allocated check compares four state bytes at a time on aligned words, with
    // byte loops around them: every start offset, length and hole position is tried.
    for (let start = 0; start < 8; start++) {
      for (let count = 1; count <= 13; count++) {
        for (let hole = 0; hole < count; hole++) {
          const a = new BuddyFrameAllocator({ frames: 32, base: 64 });
          for (let i = 0; i < 32; i++) a.allocate();
          a.free(64 + start + hole);
          const before = a.stats();
          expect(() => a.freeContiguous(64 + start, count)).toThrow(
            `frame ${64 + start + hole} is not allocated`,
          );
          expect(a.stats()).toEqual(before);
          expect(a.isAllocated(64 + start + hole)).toBe(false);
          a.checkInvariants();
          a.allocate();
          a.freeContiguous(64 + start, count);
          expect(a.usedFrames).toBe(32 - count);
          a.checkInvariants();
        }
      }
    }
  });

  test('freed frames wait in the cache unmerged and come back last-freed first', () => {
    const a = new BuddyFrameAllocator({ frames: 16, cacheSize: 4 });
    for (let i = 0; i < 16; i++) a.allocate();
    a.free(3);
    a.free(2);
    // Without the cache 2 and 3 would merge into an order-1 block.
    expect(freeBlocks(a)).toEqual([0, 0, 0, 0, 0]);
    expect(a.stats().cachedFrames).toBe(2);
    expect(a.isAllocated(2)).toBe(false);
    expect(() => a.free(2)).toThrow(/free\(2\): frame is not allocated/);
    expect(() => a.freeContiguous(1, 3)).toThrow(/frame 2 is not allocated/);
    a.checkInvariants();
    expect(a.allocate()).toBe(2);
    expect(a.allocate()).toBe(3);
    a.checkInvariants();
  });

  test('a full cache gives its older half back to the lists, merging', () => {
    const a = new BuddyFrameAllocator({ frames: 16, cacheSize: 4 });
    for (let i = 0; i < 16; i++) a.allocate();
    for (const pfn of [0, 1, 6, 7]) a.free(pfn);
    expect(a.stats().cachedFrames).toBe(4);
    a.free(9); // drains 0 and 1, which merge into [0, 2)
    expect(a.stats().cachedFrames).toBe(3);
    expect(freeBlocks(a)).toEqual([0, 1, 0, 0, 0]);
    a.checkInvariants();
    expect([a.allocate(), a.allocate(), a.allocate()]).toEqual([9, 7, 6]);
    // The cache is empty: the smallest block is split.
    expect(a.allocate()).toBe(0);
    expect(freeBlocks(a)).toEqual([1, 0, 0, 0, 0]);
    a.checkInvariants();
  });

  test('a contiguous request drains the cache before it fails', () => {
    const a = new BuddyFrameAllocator({ frames: 16 });
    for (let i = 0; i < 16; i++) a.allocate();
    for (const pfn of [12, 13, 14, 15]) a.free(pfn);
    expect(freeBlocks(a)).toEqual([0, 0, 0, 0, 0]);
    // Only the cache holds them; the drain merges them into [12, 16).
    expect(a.allocateContiguous(4, { align: 4 })).toBe(12);
    expect(a.stats().cachedFrames).toBe(0);
    expect(a.allocateContiguous(1, { align: 2 })).toBe(OUT_OF_MEMORY);
    a.checkInvariants();
    // An alignment beyond the largest block drains too.
    const b = new BuddyFrameAllocator({ frames: 30, base: 40 });
    for (let i = 0; i < 30; i++) b.allocate();
    b.free(64);
    expect(b.allocateContiguous(1, { align: 64 })).toBe(64);
    b.checkInvariants();
  });

  test('rejects a bad cacheSize', () => {
    expect(() => new BuddyFrameAllocator({ frames: 8, cacheSize: 3 })).toThrow(/even/);
    expect(() => new BuddyFrameAllocator({ frames: 8, cacheSize: -2 })).toThrow(RangeError);
    expect(() => new BuddyFrameAllocator({ frames: 8, cacheSize: 4098 })).toThrow(RangeError);
    expect(() => new BuddyFrameAllocator({ frames: 8, cacheSize: '4' as never })).toThrow(
      TypeError,
    );
  });
});
