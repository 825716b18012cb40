import { checkAddress, checkAligned, flagsError, hex } from './check.js';
import type { MappingBackend } from './mapping-backend.js';
import { type Failure, failure, OK, type Result } from './result.js';

/** Options of an {@link InMemoryBackend}. */
export interface InMemoryBackendOptions {
  /** Page size; addresses must be multiples of it. Default 4096. */
  readonly pageSize?: number;
  /** Keep a log of every call in `calls`; default false. */
  readonly record?: boolean;
}

/** One logged backend call: its name and its numeric arguments. */
export interface BackendCall {
  readonly op: 'map' | 'unmap' | 'protect' | 'canSplit' | 'split' | 'shrink' | 'merge';
  readonly args: readonly number[];
}

const EEXIST: Failure = failure('EEXIST');
const EFAULT: Failure = failure('EFAULT');

// Pages are kept in chunks of this many, each a stretch of one Uint16Array
// pool holding a code per page (see InMemoryBackend).
const CHUNK = 512;
// Entries of the chunk cache (a power of two).
const CACHE = 4096;
const MASK = CACHE - 1;
// Codes are 1 to MAX_CODES (0: free page), so a page takes 2 bytes.
const MAX_CODES = 0xffff;
// Flags that are integers below this have their code in a table, not the Map.
const SMALL_FLAGS = 256;

/**
 * A {@link MappingBackend} that keeps page ownership (page -> flags) and checks
 * every call against it: mapping a mapped page answers EEXIST, unmapping or
 * protecting a page that is not mapped with the stated flags answers EFAULT
 * (nothing changes in either case). One instance is shared by all areas; it
 * merges with itself. For tests, examples and the benchmark.
 *
 * A page holds a 16-bit code instead of its flags: 0 for a free page, else the
 * index of its flags among the distinct flags values this backend has mapped
 * or protected to (at most 65,535; one more throws RangeError before anything
 * changes). Flags are compared as `Map` keys compare them (SameValueZero, so
 * 0 and -0 are one value). Codes live in 512-page chunks of one Uint16Array
 * pool, found through a Map from chunk number to pool offset: one lookup per
 * call instead of two Map operations per page (V8's Map rehashes the whole
 * table again and again under a steady set/delete churn: measured ~75 us per
 * set+delete at 10,000 entries on Node 20), 2 bytes per page instead of 8
 * (the 4 GiB that vma-churn-65000 spans take 2 MiB), and no typed-array
 * object per chunk to load on the way. Chunks are never freed, so memory
 * follows the address range ever mapped (1 KiB per 2 MiB).
 */
export class InMemoryBackend<F extends number = number> implements MappingBackend<F> {
  /** Page size in bytes. */
  readonly pageSize: number;
  /** Every call so far when recording, else empty. */
  readonly calls: BackendCall[];
  // The page of the highest safe integer address.
  private readonly _maxPage: number;
  private readonly _chunks: Map<number, number>;
  private readonly _record: boolean;
  private _mapped: number;
  // The pool: chunk k of the pool is pages [k * CHUNK, (k + 1) * CHUNK).
  private _pages: Uint16Array;
  private _chunkCount: number;
  // A direct-mapped cache of chunk offsets in front of the Map: slot
  // `index & MASK` holds the pool offset of chunk `_cacheIndex[slot]` (-1:
  // none). Chunks are never freed, so an entry never goes stale. Random calls
  // over up to CACHE chunks (8 GiB of contiguous address space) find their
  // chunk here, with no hash lookup.
  private readonly _cacheIndex: Float64Array;
  private readonly _cacheBase: Int32Array;
  // Code -> flags (entry 0, a free page, is unused); flags -> code.
  private readonly _flagsOf: F[];
  private readonly _codeOf: Map<number, number>;
  // Code of the flags 0 to SMALL_FLAGS - 1, -1 while they have none.
  private readonly _smallCode: Int32Array;

