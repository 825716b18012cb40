import type { MmFile } from './mm-file.js';
import type { MmFrameSource, MmPhysicalMemory } from './mm-frames.js';

/** An address space as the page cache tells it about truncations and punched holes. */
export interface FileMapper {
  /** Unmap the pages of `file` in [pgoff, end); with `evenCows` false only page-cache pages. */
  zapFileFrom(file: MmFile, pgoff: number, end?: number, evenCows?: boolean): void;
  /** The mappings, to tell whether a file is still mapped. */
  readonly vmas: Iterable<{ readonly file: MmFile | null }>;
}

/**
 * The page cache: one frame per (file, page) that any process maps, so every
 * mapping of a file page sees the same bytes until a private mapping writes its
 * own copy. Shared by all processes of one simulated machine. The cache holds
 * one reference on each of its frames.
 */
export class PageCache {
  private readonly files = new Map<MmFile, Map<number, number>>();
  private zeroPfn = -1;
  /** Address spaces of this machine, told when a file shrinks (they unmap what is past the end). */
  private readonly mappers = new Set<FileMapper>();
  /** Files that only mappings can reach (shared anonymous memory): freed with their last mapping. */
  private readonly unnamed = new WeakSet<MmFile>();
  readonly frames: MmFrameSource;
  readonly memory: MmPhysicalMemory;

  constructor(frames: MmFrameSource, memory: MmPhysicalMemory) {
    this.frames = frames;
    this.memory = memory;
  }

  /**
   * The machine's shared zero page (mm/memory.c: ZERO_PAGE), mapped read-only
   * for reads of untouched anonymous memory; -1 when no frame could be had.
   * The cache holds its only reference; mappings of it are not counted.
   */
  zeroPage(): number {
    if (this.zeroPfn < 0) {
      const pfn = this.frames.allocate();
      if (typeof pfn !== 'number') return -1;
      this.memory.frameBytes(pfn).fill(0);
      this.zeroPfn = pfn;
    }
    return this.zeroPfn;
  }

  /** The zero page's frame, or -1 before it is first needed. */
  get zeroPagePfn(): number {
    return this.zeroPfn;
  }

  /**
   * `file` has no name anything could open again (shmem_zero_setup's /dev/zero for
   * shared anonymous memory): its pages go when its last mapping does, as the
   * kernel frees the inode with the last reference (see unmapped).
   */
  adoptUnnamed(file: MmFile): void {
    this.unnamed.add(file);
  }

  /**
   * A mapping of `file` was removed. When the file is unnamed and no address
   * space maps it any more, its cached pages are released and the cache forgets
   * it; for other files nothing happens (an open file keeps its cache). O(VMAs)
   * for unnamed files only.
   */
  unmapped(file: MmFile): void {
    if (!this.unnamed.has(file)) return;
    for (const mm of this.mappers) {
      for (const vma of mm.vmas) if (vma.file === file) return;
    }
    const pages = this.files.get(file);
    if (pages === undefined) return;
    this.files.delete(file);
    for (const pfn of pages.values()) this.frames.release(pfn);
  }

  /** Register an address space for truncation callbacks. */
  attach(mm: FileMapper): void {
    if (typeof mm !== 'object' || mm === null || typeof mm.zapFileFrom !== 'function') {
      throw new TypeError(`an address space needs zapFileFrom(), got ${String(mm)}`);
    }
    this.mappers.add(mm);
  }

  detach(mm: FileMapper): void {
    this.mappers.delete(mm);
  }

  /**
   * ftruncate on the machine (mm/truncate.c: truncate_pagecache): every address
   * space unmaps the file's pages past the new end, private copies included
   * (even_cows), then the file and the cache shrink or grow.
   */
  truncateFile(file: MmFile & { truncate(size: number): void }, size: number): void {
    // Checked before any address space unmaps anything.
    checkFile(file);
    checkCount('size', size);
    const holeBegin = Math.ceil(size / 4096);
    for (const mm of this.mappers) mm.zapFileFrom(file, holeBegin);
    file.truncate(size);
    this.truncate(file, size);
  }

