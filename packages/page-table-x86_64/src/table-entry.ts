// How the page table itself classifies an entry (not how the CPU does: the walker
// only looks at P). An entry is one of:
//   EMPTY  free slot;
//   TABLE  P = 1 and it references a table (PML5E/PML4E, or PDPTE/PDE with PS = 0);
//   LEAF   it maps a page: any non-zero PTE, or a PDPTE/PDE with PS = 1, present
//          or not. A non-present leaf keeps its frame and flags (Linux's PROT_NONE
//          pattern), so it is still "in use" for map/unmap/walk.
// Non-present entries of levels >= 2 without PS carry nothing the page table
// manages and count as EMPTY.

export const EMPTY = 0;
export const TABLE = 1;
export const LEAF = 2;

const P = 0x1;
const PS = 0x80;

/** EMPTY, TABLE or LEAF for the entry (lo, hi) of a table at `level`. */
export function entryKind(level: number, lo: number, hi: number): number {
  if (level === 1) return (lo | hi) !== 0 ? LEAF : EMPTY;
  if (level <= 3 && (lo & PS) !== 0) return LEAF;
  return (lo & P) !== 0 ? TABLE : EMPTY;
}

/** True when the entry (lo, hi) at `level` is in use (not EMPTY). */
export function entryInUse(level: number, lo: number, hi: number): boolean {
  if (level === 1) return (lo | hi) !== 0;
  return (lo & (level <= 3 ? P | PS : P)) !== 0;
}

/** Word offset (2 × index) of `va`'s entry at `level`, from the halves of `va`. */
export function wordIndex(level: number, vaLo: number, vaHi: number): number {
  switch (level) {
    case 1:
      return (vaLo >>> 11) & 0x3fe;
    case 2:
      return (vaLo >>> 20) & 0x3fe;
    case 3:
      return ((vaLo >>> 29) | (vaHi << 3)) & 0x3fe;
    case 4:
      return (vaHi >>> 6) & 0x3fe;
    default:
      return (vaHi >>> 15) & 0x3fe;
  }
}

// The scans below test the words inline instead of calling entryInUse: a table
// word can exceed 2^30, and passing it to a call that is not inlined would box it.

/** Mask over the low dword that marks an entry in use at levels >= 2 (P, and PS at levels 2-3). */
function inUseMask(level: number): number {
  return level <= 3 ? P | PS : P;
}

/**
 * True when the table `t` at `level` has an entry in use other than at word `w`
 * (which the caller just cleared). Looks at the nearest neighbours first (those of
 * a removed page are the likeliest to be in use, so sequential and random unmaps
 * stop early), then scans the table front to back: when the table has emptied,
 * that whole scan is the common case, and a plain forward loop is the cheapest.
 */
export function hasOtherEntries(t: Uint32Array, level: number, w: number): boolean {
  const mask = inUseMask(level);
  const leafTable = level === 1;
  for (let d = 2; d <= 16; d += 2) {
    const a = w + d;
    const b = w - d;
    if (a < 1024 && ((t[a] & mask) !== 0 || (leafTable && (t[a] | t[a + 1]) !== 0))) return true;
    if (b >= 0 && ((t[b] & mask) !== 0 || (leafTable && (t[b] | t[b + 1]) !== 0))) return true;
  }
  if (leafTable) {
    // Any non-zero word is an entry in use (the slot w itself is zero).
    for (let i = 0; i < 1024; i++) if (t[i] !== 0) return true;
    return false;
  }
  for (let i = 0; i < 1024; i += 2) if (i !== w && (t[i] & mask) !== 0) return true;
  return false;
}

/** True when no entry of table `t` at `level` is in use. */
export function tableIsEmpty(t: Uint32Array, level: number): boolean {
  if (level === 1) {
    for (let w = 0; w < 1024; w++) if (t[w] !== 0) return false;
    return true;
  }
  const mask = inUseMask(level);
  for (let w = 0; w < 1024; w += 2) if ((t[w] & mask) !== 0) return false;
  return true;
}
