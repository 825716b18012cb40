import {
  type ErrnoResult,
  errnoResult,
  LEGACY_MAP_MASK,
  MADV,
  MAP,
  MAP_HUGE_MASK,
  MAP_HUGE_SHIFT,
  MREMAP,
  PROT,
} from './linux-abi.js';
import type { MmFile } from './mm-file.js';
import { FILE_AREA, fileArea, fileHugePageSize, MemoryFile } from './mm-file.js';
import type { MmFrameSource, MmPhysicalMemory } from './mm-frames.js';
import { DEFAULT_LAYOUT, DEFAULT_RLIMITS, type MmLayout, type Rlimits } from './mm-options.js';
import { PageCache } from './page-cache.js';
import { MapPteStore, PTE_BITS, type PteStore, pteBits, pteEntry, ptePfn } from './pte-store.js';
import {
  addU64,
  alignU64,
  checkArg,
  clampHuge,
  gtU64,
  isZero,
  pageAlignU64,
  type U64Arg,
} from './u64-arg.js';
import { AnonVma, VmArea } from './vm-area.js';
import {
  VM,
  VM_ACCESS_FLAGS,
  VM_DATA_DEFAULT_FLAGS,
  VM_IGNORE_MERGE,
  VM_MAY_SHIFT,
  VM_SPECIAL,
  vmFlagsFromProt,
} from './vm-flags.js';
import { VmaIndex } from './vma-index.js';

const PAGE = 4096;
/** clearUser zeroes through a buffer of this many bytes. */
const CLEAR_CHUNK = 64 * 1024;
/** The longest readUser: its result is one Uint8Array. */
const MAX_READ_USER = 2 ** 32 - 1;
const PMD_SIZE = 0x20_0000;
/** DEFAULT_MAP_WINDOW for 4-level paging: the user half minus the guard page. */
const DEFAULT_MAP_WINDOW = 0x7fff_ffff_f000;

/** How a memory access ended: a value or a fault, as a signal would report it. */
export type FaultCode = 'SEGV_MAPERR' | 'SEGV_ACCERR' | 'BUS_ADRERR' | 'SI_KERNEL';
export interface Fault {
  readonly signal: 'SIGSEGV' | 'SIGBUS';
  readonly code: FaultCode;
}
const FAULTS: Record<FaultCode, Fault> = {
  SEGV_MAPERR: Object.freeze({ signal: 'SIGSEGV', code: 'SEGV_MAPERR' }),
  SEGV_ACCERR: Object.freeze({ signal: 'SIGSEGV', code: 'SEGV_ACCERR' }),
  BUS_ADRERR: Object.freeze({ signal: 'SIGBUS', code: 'BUS_ADRERR' }),
  SI_KERNEL: Object.freeze({ signal: 'SIGSEGV', code: 'SI_KERNEL' }),
};
const OOM: ErrnoResult = errnoResult('ENOMEM');
/**
 * A fault that could not get a frame (VM_FAULT_OOM): delivered as SIGBUS, but a
 * distinct object, so MADV_POPULATE_* can answer ENOMEM as Linux does.
 */
const OOM_FAULT: Fault = Object.freeze({ signal: 'SIGBUS', code: 'BUS_ADRERR' });
/**
 * madvise_behavior_valid (x86_64 with THP and KSM built in). MADV_HWPOISON (100) and
 * MADV_SOFT_OFFLINE (101) are valid only under CONFIG_MEMORY_FAILURE, which the 6.18
 * kernel the traces come from lacks: they are EINVAL before any range check, for
 * root too (trace mx-madv-kinds-a/-b, recorded without capabilities).
 */
const MADVISE_VALID: ReadonlySet<number> = new Set([
  0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 102, 103,
]);
/** ext4's s_maxbytes with 4 KiB blocks (16 TiB - 4 KiB). */
const MAX_FILE_SIZE = 2 ** 44 - PAGE;

// The VM_*, MAP_* and PROT_* bits the system calls test, as module constants. In
// optimised code every `VM.WRITE` is a load of the VM object from its module
// binding, a check of its map and a load of the field (V8 folds neither the
// binding nor the field), so `(flags & (VM.WRITE | VM.SHARED | VM.GROWSDOWN))
// === VM.WRITE` costs four such loads where module constants fold into the
// instruction.
const VM_WRITE = VM.WRITE;
const VM_GROWSDOWN = VM.GROWSDOWN;
const VM_LOCKED = VM.LOCKED;
const VM_ACCOUNT = VM.ACCOUNT;
const VM_EXEC = VM.EXEC;
const VM_HUGETLB = VM.HUGETLB;
/** is_data_mapping: (flags & DATA_MASK) === VM_WRITE. */
const DATA_MASK = VM.WRITE | VM.SHARED | VM.GROWSDOWN;
/** vm_stat_account's exec_vm: (flags & EXEC_MASK) === VM_EXEC. */
const EXEC_MASK = VM.EXEC | VM.WRITE | VM.GROWSDOWN;
/**
 * accountable_mapping: (flags & ACCOUNTABLE_MASK) === VM_WRITE (a hugetlbfs
 * file is never charged: its huge pages are reserved instead).
 */
const ACCOUNTABLE_MASK = VM.NORESERVE | VM.SHARED | VM.WRITE | VM.HUGETLB;
/** mprotect_fixup charges a private mapping becoming writable unless one of these is set. */
const CHARGED_MASK = VM.ACCOUNT | VM.WRITE | VM.SHARED | VM.NORESERVE | VM.HUGETLB;
/** What every mmap starts from besides the protection (VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC). */
const VM_MAY_ALL = VM.MAYREAD | VM.MAYWRITE | VM.MAYEXEC;
/** The mmap flags calc_vm_flag_bits turns into VM_* flags. */
const MAP_VM_BITS = MAP.GROWSDOWN | MAP.LOCKED | MAP.SYNC | MAP.STACK;
const MAP_TYPE = MAP.TYPE;
const MAP_FIXED = MAP.FIXED;
const MAP_SHARED = MAP.SHARED;
const MAP_SHARED_VALIDATE = MAP.SHARED_VALIDATE;
const MAP_POPULATE_BITS = MAP.POPULATE | MAP.NONBLOCK;
const MAP_POPULATE = MAP.POPULATE;
const PROT_GROWS = PROT.GROWSDOWN | PROT.GROWSUP;
/** arch_validate_prot: r/w/x and PROT_SEM only. */
const PROT_VALID = PROT.READ | PROT.WRITE | PROT.EXEC | PROT.SEM;
const MAP_ANONYMOUS = MAP.ANONYMOUS;
const MAP_DROPPABLE = MAP.DROPPABLE;
const MAP_FIXED_NOREPLACE = MAP.FIXED_NOREPLACE;
const MAP_GROWSDOWN = MAP.GROWSDOWN;
const MAP_HUGETLB = MAP.HUGETLB;
const MAP_LOCKED = MAP.LOCKED;
const MAP_NORESERVE = MAP.NORESERVE;
const MAP_PRIVATE = MAP.PRIVATE;
const MAP_STACK = MAP.STACK;
const MAP_SYNC = MAP.SYNC;
const PROT_GROWSDOWN = PROT.GROWSDOWN;
const PROT_GROWSUP = PROT.GROWSUP;
const PROT_WRITE = PROT.WRITE;
const VM_DONTCOPY = VM.DONTCOPY;
const VM_DONTDUMP = VM.DONTDUMP;
const VM_DONTEXPAND = VM.DONTEXPAND;
const VM_DROPPABLE = VM.DROPPABLE;
const VM_HUGEPAGE = VM.HUGEPAGE;
const VM_IO = VM.IO;
const VM_LOCKONFAULT = VM.LOCKONFAULT;
const VM_MAYREAD = VM.MAYREAD;
const VM_MAYSHARE = VM.MAYSHARE;
const VM_MAYWRITE = VM.MAYWRITE;
const VM_MERGEABLE = VM.MERGEABLE;
const VM_MIXEDMAP = VM.MIXEDMAP;
const VM_NOHUGEPAGE = VM.NOHUGEPAGE;
const VM_NORESERVE = VM.NORESERVE;
const VM_PFNMAP = VM.PFNMAP;
const VM_RAND_READ = VM.RAND_READ;
const VM_READ = VM.READ;
const VM_SEQ_READ = VM.SEQ_READ;
const VM_SHARED = VM.SHARED;
const VM_SOFTDIRTY = VM.SOFTDIRTY;
const VM_SYNC = VM.SYNC;
const VM_WIPEONFORK = VM.WIPEONFORK;

export interface MmStructOptions {
  layout?: Partial<MmLayout>;
  rlimits?: Partial<Rlimits>;
  /** Reference-counted frames shared by every process of the machine. */
  frames: MmFrameSource;
  memory: MmPhysicalMemory;
  /** The machine's page cache; by default a new one over `frames`/`memory`. */
  pageCache?: PageCache;
  /** Page-table backend; by default a MapPteStore. */
  pteStore?: PteStore;
}

/** Options of the user-memory helpers. */
export interface UserCopyOptions {
  /** Ignore the mappings' current protection, as ptrace does (FOLL_FORCE). */
  force?: boolean;
}

/** Attributes a new or modified range would have, checked against neighbours for a merge. */
interface MergeCandidate {
  flags: number;
  file: MmFile | null;
  anonVma: AnonVma | null;
  /** pgoff of the candidate's first page. */
  pgoff: number;
  start: number;
  end: number;
}

/**
 * fs/inode.c: get_next_ino — the inode numbers of the kernel's internal
 * files: shared anonymous memory (shmem) and `/anon_hugepage` (hugetlbfs).
 */
let shmemInode = 1;

/**
 * One address space with Linux x86_64 semantics (mm_struct): VMAs, the program
 * break, accounting, and page-level memory behind a page-table backend.
 */
export class MmStruct {
  readonly layout: MmLayout;
  readonly rlimits: Rlimits;
  readonly vmas: VmaIndex = new VmaIndex();
  readonly pageCache: PageCache;
  readonly frames: MmFrameSource;
  readonly memory: MmPhysicalMemory;
  readonly ptes: PteStore;
  /** Current program break (as last set, maybe unaligned). */
  brk: number;
  /** Start of the brk area (set at exec). */
  startBrk: number;
  /** Pages mapped (total_vm), locked (locked_vm), data (data_vm), stack (stack_vm), exec (exec_vm). */
  totalVm = 0;
  lockedVm = 0;
  dataVm = 0;
  stackVm = 0;
  execVm = 0;
  /** Pages with a guard marker (MADV_GUARD_INSTALL): they fault with SEGV_MAPERR. */
  readonly guardPages: Set<number> = new Set();
  // The hot paths (mmap, mprotect) describe their merge candidate in this one
  // object instead of a new one per call: nothing keeps it past the call.
  private readonly scratch: MergeCandidate = {
    flags: 0,
    file: null,
    anonVma: null,
    pgoff: 0,
    start: 0,
    end: 0,
  };
  // The free gap unmappedAreaTopdown last placed a mapping in, with the VMAs
  // either side: mmapRegion maps there without searching the tree again. Only
  // valid between getUnmappedArea and the mmapRegion right after it (placedAt is
  // -1 otherwise).
  private placedAt = -1;
  private placedPrev: VmArea | undefined = undefined;
  private placedNext: VmArea | undefined = undefined;
  // An anonymous VMA a MAP_FIXED mmap emptied, left in the tree by unmapFrom so
  // that the new mapping can take it over (see mmapRegion); undefined otherwise.
  private spare: VmArea | undefined = undefined;

  constructor(options: MmStructOptions) {
    this.layout = { ...DEFAULT_LAYOUT, ...options.layout };
    this.rlimits = { ...DEFAULT_RLIMITS, ...options.rlimits };
    this.frames = options.frames;
    this.memory = options.memory;
    this.pageCache = options.pageCache ?? new PageCache(options.frames, options.memory);
    this.ptes = options.pteStore ?? new MapPteStore();
    this.brk = this.layout.brk;
    this.startBrk = this.layout.startBrk;
    this.pageCache.attach(this);
  }

  /**
   * security/min_addr.c: update_mmap_min_addr — the kernel's mmap_min_addr,
   * the larger of the sysctl and CONFIG_LSM_MMAP_MIN_ADDR. The sysctl alone
   * (dac_mmap_min_addr) only gates MAP_FIXED (cap_mmap_addr).
   */
  private get minAddr(): number {
    return Math.max(this.layout.mmapMinAddr, this.layout.lsmMmapMinAddr);
  }

  /** The frame of the shared zero page, or -1 before the first read of untouched memory. */
  get zeroPagePfn(): number {
    return this.pageCache.zeroPagePfn;
  }

  get mapCount(): number {
    return this.vmas.count;
  }

  // ------------------------------------------------------------------ accounting

  /** mm/mmap.c: may_expand_vm. */
  private mayExpandVm(flags: number, pages: number): boolean {
    if ((this.totalVm + pages) * PAGE > this.rlimits.as) return false;
    if (isDataMapping(flags) && (this.dataVm + pages) * PAGE > this.rlimits.data) return false;
    return true;
  }

  /** mm/mmap.c: vm_stat_account. */
  private statAccount(flags: number, pages: number): void {
    this.totalVm += pages;
    if ((flags & EXEC_MASK) === VM_EXEC) this.execVm += pages;
    else if (flags & VM_GROWSDOWN) this.stackVm += pages;
    else if (isDataMapping(flags)) this.dataVm += pages;
  }

  private accountAdd(vma: VmArea): void {
    this.statAccount(vma.flags, vma.pages);
    if (vma.flags & VM_LOCKED) this.lockedVm += vma.pages;
  }

  private accountRemove(flags: number, pages: number): void {
    this.statAccount(flags, -pages);
    if (flags & VM_LOCKED) this.lockedVm -= pages;
  }

  // ------------------------------------------------------------- VMA primitives

  /** Add an existing mapping as it stands (initial state, exec). */
  insertVma(vma: VmArea): void {
    this.vmas.insert(vma);
    this.accountAdd(vma);
  }

  /**
   * get_unmapped_area(NULL, 0, len, 0, 0): where the kernel would put an unhinted
   * anonymous mapping of `len` bytes (exec uses it for the vDSO).
   */
  findUnmappedArea(len: number): number | ErrnoResult {
    if (!Number.isSafeInteger(len) || len <= 0 || pageOffset(len) !== 0) {
      throw new RangeError(`len must be a positive multiple of 4096, got ${len}`);
    }
    return this.getUnmappedArea(null, 0, len, 0, 0);
  }

  /** Place the brk area (exec: after the highest segment; mm->start_brk = mm->brk). */
  setBrkArea(start: number): void {
    if (!Number.isSafeInteger(start) || start < 0)
      throw new RangeError(`brk start must be a non-negative integer, got ${start}`);
    this.startBrk = start;
    this.brk = start;
  }

  /** Remove a VMA without touching its pages (a sync delta moves it back in). */
  removeVma(vma: VmArea): void {
    this.vmas.remove(vma);
    this.accountRemove(vma.flags, vma.pages);
  }