  constructor(options: InMemoryBackendOptions = {}) {
    const pageSize = options.pageSize ?? 4096;
    checkAligned('pageSize', pageSize, 1);
    if (pageSize === 0 || 2 ** Math.round(Math.log2(pageSize)) !== pageSize) {
      throw new RangeError(`pageSize must be a power of two, got ${pageSize}`);
    }
    this.pageSize = pageSize;
    this.calls = [];
    this._maxPage = Math.floor(Number.MAX_SAFE_INTEGER / pageSize);
    this._chunks = new Map();
    this._record = options.record === true;
    this._mapped = 0;
    this._pages = new Uint16Array(16 * CHUNK);
    this._chunkCount = 0;
    this._cacheIndex = new Float64Array(CACHE).fill(-1);
    this._cacheBase = new Int32Array(CACHE);
    this._flagsOf = [Number.NaN as F];
    this._codeOf = new Map();
    this._smallCode = new Int32Array(SMALL_FLAGS).fill(-1);
  }

  /** Flags of the page holding `addr`, or undefined when it is not mapped. */
  flagsAt(addr: number): F | undefined {
    checkAddress('addr', addr);
    const page = Math.floor(addr / this.pageSize);
    const ci = Math.floor(page / CHUNK);
    const base = this._base(ci);
    if (base < 0) return undefined;
    const code = this._pages[base + (page - ci * CHUNK)];
    return code === 0 ? undefined : this._flagsOf[code];
  }

  /** Number of mapped pages. */
  get mappedPages(): number {
    return this._mapped;
  }

  /** Mapped pages in no particular order, as [address, flags]. */
  *mapped(): Generator<[number, F], void, undefined> {
    for (const [ci, base] of this._chunks) {
      for (let i = 0; i < CHUNK; i++) {
        const code = this._pages[base + i];
        if (code !== 0) yield [(ci * CHUNK + i) * this.pageSize, this._flagsOf[code]];
      }
    }
  }

  map(start: number, end: number, flags: F): Result {
    if (this._record) this.calls.push({ op: 'map', args: [start, end, flags] });
    checkFlags(flags);
    const first = this._page('start', start);
    const last = this._page('end', end);
    if (last < first) throw reversed(start, end);
    const code = this._codeForWrite(flags);
    const n = last - first;
    if (n > 0 && n <= SMALL && (first & (CHUNK - 1)) + n <= CHUNK) {
      // A new chunk is all free: creating it for a call that then fails is harmless.
      const o = this._baseForWrite(first) + (first & (CHUNK - 1));
      if (!swapSmall(this._pages, o, n | 0, 0, code)) return EEXIST;
    } else {
      if (!this._all(first, last, 0)) return EEXIST;
      this._fill(first, last, code);
    }
    if (code === this._flagsOf.length) this._addCode(flags, code);
    this._mapped += n;
    return OK;
  }

  unmap(start: number, end: number, flags: F): Result {
    if (this._record) this.calls.push({ op: 'unmap', args: [start, end, flags] });
    const first = this._page('start', start);
    const last = this._page('end', end);
    if (last < first) throw reversed(start, end);
    const code = this._code(flags);
    const n = last - first;
    if (n > 0 && n <= SMALL && (first & (CHUNK - 1)) + n <= CHUNK) {
      const base = this._base(Math.floor(first / CHUNK));
      if (base < 0) return EFAULT;
      if (!swapSmall(this._pages, base + (first & (CHUNK - 1)), n | 0, code, 0)) return EFAULT;
    } else {
      if (Number.isNaN(flags) || !this._all(first, last, code)) return EFAULT;
      this._fill(first, last, 0);
    }
    this._mapped -= n;
    return OK;
  }

