import { Mulberry32 } from '@vmem/bench-kit';
import { describe, expect, test } from 'vitest';
import { BitmapFrameAllocator } from './bitmap-frame-allocator.js';
import { OUT_OF_MEMORY } from './out-of-memory.js';

// Brute-force lowest aligned free run over an explicit allocation map.
function lowestRun(used: Uint8Array, base: number, count: number, align: number): number {
  let s = Math.ceil(base / align) * align;
  outer: for (; s - base + count <= used.length; s += align) {
    for (let p = s; p < s + count; p++) if (used[p - base] === 1) continue outer;
    return s;
  }
  return -1;
}

describe('BitmapFrameAllocator', () => {
  test('without a cache, allocates lowest-first', () => {
    const a = new BitmapFrameAllocator({ frames: 100, base: 10, cacheSize: 0 });
    expect([a.allocate(), a.allocate(), a.allocate()]).toEqual([10, 11, 12]);
    a.free(11);
    expect(a.allocate()).toBe(11);
    expect(a.allocateContiguous(4, { align: 4 })).toBe(16);
    expect(a.allocate()).toBe(13);
  });

  test('4 GiB with 100,000 scattered live frames: contiguous runs are the lowest that fit', () => {
    const frames = 1 << 20;
    const a = new BitmapFrameAllocator({ frames, cacheSize: 0 });
    const used = new Uint8Array(frames);
    const rng = new Mulberry32(3);
    const live: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      const pfn = a.allocate() as number;
      used[pfn] = 1;
      live.push(pfn);
    }
    // Random frees and lowest-first allocations fragment the live region.
    for (let i = 0; i < 100_000; i++) {
      if (rng.rand(2) === 0) {
        const j = rng.rand(live.length);
        const pfn = live[j];
        live[j] = live[live.length - 1];
        live.pop();
        a.free(pfn);
        used[pfn] = 0;
      } else {
        const pfn = a.allocate() as number;
        expect(used[pfn]).toBe(0);
        used[pfn] = 1;
        live.push(pfn);
      }
    }
    for (const [count, align] of [
      [64, 64],
      [32, 32],
      [33, 32],
      [1, 64],
      [2, 1],
      [3, 2],
      [70, 1],
      [512, 512],
    ]) {
      const start = a.allocateContiguous(count, { align });
      expect(start).toBe(lowestRun(used, 0, count, align));
      a.freeContiguous(start as number, count);
    }
    a.checkInvariants();
    expect(a.usedFrames).toBe(live.length);
  });

  test('stats count whole free words and the summary height', () => {
    const a = new BitmapFrameAllocator({ frames: 1 << 20 });
    expect(a.stats()).toEqual({
      backend: 'bitmap',
      totalFrames: 1 << 20,
      usedFrames: 0,
      freeFrames: 1 << 20,
      cachedFrames: 0,
      fullyFreeWords: 1 << 15,
      summaryHeight: 4,
    });
    a.allocate();
    expect(a.stats().fullyFreeWords).toBe((1 << 15) - 1);
    a.free(0);
    // A single free goes to the cache, not back to the bitmap.
    expect(a.stats()).toMatchObject({
      cachedFrames: 1,
      fullyFreeWords: (1 << 15) - 1,
      usedFrames: 0,
    });
  });

  test('recently freed frames are reused last-in first-out', () => {
    const a = new BitmapFrameAllocator({ frames: 100 });
    for (let i = 0; i < 10; i++) a.allocate();
    a.free(3);
    a.free(7);
    a.free(5);
    expect(a.isAllocated(7)).toBe(false);
    expect(a.stats().cachedFrames).toBe(3);
    expect([a.allocate(), a.allocate(), a.allocate(), a.allocate()]).toEqual([5, 7, 3, 10]);
    a.checkInvariants();
  });

  test('a full cache returns its older half to the bitmap', () => {
    const a = new BitmapFrameAllocator({ frames: 100, cacheSize: 4 });
    for (let i = 0; i < 10; i++) a.allocate();
    for (const pfn of [1, 2, 3, 4]) a.free(pfn);
    expect(a.stats().cachedFrames).toBe(4);
    a.free(5); // drains 1 and 2 into the bitmap, caches 5
    expect(a.stats().cachedFrames).toBe(3);
    a.checkInvariants();
    expect([a.allocate(), a.allocate(), a.allocate()]).toEqual([5, 4, 3]);
    // The cache is empty: the bitmap gives the lowest free frame.
    expect([a.allocate(), a.allocate(), a.allocate()]).toEqual([1, 2, 10]);
    a.checkInvariants();
  });

  test('a cached frame is free: double free, freeContiguous over it, contiguous reuse', () => {
    const a = new BitmapFrameAllocator({ frames: 64 });
    for (let i = 0; i < 64; i++) a.allocate();
    a.free(9);
    expect(() => a.free(9)).toThrow(/free\(9\): frame is not allocated/);
    expect(() => a.freeContiguous(8, 3)).toThrow(/frame 9 is not allocated/);
    a.free(8);
    a.free(10);
    // Frames 8..10 are only in the cache; the search drains it and finds them.
    expect(a.allocateContiguous(3)).toBe(8);
    expect(a.stats().cachedFrames).toBe(0);
    expect(a.freeFrames).toBe(0);
    a.checkInvariants();
  });

  test('rejects a bad cacheSize', () => {
    expect(() => new BitmapFrameAllocator({ frames: 8, cacheSize: 3 })).toThrow(/even/);
    expect(() => new BitmapFrameAllocator({ frames: 8, cacheSize: -2 })).toThrow(RangeError);
    expect(() => new BitmapFrameAllocator({ frames: 8, cacheSize: 4098 })).toThrow(RangeError);
    expect(() => new BitmapFrameAllocator({ frames: 8, cacheSize: '4' as never })).toThrow(
      TypeError,
    );
  });

  test('a base that is not a multiple of 32 keeps pfn alignment', () => {
    const a = new BitmapFrameAllocator({ frames: 200, base: 45 });
    expect(a.allocateContiguous(32, { align: 32 })).toBe(64);
    expect(a.allocateContiguous(40, { align: 64 })).toBe(128);
    expect(a.allocateContiguous(32, { align: 64 })).toBe(192);
    // pfns end at 245: no room for another run at 256.
    expect(a.allocateContiguous(32, { align: 64 })).toBe(OUT_OF_MEMORY);
    expect(a.allocateContiguous(19, { align: 1 })).toBe(45);
    a.checkInvariants();
  });
});
