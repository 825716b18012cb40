// The raw x86_64 Linux values of the syscall-shaped API (include/uapi/asm-generic/
// mman-common.h, mman.h and arch/x86/include/uapi/asm/mman.h), so callers and
// traces can pass the numbers a real program passes.

export const PROT = {
  NONE: 0x0,
  READ: 0x1,
  WRITE: 0x2,
  EXEC: 0x4,
  /** Accepted and ignored by mprotect (arch_validate_prot allows it). */
  SEM: 0x8,
  GROWSDOWN: 0x0100_0000,
  GROWSUP: 0x0200_0000,
} as const;

export const MAP = {
  SHARED: 0x01,
  PRIVATE: 0x02,
  SHARED_VALIDATE: 0x03,
  /** Private anonymous memory the kernel may drop under pressure (vgetrandom state). */
  DROPPABLE: 0x08,
  /** MAP_TYPE: the bits that select shared/private. */
  TYPE: 0x0f,
  FIXED: 0x10,
  ANONYMOUS: 0x20,
  /** x86_64: place the mapping in the first 2 GiB (bottom-up in [1 GiB, 2 GiB)). */
  '32BIT': 0x40,
  GROWSDOWN: 0x0100,
  DENYWRITE: 0x0800,
  EXECUTABLE: 0x1000,
  LOCKED: 0x2000,
  NORESERVE: 0x4000,
  POPULATE: 0x8000,
  NONBLOCK: 0x1_0000,
  STACK: 0x2_0000,
  HUGETLB: 0x4_0000,
  SYNC: 0x8_0000,
  FIXED_NOREPLACE: 0x10_0000,
  UNINITIALIZED: 0x400_0000,
} as const;

/** include/uapi/asm-generic/hugetlb_encode.h: log2 of the huge page size in mmap flags bits 26..31. */
export const MAP_HUGE_SHIFT = 26;
export const MAP_HUGE_MASK = 0x3f;

/** The flags that MAP_SHARED (legacy) silently accepts; LEGACY_MAP_MASK in mm/mmap.c. */
export const LEGACY_MAP_MASK: number =
  0x01 |
  0x02 |
  0x10 |
  0x20 |
  0x0100 |
  0x0800 |
  0x1000 |
  0x2000 |
  0x4000 |
  0x8000 |
  0x1_0000 |
  0x2_0000 |
  0x4_0000 |
  0x40 |
  // MAP_ABOVE4G (x86: keep a top-down search above 4 GiB).
  0x80 |
  // MAP_HUGE_2MB | MAP_HUGE_1GB: the mask ORs the two size codes (21 and 30 <<
  // MAP_HUGE_SHIFT), so MAP_SHARED_VALIDATE lets bits 26..30 through, bit 31 not.
  (((21 | 30) << MAP_HUGE_SHIFT) >>> 0);

export const MREMAP = {
  MAYMOVE: 1,
  FIXED: 2,
  DONTUNMAP: 4,
} as const;

export const MADV = {
  NORMAL: 0,
  RANDOM: 1,
  SEQUENTIAL: 2,
  WILLNEED: 3,
  DONTNEED: 4,
  FREE: 8,
  REMOVE: 9,
  DONTFORK: 10,
  DOFORK: 11,
  MERGEABLE: 12,
  UNMERGEABLE: 13,
  HUGEPAGE: 14,
  NOHUGEPAGE: 15,
  DONTDUMP: 16,
  DODUMP: 17,
  WIPEONFORK: 18,
  KEEPONFORK: 19,
  COLD: 20,
  PAGEOUT: 21,
  POPULATE_READ: 22,
  POPULATE_WRITE: 23,
  DONTNEED_LOCKED: 24,
  COLLAPSE: 25,
  HWPOISON: 100,
  SOFT_OFFLINE: 101,
  GUARD_INSTALL: 102,
  GUARD_REMOVE: 103,
} as const;

/** The errno names the address-space calls can answer with. */
export type Errno =
  | 'EPERM'
  | 'ENOENT'
  | 'EINTR'
  | 'EIO'
  | 'EBADF'
  | 'EAGAIN'
  | 'ENOMEM'
  | 'EACCES'
  | 'EFAULT'
  | 'EBUSY'
  | 'EEXIST'
  | 'ENODEV'
  | 'EINVAL'
  | 'ETXTBSY'
  | 'EFBIG'
  | 'EOVERFLOW'
  | 'EOPNOTSUPP';

/** A failed syscall-shaped call. */
export interface ErrnoResult {
  readonly errno: Errno;
}

const errnoResults = new Map<Errno, ErrnoResult>();

/** The shared frozen result object for `errno` (so failing calls allocate nothing). */
export function errnoResult(errno: Errno): ErrnoResult {
  let result = errnoResults.get(errno);
  if (result === undefined) {
    result = Object.freeze({ errno });
    errnoResults.set(errno, result);
  }
  return result;
}

/** True when a syscall-shaped call's result is an error. */
export function isErrno(value: unknown): value is ErrnoResult {
  return typeof value === 'object' && value !== null && 'errno' in value;
}
