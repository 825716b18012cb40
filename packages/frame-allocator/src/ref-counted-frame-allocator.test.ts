import { describe, expect, test } from 'vitest';
import { BitmapFrameAllocator } from './bitmap-frame-allocator.js';
import { BuddyFrameAllocator } from './buddy-frame-allocator.js';
import type { FrameAllocator } from './frame-allocator.js';
import { OUT_OF_MEMORY } from './out-of-memory.js';
import { RefCountedFrameAllocator } from './ref-counted-frame-allocator.js';
import { StackFrameAllocator } from './stack-frame-allocator.js';

const inners: Array<[string, () => FrameAllocator]> = [
  ['bitmap', () => new BitmapFrameAllocator({ frames: 16, base: 8 })],
  ['buddy', () => new BuddyFrameAllocator({ frames: 16, base: 8 })],
  ['stack', () => new StackFrameAllocator({ frames: 16, base: 8 })],
];

describe.each(inners)('RefCountedFrameAllocator over %s', (_name, make) => {
  test('allocate gives count 1; retain and release move it; the last release frees', () => {
    const inner = make();
    const a = new RefCountedFrameAllocator(inner);
    const pfn = a.allocate() as number;
    expect(a.refCount(pfn)).toBe(1);
    expect(a.retain(pfn)).toBe(2);
    expect(a.retain(pfn)).toBe(3);
    expect(a.stats()).toMatchObject({ backend: 'ref-counted', sharedFrames: 1, usedFrames: 1 });
    expect(a.release(pfn)).toBe(2);
    expect(a.release(pfn)).toBe(1);
    expect(a.stats().sharedFrames).toBe(0);
    expect(inner.isAllocated(pfn)).toBe(true);
    expect(a.release(pfn)).toBe(0);
    expect(inner.isAllocated(pfn)).toBe(false);
    expect(a.refCount(pfn)).toBe(0);
    expect(a.usedFrames).toBe(0);
    a.checkInvariants();
  });

  test('free and freeContiguous refuse shared frames and change nothing', () => {
    const a = new RefCountedFrameAllocator(make());
    const start = a.allocateContiguous(4, { align: 4 }) as number;
    a.retain(start + 2);
    expect(() => a.free(start + 2)).toThrow(/2 references; use release/);
    expect(() => a.freeContiguous(start, 4)).toThrow(String(start + 2));
    expect(a.usedFrames).toBe(4);
    for (let p = start; p < start + 4; p++) expect(a.isAllocated(p)).toBe(true);
    a.release(start + 2);
    a.freeContiguous(start, 4);
    expect(a.usedFrames).toBe(0);
    a.checkInvariants();
  });

  test('retain, release and free of a free frame are errors', () => {
    const a = new RefCountedFrameAllocator(make());
    expect(() => a.retain(10)).toThrow(/retain\(10\): frame is not allocated/);
    expect(() => a.release(10)).toThrow(RangeError);
    expect(() => a.free(10)).toThrow(/not allocated/);
    expect(() => a.retain(7)).toThrow(RangeError);
    expect(() => a.refCount(24)).toThrow(RangeError);
    expect(() => a.retain('9' as never)).toThrow(TypeError);
    a.checkInvariants();
  });

  test('a count past maxRefCount is an error and leaves the count', () => {
    const a = new RefCountedFrameAllocator(make(), { maxRefCount: 3 });
    const pfn = a.allocate() as number;
    a.retain(pfn);
    a.retain(pfn);
    expect(() => a.retain(pfn)).toThrow(/would pass 3/);
    expect(a.refCount(pfn)).toBe(3);
  });

  test('exhaustion passes OUT_OF_MEMORY through', () => {
    const a = new RefCountedFrameAllocator(make());
    for (let i = 0; i < 16; i++) expect(typeof a.allocate()).toBe('number');
    expect(a.allocate()).toBe(OUT_OF_MEMORY);
    expect(a.allocateContiguous(2)).toBe(OUT_OF_MEMORY);
    a.checkInvariants();
  });
});

describe('RefCountedFrameAllocator construction', () => {
  test('refuses an allocator that already handed out frames', () => {
    const inner = new BitmapFrameAllocator({ frames: 4 });
    inner.allocate();
    expect(() => new RefCountedFrameAllocator(inner)).toThrow(/already has 1 frames/);
  });

  test('checks its arguments', () => {
    expect(() => new RefCountedFrameAllocator({} as never)).toThrow(TypeError);
    const inner = new BitmapFrameAllocator({ frames: 4 });
    expect(() => new RefCountedFrameAllocator(inner, { maxRefCount: 0 })).toThrow(RangeError);
    expect(() => new RefCountedFrameAllocator(inner, { maxRefCount: 2 ** 32 })).toThrow(RangeError);
    expect(new RefCountedFrameAllocator(inner).maxRefCount).toBe(0xffff_ffff);
  });
});
