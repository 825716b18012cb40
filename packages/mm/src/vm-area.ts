import { AreaNode } from '@vmem/memory-set';
import type { MmFile } from './mm-file.js';

/**
 * The identity of an anonymous-memory object (Linux's `struct anon_vma`).
 * Two adjacent VMAs merge only if their anon_vmas are the same or one has none
 * (mm/vma.c: is_mergeable_anon_vma), so this identity decides merges maps cannot show.
 */
export class AnonVma {
  private static nextId = 1;
  readonly id: number;
  /** The parent process's anon_vma this one was forked from (anon_vma_fork), or null. */
  readonly parent: AnonVma | null;
  constructor(parent: AnonVma | null = null) {
    this.id = AnonVma.nextId++;
    this.parent = parent;
  }
}

/**
 * One virtual memory area (Linux's `struct vm_area_struct`), the node of the
 * address space's VMA tree (memory-set's intrusive AreaNode): `start`/`end`
 * change only through VmaIndex.setBounds.
 */
export class VmArea extends AreaNode {
  // Emitted ES2022 fields on purpose (unlike AreaNode's `declare`d bounds):
  // stored as undefined first, they stay tagged, so a pgoff below 2^31 (every
  // mapping under 8 TiB) is a small integer inside the object. `declare`d,
  // pgoff became a double field with a separate 16-byte box in every VMA:
  // measured 155 instead of 140 bytes per area, and no fewer instructions on
  // vma-churn (only its short-lived top-down mappings have a pgoff past 2^31).
  /**
   * Offset in pages: into `file` for a file mapping; for a private anonymous
   * mapping the page number it was created at (it decides merges, see mm/mmap.c do_mmap).
   */
  pgoff: number;
  file: MmFile | null;
  /** VM_* flags (see vm-flags.ts). */
  flags: number;
  anonVma: AnonVma | null;
  /** `[vdso]`, `[vvar]`, ... for special mappings (never merged), otherwise null. */
  special: string | null;

  constructor(
    start: number,
    end: number,
    pgoff: number,
    file: MmFile | null,
    flags: number,
    anonVma: AnonVma | null = null,
    special: string | null = null,
  ) {
    super(start, end);
    this.pgoff = pgoff;
    this.file = file;
    this.flags = flags;
    this.anonVma = anonVma;
    this.special = special;
  }

  get pages(): number {
    return (this.end - this.start) / 4096;
  }

  /** vma_is_anonymous: no file behind it (shared anonymous memory has a shmem file). */
  get isAnonymous(): boolean {
    return this.file === null && this.special === null;
  }

  /** A copy covering the same range (split_vma duplicates the VMA, then trims). */
  clone(): VmArea {
    return new VmArea(
      this.start,
      this.end,
      this.pgoff,
      this.file,
      this.flags,
      this.anonVma,
      this.special,
    );
  }
}