  protect(start: number, end: number, oldFlags: F, newFlags: F): Result {
    if (this._record) this.calls.push({ op: 'protect', args: [start, end, oldFlags, newFlags] });
    checkFlags(newFlags);
    const first = this._page('start', start);
    const last = this._page('end', end);
    if (last < first) throw reversed(start, end);
    const code = this._code(oldFlags);
    const newCode = this._codeForWrite(newFlags);
    const n = last - first;
    if (n > 0 && n <= SMALL && (first & (CHUNK - 1)) + n <= CHUNK) {
      const base = this._base(Math.floor(first / CHUNK));
      if (base < 0) return EFAULT;
      const o = base + (first & (CHUNK - 1));
      if (!swapSmall(this._pages, o, n | 0, code, newCode)) return EFAULT;
    } else {
      if (Number.isNaN(oldFlags) || !this._all(first, last, code)) return EFAULT;
      this._fill(first, last, newCode);
    }
    if (newCode === this._flagsOf.length) this._addCode(newFlags, newCode);
    return OK;
  }
  canSplit(start: number, at: number, end: number, flags: F): Result {
    if (this._record) this.calls.push({ op: 'canSplit', args: [start, at, end, flags] });
    return OK;
  }

  split(start: number, at: number, end: number, flags: F): this {
    if (this._record) this.calls.push({ op: 'split', args: [start, at, end, flags] });
    return this;
  }

  shrink(oldStart: number, oldEnd: number, newStart: number, newEnd: number, flags: F): void {
    if (this._record) {
      this.calls.push({ op: 'shrink', args: [oldStart, oldEnd, newStart, newEnd, flags] });
    }
  }

  merge(start: number, at: number, end: number, flags: F, upper: this): boolean {
    if (this._record) this.calls.push({ op: 'merge', args: [start, at, end, flags] });
    return upper === this;
  }

  // True when every page of [first, last) holds `code` (0: is free; -1,
  // flags never mapped: no page).
  private _all(first: number, last: number, code: number): boolean {
    const pages = this._pages;
    let p = first;
    while (p < last) {
      const ci = Math.floor(p / CHUNK);
      const from = ci * CHUNK;
      const stop = Math.min(last, from + CHUNK);
      const base = this._base(ci);
      if (base < 0) {
        if (code !== 0) return false;
        p = stop;
        continue;
      }
      for (; p < stop; p++) if (pages[base + (p - from)] !== code) return false;
    }
    return true;
  }

  private _fill(first: number, last: number, code: number): void {
    let p = first;
    while (p < last) {
      const ci = Math.floor(p / CHUNK);
      const from = ci * CHUNK;
      const stop = Math.min(last, from + CHUNK);
      const base = this._baseForWrite(p);
      // Read after _baseForWrite, which may grow the pool.
      const pages = this._pages;
      // A loop, not TypedArray.fill: calls cover a few pages and the builtin's
      // call overhead dominates there.
      for (; p < stop; p++) pages[base + (p - from)] = code;
    }
  }

  // Code of `flags`, or -1 when no page can hold them (never mapped, NaN, or
  // not a number: unmap and protect take any value and never coerce it).
  private _code(flags: number): number {
    if (typeof flags !== 'number') return -1;
    if (isSmallFlags(flags)) return this._smallCode[flags];
    return this._codeOf.get(flags) ?? -1;
  }

  // The code of `flags`, or for a new value the code it gets if the call
  // succeeds (the next one, _flagsOf.length: the caller then adds it, so a
  // call that fails uses none up); throws when no code is left.
  private _codeForWrite(flags: F): number {
    const known = this._code(flags);
    if (known >= 0) return known;
    const code = this._flagsOf.length;
    if (code > MAX_CODES) {
      throw new RangeError(
        `InMemoryBackend holds at most ${MAX_CODES} distinct flags values; ${flags} would be one more`,
      );
    }
    return code;
  }

  private _addCode(flags: F, code: number): void {
    this._flagsOf.push(flags);
    if (isSmallFlags(flags)) this._smallCode[flags] = code;
    else this._codeOf.set(flags, code);
  }

