// The packed 24-bit `flags` number the API takes and returns for a leaf (a page
// mapping of any size). It is the entry's own bits, compacted:
//
//   flags bit  | entry bit (4 KiB PTE) | entry bit (2 MiB PDE / 1 GiB PDPTE) | meaning
//   -----------|-----------------------|-------------------------------------|---------------------------
//   0          | 0                     | 0                                   | P   present
//   1          | 1                     | 1                                   | R/W writable
//   2          | 2                     | 2                                   | U/S user
//   3          | 3                     | 3                                   | PWT write-through
//   4          | 4                     | 4                                   | PCD cache disable
//   5          | 5                     | 5                                   | A   accessed
//   6          | 6                     | 6                                   | D   dirty
//   7          | 7 (PAT)               | 12 (PAT); entry bit 7 is PS = 1     | PAT
//   8          | 8                     | 8                                   | G   global
//   9..11      | 9..11                 | 9..11                               | software-available
//   12..18     | 52..58                | 52..58                              | software-available
//   19..22     | 59..62                | 59..62                              | protection key
//   23         | 63                    | 63                                  | XD  execute-disable
//
// So for the high dword of an entry, flags bits 12..23 == (hi >>> 20).
// Entry formats: Intel SDM vol. 3A, section 4.5 (4-level and 5-level paging),
// Table 4-16 (PDPTE mapping 1 GiB), Table 4-18 (PDE mapping 2 MiB), Table 4-20
// (PTE mapping 4 KiB); non-leaf formats in Tables 4-14, 4-15, 4-17, 4-19.

/** Named flag bits of the packed leaf `flags` number (see the table above). */
export const PTE = {
  /** P, entry bit 0: the entry maps a page (SDM Tables 4-16, 4-18, 4-20). */
  PRESENT: 0x1,
  /** R/W, entry bit 1: writes allowed if 1 in every entry of the walk (SDM Tables 4-14..4-20, 4.6). */
  WRITABLE: 0x2,
  /** U/S, entry bit 2: user-mode accesses allowed if 1 in every entry of the walk (SDM Tables 4-14..4-20, 4.6). */
  USER: 0x4,
  /** PWT, entry bit 3: page-level write-through, memory-type input (SDM Tables 4-16, 4-18, 4-20; 4.9). */
  WRITE_THROUGH: 0x8,
  /** PCD, entry bit 4: page-level cache disable, memory-type input (SDM Tables 4-16, 4-18, 4-20; 4.9). */
  CACHE_DISABLE: 0x10,
  /** A, entry bit 5: set by the processor when the entry is used (SDM Tables 4-14..4-20; 4.8). */
  ACCESSED: 0x20,
  /** D, entry bit 6: set by the processor on a write through a leaf (SDM Tables 4-16, 4-18, 4-20; 4.8). */
  DIRTY: 0x40,
  /**
   * PAT, memory-type input: entry bit 7 of a 4 KiB PTE (SDM Table 4-20), entry bit 12
   * of a 2 MiB PDE or 1 GiB PDPTE (SDM Tables 4-18, 4-16), where bit 7 is PS instead.
   */
  PAT: 0x80,
  /** G, entry bit 8: global translation when CR4.PGE = 1 (SDM Tables 4-16, 4-18, 4-20; 4.10.2.4). */
  GLOBAL: 0x100,
  /** Entry bit 9, ignored by the processor, free for software (SDM Tables 4-16, 4-18, 4-20). */
  SOFTWARE_9: 0x200,
  /** Entry bit 10, ignored by the processor, free for software (SDM Tables 4-16, 4-18, 4-20). */
  SOFTWARE_10: 0x400,
  /** Entry bit 11, ignored by the processor (HLAT restart only under HLAT paging), free for software. */
  SOFTWARE_11: 0x800,
  /** Entry bits 58:52 (flags bits 18:12), ignored by the processor (SDM Tables 4-16, 4-18, 4-20). */
  SOFTWARE_HIGH: 0x7f000,
  /** Protection key, entry bits 62:59 (flags bits 22:19), used when CR4.PKE = 1 (SDM Tables 4-16, 4-18, 4-20; 4.6.2). */
  PKEY_MASK: 0x780000,
  /** Shift of the protection key inside `flags`. */
  PKEY_SHIFT: 19,
  /** XD, entry bit 63: instruction fetches disallowed if IA32_EFER.NXE = 1 (SDM Tables 4-14..4-20; 4.6). */
  NO_EXECUTE: 0x800000,
  /** Every defined bit of `flags`; anything outside is rejected with a RangeError. */
  ALL: 0xffffff,
} as const;

