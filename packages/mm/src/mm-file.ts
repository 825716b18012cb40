import { PAGE_SIZE_4K } from '@vmem/memory-addr';

/**
 * Which get_unmapped_area a file's file_operations name: how mmap places it
 * and, for a character device, what mapping it makes.
 */
export const FILE_AREA = {
  /** thp_get_unmapped_area (regular files of ext4, xfs): a range that holds a whole 2 MiB block is 2 MiB-aligned. */
  THP: 'thp',
  /**
   * shmem_get_unmapped_area (tmpfs files, memfd, shared anonymous memory):
   * no alignment on a tmpfs mounted huge=never, the default.
   */
  SHMEM: 'shmem',
  /**
   * drivers/char/mem.c: /dev/zero. MAP_SHARED makes shared anonymous memory
   * (shmem_zero_setup: maps then shows `/dev/zero (deleted)` on 00:01);
   * MAP_PRIVATE is placed like a THP file and faults like anonymous memory
   * (vma_set_anonymous), while maps still names /dev/zero.
   */
  ZERO: 'zero',
  /**
   * No mmap in its file_operations (pipes, sockets, procfs files, character
   * devices such as /dev/null or /dev/urandom): mmap fails with ENODEV.
   */
  NONE: 'none',
  /**
   * mm/secretmem.c: a memfd_secret file (`/secretmem (deleted)`): only shared
   * mappings, which are locked and left out of core dumps.
   */
  SECRETMEM: 'secretmem',
  /**
   * fs/hugetlbfs/inode.c: hugetlb_get_unmapped_area — a file of a hugetlbfs
   * mount of 2 MiB pages (the internal one behind anonymous MAP_HUGETLB
   * mappings: `/anon_hugepage`). Placed aligned to its huge page size
   * (arch/x86/kernel/sys_x86_64.c: get_align_mask), mapped with VM_HUGETLB.
   */
  HUGETLB_2M: 'hugetlb-2m',
  /** HUGETLB_2M for the 1 GiB hstate (MAP_HUGE_1GB; its own internal mount). */
  HUGETLB_1G: 'hugetlb-1g',
} as const;
export type FileArea = (typeof FILE_AREA)[keyof typeof FILE_AREA];

/**
 * How mmap places `file`: its `area`, or by default SHMEM on device 00:01 (the
 * kernel's internal shmem mount) and THP elsewhere.
 */
export function fileArea(file: Pick<MmFile, 'area' | 'dev'>): FileArea {
  return file.area ?? (file.dev === '00:01' ? FILE_AREA.SHMEM : FILE_AREA.THP);
}

/** The huge page size of a hugetlbfs file (hstate_file), 0 for any other file. */
export function fileHugePageSize(file: Pick<MmFile, 'area' | 'dev'>): number {
  const area = fileArea(file);
  if (area === FILE_AREA.HUGETLB_2M) return 2 * 1024 * 1024;
  return area === FILE_AREA.HUGETLB_1G ? 1024 * 1024 * 1024 : 0;
}

/**
 * A file as the address space needs it: an identity (what maps prints), a size,
 * and page-granular content. Pages are read into and written from the caller's
 * 4 KiB buffer; bytes past the end of the file read as zero.
 */
export interface MmFile {
  readonly path: string;
  /** Device as maps prints it, `MM:mm` in hex, e.g. `fe:00`. */
  readonly dev: string;
  readonly ino: number;
  /** Size in bytes. */
  readonly size: number;
  /** Whether the open file description may be read / written (O_RDONLY vs O_RDWR). */
  readonly readable: boolean;
  readonly writable: boolean;
  /** True once the file was unlinked: maps then prints ` (deleted)` after the path. */
  readonly deleted: boolean;
  /** How mmap places it (FILE_AREA); absent: SHMEM on device 00:01, THP elsewhere. */
  readonly area?: FileArea;
  /** Fill `dest` (4096 bytes) with page `pgoff` of the file (zeros past the end). */
  readPage(pgoff: number, dest: Uint8Array): void;
  /** Store `src` (4096 bytes) as page `pgoff`; bytes past the file's size are not kept. */
  writePage(pgoff: number, src: Uint8Array): void;
}

export interface MemoryFileOptions {
  path: string;
  dev?: string;
  ino: number;
  size?: number;
  readable?: boolean;
  writable?: boolean;
  /** Initial content: called once per page on first read, fills the 4096-byte page. */
  fill?: (pgoff: number, page: Uint8Array) => void;
  /** How mmap places it (FILE_AREA); by default SHMEM on device 00:01, THP elsewhere. */
  area?: FileArea;
}