  /**
   * A hole punched in pages [first, end) of `file` (fallocate PUNCH_HOLE behind
   * MADV_REMOVE): every address space unmaps its page-cache pages there, private
   * copies staying (truncate_pagecache_range: even_cows = 0), then the cache
   * forgets them, so the next fault reads the file's new content.
   */
  punchHole(file: MmFile, first: number, end: number): void {
    checkFile(file);
    checkCount('first', first);
    if (end !== Number.POSITIVE_INFINITY) checkCount('end', end);
    for (const mm of this.mappers) mm.zapFileFrom(file, first, end, false);
    // The cached pages in the hole, not every page number of it: end may be far away.
    const pages = this.files.get(file);
    if (pages === undefined) return;
    for (const pgoff of [...pages.keys()])
      if (pgoff >= first && pgoff < end) this.drop(file, pgoff);
  }

  /** The frame caching page `pgoff` of `file`, reading it in on a miss; -1 when out of memory. */
  get(file: MmFile, pgoff: number): number {
    // Checked before a frame is taken: a read failing after the allocation leaked it.
    checkFile(file);
    checkCount('pgoff', pgoff);
    let pages = this.files.get(file);
    if (pages === undefined) {
      pages = new Map();
      this.files.set(file, pages);
    }
    const cached = pages.get(pgoff);
    if (cached !== undefined) return cached;
    const pfn = this.frames.allocate();
    if (typeof pfn !== 'number') return -1;
    file.readPage(pgoff, this.memory.frameBytes(pfn));
    pages.set(pgoff, pfn);
    return pfn;
  }

  /** The frame caching page `pgoff` of `file`, or -1 when it is not cached (never reads it in). */
  lookup(file: MmFile, pgoff: number): number {
    checkCount('pgoff', pgoff);
    return this.files.get(file)?.get(pgoff) ?? -1;
  }

  /** Call `fn` for every cached page (not the zero page), file by file. */
  forEachPage(fn: (file: MmFile, pgoff: number, pfn: number) => void): void {
    for (const [file, pages] of this.files) {
      for (const [pgoff, pfn] of pages) fn(file, pgoff, pfn);
    }
  }

  /** Write a cached page back to its file (a shared mapping's store reaches the file). */
  writeBack(file: MmFile, pgoff: number): void {
    checkCount('pgoff', pgoff);
    const pfn = this.files.get(file)?.get(pgoff);
    if (pfn !== undefined) file.writePage(pgoff, this.memory.frameBytes(pfn));
  }

  /**
   * After the file shrank or grew to `size`: drop cached pages wholly past the end and
   * zero the tail of a partial last page (mm/truncate.c: truncate_inode_pages).
   */
  truncate(file: MmFile, size: number): void {
    checkCount('size', size);
    const pages = this.files.get(file);
    if (pages === undefined) return;
    const keep = Math.ceil(size / 4096);
    for (const [pgoff, pfn] of [...pages]) {
      if (pgoff >= keep) {
        pages.delete(pgoff);
        this.frames.release(pfn);
      }
    }
    const partial = size % 4096;
    if (partial !== 0) {
      const pfn = pages.get(keep - 1);
      if (pfn !== undefined) this.memory.frameBytes(pfn).fill(0, partial);
    }
  }

  /** Forget one cached page (its file content changed underneath, e.g. a punched hole). */
  drop(file: MmFile, pgoff: number): void {
    checkCount('pgoff', pgoff);
    const pages = this.files.get(file);
    const pfn = pages?.get(pgoff);
    if (pfn === undefined) return;
    pages!.delete(pgoff);
    this.frames.release(pfn);
  }

  /** Frames held by the cache. */
  get size(): number {
    let n = 0;
    for (const pages of this.files.values()) n += pages.size;
    return n;
  }

  /** Release every cached frame and the zero page. */
  clear(): void {
    for (const pages of this.files.values()) {
      for (const pfn of pages.values()) this.frames.release(pfn);
    }
    this.files.clear();
    if (this.zeroPfn >= 0) {
      this.frames.release(this.zeroPfn);
      this.zeroPfn = -1;
    }
  }
}

/** RangeError unless `value` is a non-negative safe integer (a page number or a size). */
function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
}

/** TypeError unless `file` can be read and written page by page. */
function checkFile(file: MmFile): void {
  if (
    typeof file !== 'object' ||
    file === null ||
    typeof file.readPage !== 'function' ||
    typeof file.writePage !== 'function'
  ) {
    throw new TypeError(`file must have readPage() and writePage(), got ${String(file)}`);
  }
}
