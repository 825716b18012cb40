// VM_* flags with the meanings of include/linux/mm.h. The bit positions are this
// package's own (kept below 2^31 so flag words stay small integers); only the
// meanings are Linux's. Flags that /proc/PID/maps does not print still decide
// merges, exactly as they do in the kernel.

export const VM = {
  READ: 0x1,
  WRITE: 0x2,
  EXEC: 0x4,
  SHARED: 0x8,
  MAYREAD: 0x10,
  MAYWRITE: 0x20,
  MAYEXEC: 0x40,
  MAYSHARE: 0x80,
  GROWSDOWN: 0x100,
  /** PFN/mixed/IO mappings; with DONTEXPAND these form VM_SPECIAL (never merged). */
  PFNMAP: 0x200,
  LOCKED: 0x400,
  IO: 0x800,
  SEQ_READ: 0x1000,
  RAND_READ: 0x2000,
  /** MADV_DONTFORK. */
  DONTCOPY: 0x4000,
  DONTEXPAND: 0x8000,
  LOCKONFAULT: 0x10000,
  /** Charged against overcommit (private writable, not MAP_NORESERVE). */
  ACCOUNT: 0x20000,
  NORESERVE: 0x40000,
  SYNC: 0x80000,
  WIPEONFORK: 0x100000,
  DONTDUMP: 0x200000,
  /** Ignored by merges (VM_IGNORE_MERGE). */
  SOFTDIRTY: 0x400000,
  MIXEDMAP: 0x800000,
  HUGEPAGE: 0x1000000,
  NOHUGEPAGE: 0x2000000,
  MERGEABLE: 0x4000000,
  /** MAP_DROPPABLE: pages may be dropped instead of swapped; never mlocked. */
  DROPPABLE: 0x8000000,
  /**
   * A hugetlbfs mapping (is_vm_hugetlb_page): split only on huge page
   * boundaries, never charged, never mlocked; with DONTEXPAND, never merged.
   */
  HUGETLB: 0x10000000,
} as const;

/** r/w/x: the access bits mprotect replaces. VM_ACCESS_FLAGS. */
export const VM_ACCESS_FLAGS: number = VM.READ | VM.WRITE | VM.EXEC;
/** Mappings that are never merged (include/linux/mm.h: VM_SPECIAL). */
export const VM_SPECIAL: number = VM.IO | VM.DONTEXPAND | VM.PFNMAP | VM.MIXEDMAP;
/** Flags a merge ignores. */
export const VM_IGNORE_MERGE: number = VM.SOFTDIRTY;
/** VM_STACK_DEFAULT / VM_DATA_DEFAULT_FLAGS on x86_64 (no READ_IMPLIES_EXEC). */
export const VM_DATA_DEFAULT_FLAGS: number =
  VM.READ | VM.WRITE | VM.MAYREAD | VM.MAYWRITE | VM.MAYEXEC;
/** Flags mprotect leaves to the VMA (not r/w/x). */
export const VM_MAY_SHIFT = 4;

// Module constants for vmFlagsFromProt, which every mmap and mprotect calls: a
// `VM.READ` there is a load of the object and a check of its map each time.
const READ = VM.READ;
const WRITE = VM.WRITE;
const EXEC = VM.EXEC;

/** calc_vm_prot_bits for x86_64 without protection keys. */
export function vmFlagsFromProt(prot: number): number {
  return (prot & 1 ? READ : 0) | (prot & 2 ? WRITE : 0) | (prot & 4 ? EXEC : 0);
}

/** The VM_* names set in `flags`, for messages and dumps. */
export function vmFlagNames(flags: number): string[] {
  const names: string[] = [];
  for (const [name, bit] of Object.entries(VM)) if (flags & bit) names.push(name);
  return names;
}