/** An in-memory file: sparse pages, created on first access. */
export class MemoryFile implements MmFile {
  readonly path: string;
  readonly dev: string;
  readonly ino: number;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly area: FileArea;
  deleted: boolean;
  private _size: number;
  private readonly pages = new Map<number, Uint8Array>();
  private readonly fill: ((pgoff: number, page: Uint8Array) => void) | undefined;
  private fillLimit: number;

  constructor(options: MemoryFileOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options must be an object, got ${String(options)}`);
    }
    if (typeof options.path !== 'string')
      throw new TypeError(`path must be a string, got ${options.path}`);
    if (!Number.isSafeInteger(options.ino) || options.ino < 0) {
      throw new RangeError(`ino must be a non-negative integer, got ${options.ino}`);
    }
    const size = options.size ?? 0;
    if (!Number.isSafeInteger(size) || size < 0)
      throw new RangeError(`size must be a non-negative integer, got ${size}`);
    this.path = options.path;
    this.dev = options.dev ?? '00:00';
    this.ino = options.ino;
    this._size = size;
    this.readable = options.readable ?? true;
    this.writable = options.writable ?? true;
    this.deleted = false;
    const area = fileArea({ area: options.area, dev: this.dev });
    if (!Object.values(FILE_AREA).includes(area))
      throw new RangeError(
        `area must be one of ${Object.values(FILE_AREA).join(', ')}, got ${area}`,
      );
    this.area = area;
    this.fill = options.fill;
    this.fillLimit = size;
  }

  get size(): number {
    return this._size;
  }

  private page(pgoff: number): Uint8Array {
    let page = this.pages.get(pgoff);
    if (page === undefined) {
      page = new Uint8Array(PAGE_SIZE_4K);
      const base = pgoff * PAGE_SIZE_4K;
      if (this.fill && base < this.fillLimit) {
        this.fill(pgoff, page);
        if (base + PAGE_SIZE_4K > this.fillLimit) page.fill(0, this.fillLimit - base);
      }
      this.pages.set(pgoff, page);
    }
    return page;
  }

  readPage(pgoff: number, dest: Uint8Array): void {
    checkPage(pgoff, dest, 'dest');
    if (dest.length < PAGE_SIZE_4K) {
      throw new RangeError(`dest must hold 4096 bytes, got ${dest.length}`);
    }
    if (pgoff * PAGE_SIZE_4K >= this._size) {
      dest.fill(0, 0, PAGE_SIZE_4K);
      return;
    }
    dest.set(this.page(pgoff));
  }

  writePage(pgoff: number, src: Uint8Array): void {
    checkPage(pgoff, src, 'src');
    const base = pgoff * PAGE_SIZE_4K;
    if (base >= this._size) return;
    const page = this.page(pgoff);
    page.set(src.subarray(0, PAGE_SIZE_4K));
    if (base + PAGE_SIZE_4K > this._size) page.fill(0, this._size - base);
  }

  /** ftruncate: shrinking drops content past the end; growing adds zero bytes. */
  truncate(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0)
      throw new RangeError(`size must be a non-negative integer, got ${size}`);
    if (size < this._size) {
      for (const pgoff of [...this.pages.keys()]) {
        if (pgoff * PAGE_SIZE_4K >= size) this.pages.delete(pgoff);
      }
      const last = Math.floor(size / PAGE_SIZE_4K);
      const page = this.pages.get(last);
      if (page) page.fill(0, size - last * PAGE_SIZE_4K);
      // Content from `fill` never reappears past a size the file once shrank to.
      if (size < this.fillLimit) this.fillLimit = size;
    }
    this._size = size;
  }

  /** Mark the file unlinked (maps shows ` (deleted)`). */
  unlink(): void {
    this.deleted = true;
  }
}

// Checked before the page map is touched: a NaN or negative page number would be
// cached as a page of its own (and handed to `fill`).
function checkPage(pgoff: number, buffer: Uint8Array, name: string): void {
  if (!Number.isSafeInteger(pgoff) || pgoff < 0) {
    throw new RangeError(`pgoff must be a non-negative integer, got ${String(pgoff)}`);
  }
  if (!(buffer instanceof Uint8Array)) {
    throw new TypeError(`${name} must be a Uint8Array, got ${String(buffer)}`);
  }
}
