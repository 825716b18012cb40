import { expect, test } from 'vitest';
import { BitmapFrameAllocator } from './bitmap-frame-allocator.js';
import { allocateHandle } from './frame-handle.js';
import { isOutOfMemory, OUT_OF_MEMORY } from './out-of-memory.js';

test('OUT_OF_MEMORY is a frozen { errno: "ENOMEM" }', () => {
  expect(OUT_OF_MEMORY).toEqual({ errno: 'ENOMEM' });
  expect(Object.isFrozen(OUT_OF_MEMORY)).toBe(true);
});

test('isOutOfMemory tells results apart', () => {
  const a = new BitmapFrameAllocator({ frames: 1 });
  const handle = allocateHandle(a);
  expect(isOutOfMemory(handle)).toBe(false);
  expect(isOutOfMemory(allocateHandle(a))).toBe(true);
  expect(isOutOfMemory(0)).toBe(false);
  expect(isOutOfMemory(OUT_OF_MEMORY)).toBe(true);
  expect(isOutOfMemory({ errno: 'ENOMEM' })).toBe(true);
  expect(isOutOfMemory({ errno: 'EFAULT' })).toBe(false);
  expect(isOutOfMemory(null)).toBe(false);
});
