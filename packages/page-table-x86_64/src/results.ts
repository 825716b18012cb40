// Typed results of PageTable operations. Expected failures are frozen singletons
// so that neither success nor failure allocates on the per-page paths.

import type { PageSize } from '@vmem/memory-addr';

/** Success of an operation that returns nothing else. */
export interface Ok {
  readonly ok: true;
}

/** The page (or part of the range) already has a mapping of the same or a smaller size. */
export interface AlreadyMapped {
  readonly ok: false;
  readonly errno: 'EEXIST';
  readonly reason: 'already-mapped';
}

/** A larger (2 MiB / 1 GiB) leaf already covers the address. */
export interface HugePageConflict {
  readonly ok: false;
  readonly errno: 'EEXIST';
  readonly reason: 'huge-page';
}

/** No leaf maps the address. */
export interface NotMapped {
  readonly ok: false;
  readonly errno: 'ENOENT';
  readonly reason: 'not-mapped';
}

/** The frame source had no frame for a table; nothing was changed. */
export interface OutOfMemory {
  readonly ok: false;
  readonly errno: 'ENOMEM';
  readonly reason: 'out-of-memory';
}

export const OK: Ok = Object.freeze({ ok: true });
export const ALREADY_MAPPED: AlreadyMapped = Object.freeze({
  ok: false,
  errno: 'EEXIST',
  reason: 'already-mapped',
});
export const HUGE_PAGE_CONFLICT: HugePageConflict = Object.freeze({
  ok: false,
  errno: 'EEXIST',
  reason: 'huge-page',
});
export const NOT_MAPPED: NotMapped = Object.freeze({
  ok: false,
  errno: 'ENOENT',
  reason: 'not-mapped',
});
export const OUT_OF_MEMORY: OutOfMemory = Object.freeze({
  ok: false,
  errno: 'ENOMEM',
  reason: 'out-of-memory',
});

/** Result of map / mapRegion. */
export type MapResult = Ok | AlreadyMapped | HugePageConflict | OutOfMemory;

/** A leaf mapping: `size` bytes at linear `va` map to physical `pa`, with API `flags`. */
export interface Leaf {
  readonly ok: true;
  /** Linear address of the start of the page (aligned to `size`). */
  va: number;
  /** Physical address of the start of the page. */
  pa: number;
  /** 4 KiB, 2 MiB or 1 GiB. */
  size: PageSize;
  /** Packed flags (see PTE); P may be clear for a non-present leaf kept with its frame. */
  flags: number;
}

/** A reusable Leaf to pass as `out` so that query/unmap allocate nothing. */
export function newLeaf(): Leaf {
  return { ok: true, va: 0, pa: 0, size: 0x1000, flags: 0 };
}

/** Called once per leaf (e.g. removed, walked, destroyed): numbers only, no object. */
export type LeafCallback = (va: number, pa: number, size: PageSize, flags: number) => void;

/**
 * Per-leaf transform for clone(): returns the flags to give the leaf in the copy,
 * or -1 to leave it out of the copy.
 */
export type LeafTransform = (va: number, pa: number, size: PageSize, flags: number) => number;
