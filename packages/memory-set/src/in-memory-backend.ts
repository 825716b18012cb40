import { checkAddress, checkAligned, flagsError, hex, isMultiple } from './check.js';
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

// Pages are kept in chunks of this many, one Float64Array each (NaN = free).
const CHUNK = 512;
// Entries of the chunk cache (a power of two).
const CACHE = 4096;
const MASK = CACHE - 1;
const NO_CHUNK = new Float64Array(0);

/**
 * A {@link MappingBackend} that keeps page ownership (page -> flags) and checks
 * every call against it: mapping a mapped page answers EEXIST, unmapping or
 * protecting a page that is not mapped with the stated flags answers EFAULT
 * (nothing changes in either case). One instance is shared by all areas; it
 * merges with itself. For tests, examples and the benchmark.
 *
 * Ownership lives in a Map from 512-page chunk to a Float64Array of flags, not
 * in a Map per page: one Map lookup per call instead of two per page, and no
 * Map deletions (V8's Map rehashes the whole table again and again under a
 * steady set/delete churn: measured ~75 us per set+delete at 10,000 entries
 * on Node 20). Chunks are never freed, so memory follows the address range
 * ever mapped (4 KiB per 2 MiB).
 */
export class InMemoryBackend<F extends number = number> implements MappingBackend<F> {
  /** Page size in bytes. */
  readonly pageSize: number;
  /** Every call so far when recording, else empty. */
  readonly calls: BackendCall[];
  private readonly _chunks: Map<number, Float64Array>;
  private readonly _record: boolean;
  private _mapped: number;
  // A direct-mapped cache of chunks in front of the Map: slot `index & MASK`
  // holds the chunk of `_cacheIndex[slot]` (-1: none). Chunks are never freed,
  // so an entry never goes stale. Random calls over up to CACHE chunks (8 GiB
  // of contiguous address space) find their chunk here, with no hash lookup.
  private readonly _cacheIndex: Float64Array;
  private readonly _cacheChunk: Float64Array[];

  constructor(options: InMemoryBackendOptions = {}) {
    const pageSize = options.pageSize ?? 4096;
    checkAligned('pageSize', pageSize, 1);
    if (pageSize === 0 || 2 ** Math.round(Math.log2(pageSize)) !== pageSize) {
      throw new RangeError(`pageSize must be a power of two, got ${pageSize}`);
    }
    this.pageSize = pageSize;
    this.calls = [];
    this._chunks = new Map();
    this._cacheIndex = new Float64Array(CACHE).fill(-1);
    this._cacheChunk = new Array<Float64Array>(CACHE).fill(NO_CHUNK);
    this._record = options.record === true;
    this._mapped = 0;
  }

  /** Flags of the page holding `addr`, or undefined when it is not mapped. */
  flagsAt(addr: number): F | undefined {
    checkAddress('addr', addr);
    const page = Math.floor(addr / this.pageSize);
    const ci = Math.floor(page / CHUNK);
    const chunk = this._chunks.get(ci);
    if (chunk === undefined) return undefined;
    const f = chunk[page - ci * CHUNK];
    return Number.isNaN(f) ? undefined : (f as F);
  }

  /** Number of mapped pages. */
  get mappedPages(): number {
    return this._mapped;
  }

  /** Mapped pages in no particular order, as [address, flags]. */
  *mapped(): Generator<[number, F], void, undefined> {
    for (const [ci, chunk] of this._chunks) {
      for (let i = 0; i < CHUNK; i++) {
        const f = chunk[i];
        if (!Number.isNaN(f)) yield [(ci * CHUNK + i) * this.pageSize, f as F];
      }
    }
  }

  map(start: number, end: number, flags: F): Result {
    if (this._record) this.calls.push({ op: 'map', args: [start, end, flags] });
    checkFlags(flags);
    const first = this._page('start', start);
    const last = this._page('end', end);
    if (last < first) throw reversed(start, end);
    const n = last - first;
    if (n > 0 && n <= SMALL && (first & (CHUNK - 1)) + n <= CHUNK) {
      // A new chunk is all free: creating it for a call that then fails is harmless.
      const chunk = this._chunkForWrite(first);
      if (!swapSmall(chunk, first & (CHUNK - 1), n | 0, Number.NaN, 1, flags)) return EEXIST;
    } else {
      if (!this._all(first, last, Number.NaN)) return EEXIST;
      this._fill(first, last, flags);
    }
    this._mapped += n;
    return OK;
  }

