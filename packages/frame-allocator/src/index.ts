export type {
  BitmapFrameAllocatorOptions,
  BitmapFrameAllocatorStats,
} from './bitmap-frame-allocator.js';
export { BitmapFrameAllocator } from './bitmap-frame-allocator.js';
export type {
  BuddyFrameAllocatorOptions,
  BuddyFrameAllocatorStats,
} from './buddy-frame-allocator.js';
export { BuddyFrameAllocator } from './buddy-frame-allocator.js';
export type {
  ContiguousOptions,
  FrameAllocator,
  FrameAllocatorOptions,
  FrameAllocatorStats,
  FrameSource,
} from './frame-allocator.js';
export { MAX_FRAMES, PFN_LIMIT } from './frame-allocator.js';
export { allocateHandle, FrameHandle } from './frame-handle.js';
export { isLittleEndianHost } from './host-endianness.js';
export type { OutOfMemory } from './out-of-memory.js';
export { isOutOfMemory, OUT_OF_MEMORY } from './out-of-memory.js';
export type { PhysicalMemoryOptions } from './physical-memory.js';
export { MAX_PHYSICAL_MEMORY_SIZE, PhysicalMemory } from './physical-memory.js';
export type {
  RefCountedFrameAllocatorOptions,
  RefCountedFrameAllocatorStats,
} from './ref-counted-frame-allocator.js';
export { RefCountedFrameAllocator } from './ref-counted-frame-allocator.js';
export type { StackFrameAllocatorStats } from './stack-frame-allocator.js';
export { StackFrameAllocator } from './stack-frame-allocator.js';
