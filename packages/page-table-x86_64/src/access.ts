// The kind of access a translation is for, as a small bitmask (0..31), so that
// translate() can index precomputed decision tables instead of branching.
// SDM vol. 3A, 4.6: every access is a supervisor-mode access (CPL < 3, or an
// implicit access to a system structure such as the GDT/IDT/TSS at any CPL) or a
// user-mode access (CPL = 3 and not implicit); it is a data read, a data write or
// an instruction fetch. EFLAGS.AC matters only to explicit supervisor-mode data
// accesses under CR4.SMAP (4.6.1).

/** Access kinds and modifiers; combine with `|`. */
export const Access = {
  /** Data read (no bit set). */
  READ: 0,
  /** Data write. */
  WRITE: 1,
  /** Instruction fetch. */
  FETCH: 2,
  /** User-mode access (CPL = 3, explicit). Without it the access is supervisor-mode. */
  USER: 4,
  /** EFLAGS.AC = 1 for this (explicit, supervisor-mode) access: lifts SMAP (4.6.1). Ignored otherwise. */
  AC: 8,
  /** Implicit supervisor-mode access (GDT, LDT, IDT, TSS ... at any CPL): SMAP applies even with AC = 1. */
  IMPLICIT: 16,

  /** Supervisor-mode data read. */
  SUPERVISOR_READ: 0,
  /** Supervisor-mode data write. */
  SUPERVISOR_WRITE: 1,
  /** Supervisor-mode instruction fetch. */
  SUPERVISOR_FETCH: 2,
  /** User-mode data read. */
  USER_READ: 4,
  /** User-mode data write. */
  USER_WRITE: 5,
  /** User-mode instruction fetch. */
  USER_FETCH: 6,
} as const;

/** True when `access` is a defined combination (not write+fetch, not user+implicit, not fetch+implicit). */
export function isValidAccess(access: number): boolean {
  if (typeof access !== 'number' || (access & 31) !== access) return false;
  if ((access & 3) === 3) return false;
  if ((access & Access.IMPLICIT) !== 0 && (access & (Access.USER | Access.FETCH)) !== 0)
    return false;
  return true;
}

/** Throws a RangeError naming the bad value unless `access` is valid. */
export function checkAccess(access: number): void {
  if (!isValidAccess(access)) {
    throw new RangeError(
      `access must be an Access combination (0..31, not WRITE|FETCH, IMPLICIT only for supervisor data), got ${String(access)}`,
    );
  }
}