  /**
   * Release the pages mapped in [start, end), leaving the VMAs as they are (a
   * replay does so before it redraws those VMAs to take the kernel's maps).
   */
  dropPages(start: number, end: number): void {
    this.zapPages(undefined, start, end);
  }

  /** Give `vma` an anon_vma as its first anonymous fault would (anon_vma_prepare). */
  prepareAnonVma(vma: VmArea): void {
    this.anonVmaPrepare(vma);
  }

  /** mm/vma.c: split_vma without the map-count check; returns the new upper part. */
  private splitAt(vma: VmArea, addr: number): VmArea {
    const upper = vma.clone();
    upper.pgoff = vma.pgoff + (addr - vma.start) / PAGE;
    // One tree operation: vma keeps [start, addr), upper takes [addr, end) after it.
    this.vmas.split(vma, addr, upper);
    return upper;
  }

  /**
   * mm/vma.c: __split_vma asks vm_ops->may_split first: a special mapping
   * ([vdso], [vvar], ...: special_mapping_split) always answers -EINVAL, a
   * hugetlb one (mm/hugetlb.c: hugetlb_vm_op_split) unless `addr` is a
   * boundary of its huge pages.
   */
  private refusesSplit(vma: VmArea, addr: number): boolean {
    if (vma.special !== null) return true;
    return (vma.flags & VM_HUGETLB) !== 0 && addr % hugeSizeOf(vma) !== 0;
  }

  /**
   * An operation on [start, end) would cut a VMA where it refuses to be split
   * (refusesSplit); `first` is the lowest VMA overlapping the range.
   */
  private splitsRefused(first: VmArea, start: number, end: number): boolean {
    if (first.start < start && this.refusesSplit(first, start)) return true;
    // The VMA holding `end` is `first` unless the range goes past it (the
    // common case needs no second lookup).
    const last = first.end >= end ? first : this.vmas.findContaining(end);
    return last !== undefined && last.start < end && end < last.end && this.refusesSplit(last, end);
  }

  /**
   * mm/vma.c: vms_gather_munmap_vmas splits the first VMA at `start` before it
   * splits the last one at the end; when that second split is refused, the first
   * stays split (two lines maps shows alike, or a hugetlb VMA cut on a huge page
   * boundary) and the call fails with EINVAL.
   */
  private failedSplit(first: VmArea, start: number): ErrnoResult {
    if (first.start < start && !this.refusesSplit(first, start)) this.splitAt(first, start);
    return errnoResult('EINVAL');
  }

  /**
   * mm/vma.c: vma_modify splits `vma` at `start`, then at `end`; a refused
   * split (refusesSplit) fails the mprotect or madvise with EINVAL, a split at
   * `start` made before a refused one at `end` staying. Null when both may go.
   */
  private refusedModifySplit(vma: VmArea, start: number, end: number): ErrnoResult | null {
    const head = start > vma.start && this.refusesSplit(vma, start);
    if (!head && !(end < vma.end && this.refusesSplit(vma, end))) return null;
    if (!head && start > vma.start) this.splitAt(vma, start);
    return errnoResult('EINVAL');
  }

  /** mm/vma.c: is_mergeable_vma + is_mergeable_anon_vma for `vma` and a candidate. */
  private mergeable(vma: VmArea, c: MergeCandidate): boolean {
    if (vma.special !== null || vma.flags & VM_SPECIAL) return false;
    if ((vma.flags ^ c.flags) & ~VM_IGNORE_MERGE) return false;
    if (vma.file !== c.file) return false;
    // is_mergeable_anon_vma: a VMA whose anon_vma came through fork (a chain that
    // is not singular: vma_had_uncowed_parents) takes no other VMA's pages, and
    // gives none to a VMA without an anon_vma.
    if (vma.anonVma === null) return c.anonVma === null || c.anonVma.parent === null;
    if (c.anonVma === null) return vma.anonVma.parent === null;
    return vma.anonVma === c.anonVma;
  }

  /** mm/vma.c: can_vma_merge_after (prev ends where the candidate starts). */
  // The attributes first: they sit in the VMA object itself, while its bounds
  // are boxed numbers elsewhere in the heap, not loaded when the attributes
  // differ. Measured under cachegrind at 90,000 areas: last-level data misses
  // 1.97 -> 1.37 per churn operation (first-level 32.8 -> 35.4: the attributes
  // can lie in the object's second cache line).
  private canMergeAfter(prev: VmArea | undefined, c: MergeCandidate): prev is VmArea {
    return (
      prev !== undefined &&
      this.mergeable(prev, c) &&
      prev.end === c.start &&
      prev.pgoff + prev.pages === c.pgoff
    );
  }

  /** mm/vma.c: can_vma_merge_before (next starts where the candidate ends). */
  private canMergeBefore(next: VmArea | undefined, c: MergeCandidate): next is VmArea {
    return (
      next !== undefined &&
      this.mergeable(next, c) &&
      next.start === c.end &&
      c.pgoff + (c.end - c.start) / PAGE === next.pgoff
    );
  }

  private static anonCompatible(a: VmArea, b: VmArea): boolean {
    return a.anonVma === null || b.anonVma === null || a.anonVma === b.anonVma;
  }

  /** A candidate in the scratch object (see `scratch`): valid until the next call. */
  private candidate(
    flags: number,
    file: MmFile | null,
    anonVma: AnonVma | null,
    pgoff: number,
    start: number,
    end: number,
  ): MergeCandidate {
    const c = this.scratch;
    c.flags = flags;
    c.file = file;
    c.anonVma = anonVma;
    c.pgoff = pgoff;
    c.start = start;
    c.end = end;
    return c;
  }

  /**
   * mm/vma.c: vma_merge_new_range. Extend a neighbour over [start, end) instead of
   * creating a VMA; returns the VMA now covering it, or undefined.
   */
  private mergeNewRange(c: MergeCandidate): VmArea | undefined {
    if (c.flags & VM_SPECIAL) return undefined;
    return this.mergeBetween(c, this.vmas.findPrev(c.start), this.vmas.findVma(c.end));
  }

  /** mergeNewRange for a caller that knows the VMAs either side of the free [start, end) (no tree search). */
  private mergeBetween(
    c: MergeCandidate,
    prev: VmArea | undefined,
    next: VmArea | undefined,
  ): VmArea | undefined {
    const left = this.canMergeAfter(prev, c);
    let right = this.canMergeBefore(next, c);
    if (left && right && !MmStruct.anonCompatible(prev, next as VmArea)) right = false;
    if (left) {
      if (right) {
        const n = next as VmArea;
        this.vmas.remove(n);
        this.vmas.setBounds(prev, prev.start, n.end);
        prev.anonVma ??= n.anonVma;
      } else {
        this.vmas.setBounds(prev, prev.start, c.end);
      }
      prev.anonVma ??= c.anonVma;
      return prev;
    }
    if (right) {
      const n = next as VmArea;
      this.vmas.setBounds(n, c.start, n.end);
      n.pgoff = c.pgoff;
      n.anonVma ??= c.anonVma;
      return n;
    }
    return undefined;
  }

  /**
   * mm/vma.c: vma_modify (vma_merge_existing_range, else split). Gives [start, end)
   * of `vma` the flags `newFlags`, merging with a neighbour where Linux would.
   * Returns the VMA that now covers [start, end).
   */
  private modifyFlags(vma: VmArea, start: number, end: number, newFlags: number): VmArea {
    const c = this.candidate(
      newFlags,
      vma.file,
      vma.anonVma,
      vma.pgoff + (start - vma.start) / PAGE,
      start,
      end,
    );
    const leftSide = start === vma.start;
    const rightSide = end === vma.end;
    if (!(newFlags & VM_SPECIAL) && vma.special === null && (leftSide || rightSide)) {
      const prev = leftSide ? this.vmas.prev(vma) : undefined;
      const next = rightSide ? this.vmas.next(vma) : undefined;
      const mergeLeft = leftSide && this.canMergeAfter(prev, c);
      let mergeRight = rightSide && this.canMergeBefore(next, c);
      if (mergeLeft && mergeRight && !MmStruct.anonCompatible(prev as VmArea, next as VmArea)) {
        mergeRight = false;
      }
      if (mergeLeft) {
        const p = prev as VmArea;
        p.anonVma ??= mergeRight ? ((next as VmArea).anonVma ?? vma.anonVma) : vma.anonVma;
        if (mergeRight) {
          const n = next as VmArea;
          this.vmas.remove(vma);
          this.vmas.remove(n);
          this.vmas.setBounds(p, p.start, n.end);
        } else if (rightSide) {
          this.vmas.remove(vma);
          this.vmas.setBounds(p, p.start, end);
        } else {
          // prev grows over [start, end); vma keeps the rest.
          vma.pgoff += (end - vma.start) / PAGE;
          this.vmas.setBounds(vma, end, vma.end);
          this.vmas.setBounds(p, p.start, end);
        }
        return p;
      }
      if (mergeRight) {
        const n = next as VmArea;
        n.anonVma ??= vma.anonVma;
        if (leftSide) {
          this.vmas.remove(vma);
        } else {
          this.vmas.setBounds(vma, vma.start, start);
        }
        n.pgoff -= (n.start - start) / PAGE;
        this.vmas.setBounds(n, start, n.end);
        return n;
      }
    }
    let middle = vma;
    if (middle.start < start) middle = this.splitAt(middle, start);
    if (middle.end > end) this.splitAt(middle, end);
    middle.flags = newFlags;
    return middle;
  }

  // -------------------------------------------------------- get_unmapped_area

  /** mm/mmap.c: unmapped_area_topdown. Returns the address or -1. */
  private unmappedAreaTopdown(
    length: number,
    lowLimit: number,
    highLimit: number,
    alignMask: number,
    alignOffset: number,
  ): number {
    const searchLength = length + alignMask;
    const minAddr = this.minAddr;
    if (lowLimit < minAddr) lowLimit = minAddr;
    for (;;) {
      if (highLimit - 1 < lowLimit) return -1;
      const last = this.vmas.emptyAreaRev(lowLimit, highLimit - 1, searchLength);
      if (last < 0) return -1;
      let gap = last + 1 - length;
      // Skipped without alignment: a double `%` is a call to fmod in V8.
      if (alignMask !== 0) gap -= mod(gap - alignOffset, alignMask + 1);
      const gapEnd = last;
      // find_vma(last + 1): the VMA above the free range, as the search saw it.
      const next = this.vmas.gapNext;
      if (next !== undefined && next.flags & VM_GROWSDOWN) {
        const startGap = this.vmStartGap(next);
        if (startGap <= gapEnd) {
          highLimit = startGap;
          continue;
        }
      }
      this.placedAt = gap;
      this.placedPrev = this.vmas.gapPrev;
      this.placedNext = next;
      return gap;
    }
  }

  /** mm/mmap.c: unmapped_area (bottom-up). Returns the address or -1. */
  private unmappedArea(
    length: number,
    lowLimit: number,
    highLimit: number,
    alignMask: number,
    alignOffset: number,
  ): number {
    const searchLength = length + alignMask;
    const minAddr = this.minAddr;
    if (lowLimit < minAddr) lowLimit = minAddr;
    for (;;) {
      if (highLimit - 1 < lowLimit) return -1;
      const index = this.vmas.emptyArea(lowLimit, highLimit - 1, searchLength);
      if (index < 0) return -1;
      let gap = index;
      if (alignMask !== 0) gap += mod(alignOffset - gap, alignMask + 1);
      const next = this.vmas.findVma(gap);
      if (next !== undefined && next.flags & VM_GROWSDOWN) {
        if (this.vmStartGap(next) < gap + searchLength - 1) {
          lowLimit = next.end;
          continue;
        }
      }
      return gap;
    }
  }

  /** vm_start_gap: a grows-down VMA keeps stack_guard_gap free below it. */
  private vmStartGap(vma: VmArea): number {
    if (!(vma.flags & VM_GROWSDOWN)) return vma.start;
    const start = vma.start - this.layout.stackGuardGap;
    return Math.max(start, 0);
  }

  /** arch/x86/kernel/sys_x86_64.c: mmap_address_hint_valid. */
  private hintValid(addr: number, len: number): boolean {
    if (this.layout.taskSize - len < addr) return false;
    return addr > DEFAULT_MAP_WINDOW === addr + len > DEFAULT_MAP_WINDOW;
  }

  /**
   * mm/mmap.c: mm_get_unmapped_area — the layout's own search: top-down, or
   * bottom-up in the legacy layout (MMF_TOPDOWN clear). -1 on failure.
   */
  private getAreaMm(
    addr: number,
    len: number,
    pgoff: number,
    flags: number,
    hasFile: boolean,
    alignMask = 0,
  ): number {
    return this.layout.topdown
      ? this.getAreaTopdown(addr, len, pgoff, flags, hasFile, alignMask)
      : this.getAreaBottomup(addr, len, pgoff, flags, hasFile, alignMask);
  }

  /**
   * arch_get_unmapped_area_topdown (x86_64, no randomization), -1 on failure.
   * `alignMask`: get_align_mask, the huge page size - 1 for a hugetlbfs file.
   */
  private getAreaTopdown(
    addr: number,
    len: number,
    pgoff: number,
    flags: number,
    hasFile: boolean,
    alignMask = 0,
  ): number {
    if (len > this.layout.taskSize) return -1;
    if (!(flags & MAP['32BIT'])) {
      if (addr) {
        addr -= pageOffset(addr);
        if (this.hintValid(addr, len)) {
          const vma = this.vmas.findVma(addr);
          if (vma === undefined || addr + len <= this.vmStartGap(vma)) return addr;
        }
      }
      let high = this.layout.mmapBase;
      if (addr > DEFAULT_MAP_WINDOW) high += this.layout.taskSize - DEFAULT_MAP_WINDOW;
      const found = this.unmappedAreaTopdown(
        len,
        PAGE,
        high,
        alignMask,
        hasFile ? pgoff * PAGE : 0,
      );
      if (found >= 0) return found;
    }
    return this.getAreaBottomup(addr, len, pgoff, flags, hasFile, alignMask);
  }

  /** arch_get_unmapped_area (bottom-up; MAP_32BIT and the top-down fallback). */
  private getAreaBottomup(
    addr: number,
    len: number,
    pgoff: number,
    flags: number,
    hasFile: boolean,
    alignMask = 0,
  ): number {
    let begin: number;
    let end: number;
    if (flags & MAP['32BIT']) {
      begin = 0x4000_0000;
      end = 0x8000_0000;
    } else {
      begin = this.layout.mmapLegacyBase;
      end = addr > DEFAULT_MAP_WINDOW ? this.layout.taskSize : DEFAULT_MAP_WINDOW;
    }
    if (len > end) return -1;
    if (addr) {
      addr = Math.ceil(addr / PAGE) * PAGE;
      const vma = this.vmas.findVma(addr);
      if (end - len >= addr && (vma === undefined || addr + len <= this.vmStartGap(vma)))
        return addr;
    }
    return this.unmappedArea(len, begin, end, alignMask, hasFile ? pgoff * PAGE : 0);
  }

