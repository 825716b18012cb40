import { describe, expect, test } from 'vitest';
import { OUT_OF_MEMORY } from './out-of-memory.js';
import { StackFrameAllocator } from './stack-frame-allocator.js';

describe('StackFrameAllocator', () => {
  test('bump pointer first, then recycled frames last-in first-out', () => {
    const a = new StackFrameAllocator({ frames: 10, base: 100 });
    expect([a.allocate(), a.allocate(), a.allocate(), a.allocate()]).toEqual([100, 101, 102, 103]);
    a.free(100);
    a.free(101);
    expect(a.stats()).toMatchObject({ recycled: 2, bumpRemaining: 6 });
    expect(a.allocate()).toBe(101);
    expect(a.allocate()).toBe(100);
    expect(a.allocate()).toBe(104);
    a.checkInvariants();
  });

  test('freeing the frames below the bump pointer lowers it', () => {
    const a = new StackFrameAllocator({ frames: 10 });
    for (let i = 0; i < 3; i++) a.allocate();
    a.free(0);
    expect(a.stats()).toMatchObject({ recycled: 1, bumpRemaining: 7 });
    a.free(2);
    expect(a.stats()).toMatchObject({ recycled: 1, bumpRemaining: 8 });
    // Frame 1 is the top; 0 below it is recycled, so both rejoin the bump region.
    a.free(1);
    expect(a.stats()).toMatchObject({ recycled: 0, bumpRemaining: 10 });
    a.checkInvariants();
  });

  test('contiguous runs come from the bump region; skipped frames are recycled', () => {
    const a = new StackFrameAllocator({ frames: 32 });
    for (let i = 0; i < 3; i++) a.allocate();
    expect(a.allocateContiguous(4, { align: 4 })).toBe(4);
    expect(a.stats()).toMatchObject({ recycled: 1, bumpRemaining: 24 });
    expect(a.allocate()).toBe(3);
    // Freeing the run at the top of the used region gives it back to the bump region.
    a.freeContiguous(4, 4);
    expect(a.stats()).toMatchObject({ recycled: 0, bumpRemaining: 28 });
    a.checkInvariants();
  });

  test('when the bump region is used up, a run is found among recycled frames', () => {
    const a = new StackFrameAllocator({ frames: 16 });
    for (let i = 0; i < 16; i++) a.allocate();
    a.freeContiguous(2, 2);
    a.freeContiguous(5, 6); // 5..10
    expect(a.allocateContiguous(3, { align: 4 })).toBe(8);
    expect(a.stats()).toMatchObject({ recycled: 5, bumpRemaining: 0 });
    expect(a.allocateContiguous(4)).toBe(OUT_OF_MEMORY);
    expect(a.allocateContiguous(3)).toBe(5);
    expect(a.allocateContiguous(2)).toBe(2);
    expect(a.allocateContiguous(2)).toBe(OUT_OF_MEMORY);
    expect(a.stats()).toMatchObject({ recycled: 0, usedFrames: 16 });
    a.checkInvariants();
  });
});