  // Pool offset of chunk `index`, or -1 when it has none.
  private _base(index: number): number {
    const slot = index & MASK;
    if (this._cacheIndex[slot] === index) return this._cacheBase[slot];
    const base = this._chunks.get(index);
    if (base === undefined) return -1;
    this._cacheIndex[slot] = index;
    this._cacheBase[slot] = base;
    return base;
  }

  // Pool offset of the chunk holding `page`, created (all free) when missing.
  private _baseForWrite(page: number): number {
    const index = Math.floor(page / CHUNK);
    const base = this._base(index);
    return base >= 0 ? base : this._newChunk(index);
  }

  private _newChunk(index: number): number {
    const base = this._chunkCount * CHUNK;
    if (base + CHUNK > this._pages.length) {
      const pages = new Uint16Array(this._pages.length * 2);
      pages.set(this._pages);
      this._pages = pages;
    }
    this._chunkCount++;
    this._chunks.set(index, base);
    return base;
  }

  // The page number of `addr`. One test instead of isSafeInteger plus
  // isMultiple: the quotient by a power of two is exact, so it is an integer
  // exactly when `addr` is a multiple, and at most _maxPage exactly when
  // `addr` is at most 2^53 - 1.
  private _page(name: string, addr: number): number {
    if (typeof addr !== 'number') throw this._pageError(name, addr);
    const page = addr / this.pageSize;
    if (!(Math.floor(page) === page && page >= 0 && page <= this._maxPage)) {
      throw this._pageError(name, addr);
    }
    return page;
  }

  // Out of line, so that _page stays small enough to inline.
  private _pageError(name: string, addr: number): RangeError {
    return new RangeError(`${name} must be a multiple of ${hex(this.pageSize)}, got ${addr}`);
  }
}

// Calls of up to this many pages within one chunk take swapSmall. Callers
// pass `n | 0` (exact: n <= SMALL there): page numbers are doubles to V8 (a
// quotient), and an int32 count keeps swapSmall's index arithmetic in int32
// instead of double adds and conversions.
const SMALL = 4;

// When pages [o, o + n) of `pages` (1 <= n <= SMALL) all hold `expect`, sets
// them to `value` and answers true; else changes nothing (an `expect` of -1
// matches no page). Straight-line code with no data-dependent branch: the
// page loops' exits, at a random 1 to 4 pages per call, were a mispredicted
// branch per loop. Page j is read and written at o + min(j, n - 1), so pages
// past the range are never touched (the last one is just visited again).
function swapSmall(
  pages: Uint16Array,
  o: number,
  n: number,
  expect: number,
  value: number,
): boolean {
  const m = n - 1;
  const d1 = 1 - m;
  const d2 = 2 - m;
  const d3 = 3 - m;
  const i1 = o + m + (d1 & (d1 >> 31));
  const i2 = o + m + (d2 & (d2 >> 31));
  const i3 = o + m + (d3 & (d3 >> 31));
  const ok =
    +(pages[o] === expect) &
    +(pages[i1] === expect) &
    +(pages[i2] === expect) &
    +(pages[i3] === expect);
  if (ok === 0) return false;
  pages[o] = value;
  pages[i1] = value;
  pages[i2] = value;
  pages[i3] = value;
  return true;
}

// An integer from 0 to SMALL_FLAGS - 1 (-0 too, which is 0 as a Map key).
function isSmallFlags(flags: number): boolean {
  return (flags & (SMALL_FLAGS - 1)) === flags;
}

// Without this check an end below the start counted negative pages as mapped.
function reversed(start: number, end: number): RangeError {
  return new RangeError(`range [${hex(start)}, ${hex(end)}) ends below its start`);
}

function checkFlags(flags: number): void {
  if (typeof flags !== 'number' || Number.isNaN(flags)) throw flagsError(flags);
}