  /**
   * mm/huge_memory.c: __thp_get_unmapped_area. Ask for len + 2 MiB and place the
   * mapping so that address ≡ offset (mod 2 MiB). 0 when it does not apply.
   */
  private thpGetArea(
    addr: number,
    len: number,
    pgoff: number,
    flags: number,
    hasFile: boolean,
  ): number {
    const off = pgoff * PAGE;
    const offEnd = off + len;
    const offAlign = Math.ceil(off / PMD_SIZE) * PMD_SIZE;
    if (offEnd <= offAlign || offEnd - offAlign < PMD_SIZE) return 0;
    const lenPad = len + PMD_SIZE;
    const ret = this.getAreaMm(addr, lenPad, pgoff, flags, hasFile);
    if (ret < 0) return 0;
    if (ret === addr) return addr;
    const offSub = mod(off - ret, PMD_SIZE);
    // Top-down, an aligned start moves up by the padding so that the mapping
    // ends at the top of the area found; bottom-up it stays where it is.
    if (offSub === 0 && this.layout.topdown) return ret + PMD_SIZE;
    return ret + offSub;
  }

  /** mm/mmap.c: __get_unmapped_area. Returns an address or an errno. */
  private getUnmappedArea(
    file: MmFile | null,
    addr: number,
    len: number,
    pgoff: number,
    flags: number,
  ): number | ErrnoResult {
    this.placedAt = -1;
    if (len > this.layout.taskSize) return OOM;
    let result: number;
    const type = flags & MAP_TYPE;
    const shared = type === MAP_SHARED || type === MAP_SHARED_VALIDATE;
    const area = file === null ? null : fileArea(file);
    if (flags & MAP_FIXED) {
      // Every get_unmapped_area variant returns a MAP_FIXED address as it is,
      // after the TASK_SIZE check above, so the placement functions below are
      // never asked for one (they do not test MAP_FIXED themselves).
      result = addr;
    } else if (area === FILE_AREA.HUGETLB_2M || area === FILE_AREA.HUGETLB_1G) {
      // fs/hugetlbfs/inode.c: hugetlb_get_unmapped_area — the hint rounded up
      // to the huge page size, and the search aligned to it.
      const size = fileHugePageSize(file as MmFile);
      result = this.getAreaMm(Math.ceil(addr / size) * size, len, pgoff, flags, true, size - 1);
    } else if (area === FILE_AREA.THP || (area === FILE_AREA.ZERO && !shared)) {
      // Regular files on ext4 use thp_get_unmapped_area, and so does a private
      // mapping of /dev/zero (drivers/char/mem.c: get_unmapped_area_zero).
      result = this.thpGetArea(addr, len, pgoff, flags, true);
      if (result === 0) result = this.getAreaMm(addr, len, pgoff, flags, true);
    } else if (area === FILE_AREA.ZERO) {
      // get_unmapped_area_zero: MAP_SHARED is placed as shared anonymous memory
      // (shmem_get_unmapped_area without a file: no alignment).
      result = this.getAreaMm(addr, len, 0, flags, false);
    } else if (file === null && !shared && !addr && len % PMD_SIZE === 0) {
      result = this.thpGetArea(addr, len, 0, flags, false);
      if (result === 0) result = this.getAreaMm(addr, len, 0, flags, false);
    } else {
      // Anonymous memory, and shmem files (tmpfs, memfd):
      // shmem_get_unmapped_area aligns nothing on a tmpfs mounted huge=never.
      result = this.getAreaMm(addr, len, file ? pgoff : 0, flags, file !== null);
    }
    if (result < 0) return OOM;
    if (result > this.layout.taskSize - len) return OOM;
    if (pageOffset(result) !== 0) return errnoResult('EINVAL');
    // security/commoncap.c: cap_mmap_addr
    // (the sysctl, dac_mmap_min_addr, not the LSM minimum)
    if (result < this.layout.mmapMinAddr && !this.layout.capSysRawio) return errnoResult('EPERM');
    return result;
  }

  // --------------------------------------------------------------------- mmap

  /**
   * mmap(2). `file` is the open file behind `fd` (null for fd -1 or a bad fd);
   * a mapping of a file opened read-only passes a file whose `writable` is false.
   * Returns the address or an errno.
   */
  mmap(
    addr: U64Arg,
    len: U64Arg,
    prot: number,
    flags: number,
    file: MmFile | null,
    off: U64Arg = 0,
  ): number | ErrnoResult {
    addr = checkArg('addr', addr);
    len = checkArg('len', len);
    off = checkArg('off', off);
    checkInt32('prot', prot);
    checkInt32('flags', flags);
    // arch/x86/kernel/sys_x86_64.c: sys_mmap
    if (pageOffset(clampHuge(off)) !== 0) return errnoResult('EINVAL');
    if (!(flags & MAP_ANONYMOUS) && file === null) return errnoResult('EBADF');
    // The caller's offset in pages (the anonymous branch below replaces it).
    const offPages = typeof off === 'number' ? off / PAGE : Number(off / 4096n);
    let pgoff = offPages;
    // mm/mmap.c: ksys_mmap_pgoff — MAP_HUGETLB maps a hugetlbfs file: a
    // file of another kind is refused, an anonymous one gets an internal
    // hugetlbfs file of the hstate named by the MAP_HUGE_* size bits
    // (hugetlb_file_setup: a new unlinked `/anon_hugepage` per call, on that
    // hstate's internal mount), and the length is rounded up to that huge
    // page size.
    let hugeSize = 0;
    let hugeFile: MemoryFile | null = null;
    if (flags & MAP_HUGETLB) {
      if (file !== null) return errnoResult('EINVAL');
      hugeSize = hugePageSize((flags >>> MAP_HUGE_SHIFT) & MAP_HUGE_MASK);
      if (hugeSize === 0) return errnoResult('EINVAL');
      len = alignU64(len, hugeSize);
      const giant = hugeSize !== PMD_SIZE;
      hugeFile = new MemoryFile({
        path: '/anon_hugepage',
        dev: giant ? this.layout.hugetlbfsDev1G : this.layout.hugetlbfsDev2M,
        ino: shmemInode++,
        size: clampHuge(len),
        area: giant ? FILE_AREA.HUGETLB_1G : FILE_AREA.HUGETLB_2M,
      });
      hugeFile.unlink();
    }
    // mm/mmap.c: do_mmap
    if (isZero(len)) return errnoResult('EINVAL');
    if (flags & MAP_FIXED_NOREPLACE) flags |= MAP_FIXED;
    let a = clampHuge(addr);
    if (!(flags & MAP_FIXED)) {
      // round_hint_to_min
      a -= pageOffset(a);
      const minAddr = this.minAddr;
      if (a !== 0 && a < minAddr) a = Math.ceil(minAddr / PAGE) * PAGE;
    }
    const alignedLen = pageAlignU64(len);
    if (isZero(alignedLen)) return OOM;
    const length = clampHuge(alignedLen);
    if (this.vmas.count > this.layout.maxMapCount) return OOM;
    let vmFlags = vmFlagsFromProt(prot) | VM_MAY_ALL;
    if (flags & MAP_VM_BITS) vmFlags |= calcVmFlagBits(flags);
    // fs/hugetlbfs/inode.c: hugetlb_get_unmapped_area — a fixed address must
    // be huge-page aligned.
    if (hugeSize !== 0 && flags & MAP_FIXED && a % hugeSize !== 0) return errnoResult('EINVAL');
    const got = this.getUnmappedArea(hugeFile ?? file, a, length, pgoff, flags);
    if (typeof got !== 'number') return got;
    a = got;
    if (flags & MAP_FIXED_NOREPLACE && this.vmas.findIntersection(a, a + length))
      return errnoResult('EEXIST');
    if (flags & MAP_LOCKED && this.rlimits.memlock === 0 && !this.layout.capIpcLock)
      return errnoResult('EPERM');
    if (!this.mlockFutureOk(vmFlags, length / PAGE)) return errnoResult('EAGAIN');
    if (file !== null) {
      // file_mmap_ok: the end of the mapping must fit in a loff_t.
      if (pgoff > Math.floor((2 ** 63 - length) / PAGE)) return errnoResult('EOVERFLOW');
      const type = flags & MAP_TYPE;
      if (type === MAP_SHARED || type === MAP_SHARED_VALIDATE) {
        if (type === MAP_SHARED_VALIDATE && flags & ~LEGACY_MAP_MASK)
          return errnoResult('EOPNOTSUPP');
        if (prot & PROT_WRITE && !file.writable) return errnoResult('EACCES');
        vmFlags |= VM_SHARED | VM_MAYSHARE;
        if (!file.writable) vmFlags &= ~(VM_MAYWRITE | VM_SHARED);
      } else if (type !== MAP_PRIVATE) {
        return errnoResult('EINVAL');
      }
      if (!file.readable) return errnoResult('EACCES');
      // can_mmap_file: nothing to map a file without an mmap method with.
      if (fileArea(file) === FILE_AREA.NONE) return errnoResult('ENODEV');
      if (vmFlags & VM_GROWSDOWN) return errnoResult('EINVAL');
      // drivers/char/mem.c: mmap_zero — a shared mapping of /dev/zero becomes
      // shared anonymous memory (shmem_zero_setup) and keeps its pgoff.
      if (vmFlags & VM_SHARED && fileArea(file) === FILE_AREA.ZERO) file = null;
    } else {
      let type = flags & MAP_TYPE;
      // ksys_mmap_pgoff gave anonymous MAP_HUGETLB an internal hugetlbfs file, so
      // do_mmap takes its file branch: MAP_SHARED_VALIDATE is validated (hugetlbfs
      // has no FOP_MMAP_SYNC) and then mapped as MAP_SHARED, not EINVAL (trace
      // mx-mmap-s0-0: MAP_SHARED_VALIDATE|MAP_ANONYMOUS|MAP_HUGETLB is ENOMEM).
      if (hugeSize !== 0 && type === MAP_SHARED_VALIDATE) {
        if (flags & ~LEGACY_MAP_MASK) return errnoResult('EOPNOTSUPP');
        type = MAP_SHARED;
      }
      if (type === MAP_SHARED) {
        if (vmFlags & VM_GROWSDOWN) return errnoResult('EINVAL');
        pgoff = 0;
        vmFlags |= VM_SHARED | VM_MAYSHARE;
      } else if (type === MAP_PRIVATE || type === MAP_DROPPABLE) {
        if (type === MAP_DROPPABLE) {
          // mm/mmap.c: do_mmap — a droppable area may not be locked, hugetlb
          // or a stack; it reserves nothing, and neither survives fork nor
          // goes into core dumps.
          if (flags & (MAP_LOCKED | MAP_HUGETLB) || vmFlags & VM_GROWSDOWN)
            return errnoResult('EINVAL');
          vmFlags |= VM_DROPPABLE | VM_NORESERVE | VM_WIPEONFORK | VM_DONTDUMP;
        }
        pgoff = a / PAGE;
      } else {
        return errnoResult('EINVAL');
      }
    }
    if (hugeSize !== 0) {
      // fs/hugetlbfs/inode.c: hugetlbfs_file_mmap — EINVAL for an offset that
      // is not huge-page aligned; then hugetlb_reserve_pages reserves the huge
      // pages up front, and the simulated machine has none in its pool
      // (nr_hugepages = 0). MAP_NORESERVE skips the reservation.
      // (the offset of the internal file: the caller's, which anonymous
      // memory otherwise ignores)
      const misaligned =
        typeof off === 'number' ? off % hugeSize !== 0 : off % BigInt(hugeSize) !== 0n;
      if (misaligned || !(flags & MAP_NORESERVE)) {
        return this.mmapHookFailed(a, length, vmFlags, flags, misaligned ? 'EINVAL' : 'ENOMEM');
      }
      // A file mapping of the internal file at the caller's offset (do_mmap:
      // the anonymous branch above never ran for it in Linux); the flags
      // hugetlbfs_file_mmap sets (VM_HUGETLB | VM_DONTEXPAND: never merged,
      // never grown by mremap) and the VM_NORESERVE do_mmap gives a hugetlbfs
      // file for MAP_NORESERVE whatever overcommit_memory says. __mmap_region
      // drops VM_LOCKED from a hugetlb VMA (its pages are never counted as
      // locked), though MAP_LOCKED still populates it.
      file = hugeFile as MemoryFile;
      pgoff = offPages;
      vmFlags |= VM_HUGETLB | VM_DONTEXPAND | VM_NORESERVE;
    }
    if (flags & MAP_NORESERVE && this.layout.overcommitMemory !== 2) vmFlags |= VM_NORESERVE;
    // do_mmap decides on populating before the file's mmap hook adds flags.
    const populate = vmFlags & VM_LOCKED || (flags & MAP_POPULATE_BITS) === MAP_POPULATE;
    // fs/ext4/file.c: ext4_file_mmap_prepare — daxdev_mapping_supported refuses VM_SYNC
    // on a file without DAX (every ext4/xfs file here). do_mmap took VM_SYNC from the
    // caller's flags before MAP_SHARED dropped the non-legacy ones, so MAP_SYNC with
    // MAP_SHARED or MAP_PRIVATE is refused too, not only with MAP_SHARED_VALIDATE; the
    // hook runs after a MAP_FIXED range was cleared (trace mx-mmap-s1-0; tmpfs and
    // hugetlbfs files take it).
    if (file !== null && flags & MAP_SYNC && fileArea(file) === FILE_AREA.THP) {
      return this.mmapHookFailed(a, length, vmFlags, flags, 'EOPNOTSUPP');
    }
    if (file !== null && fileArea(file) === FILE_AREA.SECRETMEM) {
      // mm/secretmem.c: secretmem_mmap_prepare — shared mappings only, within
      // RLIMIT_MEMLOCK (mlock_future_ok), then locked and not dumped. It runs
      // where the ->mmap hook does, after a MAP_FIXED range was cleared.
      const locked = vmFlags | VM_LOCKED;
      if (!(vmFlags & (VM_SHARED | VM_MAYSHARE)))
        return this.mmapHookFailed(a, length, locked, flags, 'EINVAL');
      if (!this.mlockFutureOk(locked, length / PAGE))
        return this.mmapHookFailed(a, length, locked, flags, 'EAGAIN');
      vmFlags = locked | VM_DONTDUMP;
    }
    if (vmFlags & VM_HUGETLB) vmFlags &= ~(VM_LOCKED | VM_LOCKONFAULT);
    const result = this.mmapRegion(file, a, length, vmFlags, pgoff);
    if (typeof result !== 'number') return result;
    if (populate) {
      this.populate(result, result + length);
    }
    return result;
  }

  /**
   * mm/mmap.c: mlock_future_ok — a mapping with `flags` may lock `pages` more
   * pages: not VM_LOCKED, CAP_IPC_LOCK, or locked_vm stays within RLIMIT_MEMLOCK.
   */
  private mlockFutureOk(flags: number, pages: number): boolean {
    return (
      !(flags & VM_LOCKED) ||
      this.layout.capIpcLock ||
      (this.lockedVm + pages) * PAGE <= this.rlimits.memlock
    );
  }