/** All software-available bits of `flags` (entry bits 11:9 and 58:52). */
export const PTE_SOFTWARE_MASK = 0x7fe00;

/** Flags bits holding memory-type inputs (PWT, PCD, PAT; SDM 4.9.2). */
export const PTE_MEMORY_TYPE_MASK = 0x98;

// Raw entry bits that differ between the levels (SDM Figure 4-11 / Tables 4-14..4-20).
/** Entry bit 7 of a PDPTE or PDE: 1 = the entry maps a 1 GiB / 2 MiB page (SDM Tables 4-16, 4-18). */
export const ENTRY_PS = 0x80;
/** Entry bit 12 of a 2 MiB / 1 GiB leaf: PAT (SDM Tables 4-16, 4-18). */
export const ENTRY_HUGE_PAT = 0x1000;
/**
 * Flags the page table gives the entries that reference a table (PML5E, PML4E, PDPTE,
 * PDE with PS = 0): P, R/W and U/S set, so that the leaf alone decides the rights
 * (rights are ANDed over the walk, SDM 4.6.1) and XD clear (XD is ORed).
 */
export const TABLE_ENTRY_FLAGS = 0x7;

/** `flags` for protection key `key` (0..15), to OR into a leaf's flags. */
export function pkeyFlags(key: number): number {
  if (!Number.isInteger(key) || key < 0 || key > 15) {
    throw new RangeError(`protection key must be an integer in 0..15, got ${String(key)}`);
  }
  return key * 2 ** PTE.PKEY_SHIFT;
}

/** The protection key (0..15) held in `flags`. */
export function pkeyOf(flags: number): number {
  return (flags >>> PTE.PKEY_SHIFT) & 0xf;
}

/** Throws unless `flags` is an integer using only the 24 defined bits. */
export function checkFlags(flags: number, what = 'flags'): void {
  if (typeof flags !== 'number' || (flags & PTE.ALL) !== flags) {
    throw new RangeError(
      `${what} must be an integer using only bits 0..23 (see PTE), got ${describeBad(flags)}`,
    );
  }
}

function describeBad(value: unknown): string {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
    return `0x${value.toString(16)}`;
  }
  return `${typeof value} ${String(value)}`;
}

const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [PTE.PRESENT, 'P'],
  [PTE.WRITABLE, 'RW'],
  [PTE.USER, 'US'],
  [PTE.WRITE_THROUGH, 'PWT'],
  [PTE.CACHE_DISABLE, 'PCD'],
  [PTE.ACCESSED, 'A'],
  [PTE.DIRTY, 'D'],
  [PTE.PAT, 'PAT'],
  [PTE.GLOBAL, 'G'],
  [PTE.SOFTWARE_9, 'SW9'],
  [PTE.SOFTWARE_10, 'SW10'],
  [PTE.SOFTWARE_11, 'SW11'],
];

/**
 * Names of the bits set in `flags`, e.g. `P RW US A D G PK3 XD`; absent P is
 * written `!P` so that a non-present leaf stands out.
 */
export function describeFlags(flags: number): string {
  checkFlags(flags);
  const parts: string[] = [];
  if ((flags & PTE.PRESENT) === 0) parts.push('!P');
  for (const [bit, name] of FLAG_NAMES) if ((flags & bit) !== 0) parts.push(name);
  for (let b = 52; b <= 58; b++) if ((flags >>> (b - 40)) & 1) parts.push(`SW${b}`);
  const key = pkeyOf(flags);
  if (key !== 0) parts.push(`PK${key}`);
  if ((flags & PTE.NO_EXECUTE) !== 0) parts.push('XD');
  return parts.join(' ');
}
