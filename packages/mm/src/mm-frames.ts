/**
 * What the address space needs from physical memory: reference-counted frames
 * (a frame shared by copy-on-write or by the page cache has one count per user)
 * and their bytes. `@vmem/frame-allocator`'s RefCountedFrameAllocator and
 * PhysicalMemory fit; pass one pair to every process that shares memory.
 */
export interface MmFrameSource {
  /** A new frame with a reference count of 1, or an out-of-memory result. */
  allocate(): number | { readonly errno: 'ENOMEM' };
  /** One more reference to an allocated frame. */
  retain(pfn: number): void;
  /** Drop one reference; the frame is freed when none is left. Returns what is left. */
  release(pfn: number): number;
  refCount(pfn: number): number;
}

export interface MmPhysicalMemory {
  /** The 4096 bytes of frame `pfn` (materialised on demand). */
  frameBytes(pfn: number): Uint8Array;
}
