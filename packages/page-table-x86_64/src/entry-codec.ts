// Conversion between the API's packed leaf flags (see pte-flags.ts) and the two
// little-endian 32-bit halves of a paging-structure entry as the CPU reads it.
// Entry i of a table is at words [2i] (bits 31:0) and [2i+1] (bits 63:32).
// Physical addresses are below 2^52, so they are exact JS numbers; they are split
// into halves with division, never with 32-bit operators on the whole value.

import { ENTRY_HUGE_PAT, ENTRY_PS } from './pte-flags.js';

/** 2^32, the weight of the high dword. */
export const TWO_32 = 4294967296;

/** Low dword of a 4 KiB leaf mapping frame address `pa` (4 KiB aligned) with `flags`. */
export function leafLo4K(pa: number, flags: number): number {
  return ((pa - Math.floor(pa / TWO_32) * TWO_32) | (flags & 0xfff)) >>> 0;
}

/**
 * Low dword of a 2 MiB / 1 GiB leaf: the API's PAT (flags bit 7) moves to entry bit 12
 * and entry bit 7 becomes PS = 1 (SDM Tables 4-16, 4-18).
 */
export function leafLoHuge(pa: number, flags: number): number {
  const lo = pa - Math.floor(pa / TWO_32) * TWO_32;
  return (lo | (flags & 0xf7f) | ENTRY_PS | ((flags & 0x80) << 5)) >>> 0;
}

/** Low dword of a leaf at `level` (1 = PTE, 2 = PDE, 3 = PDPTE). */
export function leafLo(level: number, pa: number, flags: number): number {
  return level === 1 ? leafLo4K(pa, flags) : leafLoHuge(pa, flags);
}

/** High dword of a leaf of any size: address bits 51:32 and flags bits 23:12 at 63:52. */
export function leafHi(pa: number, flags: number): number {
  return (Math.floor(pa / TWO_32) | ((flags >>> 12) << 20)) >>> 0;
}

/** API flags of a 4 KiB leaf entry. */
export function flagsOf4K(lo: number, hi: number): number {
  return (lo & 0xfff) | ((hi >>> 20) << 12);
}

/** API flags of a 2 MiB / 1 GiB leaf entry (PS dropped, PAT from bit 12 to flags bit 7). */
export function flagsOfHuge(lo: number, hi: number): number {
  return (lo & 0xf7f) | ((lo & ENTRY_HUGE_PAT) >>> 5) | ((hi >>> 20) << 12);
}

/** API flags of a leaf at `level`. */
export function flagsOfLeaf(level: number, lo: number, hi: number): number {
  return level === 1 ? flagsOf4K(lo, hi) : flagsOfHuge(lo, hi);
}

/**
 * Physical address held in an entry, for a page of `1 << shift` bytes (12 for a
 * 4 KiB page or any table reference, 21 for 2 MiB, 30 for 1 GiB). `hiAddrMask`
 * keeps address bits 51:32 (or fewer for a smaller MAXPHYADDR).
 */
export function entryAddress(lo: number, hi: number, hiAddrMask: number, shift: number): number {
  const loMask = shift === 12 ? 0xfffff000 : shift === 21 ? 0xffe00000 : 0xc0000000;
  return (hi & hiAddrMask) * TWO_32 + ((lo & loMask) >>> 0);
}

/** Low dword of an entry that references a table at frame `pfn` with `flags` (low 12 bits). */
export function tableLo(pfn: number, flags: number): number {
  return (((pfn % 0x100000) * 0x1000) | flags) >>> 0;
}

/** High dword of an entry that references a table at frame `pfn`. */
export function tableHi(pfn: number): number {
  return Math.floor(pfn / 0x100000) >>> 0;
}
