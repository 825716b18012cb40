// VM_* flags with the meanings of include/linux/mm.h. The bit positions are this
// package's own (kept below 2^31 so flag words stay small integers); only the
// meanings are Linux's. Flags that /proc/PID/maps does not print still decide
// merges, exactly as they do in the kernel.

export const VM = {
  READ: 1 << 0,
  WRITE: 1 << 1,
  EXEC: 1 << 2,
  SHARED: 1 << 3,
  MAYREAD: 1 << 4,
  MAYWRITE: 1 << 5,
  MAYEXEC: 1 << 6,
  MAYSHARE: 1 << 7,
  GROWSDOWN: 1 << 8,
  /** PFN/mixed/IO mappings; with DONTEXPAND these form VM_SPECIAL (never merged). */
  PFNMAP: 1 << 9,
  LOCKED: 1 << 10,
  IO: 1 << 11,
  SEQ_READ: 1 << 12,
  RAND_READ: 1 << 13,
  /** MADV_DONTFORK. */
  DONTCOPY: 1 << 14,
  DONTEXPAND: 1 << 15,
  LOCKONFAULT: 1 << 16,
  /** Charged against overcommit (private writable, not MAP_NORESERVE). */
  ACCOUNT: 1 << 17,
  NORESERVE: 1 << 18,
  SYNC: 1 << 19,
  WIPEONFORK: 1 << 20,
  DONTDUMP: 1 << 21,
  /** Ignored by merges (VM_IGNORE_MERGE). */
  SOFTDIRTY: 1 << 22,
  MIXEDMAP: 1 << 23,
  HUGEPAGE: 1 << 24,
  NOHUGEPAGE: 1 << 25,
  MERGEABLE: 1 << 26,
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

/** calc_vm_prot_bits for x86_64 without protection keys. */
export function vmFlagsFromProt(prot: number): number {
  return (prot & 1 ? VM.READ : 0) | (prot & 2 ? VM.WRITE : 0) | (prot & 4 ? VM.EXEC : 0);
}

/** The VM_* names set in `flags`, for messages and dumps. */
export function vmFlagNames(flags: number): string[] {
  const names: string[] = [];
  for (const [name, bit] of Object.entries(VM)) if (flags & bit) names.push(name);
  return names;
}