  /**
   * A file's mmap hook failed with `errno`. mm/vma.c: __mmap_region — the hook
   * runs after vms_clean_up_area cleared the replaced range's page tables, so
   * vms_abort_munmap_vmas cannot put the old VMAs back: MAP_FIXED over
   * mappings leaves a hole (unless may_expand_vm failed first).
   */
  private mmapHookFailed(
    a: number,
    length: number,
    vmFlags: number,
    flags: number,
    errno: 'EINVAL' | 'ENOMEM' | 'EAGAIN' | 'EOPNOTSUPP',
  ): ErrnoResult {
    if (flags & MAP_FIXED) {
      const overlap = this.countPages(a, a + length);
      if (this.mayExpandVm(vmFlags, length / PAGE - overlap)) this.munmap(a, length);
    }
    return errno === 'ENOMEM' ? OOM : errnoResult(errno);
  }

  /** mm/vma.c: __mmap_region. */
  private mmapRegion(
    file: MmFile | null,
    addr: number,
    len: number,
    vmFlags: number,
    pgoff: number,
  ): number | ErrnoResult {
    const end = addr + len;
    const pages = len / PAGE;
    if (!this.mayExpandVm(vmFlags, pages)) {
      const overlap = this.countPages(addr, end);
      if (!this.mayExpandVm(vmFlags, pages - overlap)) return OOM;
    }
    // accountable_mapping charges private writable memory; shmem_zero_setup
    // charges shared anonymous memory (shmem_acct_size) unless VM_NORESERVE.
    if (
      this.layout.commitGuessPages < pages &&
      (mmapAccountFlags(vmFlags) & VM_ACCOUNT ||
        (file === null && vmFlags & VM_SHARED && !(vmFlags & VM_NORESERVE))) &&
      !this.enoughMemory(pages - this.accountedPages(addr, end))
    ) {
      return OOM;
    }
    let prev: VmArea | undefined;
    let next: VmArea | undefined;
    if (this.placedAt === addr && this.placedFits(end)) {
      // The free gap getUnmappedArea just found: nothing to unmap, neighbours known.
      prev = this.placedPrev;
      next = this.placedNext;
    } else {
      // vms_gather_munmap_vmas: splitting the first VMA needs a free map slot.
      const found = this.vmas.findVma(addr);
      const first = found !== undefined && found.start < end ? found : undefined;
      if (
        first !== undefined &&
        first.start < addr &&
        end < first.end &&
        this.vmas.count >= this.layout.maxMapCount
      ) {
        return OOM;
      }
      if (first !== undefined && this.splitsRefused(first, addr, end))
        return this.failedSplit(first, addr);
      if (first !== undefined && this.remapsInPlace(first, file, addr, end, vmFlags, pgoff)) {
        this.placedAt = -1;
        this.placedPrev = undefined;
        this.placedNext = undefined;
        return addr;
      }
      // The neighbours of [addr, end) once it is free, without searching the tree again.
      next = first !== undefined ? this.unmapFrom(first, addr, end, true) : found;
      const spare = this.spare;
      // Only the VMA trimmed at the front can lie between prev and the spare.
      if (spare !== undefined) prev = this.vmas.prev(spare);
      else prev = next !== undefined ? this.vmas.prev(next) : this.vmas.last();
    }
    this.placedAt = -1;
    this.placedPrev = undefined;
    this.placedNext = undefined;
    vmFlags = mmapAccountFlags(vmFlags);
    const spare = this.spare;
    if (spare !== undefined) {
      this.spare = undefined;
      if (
        file === null &&
        !(vmFlags & (VM_SHARED | VM_SPECIAL)) &&
        !this.canMergeAfter(prev, this.candidate(vmFlags, null, null, pgoff, addr, end)) &&
        !this.canMergeBefore(next, this.scratch)
      ) {
        // No merge: the emptied VMA becomes the new one (Linux frees one and
        // allocates the other), sparing an allocation and two tree updates.
        spare.flags = vmFlags;
        spare.pgoff = pgoff;
        spare.anonVma = null;
        this.vmas.setBounds(spare, addr, end);
        this.accountAdd(spare);
        return addr;
      }
      this.vmas.remove(spare);
    }
    if (file === null && vmFlags & VM_SHARED) {
      // mm/shmem.c: shmem_zero_setup: shared anonymous memory is a deleted /dev/zero.
      const shm = new MemoryFile({ path: '/dev/zero', dev: '00:01', ino: shmemInode++, size: len });
      shm.unlink();
      this.pageCache.adoptUnnamed(shm);
      file = shm;
    } else if (file === null || !(vmFlags & VM_SPECIAL)) {
      const merged =
        vmFlags & VM_SPECIAL
          ? undefined
          : this.mergeBetween(this.candidate(vmFlags, file, null, pgoff, addr, end), prev, next);
      if (merged !== undefined) {
        this.statAccount(vmFlags, pages);
        if (vmFlags & VM_LOCKED) this.lockedVm += pages;
        return addr;
      }
    }
    const vma = new VmArea(addr, end, pgoff, file, vmFlags);
    // Right after its neighbour: no descent from the root.
    if (prev !== undefined) this.vmas.insertAfter(prev, vma);
    else this.vmas.insert(vma);
    this.accountAdd(vma);
    return addr;
  }

  /**
   * A private anonymous MAP_FIXED mmap of [addr, end) inside the anonymous VMA
   * `first` that would end as it began: Linux splits `first`, unmaps the piece,
   * and merges the new mapping back into both pieces (same flags, contiguous
   * pgoff), leaving one VMA as before. Only its pages in the range go. Done
   * here without the split, the allocation and the merge; true when it applied.
   * The range must not replace all of `first` (the new VMA would not inherit
   * its anon_vma), and where it reaches an edge of `first`, the VMA beyond that
   * edge must not be able to merge with the new range (Linux would merge it).
   */
  private remapsInPlace(
    first: VmArea,
    file: MmFile | null,
    addr: number,
    end: number,
    vmFlags: number,
    pgoff: number,
  ): boolean {
    if (addr < first.start || end > first.end) return false;
    if (file !== null || first.file !== null || first.special !== null) return false;
    if (mmapAccountFlags(vmFlags) !== first.flags || vmFlags & (VM_SHARED | VM_SPECIAL))
      return false;
    const leftEdge = addr === first.start;
    const rightEdge = end === first.end;
    if (leftEdge && rightEdge) return false;
    if (first.pgoff + (addr - first.start) / PAGE !== pgoff) return false;
    // is_mergeable_anon_vma: a VMA whose anon_vma came through fork takes no new range.
    if (first.anonVma !== null && first.anonVma.parent !== null) return false;
    const c = this.candidate(first.flags, null, null, pgoff, addr, end);
    if (leftEdge && this.canMergeAfter(this.vmas.prev(first), c)) return false;
    if (rightEdge && this.canMergeBefore(this.vmas.next(first), c)) return false;
    // The unmap's page work; the accounting would go down and up by the same pages.
    this.zapPages(first, addr, end);
    this.clearGuards(addr, end);
    return true;
  }

  /** The placed gap's neighbours still leave [placedAt, end) free. */
  private placedFits(end: number): boolean {
    const prev = this.placedPrev;
    const next = this.placedNext;
    return (
      (prev === undefined || prev.end <= this.placedAt) && (next === undefined || end <= next.start)
    );
  }

  /**
   * mm/util.c: __vm_enough_memory under OVERCOMMIT_GUESS: one charge of more
   * pages than RAM and swap hold fails; nothing is added up across calls.
   */
  private enoughMemory(pages: number): boolean {
    return !(this.layout.overcommitMemory === 0 && pages > this.layout.commitGuessPages);
  }

  /** Pages of [start, end) in VMAs already charged (VM_ACCOUNT): a MAP_FIXED over them is not charged again. */
  private accountedPages(start: number, end: number): number {
    let pages = 0;
    for (const vma of this.vmas.overlapping(start, end)) {
      if (vma.flags & VM_ACCOUNT)
        pages += (Math.min(end, vma.end) - Math.max(start, vma.start)) / PAGE;
    }
    return pages;
  }

  private countPages(start: number, end: number): number {
    let pages = 0;
    for (const vma of this.vmas.overlapping(start, end)) {
      pages += (Math.min(end, vma.end) - Math.max(start, vma.start)) / PAGE;
    }
    return pages;
  }

  // ------------------------------------------------------------------- munmap

  /** munmap(2). */
  munmap(start: U64Arg, len: U64Arg): 0 | ErrnoResult {
    start = checkArg('addr', start);
    len = checkArg('len', len);
    const s = clampHuge(start);
    // mm/vma.c: do_vmi_munmap
    if (pageOffset(s) !== 0 || s > this.layout.taskSize || gtU64(len, this.layout.taskSize - s)) {
      return errnoResult('EINVAL');
    }
    const end = s + clampHuge(pageAlignU64(len));
    if (end === s) return errnoResult('EINVAL');
    const first = this.vmas.findIntersection(s, end);
    if (first === undefined) return 0;
    if (first.start < s && end < first.end && this.vmas.count >= this.layout.maxMapCount)
      return OOM;
    if (this.splitsRefused(first, s, end)) return this.failedSplit(first, s);
    this.unmapFrom(first, s, end);
    return 0;
  }

  /** Remove [start, end) from the address space: split, zap pages, drop VMAs. */
  private unmapRange(start: number, end: number): void {
    const vma = this.vmas.findVma(start);
    if (vma !== undefined && vma.start < end) this.unmapFrom(vma, start, end);
  }

  /**
   * unmapRange from `vma`, the first VMA overlapping [start, end). For mmapRegion
   * (`keepSpare`) it returns the first VMA after the hole; for the other callers,
   * which ignore it, the answer is undefined when the hole ends where a VMA ended.
   */
  // A VMA the range only partly covers is trimmed in place instead of split and
  // its unmapped piece removed (__split_vma then vms_complete_munmap_vmas): both
  // pieces would carry the same attributes, so the result is the same, without
  // a new VMA and two tree updates. A hole inside one VMA takes a single split.
  // The VMA after one that goes up to `end` is only looked up for mmapRegion:
  // finding a VMA's neighbour scans its tree leaf, and every munmap of what an
  // unhinted mmap returned (15% of vma-churn's operations) ends so.
  private unmapFrom(
    vma: VmArea,
    start: number,
    end: number,
    keepSpare = false,
  ): VmArea | undefined {
    let v: VmArea | undefined = vma;
    if (vma.start < start) {
      // vma keeps [vma.start, start).
      const cut = Math.min(vma.end, end);
      let after: VmArea | undefined;
      if (vma.end > end) after = this.splitAt(vma, end);
      else if (vma.end < end || keepSpare) after = this.vmas.next(vma);
      this.dropRange(vma, start, cut);
      this.vmas.setBounds(vma, vma.start, start);
      if (cut === end) return after;
      v = after;
    }
    while (v !== undefined && v.start < end) {
      if (v.end > end) {
        // v keeps [end, v.end).
        this.dropRange(v, v.start, end);
        v.pgoff += (end - v.start) / PAGE;
        this.vmas.setBounds(v, end, v.end);
        return v;
      }
      const next = v.end < end || keepSpare ? this.vmas.next(v) : undefined;
      this.dropRange(v, v.start, v.end);
      if (keepSpare && this.spare === undefined && v.file === null && v.special === null) {
        // Emptied but left in the tree for mmapRegion (`spare`).
        this.spare = v;
      } else {
        this.vmas.remove(v);
        if (v.file !== null) this.pageCache.unmapped(v.file);
      }
      v = next;
    }
    return v;
  }

  /** The pages, guard markers and accounting of [start, end) of `vma`, which is going away. */
  private dropRange(vma: VmArea, start: number, end: number): void {
    this.zapPages(vma, start, end);
    this.clearGuards(start, end);
    this.accountRemove(vma.flags, (end - start) / PAGE);
  }

  // ----------------------------------------------------------------- mprotect

  /**
   * mprotect(2), and pkey_mprotect(2) with a `pkey` other than -1. Like Linux, VMAs
   * before a hole keep their new protection.
   */
  mprotect(start: U64Arg, len: U64Arg, prot: number, pkey = -1): 0 | ErrnoResult {
    start = checkArg('addr', start);
    len = checkArg('len', len);
    checkInt32('prot', prot);
    const grows = prot & PROT_GROWS;
    prot &= ~PROT_GROWS;
    if (grows === PROT_GROWS) return errnoResult('EINVAL');
    let s = clampHuge(start);
    if (pageOffset(s) !== 0) return errnoResult('EINVAL');
    if (isZero(len)) return 0;
    const endArg = addU64(start, pageAlignU64(len));
    if (!gtU64(endArg, start)) return OOM;
    const end = clampHuge(endArg);
    if (prot & ~PROT_VALID) return errnoResult('EINVAL');
    // do_mprotect_pkey: a pkey other than -1 must be allocated (mm_pkey_is_allocated),
    // checked after the arguments and before the VMA lookup. The machine has no
    // protection keys (no PKU/OSPKE: pkey_alloc fails), so no key is, not even 0
    // (trace mx-mprot-3: EINVAL where the range has a hole, 0 for len 0).
    if (pkey !== -1) return errnoResult('EINVAL');
    let vma: VmArea | undefined;
    if (grows & PROT_GROWSDOWN) {
      vma = this.vmas.findIntersection(s, end);
      if (vma === undefined) return OOM;
      s = vma.start;
      if (!(vma.flags & VM_GROWSDOWN)) return errnoResult('EINVAL');
    } else {
      // find_vma_intersection, then ENOMEM unless the VMA found starts at or
      // below s: that is, ENOMEM unless a VMA contains s. The tree answers that
      // from the bounds it keeps in its leaf, without loading the VMA, which for
      // a start in a hole (two mprotects in three of vma-churn) is a cache miss
      // that decides nothing.
      vma = this.vmas.findContaining(s);
      if (vma === undefined) return OOM;
      if (grows & PROT_GROWSUP) return errnoResult('EINVAL');
    }
    let tmp = vma.start;
    let nstart = s;
    const newProtFlags = vmFlagsFromProt(prot);
    while (vma !== undefined && vma.start < end) {
      if (vma.start !== tmp) return OOM;
      const newFlags = newProtFlags | (vma.flags & ~VM_ACCESS_FLAGS);
      // The VM_MAY* bits must allow every requested access.
      if (newFlags & ~(newFlags >>> VM_MAY_SHIFT) & VM_ACCESS_FLAGS) return errnoResult('EACCES');
      tmp = Math.min(vma.end, end);
      const result = this.mprotectFixup(vma, nstart, tmp, newFlags);
      if (!(result instanceof VmArea)) return result;
      tmp = result.end;
      nstart = tmp;
      if (tmp >= end) break;
      vma = this.vmas.next(result);
    }
    if (tmp < end) return OOM;
    return 0;
  }

