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
});
