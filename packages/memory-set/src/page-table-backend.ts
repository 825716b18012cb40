import type { PageSize } from '@vmem/memory-addr';
import type { PageTable } from '@vmem/page-table-x86_64';
import { checkAddress } from './check.js';
import type { MappingBackend } from './mapping-backend.js';
import type { Result } from './result.js';

/**
 * The region operations of a page table that {@link PageTableBackend} drives.
 * `PageTable` of @vmem/page-table-x86_64 has them; only its type is imported.
 */
export type RegionPageTable = Pick<PageTable, 'mapRegion' | 'unmapRegion' | 'protectRegion'>;

/** Options of a {@link PageTableBackend}. */
export interface PageTableBackendOptions {
  /**
   * Physical address = virtual address + `paOffset` (may be negative; the
   * result must be a 4 KiB-aligned physical address). Default 0 (identity).
   */
  readonly paOffset?: number;
  /** Largest leaf the table may use (2 MiB / 1 GiB where aligned); default 4 KiB. */
  readonly maxPageSize?: PageSize;
}

/**
 * A linear {@link MappingBackend} over an x86_64 page table, like arceos's
 * `Backend::Linear`: an area [start, end) maps to the physical range
 * [start + paOffset, end + paOffset), and area flags are the page table's leaf
 * flags (`PTE` of @vmem/page-table-x86_64) passed through unchanged. The
 * mapping does not depend on where an area starts, so splits share this
 * object and areas with the same table and offset merge.
 *
 * Failures are the page table's own typed results (EEXIST for a page already
 * mapped, ENOMEM when it has no frame for a table), which leave the table
 * unchanged; undoing an unmap maps the same frames again, so the set's
 * transactional undo is exact.
 */
export class PageTableBackend implements MappingBackend<number> {
  /** The page table written to. */
  readonly table: RegionPageTable;
  /** Physical address minus virtual address. */
  readonly paOffset: number;
  /** Largest leaf size used by map. */
  readonly maxPageSize: PageSize;
  // Reused so that protect allocates nothing.
  private readonly _change: { flags: number };
  private readonly _mapOptions: { readonly maxPageSize: PageSize };

  constructor(table: RegionPageTable, options: PageTableBackendOptions = {}) {
    if (table === null || typeof table !== 'object' || typeof table.mapRegion !== 'function') {
      throw new TypeError('table must be a PageTable (mapRegion, unmapRegion, protectRegion)');
    }
    const paOffset = options.paOffset ?? 0;
    if (typeof paOffset !== 'number' || !Number.isSafeInteger(paOffset)) {
      throw new RangeError(`paOffset must be a safe integer, got ${String(paOffset)}`);
    }
    this.table = table;
    this.paOffset = paOffset;
    const maxPageSize = options.maxPageSize ?? 0x1000;
    // Checked here: otherwise a bad size surfaced only at the first map, as a page-table error.
    if (maxPageSize !== 0x1000 && maxPageSize !== 0x20_0000 && maxPageSize !== 0x4000_0000) {
      throw new RangeError(`maxPageSize must be 4 KiB, 2 MiB or 1 GiB, got ${String(maxPageSize)}`);
    }
    this.maxPageSize = maxPageSize;
    this._change = { flags: 0 };
    this._mapOptions = { maxPageSize: this.maxPageSize };
  }

  map(start: number, end: number, flags: number): Result {
    checkBounds(start, end);
    const pa = start + this.paOffset;
    checkAddress('physical address', pa);
    return this.table.mapRegion(start, pa, end - start, flags, this._mapOptions);
  }

  unmap(start: number, end: number, _flags: number): Result {
    checkBounds(start, end);
    return this.table.unmapRegion(start, end - start);
  }

  protect(start: number, end: number, _oldFlags: number, newFlags: number): Result {
    checkBounds(start, end);
    this._change.flags = newFlags;
    return this.table.protectRegion(start, end - start, this._change);
  }

  merge(_start: number, _at: number, _end: number, _flags: number, upper: this): boolean {
    return upper === this || (upper.table === this.table && upper.paOffset === this.paOffset);
  }
}

// Checked before any arithmetic: `start + paOffset` would concatenate a string and
// throw the engine's TypeError on a bigint.
function checkBounds(start: number, end: number): void {
  checkAddress('start', start);
  checkAddress('end', end);
}