  /** mm/mprotect.c: mprotect_fixup. */
  private mprotectFixup(
    vma: VmArea,
    start: number,
    end: number,
    newFlags: number,
  ): VmArea | ErrnoResult {
    const oldFlags = vma.flags;
    if (newFlags === oldFlags) return vma;
    const pages = (end - start) / PAGE;
    if (newFlags & VM_WRITE) {
      if (!this.mayExpandVm(newFlags, pages) && this.mayExpandVm(oldFlags, pages)) return OOM;
      if (!(oldFlags & CHARGED_MASK)) {
        if (!this.enoughMemory(pages)) return OOM;
        newFlags |= VM_ACCOUNT;
      }
    } else if (oldFlags & VM_ACCOUNT && vma.isAnonymous && vma.anonVma === null) {
      newFlags &= ~VM_ACCOUNT;
    }
    if (newFlags === oldFlags) return vma;
    // Splitting needs a free map slot (split_vma).
    const splits = (start > vma.start ? 1 : 0) + (end < vma.end ? 1 : 0);
    if (splits > 0 && this.vmas.count >= this.layout.maxMapCount) return OOM;
    if (splits > 0) {
      const refused = this.refusedModifySplit(vma, start, end);
      if (refused !== null) return refused;
    }
    this.accountRemove(oldFlags, pages);
    const result = this.modifyFlags(vma, start, end, newFlags);
    this.statAccount(newFlags, pages);
    if (newFlags & VM_LOCKED) this.lockedVm += pages;
    this.changeProtection(start, end, newFlags);
    // A private VM_LOCKED area becoming writable breaks COW at once, so that
    // locked memory never takes a fault: its pages become anonymous copies and
    // the area gets an anon_vma, which keeps its VM_ACCOUNT through a later
    // mprotect back to read-only (and so decides merges maps cannot show).
    if ((oldFlags & (VM_WRITE | VM_SHARED | VM_LOCKED)) === VM_LOCKED && newFlags & VM_WRITE) {
      this.populate(start, end);
    }
    return result;
  }

  // ------------------------------------------------------------------- mremap

  /** mremap(2) (mm/mremap.c). Returns the (new) address or an errno. */
  mremap(
    addr: U64Arg,
    oldLen: U64Arg,
    newLen: U64Arg,
    flags: number,
    newAddr: U64Arg = 0,
  ): number | ErrnoResult {
    addr = checkArg('addr', addr);
    oldLen = checkArg('old_len', oldLen);
    newLen = checkArg('new_len', newLen);
    newAddr = checkArg('new_addr', newAddr);
    checkInt32('flags', flags);
    // check_mremap_params
    if (flags & ~(MREMAP.MAYMOVE | MREMAP.FIXED | MREMAP.DONTUNMAP)) return errnoResult('EINVAL');
    const a = clampHuge(addr);
    if (pageOffset(a) !== 0) return errnoResult('EINVAL');
    const oldAligned = clampHuge(pageAlignU64(oldLen));
    const newAlignedArg = pageAlignU64(newLen);
    if (isZero(newAlignedArg)) return errnoResult('EINVAL');
    const nl = clampHuge(newAlignedArg);
    if (nl > this.layout.taskSize) return errnoResult('EINVAL');
    const impliesNew = (flags & (MREMAP.FIXED | MREMAP.DONTUNMAP)) !== 0;
    const na = clampHuge(newAddr);
    if (impliesNew) {
      if (na > this.layout.taskSize - nl) return errnoResult('EINVAL');
      if (pageOffset(na) !== 0) return errnoResult('EINVAL');
      if (!(flags & MREMAP.MAYMOVE)) return errnoResult('EINVAL');
      if (flags & MREMAP.DONTUNMAP && oldAligned !== nl) return errnoResult('EINVAL');
      if (na < a + oldAligned && a < na + nl) return errnoResult('EINVAL');
      if (this.vmas.count + 2 >= this.layout.maxMapCount - 3) return OOM;
    }
    if (flags & MREMAP.FIXED && oldAligned === nl) return this.remapMove(a, nl, na, flags);
    const vma = this.vmas.findContaining(a);
    if (vma === undefined) return errnoResult('EFAULT');
    let ol = oldAligned;
    let newL = nl;
    if (vma.flags & VM_HUGETLB) {
      const size = hugeSizeOf(vma);
      ol = Math.ceil(ol / size) * size;
      newL = Math.ceil(newL / size) * size;
      if (!alignHugetlb(size, a, ol, newL, na)) return errnoResult('EINVAL');
    }
    const prep = this.checkPrepVma(vma, a, ol, newL, flags);
    if (prep !== null) return prep;
    if (impliesNew) return this.mremapTo(a, ol, newL, flags, na);
    if (ol === newL) return a;
    if (ol > newL) {
      const r = this.munmap(a + newL, ol - newL);
      return typeof r === 'number' ? a : r;
    }
    return this.expandVma(vma, a, ol, newL, flags);
  }

  /** mm/mremap.c: check_prep_vma. */
  private checkPrepVma(
    vma: VmArea,
    addr: number,
    oldLen: number,
    newLen: number,
    flags: number,
  ): ErrnoResult | null {
    // Duplicating a private mapping with old_len 0 is refused.
    if (oldLen === 0 && !(vma.flags & (VM_SHARED | VM_MAYSHARE))) return errnoResult('EINVAL');
    // MREMAP_DONTUNMAP would leave an empty copy of a VMA that cannot be refilled.
    if (
      flags & MREMAP.DONTUNMAP &&
      (vma.flags & (VM_DONTEXPAND | VM_PFNMAP) || vma.special !== null)
    )
      return errnoResult('EINVAL');
    const impliesNew = (flags & (MREMAP.FIXED | MREMAP.DONTUNMAP)) !== 0;
    if (!(newLen > oldLen || impliesNew)) return null;
    // "We can't remap across vm area boundaries": only the part that moves must lie in
    // the VMA. A move that shrinks (MREMAP_FIXED, new_len < old_len) unmaps the tail
    // [addr + new_len, addr + old_len) whatever is there, a hole or other VMAs, and
    // is EFAULT only when new_len passes the VMA's end (trace mx-mremap-special op 43,
    // checked with a C program).
    if (Math.min(oldLen, newLen) > vma.end - addr) return errnoResult('EFAULT');
    // Only a growing mapping is checked further: a move that shrinks a VMA
    // maps does not let grow (VM_DONTEXPAND) is not EFAULT.
    if (newLen <= oldLen) return null;
    if (vma.flags & (VM_DONTEXPAND | VM_PFNMAP) || vma.special !== null)
      return errnoResult('EFAULT');
    if (newLen > oldLen) {
      const delta = (newLen - oldLen) / PAGE;
      if (!this.mlockFutureOk(vma.flags, delta)) return errnoResult('EAGAIN');
      if (!this.mayExpandVm(vma.flags, delta)) return OOM;
      // vrm_calc_charge: a VM_ACCOUNT mapping is charged the pages it grows by.
      if (vma.flags & VM_ACCOUNT && !this.enoughMemory(delta)) return OOM;
    }
    return null;
  }

  /** mm/mremap.c: remap_move — MREMAP_FIXED with equal lengths moves every VMA of the range, keeping holes. */
  private remapMove(
    start: number,
    len: number,
    newAddr: number,
    flags: number,
  ): number | ErrnoResult {
    const end = start + len;
    let result: number | ErrnoResult = errnoResult('EFAULT');
    let seen = false;
    let lastEnd = 0;
    let target = newAddr;
    let cursor = start;
    for (;;) {
      const vma = this.vmas.findIntersection(cursor, end);
      if (vma === undefined) break;
      const addr = Math.max(vma.start, start);
      let l = Math.min(end, vma.end) - addr;
      if (!seen && start < vma.start) return errnoResult('EFAULT');
      const offset = seen ? vma.start - lastEnd : 0;
      lastEnd = vma.end;
      cursor = vma.end;
      let prep = null;
      if (vma.flags & VM_HUGETLB) {
        // check_prep_vma aligns each hugetlb VMA's part of the move (align_hugetlb).
        const size = hugeSizeOf(vma);
        l = Math.ceil(l / size) * size;
        if (!alignHugetlb(size, addr, l, l, target + offset)) prep = errnoResult('EINVAL');
      }
      prep ??= this.checkPrepVma(vma, addr, l, l, flags);
      const r = prep ?? this.mremapTo(addr, l, l, flags, target + offset);
      if (typeof r !== 'number') return r;
      if (!seen) result = r;
      seen = true;
      target = r + l;
    }
    return result;
  }

  /** mm/mremap.c: mremap_to — move to a given or found address. */
  private mremapTo(
    addr: number,
    oldLen: number,
    newLen: number,
    flags: number,
    newAddr: number,
  ): number | ErrnoResult {
    if (flags & MREMAP.FIXED) {
      const r = this.munmap(newAddr, newLen);
      if (typeof r !== 'number') return r;
    }
    let vma = this.vmas.findContaining(addr);
    if (vma === undefined) return errnoResult('EFAULT');
    if (oldLen > newLen) {
      const r = this.munmap(addr + newLen, oldLen - newLen);
      if (typeof r !== 'number') return r;
      oldLen = newLen;
      vma = this.vmas.findContaining(addr);
      if (vma === undefined) return errnoResult('EFAULT');
    }
    if (flags & MREMAP.DONTUNMAP && !this.mayExpandVm(vma.flags, oldLen / PAGE)) return OOM;
    // vrm_calc_charge: MREMAP_DONTUNMAP keeps the old range, so all of the new one is charged.
    if (flags & MREMAP.DONTUNMAP && vma.flags & VM_ACCOUNT && !this.enoughMemory(newLen / PAGE))
      return OOM;
    const target = this.setNewAddr(vma, addr, newLen, flags, newAddr);
    if (typeof target !== 'number') return target;
    return this.moveVma(vma, addr, oldLen, target, newLen, flags);
  }

  /** mm/mremap.c: expand_vma — grow in place when the range ends the VMA and room follows, else move. */
  private expandVma(
    vma: VmArea,
    addr: number,
    oldLen: number,
    newLen: number,
    flags: number,
  ): number | ErrnoResult {
    const delta = newLen - oldLen;
    if (vma.end - addr === oldLen) {
      const end = vma.end + delta;
      if (
        this.vmas.findIntersection(vma.end, end) === undefined &&
        end - vma.start <= this.layout.taskSize &&
        vma.start <= this.layout.taskSize - (end - vma.start)
      ) {
        const oldEnd = vma.end;
        const merged = this.mergeNewRange({
          flags: vma.flags,
          file: vma.file,
          anonVma: vma.anonVma,
          pgoff: vma.pgoff + vma.pages,
          start: oldEnd,
          end,
        });
        if (merged === undefined) return OOM;
        this.statAccount(vma.flags, delta / PAGE);
        if (vma.flags & VM_LOCKED) {
          this.lockedVm += delta / PAGE;
          this.populate(oldEnd, end);
        }
        return addr;
      }
    }
    if (!(flags & MREMAP.MAYMOVE)) return OOM;
    const target = this.setNewAddr(vma, addr, newLen, flags, 0);
    if (typeof target !== 'number') return target;
    return this.moveVma(vma, addr, oldLen, target, newLen, flags);
  }

  /** mm/mremap.c: vrm_set_new_addr. */
  private setNewAddr(
    vma: VmArea,
    addr: number,
    newLen: number,
    flags: number,
    newAddr: number,
  ): number | ErrnoResult {
    const pgoff = vma.pgoff + (addr - vma.start) / PAGE;
    let mapFlags = 0;
    if (flags & MREMAP.FIXED) mapFlags |= MAP_FIXED;
    if (vma.flags & VM_MAYSHARE) mapFlags |= MAP_SHARED;
    const hint = flags & (MREMAP.FIXED | MREMAP.DONTUNMAP) ? newAddr : 0;
    return this.getUnmappedArea(vma.file, hint, newLen, pgoff, mapFlags);
  }

  /** mm/mremap.c: move_vma — copy the VMA to its new place, move the pages, drop the old range. */
  private moveVma(
    vma: VmArea,
    oldAddr: number,
    oldLen: number,
    newAddr: number,
    newLen: number,
    flags: number,
  ): number | ErrnoResult {
    if (this.vmas.count >= this.layout.maxMapCount - 3) return OOM;
    // move_vma checks may_split at both ends of the source before anything moves
    // (a MREMAP_FIXED target has already been unmapped by then).
    if (
      (oldAddr > vma.start && this.refusesSplit(vma, oldAddr)) ||
      (oldAddr + oldLen < vma.end && this.refusesSplit(vma, oldAddr + oldLen))
    )
      return errnoResult('EINVAL');
    // The pages' new entries may need page-table frames: install them before
    // anything else changes, so a move that cannot get a frame leaves all as it was.
    const moveLen = Math.min(oldLen, newLen);
    const moved = this.copyPtes(oldAddr, newAddr, moveLen);
    if (moved === null) return OOM;
    const wasWhole = oldAddr === vma.start && oldAddr + oldLen === vma.end;
    const newVma = this.copyVma(vma, newAddr, newLen, vma.pgoff + (oldAddr - vma.start) / PAGE);
    this.finishMove(moved, oldAddr, newAddr, moveLen);
    if (flags & MREMAP.DONTUNMAP) {
      // dontunmap_complete: the old VMA stays, empty, unlocked; it keeps VM_ACCOUNT.
      const old = this.vmas.findContaining(oldAddr);
      if (old !== undefined) {
        if (old.flags & VM_LOCKED) this.lockedVm -= old.pages;
        old.flags &= ~(VM_LOCKED | VM_LOCKONFAULT);
        if (old !== newVma && wasWhole) old.anonVma = null;
      }
    } else if (oldLen > 0) {
      this.unmapRange(oldAddr, oldAddr + oldLen);
    }
    if (newVma.flags & VM_LOCKED && newLen > oldLen)
      this.populate(newAddr + oldLen, newAddr + newLen);
    return newAddr;
  }

  /** mm/vma.c: copy_vma — a VMA like `vma` at [addr, addr+len), merged with neighbours if it can be. */
  private copyVma(vma: VmArea, addr: number, len: number, pgoff: number): VmArea {
    // An anonymous VMA that never faulted takes the pgoff of its new place, so it can merge there.
    if (vma.isAnonymous && vma.anonVma === null) pgoff = addr / PAGE;
    const c: MergeCandidate = {
      flags: vma.flags,
      file: vma.file,
      anonVma: vma.anonVma,
      pgoff,
      start: addr,
      end: addr + len,
    };
    const merged = vma.special === null ? this.mergeNewRange(c) : undefined;
    if (merged !== undefined) {
      this.statAccount(vma.flags, len / PAGE);
      if (vma.flags & VM_LOCKED) this.lockedVm += len / PAGE;
      return merged;
    }
    const copy = new VmArea(addr, addr + len, pgoff, vma.file, vma.flags, vma.anonVma, vma.special);
    this.insertVma(copy);
    return copy;
  }

