import { describe, expect, test } from 'vitest';
import { BitmapFrameAllocator } from './bitmap-frame-allocator.js';
import { allocateHandle, FrameHandle } from './frame-handle.js';
import { OUT_OF_MEMORY } from './out-of-memory.js';
import { RefCountedFrameAllocator } from './ref-counted-frame-allocator.js';

function handle(allocator: BitmapFrameAllocator | RefCountedFrameAllocator): FrameHandle {
  const h = allocateHandle(allocator);
  if (!(h instanceof FrameHandle)) throw new Error('out of memory');
  return h;
}

describe('FrameHandle', () => {
  test('`using` frees the frame at the end of the scope', () => {
    const a = new BitmapFrameAllocator({ frames: 8, base: 0x100 });
    {
      using frame = handle(a);
      expect(frame.pfn).toBe(0x100);
      expect(frame.address).toBe(0x10_0000);
      expect(a.isAllocated(0x100)).toBe(true);
    }
    expect(a.isAllocated(0x100)).toBe(false);
    expect(a.usedFrames).toBe(0);
  });

  test('`using` frees the frame when the scope throws', () => {
    const a = new BitmapFrameAllocator({ frames: 8 });
    expect(() => {
      using _frame = handle(a);
      throw new Error('later step failed');
    }).toThrow('later step failed');
    expect(a.usedFrames).toBe(0);
  });

  test('keep() hands the frame to the caller', () => {
    const a = new BitmapFrameAllocator({ frames: 8 });
    let kept = -1;
    {
      using frame = handle(a);
      kept = frame.keep();
      expect(frame.owned).toBe(false);
    }
    expect(a.isAllocated(kept)).toBe(true);
  });

  test('disposing twice is a no-op; keep after dispose is an error', () => {
    const a = new BitmapFrameAllocator({ frames: 8 });
    const frame = handle(a);
    frame[Symbol.dispose]();
    frame[Symbol.dispose]();
    frame.dispose();
    expect(a.usedFrames).toBe(0);
    expect(() => frame.keep()).toThrow(/already disposed or kept/);
    expect(() => frame.keep()).toThrow(TypeError);
  });

  test('returns OUT_OF_MEMORY when the source is exhausted', () => {
    const a = new BitmapFrameAllocator({ frames: 1 });
    const first = handle(a);
    expect(allocateHandle(a)).toBe(OUT_OF_MEMORY);
    first.dispose();
  });

  test('works with the ref-counted allocator (dispose frees the sole reference)', () => {
    const a = new RefCountedFrameAllocator(new BitmapFrameAllocator({ frames: 4 }));
    {
      using frame = handle(a);
      expect(a.refCount(frame.pfn)).toBe(1);
    }
    expect(a.usedFrames).toBe(0);
  });

  test('the constructor checks its arguments', () => {
    const a = new BitmapFrameAllocator({ frames: 4 });
    expect(() => new FrameHandle({} as never, 1)).toThrow(TypeError);
    expect(() => new FrameHandle(a, -1)).toThrow(/-1/);
    expect(() => new FrameHandle(a, 1.5)).toThrow(RangeError);
  });
});
