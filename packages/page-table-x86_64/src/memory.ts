// The paging handler concern, injected rather than imported (the model is arceos
// page_table_multiarch's PagingHandler): physical memory to read and write table
// frames, and a source of frames for new tables. @vmem/frame-allocator implements
// both; this package never imports it.

/**
 * Physical memory as 4 KiB frames of 1024 little-endian u32 words.
 *
 * `frameWords` is the whole contract. A memory may also offer larger views, chunks
 * of 2^chunkFrameBits consecutive frames in one Uint32Array (`chunkFrameBits` and
 * `chunkWords` together): the walker then indexes table entries as
 * `chunk[((pfn & (2^bits - 1)) << 10) + 2 * index]`, one typed-array load per level
 * instead of a frame-object lookup first, and tables that share a chunk share the
 * array it has already loaded.
 */
export interface PageTableMemory {
  /**
   * The 1024 words of frame `pfn`, materialised on demand. Must return the same
   * object on every call for a given pfn: the page table and the walker cache it.
   */
  frameWords(pfn: number): Uint32Array;
  /**
   * Optional, with `chunkWords`: log2 of the frames per chunk, an integer in
   * 0..MAX_CHUNK_FRAME_BITS. Must not change.
   */
  readonly chunkFrameBits?: number;
  /**
   * Optional, with `chunkFrameBits`: the words of frames
   * `[chunk << chunkFrameBits, (chunk + 1) << chunkFrameBits)`, frame by frame, over
   * the same storage as `frameWords` (a write through one is seen through the
   * other). The same object on every call. Only the last chunk of a memory may be
   * shorter (it ends with the memory); frames past its end are read through
   * `frameWords`, which reports them.
   */
  chunkWords?(chunk: number): Uint32Array;
}

/**
 * Largest `chunkFrameBits` (2^19 frames, 2 GiB per chunk): keeps every word index
 * of a chunk (`frame << 10 | word`) and the walker's chunk arithmetic within 31 bits.
 */
export const MAX_CHUNK_FRAME_BITS = 19;

/** Where the page table gets frames for its tables and returns them. */
export interface PageTableFrameSource {
  /** A free frame number, or `{ errno: 'ENOMEM' }`. The page table zeroes the frame itself. */
  allocate(): number | { readonly errno: 'ENOMEM' };
  /** Returns frame `pfn`, previously given by allocate(). */
  free(pfn: number): void;
}