  /**
   * mm/mremap.c: move_page_tables, first half: the entries of [from, from+len) are
   * installed at `to` as well (the range there is free). Returns the moved source
   * addresses, or null when a page-table frame could not be had, after taking the
   * new entries out again (their emptied tables are freed: nothing changed).
   */
  private copyPtes(from: number, to: number, len: number): number[] | null {
    const moved: number[] = [];
    if (this.ptes.size === 0) return moved;
    const entries: number[] = [];
    this.ptes.forEach(from, from + len, (va, entry) => {
      entries.push(va, entry);
    });
    for (let i = 0; i < entries.length; i += 2) {
      if (!this.ptes.set(to + (entries[i] - from), entries[i + 1])) {
        for (const va of moved) this.ptes.delete(to + (va - from));
        return null;
      }
      moved.push(entries[i]);
    }
    return moved;
  }

  /** Second half of the move: the old entries go (the frames' references moved with them). */
  private finishMove(moved: readonly number[], from: number, to: number, len: number): void {
    for (const va of moved) this.ptes.delete(va);
    if (this.guardPages.size > 0) {
      const guards = [...this.guardPages].filter((va) => va >= from && va < from + len);
      for (const va of guards) this.guardPages.delete(va);
      for (const va of guards) this.guardPages.add(to + (va - from));
    }
  }

  // ------------------------------------------------------------------ madvise

  /** madvise(2) (mm/madvise.c). Holes are skipped and reported as ENOMEM at the end. */
  madvise(start: U64Arg, len: U64Arg, advice: number): 0 | ErrnoResult {
    start = checkArg('addr', start);
    len = checkArg('len', len);
    checkInt32('advice', advice);
    if (!MADVISE_VALID.has(advice)) return errnoResult('EINVAL');
    const s = clampHuge(start);
    if (pageOffset(s) !== 0) return errnoResult('EINVAL');
    const alignedLen = pageAlignU64(len);
    if (!isZero(len) && isZero(alignedLen)) return errnoResult('EINVAL');
    const endArg = addU64(start, alignedLen);
    if (gtU64(start, endArg)) return errnoResult('EINVAL');
    if (isZero(alignedLen)) return 0;
    const end = clampHuge(endArg);
    // A range far above TASK_SIZE (the [vsyscall] page, say) clamps to an empty one; no VMA
    // lies there, so madvise_populate's lookup fails with ENOMEM like every other walk
    // (trace mx-madv-shapes: MADV_POPULATE_* at 0xffffffffff600000).
    if (end <= s) return OOM;
    if (advice === MADV.POPULATE_READ || advice === MADV.POPULATE_WRITE) {
      return this.madvisePopulate(s, end, advice === MADV.POPULATE_WRITE);
    }
    // madvise_walk_vmas
    let unmapped = false;
    let cursor = s;
    let vma = this.vmas.findVma(cursor);
    for (;;) {
      if (vma === undefined) return OOM;
      if (cursor < vma.start) {
        unmapped = true;
        cursor = vma.start;
        if (cursor >= end) break;
      }
      const tmp = Math.min(vma.end, end);
      const result = this.madviseVma(vma, cursor, tmp, advice);
      if (typeof result !== 'number') return result;
      cursor = Math.max(tmp, result);
      if (cursor >= end) break;
      vma = this.vmas.findVma(cursor);
    }
    return unmapped ? OOM : 0;
  }

  /**
   * mm/khugepaged.c: madvise_collapse for one VMA's part [start, end). The VMA
   * must allow a PMD-sized THP (thp_vma_allowable_order with TVA_FORCED_COLLAPSE:
   * private anonymous memory here, since file THPs need READ_ONLY_THP_FOR_FS and
   * shmem follows shmem_enabled, "never" on the recording machines; not
   * VM_NOHUGEPAGE, VM_SPECIAL or hugetlb; holding a 2 MiB-aligned block), else
   * EINVAL. Then every aligned 2 MiB block of the range is collapsed: a block
   * with no page at all has no page table (SCAN_PMD_NULL) and fails with EINVAL,
   * and so does a range inside one block (hstart > hend); a range that starts
   * on a block boundary and ends in the same block collapses nothing and
   * succeeds. A block whose table exists but holds no page would fail with
   * ENOMEM (SCAN_EXCEED_NONE_PTE), and a huge page allocation can fail too:
   * neither is modelled (a block with a page is taken to collapse).
   */
  private madviseCollapse(vma: VmArea, start: number, end: number): number | ErrnoResult {
    if (
      vma.flags & (VM_SPECIAL | VM_NOHUGEPAGE) ||
      vma.special !== null ||
      !vma.isAnonymous ||
      vma.flags & VM_MAYSHARE
    ) {
      return errnoResult('EINVAL');
    }
    // thp_vma_suitable_order, asked for the last block the VMA could hold.
    if (Math.floor((vma.end - PMD_SIZE) / PMD_SIZE) * PMD_SIZE < vma.start)
      return errnoResult('EINVAL');
    const hstart = Math.ceil(start / PMD_SIZE) * PMD_SIZE;
    const hend = Math.floor(end / PMD_SIZE) * PMD_SIZE;
    if (hstart > hend) return errnoResult('EINVAL');
    // Which blocks have pages: the page table says, when the VMA has any page
    // in it; a replayed ptrace trace makes no faults, so there a VMA with an
    // anon_vma (an `anon` hint: it has anonymous pages) is taken to have them
    // in every block, and one without to have none.
    if (!this.hasPages(vma.start, vma.end)) {
      return vma.anonVma !== null || hstart === hend ? end : errnoResult('EINVAL');
    }
    for (let block = hstart; block < hend; block += PMD_SIZE) {
      if (!this.hasPages(block, block + PMD_SIZE)) return errnoResult('EINVAL');
    }
    return end;
  }

  /** Whether a page is mapped in [start, end). */
  private hasPages(start: number, end: number): boolean {
    let present = false;
    this.ptes.forEach(start, end, () => {
      present = true;
    });
    return present;
  }

