// The paging handler concern, injected rather than imported (the model is arceos
// page_table_multiarch's PagingHandler): physical memory to read and write table
// frames, and a source of frames for new tables. @vmem/frame-allocator implements
// both; this package never imports it.

/** Physical memory as 4 KiB frames of 1024 little-endian u32 words. */
export interface PageTableMemory {
  /**
   * The 1024 words of frame `pfn`, materialised on demand. Must return the same
   * object on every call for a given pfn: the page table and the walker cache it.
   */
  frameWords(pfn: number): Uint32Array;
}

/** Where the page table gets frames for its tables and returns them. */
export interface PageTableFrameSource {
  /** A free frame number, or `{ errno: 'ENOMEM' }`. The page table zeroes the frame itself. */
  allocate(): number | { readonly errno: 'ENOMEM' };
  /** Returns frame `pfn`, previously given by allocate(). */
  free(pfn: number): void;
}