  unmap(start: number, end: number, flags: F): Result {
    if (this._record) this.calls.push({ op: 'unmap', args: [start, end, flags] });
    const first = this._page('start', start);
    const last = this._page('end', end);
    if (last < first) throw reversed(start, end);
    const n = last - first;
    if (n > 0 && n <= SMALL && (first & (CHUNK - 1)) + n <= CHUNK) {
      const chunk = this._chunk(Math.floor(first / CHUNK));
      if (chunk === undefined) return EFAULT;
      if (!swapSmall(chunk, first & (CHUNK - 1), n | 0, flags, 0, Number.NaN)) return EFAULT;
    } else {
      if (Number.isNaN(flags) || !this._all(first, last, flags)) return EFAULT;
      this._fill(first, last, Number.NaN);
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
    const n = last - first;
    if (n > 0 && n <= SMALL && (first & (CHUNK - 1)) + n <= CHUNK) {
      const chunk = this._chunk(Math.floor(first / CHUNK));
      if (chunk === undefined) return EFAULT;
      return swapSmall(chunk, first & (CHUNK - 1), n | 0, oldFlags, 0, newFlags) ? OK : EFAULT;
    }
    if (Number.isNaN(oldFlags) || !this._all(first, last, oldFlags)) return EFAULT;
    this._fill(first, last, newFlags);
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

  // True when every page of [first, last) holds `flags` (NaN: is free).
  private _all(first: number, last: number, flags: number): boolean {
    const free = Number.isNaN(flags);
    let p = first;
    while (p < last) {
      const ci = Math.floor(p / CHUNK);
      const base = ci * CHUNK;
      const stop = Math.min(last, base + CHUNK);
      const chunk = this._chunk(ci);
      if (chunk === undefined) {
        if (!free) return false;
        p = stop;
        continue;
      }
      for (; p < stop; p++) {
        const f = chunk[p - base];
        if (free ? !Number.isNaN(f) : f !== flags) return false;
      }
    }
    return true;
  }

  private _fill(first: number, last: number, flags: number): void {
    let p = first;
    while (p < last) {
      const ci = Math.floor(p / CHUNK);
      const base = ci * CHUNK;
      const stop = Math.min(last, base + CHUNK);
      const chunk = this._chunkForWrite(p);
      // A loop, not TypedArray.fill: calls cover a few pages and the builtin's
      // call overhead dominates there.
      for (; p < stop; p++) chunk[p - base] = flags;
    }
  }

  private _chunk(index: number): Float64Array | undefined {
    const slot = index & MASK;
    if (this._cacheIndex[slot] === index) return this._cacheChunk[slot];
    const chunk = this._chunks.get(index);
    if (chunk !== undefined) {
      this._cacheIndex[slot] = index;
      this._cacheChunk[slot] = chunk;
    }
    return chunk;
  }

  // The chunk holding `page`, created (all free) when missing.
  private _chunkForWrite(page: number): Float64Array {
    const index = Math.floor(page / CHUNK);
    let chunk = this._chunk(index);
    if (chunk === undefined) {
      chunk = new Float64Array(CHUNK).fill(Number.NaN);
      this._chunks.set(index, chunk);
    }
    return chunk;
  }

  private _page(name: string, addr: number): number {
    if (!Number.isSafeInteger(addr) || addr < 0 || !isMultiple(addr, this.pageSize)) {
      throw this._pageError(name, addr);
    }
    return addr / this.pageSize;
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

// When pages [o, o + n) of `chunk` (1 <= n <= SMALL) all hold `expect`, or
// all are free when `free` is 1 (and `expect` NaN), sets them to `value` and
// answers true; else changes nothing (a NaN `expect` with `free` 0 matches
// no page). Straight-line code with no data-dependent branch: the page
// loops' exits, at a random 1 to 4 pages per call, were a mispredicted branch
// per loop. Page j is read and written at o + min(j, n - 1), so pages past
// the range are never touched (the last one is just visited again).
function swapSmall(
  chunk: Float64Array,
  o: number,
  n: number,
  expect: number,
  free: number,
  value: number,
): boolean {
  const m = n - 1;
  const d1 = 1 - m;
  const d2 = 2 - m;
  const d3 = 3 - m;
  const i1 = o + m + (d1 & (d1 >> 31));
  const i2 = o + m + (d2 & (d2 >> 31));
  const i3 = o + m + (d3 & (d3 >> 31));
  const f0 = chunk[o];
  const f1 = chunk[i1];
  const f2 = chunk[i2];
  const f3 = chunk[i3];
  const ok =
    (+(f0 === expect) | (free & +Number.isNaN(f0))) &
    (+(f1 === expect) | (free & +Number.isNaN(f1))) &
    (+(f2 === expect) | (free & +Number.isNaN(f2))) &
    (+(f3 === expect) | (free & +Number.isNaN(f3)));
  if (ok === 0) return false;
  chunk[o] = value;
  chunk[i1] = value;
  chunk[i2] = value;
  chunk[i3] = value;
  return true;
}

// Without this check an end below the start counted negative pages as mapped.
function reversed(start: number, end: number): RangeError {
  return new RangeError(`range [${hex(start)}, ${hex(end)}) ends below its start`);
}

function checkFlags(flags: number): void {
  if (typeof flags !== 'number' || Number.isNaN(flags)) throw flagsError(flags);
}