  /** One VMA's part of a madvise; returns where the walk goes on, or an errno. */
  private madviseVma(
    vma: VmArea,
    start: number,
    end: number,
    advice: number,
  ): number | ErrnoResult {
    let flags = vma.flags;
    switch (advice) {
      case MADV.NORMAL:
        flags &= ~(VM_RAND_READ | VM_SEQ_READ);
        break;
      case MADV.SEQUENTIAL:
        flags = (flags & ~VM_RAND_READ) | VM_SEQ_READ;
        break;
      case MADV.RANDOM:
        flags = (flags & ~VM_SEQ_READ) | VM_RAND_READ;
        break;
      case MADV.DONTFORK:
        flags |= VM_DONTCOPY;
        break;
      case MADV.DOFORK:
        if (flags & VM_IO) return errnoResult('EINVAL');
        flags &= ~VM_DONTCOPY;
        break;
      case MADV.WIPEONFORK:
        if (vma.file !== null || flags & VM_SHARED) return errnoResult('EINVAL');
        flags |= VM_WIPEONFORK;
        break;
      case MADV.KEEPONFORK:
        if (flags & VM_DROPPABLE) return errnoResult('EINVAL');
        flags &= ~VM_WIPEONFORK;
        break;
      case MADV.DONTDUMP:
        flags |= VM_DONTDUMP;
        break;
      case MADV.DODUMP:
        if (flags & (VM_SPECIAL | VM_DROPPABLE) || vma.special !== null)
          return errnoResult('EINVAL');
        flags &= ~VM_DONTDUMP;
        break;
      case MADV.HUGEPAGE:
        flags = (flags & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
        break;
      case MADV.NOHUGEPAGE:
        flags = (flags & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
        break;
      case MADV.MERGEABLE:
        if (
          !(flags & (VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_MIXEDMAP))
        ) {
          flags |= VM_MERGEABLE;
        }
        break;
      case MADV.UNMERGEABLE:
        flags &= ~VM_MERGEABLE;
        break;
      case MADV.DONTNEED:
      case MADV.DONTNEED_LOCKED:
        if (vma.flags & VM_PFNMAP || (advice === MADV.DONTNEED && vma.flags & VM_LOCKED)) {
          return errnoResult('EINVAL');
        }
        if (vma.flags & VM_HUGETLB) {
          // madvise_dontneed_free_valid_vma: a hugetlb range must start on a
          // huge page boundary; its end is rounded down to one (a range inside
          // one huge page succeeds and drops nothing).
          const size = hugeSizeOf(vma);
          if (start % size !== 0) return errnoResult('EINVAL');
          this.zapPages(vma, start, Math.max(start, Math.floor(end / size) * size));
          return end;
        }
        this.zapPages(vma, start, end);
        return end;
      case MADV.FREE:
        // Without memory pressure freed pages keep their data; only the checks remain.
        if (vma.flags & (VM_PFNMAP | VM_LOCKED)) return errnoResult('EINVAL');
        if (!vma.isAnonymous) return errnoResult('EINVAL');
        return end;
      case MADV.REMOVE:
        if (vma.flags & VM_LOCKED) return errnoResult('EINVAL');
        if (vma.file === null) return errnoResult('EINVAL');
        if (!(vma.flags & VM_MAYWRITE && vma.flags & VM_MAYSHARE)) return errnoResult('EACCES');
        this.punchHole(vma, start, end);
        return end;
      case MADV.COLD:
      case MADV.PAGEOUT:
        // can_madv_lru_vma: hugetlb pages are not on the LRU lists.
        if (vma.flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB)) return errnoResult('EINVAL');
        return end;
      case MADV.GUARD_INSTALL:
        if (vma.flags & (VM_SPECIAL | VM_LOCKED) || vma.special !== null)
          return errnoResult('EINVAL');
        // mm/madvise.c: madvise_guard_install — guard markers are page-table entries, so an
        // anonymous VMA gets an anon_vma for the whole VMA (anon_vma_prepare), as a first
        // write would: it then merges and moves (mremap keeps its pgoff) like a touched one.
        // File and shared mappings get none (vma_is_anonymous is false). Its other mark,
        // VM_MAYBE_GUARD, is ignored by merges and only shows in smaps, so it is not kept.
        if (vma.isAnonymous) this.anonVmaPrepare(vma);
        this.zapPages(vma, start, end);
        for (let va = start; va < end; va += PAGE) this.guardPages.add(va);
        return end;
      case MADV.GUARD_REMOVE:
        if (vma.flags & VM_SPECIAL || vma.special !== null) return errnoResult('EINVAL');
        this.clearGuards(start, end);
        return end;
      case MADV.COLLAPSE:
        return this.madviseCollapse(vma, start, end);
      default:
        // WILLNEED and the rest: no effect on the address space here.
        return end;
    }
    if (flags === vma.flags) return end;
    const pages = (end - start) / PAGE;
    const splits = (start > vma.start ? 1 : 0) + (end < vma.end ? 1 : 0);
    if (splits > 0 && this.vmas.count >= this.layout.maxMapCount) return OOM;
    if (splits > 0) {
      const refused = this.refusedModifySplit(vma, start, end);
      if (refused !== null) return refused;
    }
    this.accountRemove(vma.flags, pages);
    const result = this.modifyFlags(vma, start, end, flags);
    this.statAccount(flags, pages);
    if (flags & VM_LOCKED) this.lockedVm += pages;
    return result.end;
  }

  /** MADV_POPULATE_READ/WRITE (mm/madvise.c: madvise_populate): a hole is ENOMEM, a mapping that forbids the access EINVAL, a fault (SIGBUS, a guard page) EFAULT. */
  private madvisePopulate(start: number, end: number, write: boolean): 0 | ErrnoResult {
    for (let va = start; va < end; ) {
      const vma = this.vmas.findContaining(va);
      if (vma === undefined) return OOM;
      // check_vma_flags under FOLL_MADV_POPULATE: a refused access is EINVAL (no FOLL_FORCE;
      // a write-only mapping cannot be populated for reading).
      if (vma.flags & (VM_IO | VM_PFNMAP)) return errnoResult('EINVAL');
      if (write ? !(vma.flags & VM_WRITE) : !(vma.flags & VM_READ)) return errnoResult('EINVAL');
      const stop = Math.min(end, vma.end);
      for (; va < stop; va += PAGE) {
        if (this.guardPages.size > 0 && this.guardPages.has(va)) return errnoResult('EFAULT');
        const fault = this.handleFault(va, write);
        if (fault === OOM_FAULT) return OOM;
        if (fault !== null) return errnoResult('EFAULT');
      }
    }
    return 0;
  }

  /** fallocate(PUNCH_HOLE) behind MADV_REMOVE: the file's pages read as zeros again. */
  private punchHole(vma: VmArea, start: number, end: number): void {
    const file = vma.file as MmFile;
    this.zapPages(vma, start, end);
    const first = vma.pgoff + (start - vma.start) / PAGE;
    const last = Math.min(vma.pgoff + (end - vma.start) / PAGE, Math.ceil(file.size / PAGE));
    const zero = new Uint8Array(PAGE);
    for (let pgoff = first; pgoff < last; pgoff++) file.writePage(pgoff, zero);
    // Every process mapping the file loses those cached pages, not only this one
    // (truncate_pagecache_range), or it would go on seeing the old bytes.
    if (first < last) this.pageCache.punchHole(file, first, last);
  }

  private clearGuards(start: number, end: number): void {
    if (this.guardPages.size === 0) return;
    if ((end - start) / PAGE < this.guardPages.size) {
      for (let va = start; va < end; va += PAGE) this.guardPages.delete(va);
    } else {
      for (const va of [...this.guardPages])
        if (va >= start && va < end) this.guardPages.delete(va);
    }
  }

  // ---------------------------------------------------------------------- brk

  /** brk(2): returns the new break, or the unchanged one on failure (Linux never fails brk). */
  sysBrk(requested: U64Arg): number {
    requested = checkArg('brk', requested);
    const brk = clampHuge(requested);
    const origBrk = this.brk;
    const minBrk = this.startBrk;
    if (brk < minBrk) return origBrk;
    if (brk - this.startBrk > this.rlimits.data) return origBrk;
    const newBrk = Math.ceil(brk / PAGE) * PAGE;
    const oldBrk = Math.ceil(this.brk / PAGE) * PAGE;
    if (oldBrk === newBrk) {
      this.brk = brk;
      return brk;
    }
    if (brk <= this.brk) {
      const brkVma = this.vmas.findIntersection(newBrk, oldBrk);
      if (brkVma === undefined || brkVma.start >= oldBrk) return origBrk;
      this.brk = brk;
      this.unmapRange(newBrk, oldBrk);
      return brk;
    }
    if (newBrk > this.layout.taskSize) return origBrk;
    const next = this.vmas.findIntersection(oldBrk, newBrk + PAGE + this.layout.stackGuardGap);
    if (next !== undefined && newBrk + PAGE > this.vmStartGap(next)) return origBrk;
    // vma_prev_limit(start_brk): the VMA just below oldbrk, if it reaches above start_brk.
    const prev = this.vmas.findPrev(oldBrk);
    const brkVma = prev !== undefined && prev.end > this.startBrk ? prev : undefined;
    if (!this.doBrkFlags(brkVma, oldBrk, newBrk - oldBrk, 0)) return origBrk;
    this.brk = brk;
    return brk;
  }

  /** mm/vma.c: do_brk_flags. */
  private doBrkFlags(vma: VmArea | undefined, addr: number, len: number, extra: number): boolean {
    const flags = extra | VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT;
    const pages = len / PAGE;
    if (!this.mayExpandVm(flags, pages)) return false;
    if (this.vmas.count > this.layout.maxMapCount) return false;
    if (!this.enoughMemory(pages)) return false;
    if (vma !== undefined && vma.end === addr) {
      const c: MergeCandidate = {
        flags,
        file: null,
        anonVma: null,
        pgoff: addr / PAGE,
        start: addr,
        end: addr + len,
      };
      if (this.canMergeAfter(vma, c)) {
        this.vmas.setBounds(vma, vma.start, addr + len);
        this.statAccount(flags, pages);
        return true;
      }
    }
    this.insertVma(new VmArea(addr, addr + len, addr / PAGE, null, flags));
    return true;
  }

  // ------------------------------------------------------------ page-level memory

  /** Release the pages of [start, end) that `vma` mapped. */
  private zapPages(_vma: VmArea | undefined, start: number, end: number): void {
    if (this.ptes.size === 0) return;
    const doomed: number[] = [];
    this.ptes.forEach(start, end, (va) => {
      doomed.push(va);
    });
    for (const va of doomed) this.dropPte(va);
  }

  private dropPte(va: number): void {
    const entry = this.ptes.delete(va);
    if (entry < 0) return;
    const pfn = ptePfn(entry);
    if (pfn === this.pageCache.zeroPagePfn) return;
    // Anonymous pages hold a reference per mapper; page-cache pages hold one too.
    this.frames.release(pfn);
  }

  /** mm/mprotect.c: change_protection — take write access away where the VMA lost it. */
  private changeProtection(start: number, end: number, newFlags: number): void {
    if (newFlags & VM_WRITE || this.ptes.size === 0) return;
    const updates: number[] = [];
    this.ptes.forEach(start, end, (va, entry) => {
      if (pteBits(entry) & PTE_BITS.WRITE) updates.push(va, entry - PTE_BITS.WRITE);
    });
    for (let i = 0; i < updates.length; i += 2) this.ptes.set(updates[i], updates[i + 1]);
  }

  /** mm/gup.c: populate_vma_page_range over [start, end) (MAP_POPULATE, MAP_LOCKED). */
  private populate(start: number, end: number): void {
    for (const vma of this.vmas.overlapping(start, end)) {
      if (!(vma.flags & VM_ACCESS_FLAGS) || vma.flags & (VM_IO | VM_PFNMAP)) continue;
      const write = (vma.flags & (VM_WRITE | VM_SHARED)) === VM_WRITE;
      const s = Math.max(start, vma.start);
      const e = Math.min(end, vma.end);
      for (let va = s; va < e; va += PAGE) {
        if (this.handleFault(va, write) !== null) break;
      }
    }
  }

  /** mm/rmap.c: __anon_vma_prepare with find_mergeable_anon_vma's reuse of a neighbour's. */
  private anonVmaPrepare(vma: VmArea): void {
    if (vma.anonVma !== null) return;
    // reusable_anon_vma: only an anon_vma not inherited through fork (a singular chain).
    const next = this.vmas.next(vma);
    if (
      next !== undefined &&
      next.anonVma !== null &&
      next.anonVma.parent === null &&
      anonVmaCompatible(vma, next)
    ) {
      vma.anonVma = next.anonVma;
      return;
    }
    const prev = this.vmas.prev(vma);
    if (
      prev !== undefined &&
      prev.anonVma !== null &&
      prev.anonVma.parent === null &&
      anonVmaCompatible(prev, vma)
    ) {
      vma.anonVma = prev.anonVma;
      return;
    }
    vma.anonVma = new AnonVma();
  }

  /**
   * The page fault handler (arch/x86/mm/fault.c: do_user_addr_fault, then
   * mm/memory.c: handle_mm_fault). Returns null when the page is now mapped with
   * the access allowed, or the fault to deliver.
   */
  handleFault(va: number, write: boolean, force = false): Fault | null {
    const page = va - pageOffset(va);
    const vma = this.vmas.findVma(va);
    if (vma === undefined) return FAULTS.SEGV_MAPERR;
    // lock_mm_and_find_vma: below a grows-down VMA, try to extend it first.
    if (vma.start > va && !this.expandDownwards(vma, page)) return FAULTS.SEGV_MAPERR;
    if (force) {
      // mm/gup.c: check_vma_flags with FOLL_FORCE — the VM_MAY* bits decide, and a
      // forced write to a read-only mapping is only possible as copy-on-write.
      if (
        write
          ? !(vma.flags & VM_MAYWRITE) || (!(vma.flags & VM_WRITE) && vma.flags & VM_MAYSHARE)
          : !(vma.flags & VM_MAYREAD)
      ) {
        return FAULTS.SEGV_ACCERR;
      }
    } else if (write ? !(vma.flags & VM_WRITE) : !(vma.flags & VM_ACCESS_FLAGS)) {
      return FAULTS.SEGV_ACCERR;
    }
    if (this.guardPages.size > 0 && this.guardPages.has(page)) return FAULTS.SEGV_MAPERR;
    // mm/hugetlb.c: hugetlb_no_page — every hugetlb fault needs a huge page
    // (reads too: there is no huge zero page), and alloc_hugetlb_folio finds
    // the pool empty (nr_hugepages = 0): -ENOSPC, VM_FAULT_SIGBUS.
    if (vma.flags & VM_HUGETLB) return FAULTS.BUS_ADRERR;
    const entry = this.ptes.get(page);
    if (entry >= 0) {
      if (!write || pteBits(entry) & PTE_BITS.WRITE) return null;
      if (force && !(vma.flags & VM_WRITE)) {
        // A forced write keeps the PTE read-only: it only needs a private page.
        const bits = pteBits(entry);
        if (bits & PTE_BITS.ANON && this.frames.refCount(ptePfn(entry)) === 1) return null;
        return this.cowPage(vma, page, entry, 0);
      }
      return this.wpFault(vma, page, entry);
    }
    // A private mapping of /dev/zero is anonymous memory (mmap_zero: vma_set_anonymous).
    if (vma.file === null || fileArea(vma.file) === FILE_AREA.ZERO) {
      if (!write) {
        const zero = this.pageCache.zeroPage();
        if (zero < 0) return OOM_FAULT;
        return this.ptes.set(page, pteEntry(zero, 0)) ? null : OOM_FAULT;
      }
      this.anonVmaPrepare(vma);
      const pfn = this.frames.allocate();
      if (typeof pfn !== 'number') return OOM_FAULT;
      this.memory.frameBytes(pfn).fill(0);
      const w = vma.flags & VM_WRITE ? PTE_BITS.WRITE : 0;
      if (!this.ptes.set(page, pteEntry(pfn, w | PTE_BITS.ANON | PTE_BITS.DIRTY))) {
        this.frames.release(pfn);
        return OOM_FAULT;
      }
      return null;
    }
    const cow = write && !(vma.flags & VM_SHARED);
    // mm/memory.c: do_cow_fault prepares the anon_vma (vmf_anon_prepare) before
    // it reads the file page, so a private write past the end of the file gets
    // SIGBUS yet leaves the VMA an anon_vma (it then merges like a touched VMA).
    if (cow) this.anonVmaPrepare(vma);
    const pgoff = vma.pgoff + (page - vma.start) / PAGE;
    if (pgoff * PAGE >= vma.file.size) return FAULTS.BUS_ADRERR;
    const cached = this.pageCache.get(vma.file, pgoff);
    if (cached < 0) return OOM_FAULT;
    if (cow) {
      // do_cow_fault: a private copy of the file page.
      const pfn = this.frames.allocate();
      if (typeof pfn !== 'number') return OOM_FAULT;
      this.memory.frameBytes(pfn).set(this.memory.frameBytes(cached));
      const w = vma.flags & VM_WRITE ? PTE_BITS.WRITE : 0;
      if (!this.ptes.set(page, pteEntry(pfn, w | PTE_BITS.ANON | PTE_BITS.DIRTY))) {
        this.frames.release(pfn);
        return OOM_FAULT;
      }
      return null;
    }
    const writable = write && vma.flags & VM_SHARED ? PTE_BITS.WRITE | PTE_BITS.DIRTY : 0;
    // The mapping's reference is taken once its PTE is in (a table frame may be missing).
    if (!this.ptes.set(page, pteEntry(cached, writable))) return OOM_FAULT;
    this.frames.retain(cached);
    return null;
  }

  /** mm/vma.c: expand_downwards — grow a grows-down VMA to `address` on a fault below it. */
  private expandDownwards(vma: VmArea, address: number): boolean {
    if (!(vma.flags & VM_GROWSDOWN)) return false;
    if (address < this.minAddr) return false;
    const prev = this.vmas.prev(vma);
    // The guard gap: an accessible mapping that does not grow down may not come within stack_guard_gap.
    if (
      prev !== undefined &&
      !(prev.flags & VM_GROWSDOWN) &&
      prev.flags & VM_ACCESS_FLAGS &&
      address - prev.end < this.layout.stackGuardGap
    ) {
      return false;
    }
    if (prev !== undefined && prev.end > address) return false;
    // The anon_vma comes before any check of the growth itself, so a fault that
    // passes the guard gap but then fails (too far below: past RLIMIT_STACK or
    // vm_pgoff) still leaves the VMA with an anon_vma: it keeps its pgoff when
    // moved and merges like a touched VMA.
    this.anonVmaPrepare(vma);
    const size = vma.end - address;
    const grow = (vma.start - address) / PAGE;
    if (grow > vma.pgoff) return false;
    // acct_stack_growth
    if (!this.mayExpandVm(vma.flags, grow)) return false;
    if (size > this.rlimits.stack) return false;
    if (!this.mlockFutureOk(vma.flags, grow)) return false;
    this.vmas.setBounds(vma, address, vma.end);
    vma.pgoff -= grow;
    this.statAccount(vma.flags, grow);
    if (vma.flags & VM_LOCKED) this.lockedVm += grow;
    return true;
  }

  /** mm/memory.c: do_wp_page — reuse an exclusive anonymous page, else copy. */
  private wpFault(vma: VmArea, page: number, entry: number): Fault | null {
    const pfn = ptePfn(entry);
    const bits = pteBits(entry);
    if (vma.flags & VM_SHARED) {
      this.ptes.set(page, pteEntry(pfn, bits | PTE_BITS.WRITE | PTE_BITS.DIRTY));
      return null;
    }
    if (bits & PTE_BITS.ANON && this.frames.refCount(pfn) === 1) {
      this.ptes.set(page, pteEntry(pfn, bits | PTE_BITS.WRITE | PTE_BITS.DIRTY));
      return null;
    }
    return this.cowPage(vma, page, entry, PTE_BITS.WRITE);
  }

  /** Replace the page at `page` by a private anonymous copy (wp_page_copy). */
  private cowPage(vma: VmArea, page: number, entry: number, writeBit: number): Fault | null {
    const pfn = ptePfn(entry);
    this.anonVmaPrepare(vma);
    const copy = this.frames.allocate();
    if (typeof copy !== 'number') return OOM_FAULT;
    this.memory.frameBytes(copy).set(this.memory.frameBytes(pfn));
    if (!this.ptes.set(page, pteEntry(copy, writeBit | PTE_BITS.ANON | PTE_BITS.DIRTY))) {
      this.frames.release(copy);
      return OOM_FAULT;
    }
    if (pfn !== this.pageCache.zeroPagePfn) this.frames.release(pfn);
    return null;
  }

  /** The fault an access at a user address would take before any page lookup. */
  private static addressFault(va: number): Fault | null {
    // Past the lower canonical half: non-canonical (#GP, SI_KERNEL) unless in the kernel half.
    if (va >= 2 ** 47) return va >= 2 ** 64 - 2 ** 47 ? FAULTS.SEGV_MAPERR : FAULTS.SI_KERNEL;
    return null;
  }

  /**
   * Read `size` (1..8) bytes at `va` as a little-endian bigint, faulting pages in as
   * the CPU and kernel would. Returns the value or the fault.
   */
  read(va: U64Arg, size = 8): bigint | Fault {
    const bytes = new Uint8Array(size);
    const fault = this.access(va, bytes, false);
    if (fault !== null) return fault;
    let value = 0n;
    for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
    return value;
  }

  /** Write the little-endian `value` (size bytes) at `va`. Returns null or the fault. */
  write(va: U64Arg, value: bigint, size = 8): Fault | null {
    const bytes = new Uint8Array(size);
    let v = value;
    for (let i = 0; i < size; i++) {
      bytes[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    return this.access(va, bytes, true);
  }

  /** Copy between `buf` and user memory at `va`, page by page, faulting as needed. */
  access(va: U64Arg, buf: Uint8Array, write: boolean): Fault | null {
    va = checkArg('va', va);
    this.copied = 0;
    if (typeof va === 'bigint') return MmStruct.addressFault(Number(va));
    const early = MmStruct.addressFault(va);
    if (early !== null) return early;
    return this.accessPages(va, buf, write, false);
  }

  /** Bytes the last access moved before it stopped (partial copies). */
  private copied = 0;

  private accessPages(va: number, buf: Uint8Array, write: boolean, force: boolean): Fault | null {
    let done = 0;
    while (done < buf.length) {
      const at = va + done;
      const page = at - pageOffset(at);
      if (page >= 2 ** 47) return MmStruct.addressFault(page);
      let entry = this.ptes.get(page);
      const vma = this.vmas.findVma(at);
      // Permission checks happen against the VMA first, as the hardware PTE mirrors it.
      if (
        force ||
        entry < 0 ||
        (write && !(pteBits(entry) & PTE_BITS.WRITE)) ||
        vma === undefined ||
        vma.start > at ||
        !(vma.flags & VM_ACCESS_FLAGS)
      ) {
        const fault = this.handleFault(at, write, force);
        if (fault !== null) return fault;
        entry = this.ptes.get(page);
      }
      const n = Math.min(buf.length - done, PAGE - (at - page));
      let pfn = ptePfn(entry);
      if (!force && this.ptes.translate !== undefined) {
        // Through the page table as the CPU walks it (A/D bits set on the way).
        let pa = this.ptes.translate(at, write);
        if (pa < 0) {
          const fault = this.handleFault(at, write);
          if (fault !== null) return fault;
          pa = this.ptes.translate(at, write);
          if (pa < 0) return FAULTS.SEGV_ACCERR;
        }
        pfn = Math.floor(pa / PAGE);
      }
      const frame = this.memory.frameBytes(pfn);
      const offset = at - page;
      if (write) {
        frame.set(buf.subarray(done, done + n), offset);
        const v = this.vmas.findVma(at)!;
        if (v.flags & VM_SHARED && v.file !== null) {
          this.pageCache.writeBack(v.file, v.pgoff + (page - v.start) / PAGE);
        }
      } else {
        buf.set(frame.subarray(offset, offset + n), done);
      }
      done += n;
      this.copied = done;
    }
    return null;
  }

  // ------------------------------------------------------ user-memory helpers

  /**
   * A kernel's user copy (arch/x86 copy_user): the range must lie below TASK_SIZE
   * (access_ok), pages fault in as for the program itself, and the copy stops at
   * the first byte that cannot be reached. Returns the bytes NOT copied (0 when
   * everything was), like copy_from_user. `force` ignores the mapping's current
   * protection the way ptrace does (FOLL_FORCE: the VM_MAY* bits decide, writes to
   * read-only private mappings get a private copy).
   */
  private userCopy(
    va: U64Arg,
    buf: Uint8Array,
    write: boolean,
    options: UserCopyOptions | undefined,
  ): number {
    va = checkArg('va', va);
    const force = options?.force === true;
    if (
      typeof va === 'bigint' ||
      va > this.layout.taskSize ||
      buf.length > this.layout.taskSize - va
    )
      return buf.length;
    if (buf.length === 0) return 0;
    this.copied = 0;
    this.accessPages(va, buf, write, force);
    return buf.length - this.copied;
  }

  /** copy_from_user into `dest`; returns the bytes not copied. */
  copyFromUser(va: U64Arg, dest: Uint8Array, options?: UserCopyOptions): number {
    return this.userCopy(va, dest, false, options);
  }

  /** copy_to_user from `src`; returns the bytes not copied (the ones before a fault are written). */
  copyToUser(va: U64Arg, src: Uint8Array, options?: UserCopyOptions): number {
    return this.userCopy(va, src, true, options);
  }

  /** clear_user: zero `length` bytes; returns the bytes not cleared. */
  clearUser(va: U64Arg, length: number, options?: UserCopyOptions): number {
    if (!Number.isSafeInteger(length) || length < 0)
      throw new RangeError(`length must be a non-negative integer, got ${length}`);
    const start = checkArg('va', va);
    // userCopy's rule, before any buffer: a range past the user space clears nothing.
    if (typeof start === 'bigint' || start > this.layout.taskSize) return length;
    if (length > this.layout.taskSize - start) return length;
    // Through one small zero buffer, chunk by chunk up to the first fault: a buffer
    // of `length` bytes could be far too large to allocate.
    const zeros = new Uint8Array(Math.min(length, CLEAR_CHUNK));
    let cleared = 0;
    while (cleared < length) {
      const n = Math.min(CLEAR_CHUNK, length - cleared);
      const left = this.userCopy(start + cleared, zeros.subarray(0, n), true, options);
      cleared += n - left;
      if (left !== 0) break;
    }
    return length - cleared;
  }

  /** `length` bytes of user memory, or EFAULT when any of them cannot be read. */
  readUser(va: U64Arg, length: number, options?: UserCopyOptions): Uint8Array | ErrnoResult {
    if (!Number.isSafeInteger(length) || length < 0)
      throw new RangeError(`length must be a non-negative integer, got ${length}`);
    const start = checkArg('va', va);
    // userCopy's rule, before allocating the result: a range past the user space is EFAULT.
    if (typeof start === 'bigint' || start > this.layout.taskSize) return errnoResult('EFAULT');
    if (length > this.layout.taskSize - start) return errnoResult('EFAULT');
    if (length > MAX_READ_USER) {
      throw new RangeError(`length ${length} is more than one Uint8Array can hold (2^32 - 1)`);
    }
    const out = new Uint8Array(length);
    return this.userCopy(start, out, false, options) === 0 ? out : errnoResult('EFAULT');
  }

  /** Write `bytes` to user memory: 0, or EFAULT when some could not be written (those before the fault are). */
  writeUser(va: U64Arg, bytes: Uint8Array, options?: UserCopyOptions): 0 | ErrnoResult {
    return this.userCopy(va, bytes, true, options) === 0 ? 0 : errnoResult('EFAULT');
  }

  // ---------------------------------------------------------------------- fork

  /**
   * fork's half of the address space (kernel/fork.c: dup_mmap): a copy that shares
   * every private page copy-on-write (both sides write-protected, one reference per
   * mapper), shared pages as they are, skips MADV_DONTFORK VMAs, gives
   * MADV_WIPEONFORK VMAs no pages, drops mlock, and gives each VMA that had
   * anonymous memory a new anon_vma (a child of the parent's). ENOMEM, with nothing
   * left behind in the child, when frames run out.
   */
  fork(): MmStruct | ErrnoResult {
    const ptes = this.ptes.spawn();
    if (ptes === null) return OOM;
    const child = new MmStruct({
      layout: { ...this.layout, brk: this.brk },
      rlimits: { ...this.rlimits },
      frames: this.frames,
      memory: this.memory,
      pageCache: this.pageCache,
      pteStore: ptes,
    });
    const zero = this.pageCache.zeroPagePfn;
    const pending: number[] = [];
    const writeProtected: number[] = [];
    for (const vma of this.vmas) {
      if (vma.flags & VM_DONTCOPY) continue;
      const wipe = (vma.flags & VM_WIPEONFORK) !== 0;
      const anon = vma.anonVma !== null && !wipe ? new AnonVma(vma.anonVma) : null;
      const copy = new VmArea(
        vma.start,
        vma.end,
        vma.pgoff,
        vma.file,
        vma.flags & ~(VM_LOCKED | VM_LOCKONFAULT),
        anon,
        vma.special,
      );
      child.insertVma(copy);
      if (wipe) continue;
      if (this.guardPages.size > 0) {
        for (const g of this.guardPages) if (g >= vma.start && g < vma.end) child.guardPages.add(g);
      }
      // vma_needs_copy: only VMAs with anonymous memory carry their PTEs over;
      // file pages are found again in the page cache.
      if (vma.anonVma === null) continue;
      const cow = !(vma.flags & VM_SHARED);
      pending.length = 0;
      this.ptes.forEach(vma.start, vma.end, (va, entry) => {
        pending.push(va, entry);
      });
      for (let i = 0; i < pending.length; i += 2) {
        const va = pending[i];
        let entry = pending[i + 1];
        const pfn = ptePfn(entry);
        if (cow && pteBits(entry) & PTE_BITS.WRITE) {
          writeProtected.push(va, entry);
          entry -= PTE_BITS.WRITE;
          this.ptes.set(va, entry);
        }
        if (!child.ptes.set(va, entry)) {
          // Out of page-table frames: undo, so the parent is exactly as before.
          child.destroy();
          for (let j = 0; j < writeProtected.length; j += 2)
            this.ptes.set(writeProtected[j], writeProtected[j + 1]);
          return OOM;
        }
        if (pfn !== zero) this.frames.retain(pfn);
      }
    }
    return child;
  }

  /**
   * The file shrank or grew (ftruncate): drop cached pages past the end and unmap
   * them from every mapping of the file in this address space, private copies
   * included (mm/truncate.c: truncate_pagecache, even_cows).
   */
  truncateFile(file: MemoryFile, size: U64Arg): 0 | ErrnoResult {
    size = checkArg('size', size);
    // fs/open.c: do_truncate — a negative loff_t is EINVAL, past s_maxbytes EFBIG
    // (ext4 with 4 KiB blocks: 16 TiB).
    if (typeof size === 'bigint') return errnoResult(size >= 1n << 63n ? 'EINVAL' : 'EFBIG');
    if (size > MAX_FILE_SIZE) return errnoResult('EFBIG');
    this.pageCache.truncateFile(file, size);
    return 0;
  }

  /**
   * Unmap this address space's pages of `file` in pages [pgoff, endPgoff): for a
   * truncation every page, private copies included (even_cows); for a punched hole
   * (`evenCows` false) only the page-cache pages.
   */
  zapFileFrom(
    file: MmFile,
    pgoff: number,
    endPgoff: number = Number.POSITIVE_INFINITY,
    evenCows: boolean = true,
  ): void {
    for (const vma of this.vmas) {
      if (vma.file !== file) continue;
      const first = Math.max(vma.start, vma.start + (pgoff - vma.pgoff) * PAGE);
      const last = Math.min(vma.end, vma.start + (endPgoff - vma.pgoff) * PAGE);
      if (first >= last) continue;
      if (evenCows) {
        this.zapPages(vma, first, last);
        continue;
      }
      const doomed: number[] = [];
      this.ptes.forEach(first, last, (va, entry) => {
        if (!(pteBits(entry) & PTE_BITS.ANON)) doomed.push(va);
      });
      for (const va of doomed) this.dropPte(va);
    }
  }

  /**
   * Check the address space's invariants and throw an Error naming the first
   * broken one: the VMA tree's own (order, no overlap, balance, gaps), page-aligned
   * VMAs inside the user window, every present page inside a VMA, write access only where the VMA allows it (or a
   * forced private copy), anonymous pages only in VMAs with an anon_vma, and the
   * accounting counters equal to what the VMAs add up to. O(n + pages); for tests.
   * (Mergeable neighbours are not an error: Linux itself leaves some apart, e.g. a
   * brk VMA next to the bss, since brk never extends a VMA below start_brk.)
   */
  checkInvariants(): void {
    this.vmas.checkInvariants();
    let total = 0;
    let locked = 0;
    for (const vma of this.vmas) {
      const where = `VMA ${vma.start.toString(16)}-${vma.end.toString(16)}`;
      if (pageOffset(vma.start) !== 0 || pageOffset(vma.end) !== 0 || vma.end <= vma.start) {
        throw new Error(`${where} is empty or not page aligned`);
      }
      if (vma.end > this.layout.taskSize) throw new Error(`${where} reaches past TASK_SIZE`);
      if (!Number.isInteger(vma.pgoff) || vma.pgoff < 0)
        throw new Error(`${where} has pgoff ${vma.pgoff}`);
      total += vma.pages;
      if (vma.flags & VM_LOCKED) locked += vma.pages;
    }
    if (total !== this.totalVm)
      throw new Error(`total_vm is ${this.totalVm} but the VMAs hold ${total} pages`);
    if (locked !== this.lockedVm)
      throw new Error(`locked_vm is ${this.lockedVm} but locked VMAs hold ${locked} pages`);
    let problem: string | null = null;
    const zero = this.pageCache.zeroPagePfn;
    this.ptes.forEach(0, 2 ** 47, (va, entry) => {
      if (problem !== null) return;
      const vma = this.vmas.findContaining(va);
      const bits = pteBits(entry);
      if (vma === undefined) problem = `page ${va.toString(16)} is mapped outside every VMA`;
      else if (bits & PTE_BITS.WRITE && !(vma.flags & VM_WRITE))
        problem = `page ${va.toString(16)} is writable in a VMA that is not`;
      else if (bits & PTE_BITS.ANON && vma.anonVma === null)
        problem = `anonymous page ${va.toString(16)} in a VMA without anon_vma`;
      else if (ptePfn(entry) === zero && bits & PTE_BITS.WRITE)
        problem = `the zero page is mapped writable at ${va.toString(16)}`;
      else if (this.frames.refCount(ptePfn(entry)) < 1 && ptePfn(entry) !== zero)
        problem = `page ${va.toString(16)} maps a free frame`;
    });
    if (problem !== null) throw new Error(problem);
  }

  /** Tear the address space down: every page and VMA released. */
  destroy(): void {
    const files = new Set<MmFile>();
    for (const vma of this.vmas.toArray()) {
      this.zapPages(vma, vma.start, vma.end);
      this.vmas.remove(vma);
      if (vma.file !== null) files.add(vma.file);
    }
    for (const file of files) this.pageCache.unmapped(file);
    this.ptes.destroy();
    this.guardPages.clear();
    this.pageCache.detach(this);
    this.totalVm = this.lockedVm = this.dataVm = this.stackVm = this.execVm = 0;
  }
}

/** mm/rmap.c: anon_vma_compatible — adjacent, same file, flags equal but for r/w/x, pgoff contiguous. */
function anonVmaCompatible(a: VmArea, b: VmArea): boolean {
  return (
    a.end === b.start &&
    a.file === b.file &&
    ((a.flags ^ b.flags) & ~(VM_ACCESS_FLAGS | VM_SOFTDIRTY)) === 0 &&
    b.pgoff === a.pgoff + (b.start - a.start) / PAGE
  );
}

/** mm/mmap.c: calc_vm_flag_bits, the VM_* flags of MAP_GROWSDOWN, MAP_LOCKED, MAP_SYNC and MAP_STACK. */
function calcVmFlagBits(flags: number): number {
  return (
    (flags & MAP_GROWSDOWN ? VM_GROWSDOWN : 0) |
    (flags & MAP_LOCKED ? VM_LOCKED : 0) |
    (flags & MAP_SYNC ? VM_SYNC : 0) |
    (flags & MAP_STACK ? VM_NOHUGEPAGE : 0)
  );
}

/** mm/vma.c: __mmap_region's accountable_mapping: a private writable mapping is charged (VM_ACCOUNT). */
function mmapAccountFlags(vmFlags: number): number {
  return (vmFlags & ACCOUNTABLE_MASK) === VM_WRITE ? vmFlags | VM_ACCOUNT : vmFlags;
}

/** include/linux/mm.h: is_data_mapping — private writable, not stack. */
function isDataMapping(flags: number): boolean {
  return (flags & DATA_MASK) === VM_WRITE;
}

/**
 * mm/mremap.c: align_hugetlb, given the lengths already rounded up to the
 * huge page size: both addresses must be huge-page aligned (new_addr as
 * passed, even without MREMAP_FIXED), and a hugetlb mapping may not grow
 * (its reservation cannot be split). False for EINVAL.
 */
function alignHugetlb(
  size: number,
  addr: number,
  oldLen: number,
  newLen: number,
  newAddr: number,
): boolean {
  return addr % size === 0 && newAddr % size === 0 && newLen <= oldLen;
}

/** hstate_vma: the huge page size of a hugetlb VMA. */
function hugeSizeOf(vma: VmArea): number {
  return (vma.file !== null && fileHugePageSize(vma.file)) || PMD_SIZE;
}

/**
 * mm/hugetlb.c: size_to_hstate — the huge page sizes x86_64 registers (2 MiB,
 * and 1 GiB with gbpages); 0 selects the default 2 MiB. 0 when there is none.
 */
function hugePageSize(sizeLog: number): number {
  if (sizeLog === 0) return 2 * 1024 * 1024;
  return sizeLog === 21 || sizeLog === 30 ? 2 ** sizeLog : 0;
}

/**
 * The offset of `addr` in its 4 KiB page. `& 0xfff` is exact for every
 * non-negative safe integer (ToInt32 keeps the low 32 bits) and, unlike `%`
 * on values past 2^31, costs about a nanosecond in V8.
 */
function pageOffset(addr: number): number {
  return addr & 0xfff;
}

function mod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r;
}

function checkInt32(name: string, value: number): void {
  // Every mmap and mprotect passes here twice or once: an int32 passes with one test.
  if (typeof value === 'number' && (value | 0) === value) return;
  if (typeof value !== 'number')
    throw new TypeError(`${name} must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 32) {
    throw new RangeError(`${name} must be a 32-bit integer, got ${value}`);
  }
}
