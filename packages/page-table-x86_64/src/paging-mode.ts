// Architecture metadata of x86_64 4-level and 5-level paging (SDM vol. 3A, 4.5):
// 512 entries of 8 bytes per 4 KiB table; the entry at level L (1 = PT,
// 2 = PD, 3 = PDPT, 4 = PML4, 5 = PML5) is selected by linear-address bits
// [12 + 9L - 1 : 12 + 9(L - 1)] and covers 2^(12 + 9(L - 1)) bytes.

/** Number of paging levels: 4 (48-bit linear addresses) or 5 (LA57, 57-bit). */
export type PagingLevels = 4 | 5;

/** Entries per paging structure. */
export const ENTRIES_PER_TABLE = 512;

/** Table names by level, index 0 unused. */
export const LEVEL_NAMES: readonly string[] = ['', 'PT', 'PD', 'PDPT', 'PML4', 'PML5'];

/** Bytes covered by one entry at each level (index = level; 6 = a whole PML5). */
export const LEVEL_SPAN: readonly number[] = [
  0,
  2 ** 12,
  2 ** 21,
  2 ** 30,
  2 ** 39,
  2 ** 48,
  2 ** 57,
];

/** Linear-address width for a level count: 48 or 57 bits. */
export function vaBitsFor(levels: PagingLevels): number {
  return levels === 5 ? 57 : 48;
}

/** Throws unless `levels` is 4 or 5. */
export function checkLevels(levels: unknown): PagingLevels {
  if (levels !== 4 && levels !== 5) {
    throw new RangeError(`levels must be 4 or 5, got ${String(levels)}`);
  }
  return levels;
}

/**
 * Index into the table at `level` for linear address `va` (< 2^57), computed
 * with division because `va` may exceed 2^32.
 */
export function tableIndex(va: number, level: number): number {
  return Math.floor(va / LEVEL_SPAN[level]) % ENTRIES_PER_TABLE;
}

/** Throws unless `bits` is a supported MAXPHYADDR (32..52). */
export function checkMaxPhysAddrBits(bits: unknown): number {
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 32 || bits > 52) {
    throw new RangeError(`maxPhysAddrBits must be an integer in 32..52, got ${String(bits)}`);
  }
  return bits;
}

/**
 * Mask over the high dword of an entry for the address bits below MAXPHYADDR
 * (entry bits M-1:32 → hi bits M-33:0).
 */
export function hiAddressMask(maxPhysAddrBits: number): number {
  return 2 ** (maxPhysAddrBits - 32) - 1;
}

/** Mask over the high dword for the reserved address bits 51:MAXPHYADDR (SDM 4.5, Tables 4-14..4-20). */
export function hiReservedAddressMask(maxPhysAddrBits: number): number {
  return (0xfffff - hiAddressMask(maxPhysAddrBits)) >>> 0;
}
