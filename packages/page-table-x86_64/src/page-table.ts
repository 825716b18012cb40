// An x86_64 page table (4-level, or 5-level with LA57) kept in simulated physical
// memory bit for bit as the CPU reads it (SDM vol. 3A, 4.5). The three concerns of
// arceos page_table_multiarch stay apart: architecture metadata (paging-mode.ts),
// entry format (pte-flags.ts, entry-codec.ts) and the paging handler (memory.ts,
// injected). Region operations descend the tree once, level by level, skipping
// absent subtrees, and every failing operation leaves tables and frames untouched.

import type { PageSize } from '@vmem/memory-addr';
import type { PagingControl } from './access-rights.js';
import {
  entryAddress,
  flagsOfLeaf,
  leafHi,
  leafLo,
  TWO_32,
  tableHi,
  tableLo,
} from './entry-codec.js';
import { formatCanonicalRange } from './linear-address.js';
import type { PageTableFrameSource, PageTableMemory } from './memory.js';
import { PageWalker } from './page-walker.js';
import { LEVEL_NAMES, LEVEL_SPAN, type PagingLevels } from './paging-mode.js';
import { checkFlags, describeFlags, ENTRY_PS, PTE, TABLE_ENTRY_FLAGS } from './pte-flags.js';
import {
  ALREADY_MAPPED,
  HUGE_PAGE_CONFLICT,
  type Leaf,
  type LeafCallback,
  type LeafTransform,
  type MapResult,
  NOT_MAPPED,
  type NotMapped,
  OK,
  type Ok,
  OUT_OF_MEMORY,
  type OutOfMemory,
} from './results.js';
import {
  EMPTY,
  entryKind,
  hasOtherEntries,
  LEAF,
  TABLE,
  tableIsEmpty,
  wordIndex,
} from './table-entry.js';

/** Options of the PageTable constructor. */
export interface PageTableOptions {
  /** Physical memory holding the tables. */
  readonly memory: PageTableMemory;
  /** Source of table frames (root included). */
  readonly frames: PageTableFrameSource;
  /** 4 (default) or 5 (LA57). */
  readonly levels?: PagingLevels;
  /** MAXPHYADDR, 32..52 (default 52). */
  readonly maxPhysAddrBits?: number;
  /** Control registers for translate() when no `walker` is given. */
  readonly control?: Partial<PagingControl>;
  /** Share a walker (one CPU's control registers) between several address spaces. */
  readonly walker?: PageWalker;
}

/** Options of mapRegion. */
export interface MapRegionOptions {
  /** Use 2 MiB and 1 GiB leaves where va, pa and the range allow (default false). */
  readonly huge?: boolean;
  /** Largest leaf to use; implies `huge` when above 4 KiB. */
  readonly maxPageSize?: PageSize;
}

/** Options of unmapRegion. */
export interface UnmapRegionOptions {
  /** Called once per removed leaf (after a split, once per removed piece). */
  readonly onRemoved?: LeafCallback;
}

/** A change of leaf flags: bits to set and clear, or the new flags outright. */
export type FlagChange =
  | { readonly set?: number; readonly clear?: number }
  | { readonly flags: number };

/** Options of clone. */
export interface CloneOptions {
  /** Frame source for the copy's tables (default: this table's source). */
  readonly frames?: PageTableFrameSource;
  /** Flags of each leaf in the copy (e.g. clear WRITABLE for copy-on-write), or -1 to skip it. */
  readonly transform?: LeafTransform;
  /** Flags to give each leaf of this (parent) table after a successful copy; -1 keeps it. */
  readonly parentTransform?: LeafTransform;
}

/** A linear range for walks: [va, va + size). */
export interface RangeOptions {
  readonly va?: number;
  readonly size?: number;
}

/** Options of destroy. */
export interface DestroyOptions {
  /** Called once per leaf still mapped, so the caller can release its frame. */
  readonly onLeaf?: LeafCallback;
}

/** Thrown by the constructor when the root table cannot be allocated (use PageTable.create for a result). */
export class PageTableOutOfMemoryError extends Error {
  readonly errno: 'ENOMEM' = 'ENOMEM';
  constructor() {
    super('ENOMEM: no frame for the page-table root');
    this.name = 'PageTableOutOfMemoryError';
  }
}

const PS = ENTRY_PS;
const SIZE_4K = 0x1000;
const SIZE_2M = 0x200000;
const SIZE_1G = 0x40000000;

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

// 2^-(12 + 9(L - 1)) per level: multiplying by it is exact (index 0: not a level).
const INVERSE_SPAN: readonly number[] = [
  Number.NaN,
  2 ** -12,
  2 ** -21,
  2 ** -30,
  2 ** -39,
  2 ** -48,
];

/** The words of an empty table, copied into each new table frame (allocTable). */
const ZERO_TABLE = new Uint32Array(1024);

/** TypeError for an address that is not a number (see map()). */
function notANumber(name: string, value: unknown): never {
  throw new TypeError(`${name} must be a number, got ${typeof value} ${String(value)}`);
}

/**
 * True when the page table (level 1) `t` has an entry in use: any non-zero word.
 * Eight words per test: when the table has emptied, the whole scan is the common
 * case (and a table in use usually has an entry in its first block).
 */
function pageTableInUse(t: Uint32Array): boolean {
  for (let i = 0; i < 1024; i += 8) {
    if ((t[i] | t[i + 1] | t[i + 2] | t[i + 3] | t[i + 4] | t[i + 5] | t[i + 6] | t[i + 7]) !== 0) {
      return true;
    }
  }
  return false;
}

/** Puts `key` in keys[n] unless it is among keys[0..n); returns the new count. */
function addKey(keys: Float64Array, n: number, key: number): number {
  for (let i = 0; i < n; i++) if (keys[i] === key) return n;
  keys[n] = key;
  return n + 1;
}

function levelOfSize(size: number): number {
  return size === SIZE_4K ? 1 : size === SIZE_2M ? 2 : size === SIZE_1G ? 3 : 0;
}

function shiftOf(level: number): number {
  return 12 + 9 * (level - 1);
}

/** An x86_64 page table in simulated physical memory. */
export class PageTable {
  // Numeric fields are initialised where they are declared, with a value of the
  // kind they keep (small integer or double): a field declared bare is first
  // defined as undefined (ES2022 class fields), and the engine then reads it as
  // "any value", with a type check and an untagging step on every use.
  readonly memory: PageTableMemory;
  readonly frames: PageTableFrameSource;
  readonly levels: PagingLevels = 4;
  /** 48 or 57. */
  readonly vaBits: number = 48;
  /** 2^vaBits: linear addresses are numbers below it. */
  readonly vaLimit: number = 2 ** 48;
  readonly maxPhysAddrBits: number = 52;
  /** 2^maxPhysAddrBits: physical addresses are numbers below it. */
  readonly paLimit: number = 2 ** 52;
  /** The walker behind translate(); holds the control registers. */
  readonly walker: PageWalker;

  private root = -1;
  private tables = 0;
  private readonly hiAddrMask: number = 0;
  // 2^(MAXPHYADDR - 21) - 1: the 2 MiB frame numbers below MAXPHYADDR (map()).
  private readonly frame2MMask: number = 0;
  // min(2^(MAXPHYADDR - 12), 2^31) - 1: the 4 KiB frame numbers that map() handles
  // inline (below MAXPHYADDR and small integers).
  private readonly frame4KMask: number = 0;
  private readonly pfnLimit: number = 2 ** 40;
  private readonly cPfn: Float64Array = new Float64Array(6).fill(-1);
  private readonly cWords: Uint32Array[] = [];
  private readonly pathPfn: Float64Array = new Float64Array(6);
  private readonly pathW: Int32Array = new Int32Array(6);
  private readonly newTables: Float64Array = new Float64Array(6);
  // Addresses handed from the small public wrappers to the workers (see map()).
  private readonly io: Float64Array = new Float64Array(3);
  // countEdgeSplits' keys.
  private readonly edgeKeys: Float64Array = new Float64Array(4);
  private pool: number[] = [];
  // Software cache of the last page table (level 1) reached by a single-page walk:
  // the linear address of the 2 MiB region it serves (ptBase), its words and the
  // walk's path. Valid until the next table allocation or free (they set ptBase to
  // NaN: `va - NaN` is NaN, which no offset test accepts), the only events that can
  // change a non-leaf entry this table owns. (The page table is the only writer of
  // its non-leaf entries; the walker only sets their A bit.) Sequential single-page
  // map/unmap then skip the walk.
  private ptBase = Number.NaN;
  private ptWords: Uint32Array = new Uint32Array(0);
  private readonly ptPathPfn: Float64Array = new Float64Array(6);
  private readonly ptPathW: Int32Array = new Int32Array(6);
  // The same for the last page directory a 2 MiB map reached (pdBase: its 1 GiB region).
  private pdBase = Number.NaN;
  private pdWords: Uint32Array = new Uint32Array(0);
  // Operands of the region operation in progress (kept here to keep recursion lean).
  private opFlags = 0;
  private opSet = 0;
  private opClear = 0;
  private opReplace = false;
  private opMaxLeaf = 1;
  private opCallback: LeafCallback | undefined = undefined;

  constructor(options: PageTableOptions) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`PageTable options must be an object, got ${String(options)}`);
    }
    const { memory, frames } = options;
    if (frames === null || typeof frames !== 'object' || typeof frames.allocate !== 'function') {
      throw new TypeError('options.frames must implement allocate() and free(pfn)');
    }
    let walker = options.walker;
    if (walker === undefined) {
      walker = new PageWalker({
        memory,
        levels: options.levels,
        maxPhysAddrBits: options.maxPhysAddrBits,
        control: options.control,
      });
    } else {
      if (!(walker instanceof PageWalker))
        throw new TypeError('options.walker must be a PageWalker');
      if (walker.memory !== memory) throw new RangeError('options.walker uses a different memory');
      if (options.levels !== undefined && options.levels !== walker.levels) {
        throw new RangeError(
          `options.levels ${options.levels} differs from the walker's ${walker.levels}`,
        );
      }
      if (
        options.maxPhysAddrBits !== undefined &&
        options.maxPhysAddrBits !== walker.maxPhysAddrBits
      ) {
        throw new RangeError(
          `options.maxPhysAddrBits ${options.maxPhysAddrBits} differs from the walker's ${walker.maxPhysAddrBits}`,
        );
      }
      if (options.control !== undefined) walker.setControl(options.control);
    }
    this.walker = walker;
    this.memory = memory;
    this.frames = frames;
    this.levels = walker.levels;
    this.vaBits = walker.vaBits;
    this.vaLimit = walker.vaLimit;
    this.maxPhysAddrBits = walker.maxPhysAddrBits;
    this.paLimit = 2 ** this.maxPhysAddrBits;
    this.pfnLimit = 2 ** (this.maxPhysAddrBits - 12);
    this.hiAddrMask = walker.hiAddrMask;
    this.frame2MMask = (2 ** (this.maxPhysAddrBits - 21) - 1) | 0;
    this.frame4KMask = (2 ** Math.min(this.maxPhysAddrBits - 12, 31) - 1) | 0;
    const empty = new Uint32Array(0);
    for (let i = 0; i < 6; i++) this.cWords.push(empty);
    const root = this.allocTable();
    if (root < 0) throw new PageTableOutOfMemoryError();
    this.root = root;
  }

  /** Like the constructor, but a root-allocation failure is a result, not an exception. */
  static create(options: PageTableOptions): PageTable | OutOfMemory {
    try {
      return new PageTable(options);
    } catch (e) {
      if (e instanceof PageTableOutOfMemoryError) return OUT_OF_MEMORY;
      throw e;
    }
  }

  /** Frame number of the top-level table (PML4, or PML5 with 5 levels). */
  get rootPfn(): number {
    this.live();
    return this.root;
  }

  /** Number of table frames held, root included. */
  get tableCount(): number {
    return this.tables;
  }

  /** True once destroy() has run. */
  get destroyed(): boolean {
    return this.root < 0;
  }

  /**
   * CR3 value for this table: root physical address | `pcid` (bits 11:0, used when
   * CR4.PCIDE = 1; default 0). SDM Tables 4-12 / 4-13.
   */
  cr3(options?: { readonly pcid?: number }): number {
    this.live();
    const pcid = options?.pcid ?? 0;
    if (!Number.isInteger(pcid) || pcid < 0 || pcid > 0xfff) {
      throw new RangeError(`pcid must be an integer in 0..4095, got ${String(pcid)}`);
    }
    return this.root * SIZE_4K + pcid;
  }

  /** Translates `va` for `access` through this table (see PageWalker.translate). */
  translate(va: number, access: number): number {
    if (typeof va !== 'number') notANumber('linear address', va);
    return this.walker.translate(this.root, va, access);
  }

  // ----------------------------------------------------------------- single pages

  /**
   * Maps the page of `pageSize` at `va` to `pa` with `flags` (see PTE). Creates the
   * missing tables; when one cannot be allocated returns OUT_OF_MEMORY with nothing
   * changed. ALREADY_MAPPED when the slot (or a part of it) is in use;
   * HUGE_PAGE_CONFLICT when a larger leaf covers `va`.
   */
  map(va: number, pa: number, pageSize: PageSize, flags: number): MapResult {
    // The typeof tests come first: the Float64Array below would turn '4096' or null
    // into a number instead of refusing it, and `&` on a bigint throws the engine's
    // TypeError. mapBadType reports the argument.
    if (typeof va !== 'number' || typeof pa !== 'number' || typeof flags !== 'number') {
      return this.mapBadType(va, pa, flags);
    }
    // The common case inline, in the caller's code (the function must stay small
    // enough for the engine to inline it): a 4 KiB page in the 2 MiB region of the
    // last single-page walk, with no table allocated or freed since, so the page
    // table found then is still the one (see ptBase); check the arguments, write the
    // entry. The same for a 2 MiB page in the 1 GiB region of the last 2 MiB walk
    // (see pdBase), in a small worker taking small integers. The offset inside the
    // region is a double (exact: both addresses are integers within a factor of two
    // of each other, or it is out of range anyway), so `x === (x & alignedBits)`
    // tests that it is an integer, in range and aligned at once. `pa` is tested the
    // same way as its number of frames of the page's size, against the frames below
    // MAXPHYADDR (4 KiB: below 2^31 as well, so that the frame number is a small
    // integer; a larger `pa` takes mapPage). The tested values are the ANDed ones,
    // small integers: the shifts and index arithmetic below need no further
    // conversion from a double. Literals as in mapPage.
    if ((flags & 0xffffff) === flags) {
      if (pageSize === 0x1000) {
        const off = va - this.ptBase;
        const o = off & 0x1ff000;
        const frame = pa * 0.000244140625;
        const f = frame & this.frame4KMask;
        if (o === off && f === frame) {
          const lo = (f << 12) | (flags & 0xfff);
          const hi = (f >>> 20) | ((flags >>> 12) << 20);
          const t = this.ptWords;
          const w = o >>> 11;
          if ((lo | hi) !== 0) {
            if ((t[w] | t[w | 1]) !== 0) return ALREADY_MAPPED;
            t[w | 1] = hi;
            t[w] = lo;
            return OK;
          }
        }
      } else if (pageSize === 0x200000) {
        const off = va - this.pdBase;
        const o = off & 0x3fe00000;
        const frame = pa * 4.76837158203125e-7;
        const f = frame & this.frame2MMask;
        if (o === off && f === frame) return this.map2MCached(o, f, flags);
      }
    }
    // Addresses above 2^30 are not small integers and would be boxed when passed
    // to a call that does not inline, so they travel through `io` and mapPage takes
    // small integers only.
    const io = this.io;
    io[0] = va;
    io[1] = pa;
    io[2] = pageSize;
    return this.mapPage(levelOfSize(pageSize), flags);
  }

  private mapBadType(va: unknown, pa: unknown, flags: unknown): never {
    if (typeof va !== 'number') notANumber('linear address', va);
    if (typeof pa !== 'number') notANumber('physical address', pa);
    checkFlags(flags as number);
    throw new TypeError('map: arguments must be numbers');
  }

  // A 2 MiB page at offset `off` (aligned) of the cached page directory's 1 GiB
  // region, of physical address frame * 2^21, with the flags, all checked by map().
  private map2MCached(off: number, frame: number, flags: number): MapResult {
    const t = this.pdWords;
    const w = off >>> 20;
    if ((t[w] & 0x81) !== 0) return ALREADY_MAPPED;
    t[w | 1] = (frame >>> 11) | ((flags >>> 12) << 20);
    t[w] = (frame << 21) | (flags & 0xf7f) | 0x80 | ((flags & 0x80) << 5);
    return OK;
  }

  private mapPage(leafLevel: number, flags: number): MapResult {
    const io = this.io;
    const va = io[0];
    const pa = io[1];
    // (The cached-table cases were tried in map().) Alignment (and integrality) by an exact multiplication with 2^-shift: `%` on
    // doubles is a library call.
    const inv =
      leafLevel === 1
        ? 0.000244140625
        : leafLevel === 2
          ? 4.76837158203125e-7
          : leafLevel === 3
            ? 9.313225746154785e-10
            : Number.NaN;
    const qv = va * inv;
    const qp = pa * inv;
    if (
      !(va >= 0 && va < this.vaLimit && Math.floor(qv) === qv) ||
      !(pa >= 0 && pa < this.paLimit && Math.floor(qp) === qp) ||
      (flags & 0xffffff) !== flags
    ) {
      this.badMap(va, pa, io[2], flags);
    }
    const root = this.root;
    if (root < 0) this.live();
    // Leaf encoding (entry-codec.ts leafLo / leafHi, inline).
    const paHi = Math.floor(pa * 2.3283064365386963e-10);
    const paLo = pa - paHi * 4294967296;
    const hiBits = (paHi | ((flags >>> 12) << 20)) >>> 0;
    const loBits =
      leafLevel === 1
        ? (paLo | (flags & 0xfff)) >>> 0
        : (paLo | (flags & 0xf7f) | 0x80 | ((flags & 0x80) << 5)) >>> 0;
    if (loBits === 0 && hiBits === 0) {
      throw new RangeError('map of frame 0 with flags 0 would write an empty entry');
    }
    const vaHi = Math.floor(va * 2.3283064365386963e-10);
    const vaLo = (va - vaHi * 4294967296) | 0;
    const pathPfn = this.pathPfn;
    const pathW = this.pathW;
    const hiAddrMask = this.hiAddrMask;
    let pfn = root;
    for (let level: number = this.levels; level > leafLevel; level--) {
      const t = this.tw(level, pfn);
      const w =
        level === 2
          ? (vaLo >>> 20) & 0x3fe
          : level === 3
            ? ((vaLo >>> 29) | (vaHi << 3)) & 0x3fe
            : level === 4
              ? (vaHi >>> 6) & 0x3fe
              : (vaHi >>> 15) & 0x3fe;
      pathPfn[level] = pfn;
      pathW[level] = w;
      const lo = t[w];
      if (level <= 3 && (lo & 0x80) !== 0) return HUGE_PAGE_CONFLICT;
      if ((lo & 0x1) === 0)
        return this.mapWithNewTables(level, t, w, vaLo, vaHi, leafLevel, loBits, hiBits);
      pfn = (t[w + 1] & hiAddrMask) * 1048576 + (lo >>> 12);
    }
    const t = this.tw(leafLevel, pfn);
    const w =
      leafLevel === 1
        ? (vaLo >>> 11) & 0x3fe
        : leafLevel === 2
          ? (vaLo >>> 20) & 0x3fe
          : ((vaLo >>> 29) | (vaHi << 3)) & 0x3fe;
    // Slot in use? (entryKind, inline: table words can exceed 2^30 and are not
    // passed to calls on this path, see map().)
    const lo = t[w];
    if (leafLevel === 1) {
      pathPfn[1] = pfn;
      pathW[1] = w;
      this.rememberPageTable(Math.floor(va * 4.76837158203125e-7) * 2097152, t);
      if ((lo | t[w + 1]) !== 0) return ALREADY_MAPPED;
    } else {
      if (leafLevel === 2) {
        this.pdBase = Math.floor(va * 9.313225746154785e-10) * 1073741824;
        this.pdWords = t;
      }
      if ((lo & 0x81) !== 0) return ALREADY_MAPPED;
    }
    t[w + 1] = hiBits;
    t[w] = loBits;
    return OK;
  }

  // Remembers the page table (level 1) reached by the walk recorded in pathPfn /
  // pathW, for the 2 MiB region at linear address `base`.
  private rememberPageTable(base: number, t: Uint32Array): void {
    this.ptBase = base;
    this.ptWords = t;
    for (let l = 1; l <= this.levels; l++) {
      this.ptPathPfn[l] = this.pathPfn[l];
      this.ptPathW[l] = this.pathW[l];
    }
  }

  // The slot at `level` (table t, word w) is empty: allocate every table from
  // level-1 down to the leaf's level first, so a failure frees them and changes nothing.
  private mapWithNewTables(
    level: number,
    t: Uint32Array,
    w: number,
    vaLo: number,
    vaHi: number,
    leafLevel: number,
    loBits: number,
    hiBits: number,
  ): MapResult {
    const need = level - leafLevel;
    const fresh = this.newTables;
    for (let k = 0; k < need; k++) {
      const f = this.allocTable();
      if (f < 0) {
        for (let j = k - 1; j >= 0; j--) this.freeTable(fresh[j]);
        return OUT_OF_MEMORY;
      }
      fresh[k] = f;
    }
    // fresh[k] is the table at level (level - 1 - k).
    const leafTable = this.tw(leafLevel, fresh[need - 1]);
    const lw = wordIndex(leafLevel, vaLo, vaHi);
    leafTable[lw + 1] = hiBits;
    leafTable[lw] = loBits;
    for (let k = need - 1; k >= 1; k--) {
      const parentLevel = level - k;
      const pt = this.tw(parentLevel, fresh[k - 1]);
      const pw = wordIndex(parentLevel, vaLo, vaHi);
      pt[pw + 1] = tableHi(fresh[k]);
      pt[pw] = tableLo(fresh[k], TABLE_ENTRY_FLAGS);
    }
    t[w + 1] = tableHi(fresh[0]);
    t[w] = tableLo(fresh[0], TABLE_ENTRY_FLAGS);
    // The new leaf table is the one the next pages of the region go to: remember
    // it as a walk would (see ptBase / pdBase), with the path down to it.
    if (leafLevel === 1) {
      for (let k = 0; k < need; k++) {
        this.pathPfn[level - 1 - k] = fresh[k];
        this.pathW[level - 1 - k] = wordIndex(level - 1 - k, vaLo, vaHi);
      }
      this.rememberPageTable(vaHi * 4294967296 + ((vaLo & 0xffe00000) >>> 0), leafTable);
    } else if (leafLevel === 2) {
      this.pdBase = vaHi * 4294967296 + ((vaLo & 0xc0000000) >>> 0);
      this.pdWords = leafTable;
    }
    return OK;
  }

  private badMap(va: number, pa: number, pageSize: number, flags: number): never {
    const level = levelOfSize(pageSize);
    if (level === 0) {
      throw new RangeError(`pageSize must be 4 KiB, 2 MiB or 1 GiB, got ${String(pageSize)}`);
    }
    this.checkVa(va, pageSize);
    if (typeof pa !== 'number' || !Number.isInteger(pa) || pa < 0 || pa >= this.paLimit) {
      throw new RangeError(
        `physical address must be an integer in [0, 2^${this.maxPhysAddrBits}), got ${String(pa)}`,
      );
    }
    if (pa % pageSize !== 0)
      throw new RangeError(`physical address ${hex(pa)} is not aligned to ${hex(pageSize)}`);
    checkFlags(flags);
    throw new RangeError('invalid map arguments');
  }

  private checkVa(va: number, align: number): void {
    if (typeof va !== 'number' || !Number.isInteger(va) || va < 0 || va >= this.vaLimit) {
      throw new RangeError(
        `linear address must be an integer in [0, 2^${this.vaBits}), got ${String(va)}`,
      );
    }
    if (va % align !== 0)
      throw new RangeError(`linear address ${hex(va)} is not aligned to ${hex(align)}`);
  }

  /**
   * The leaf that maps `va` (any size), without A/D side effects: its page's start
   * va and pa, size and flags. Fills and returns `out` when given (no allocation).
   */
  query(va: number, out?: Leaf): Leaf | NotMapped {
    if (typeof va !== 'number') notANumber('linear address', va);
    this.io[0] = va;
    return this.queryPage(out);
  }

  private queryPage(out: Leaf | undefined): Leaf | NotMapped {
    const va = this.io[0];
    this.checkVa(va, 1);
    this.live();
    const level = this.findLeaf();
    if (level === 0) return NOT_MAPPED;
    return this.describeLeaf(level, out);
  }

  /**
   * Removes the leaf that maps `va` (the whole page, whatever its size) and frees
   * the tables that become empty. Returns what was mapped (into `out` when given).
   */
  unmap(va: number, out?: Leaf): Leaf | NotMapped {
    // The common case inline, as in map(): a 4 KiB page in the 2 MiB region of the
    // last single-page walk, no table allocated or freed since, and a Leaf to fill.
    // `off === (off & 0x1fffff)` tests that the offset in the region is an integer
    // in range. The table is freed (and its ancestors, when they empty) only when
    // neither the next entry (the previous one for the last slot) nor, after it, a
    // scan of the table finds an entry in use; sequential unmaps stop at the first
    // test.
    if (typeof va === 'number' && out !== undefined) {
      const off = va - this.ptBase;
      const o = off & 0x1fffff;
      if (o === off) {
        const t = this.ptWords;
        const w = (o >>> 11) & 0x3fe;
        const lo = t[w];
        const hi = t[w | 1];
        if ((lo | hi) === 0) return NOT_MAPPED;
        out.va = va - (o & 0xfff);
        // (lo >>> 12) * 4096, not (lo & 0xfffff000) >>> 0: the latter is speculated
        // to be a small integer (a check on every call, a deoptimisation at bit 31).
        out.pa = (hi & this.hiAddrMask) * 4294967296 + (lo >>> 12) * 4096;
        out.size = 0x1000;
        out.flags = (lo & 0xfff) | ((hi >>> 20) << 12);
        t[w] = 0;
        t[w | 1] = 0;
        const next = w === 1022 ? 1020 : w + 2;
        if ((t[next] | t[next | 1]) === 0 && !pageTableInUse(t)) this.pruneCached();
        return out;
      }
    }
    if (typeof va !== 'number') notANumber('linear address', va);
    this.io[0] = va;
    return this.unmapPage(out);
  }

  // The cached page table (see ptBase) lost its last entry: free it and the
  // ancestors it leaves empty, along the path recorded with it.
  private pruneCached(): void {
    for (let l = 1; l <= this.levels; l++) {
      this.pathPfn[l] = this.ptPathPfn[l];
      this.pathW[l] = this.ptPathW[l];
    }
    this.freeEmptyTable(1);
  }

  private unmapPage(out: Leaf | undefined): Leaf | NotMapped {
    const va = this.io[0];
    if (!(va >= 0 && va < this.vaLimit && Math.floor(va) === va)) this.checkVa(va, 1);
    if (this.root < 0) this.live();
    // Literals as in mapPage: 2^-32, 2^32.
    const off = va - this.ptBase;
    if (off === (off & 0x1fffff)) {
      // The page table of this 2 MiB region is known (see ptBase): no walk. (Without
      // an `out` Leaf; unmap() handles the case with one.)
      const t = this.ptWords;
      const vaLo = (va - Math.floor(va * 2.3283064365386963e-10) * 4294967296) | 0;
      const w = (vaLo >>> 11) & 0x3fe;
      const lo = t[w];
      const hi = t[w + 1];
      if ((lo | hi) === 0) return NOT_MAPPED;
      // describeLeaf for a 4 KiB leaf, inline.
      const result: Leaf = out ?? { ok: true, va: 0, pa: 0, size: 0x1000, flags: 0 };
      result.va = va - (vaLo & 0xfff);
      result.pa = (hi & this.hiAddrMask) * 4294967296 + ((lo & 0xfffff000) >>> 0);
      result.size = 0x1000;
      result.flags = (lo & 0xfff) | ((hi >>> 20) << 12);
      t[w] = 0;
      t[w + 1] = 0;
      if (!pageTableInUse(t)) this.pruneCached();
      return result;
    }
    const level = this.findLeaf();
    if (level === 0) return NOT_MAPPED;
    const result = this.describeLeaf(level, out);
    const t = this.tw(level, this.pathPfn[level]);
    const w = this.pathW[level];
    t[w] = 0;
    t[w + 1] = 0;
    this.pruneFrom(level);
    return result;
  }

  /** Replaces the flags of the leaf that maps `va`, keeping its frame and size. */
  changeFlags(va: number, flags: number): Ok | NotMapped {
    checkFlags(flags);
    return this.protect(va, { flags });
  }

  /** Applies a FlagChange to the leaf that maps `va` (no split: the whole leaf changes). */
  protect(va: number, change: FlagChange): Ok | NotMapped {
    this.checkVa(va, 1);
    this.live();
    this.parseChange(change);
    this.io[0] = va;
    const level = this.findLeaf();
    if (level === 0) return NOT_MAPPED;
    const t = this.tw(level, this.pathPfn[level]);
    const w = this.pathW[level];
    const lo = t[w];
    const hi = t[w + 1];
    const pa = entryAddress(lo, hi, this.hiAddrMask, shiftOf(level));
    const flags = this.changed(flagsOfLeaf(level, lo, hi));
    const nlo = leafLo(level, pa, flags);
    const nhi = leafHi(pa, flags);
    if (nlo === 0 && nhi === 0) {
      throw new RangeError(`flags 0 on the 4 KiB page at frame 0 would empty the entry; use unmap`);
    }
    t[w + 1] = nhi;
    t[w] = nlo;
    return OK;
  }

  /**
   * Points the leaf that maps `va` at frame `pa` with `flags`, in place: the leaf
   * keeps its size and no table is freed or allocated, so replacing a page (a
   * copy-on-write break) cannot fail for want of a table frame. `pa` must be
   * aligned to the leaf's size. NOT_MAPPED when nothing maps `va`.
   */
  remap(va: number, pa: number, flags: number): Ok | NotMapped {
    this.checkVa(va, 1);
    if (typeof pa !== 'number' || !Number.isInteger(pa) || pa < 0 || pa >= this.paLimit) {
      throw new RangeError(
        `physical address must be an integer in [0, 2^${this.maxPhysAddrBits}), got ${String(pa)}`,
      );
    }
    checkFlags(flags);
    this.live();
    this.io[0] = va;
    const level = this.findLeaf();
    if (level === 0) return NOT_MAPPED;
    const size = LEVEL_SPAN[level] as number;
    if (pa % size !== 0)
      throw new RangeError(`physical address ${hex(pa)} is not aligned to ${hex(size)}`);
    const nlo = leafLo(level, pa, flags);
    const nhi = leafHi(pa, flags);
    if (nlo === 0 && nhi === 0) {
      throw new RangeError(`flags 0 on the 4 KiB page at frame 0 would empty the entry; use unmap`);
    }
    const t = this.tw(level, this.pathPfn[level]);
    const w = this.pathW[level];
    t[w + 1] = nhi;
    t[w] = nlo;
    return OK;
  }

  // Walks to the leaf mapping the address in io[0], recording the path in
  // pathPfn/pathW. Returns its level, or 0 when an empty slot ends the walk.
  private findLeaf(): number {
    // Literals as in mapPage.
    const va = this.io[0];
    const vaHi = Math.floor(va * 2.3283064365386963e-10);
    const vaLo = (va - vaHi * 4294967296) | 0;
    const pathPfn = this.pathPfn;
    const pathW = this.pathW;
    let pfn = this.root;
    for (let level: number = this.levels; level >= 1; level--) {
      const t = this.tw(level, pfn);
      const w =
        level === 1
          ? (vaLo >>> 11) & 0x3fe
          : level === 2
            ? (vaLo >>> 20) & 0x3fe
            : level === 3
              ? ((vaLo >>> 29) | (vaHi << 3)) & 0x3fe
              : level === 4
                ? (vaHi >>> 6) & 0x3fe
                : (vaHi >>> 15) & 0x3fe;
      pathPfn[level] = pfn;
      pathW[level] = w;
      const lo = t[w];
      const hi = t[w + 1];
      // entryKind, inline (see map()).
      if (level === 1) {
        this.rememberPageTable(Math.floor(va * 4.76837158203125e-7) * 2097152, t);
        return (lo | hi) !== 0 ? 1 : 0;
      }
      if (level <= 3 && (lo & 0x80) !== 0) return level;
      if ((lo & 0x1) === 0) return 0;
      pfn = (hi & this.hiAddrMask) * 1048576 + (lo >>> 12);
    }
    return 0;
  }

  // After clearing an entry in the table at `level` on the recorded path, frees that
  // table and its ancestors (never the root) while they are empty.
  private pruneFrom(level: number): void {
    if (level >= this.levels) return;
    const t = this.tw(level, this.pathPfn[level]);
    if (level === 1 ? pageTableInUse(t) : hasOtherEntries(t, level, this.pathW[level])) return;
    this.freeEmptyTable(level);
  }

  // The table at `level` (below the root) on the recorded path is empty: clears its
  // entry in the parent, frees it, then its ancestors while they are empty.
  private freeEmptyTable(level: number): void {
    const parent = this.tw(level + 1, this.pathPfn[level + 1]);
    const pw = this.pathW[level + 1];
    parent[pw] = 0;
    parent[pw + 1] = 0;
    this.freeTable(this.pathPfn[level]);
    this.pruneFrom(level + 1);
  }

  // The leaf found by findLeaf() for the address in io[0], into `out` or a new Leaf.
  private describeLeaf(level: number, out: Leaf | undefined): Leaf {
    const t = this.tw(level, this.pathPfn[level]);
    const w = this.pathW[level];
    const lo = t[w];
    const hi = t[w + 1];
    // The size as a small-integer literal, not from LEVEL_SPAN (an array of doubles:
    // storing its element would make every Leaf's size field a boxed double, which
    // unmap()'s inline path then writes through a box on every call).
    const size: PageSize = level === 1 ? SIZE_4K : level === 2 ? SIZE_2M : SIZE_1G;
    const leaf: Leaf = out ?? { ok: true, va: 0, pa: 0, size, flags: 0 };
    leaf.va = Math.floor(this.io[0] * INVERSE_SPAN[level]) * size;
    leaf.pa = entryAddress(lo, hi, this.hiAddrMask, shiftOf(level));
    leaf.size = size;
    leaf.flags = flagsOfLeaf(level, lo, hi);
    return leaf;
  }

  // ------------------------------------------------------------------- regions

  /**
   * Maps [va, va + size) to [pa, pa + size) with `flags`, using 2 MiB / 1 GiB leaves
   * where allowed (options.huge / maxPageSize) and va, pa and the range are aligned.
   * All-or-nothing: the range is checked and every table it needs is allocated
   * before anything is written. ALREADY_MAPPED when any page of the range is in use,
   * HUGE_PAGE_CONFLICT when a leaf reaches beyond the range, OUT_OF_MEMORY.
   */
  mapRegion(
    va: number,
    pa: number,
    size: number,
    flags: number,
    options?: MapRegionOptions,
  ): MapResult {
    this.checkRegion(va, size);
    if (typeof pa !== 'number' || !Number.isInteger(pa) || pa < 0 || pa % SIZE_4K !== 0) {
      throw new RangeError(
        `physical address must be a 4 KiB-aligned non-negative integer, got ${String(pa)}`,
      );
    }
    if (pa + size > this.paLimit) {
      throw new RangeError(
        `physical range ${hex(pa)}+${hex(size)} passes 2^${this.maxPhysAddrBits}`,
      );
    }
    checkFlags(flags);
    if (pa === 0 && flags === 0)
      throw new RangeError('map of frame 0 with flags 0 would write an empty entry');
    let maxLeaf = options?.huge === true ? 3 : 1;
    if (options?.maxPageSize !== undefined) {
      const l = levelOfSize(options.maxPageSize);
      if (l === 0)
        throw new RangeError(`maxPageSize must be a page size, got ${String(options.maxPageSize)}`);
      maxLeaf = l;
    }
    this.live();
    const off = pa - va;
    const end = va + size;
    const need = this.planMap(this.levels, this.root, 0, va, end, off, maxLeaf);
    if (need === -1) return ALREADY_MAPPED;
    if (need === -2) return HUGE_PAGE_CONFLICT;
    if (!this.fillPool(need)) return OUT_OF_MEMORY;
    this.opFlags = flags;
    this.opMaxLeaf = maxLeaf;
    this.applyMap(this.levels, this.root, 0, va, end, off);
    this.drainPool();
    return OK;
  }

  // Tables [va, end) needs under the table `pfn` at `level` (-1: a table still to be
  // created, all empty), or -1 when a page is in use, -2 when a leaf reaches outside.
  // Index bounds are computed from differences (e - base): above 2^53 (5-level
  // paging) `e - 1` would round back to `e`, while differences of page-aligned
  // addresses stay exact.
  private planMap(
    level: number,
    pfn: number,
    base: number,
    s: number,
    e: number,
    off: number,
    maxLeaf: number,
  ): number {
    if (pfn < 0) return this.planFresh(level, base, s, e, off, maxLeaf);
    const span = LEVEL_SPAN[level];
    const first = Math.floor((s - base) / span);
    const last = Math.ceil((e - base) / span) - 1;
    const t = this.tw(level, pfn);
    let need = 0;
    for (let i = first; i <= last; i++) {
      const eb = base + i * span;
      const cs = Math.max(s, eb);
      const ce = Math.min(e, eb + span);
      const lo = t[2 * i];
      const hi = t[2 * i + 1];
      const kind = entryKind(level, lo, hi);
      if (kind === EMPTY) {
        need += this.planFreshEntry(level, eb, cs, ce, off, maxLeaf);
      } else if (kind === TABLE) {
        const r = this.planMap(
          level - 1,
          (hi & this.hiAddrMask) * 1048576 + (lo >>> 12),
          eb,
          cs,
          ce,
          off,
          maxLeaf,
        );
        if (r < 0) return r;
        need += r;
      } else {
        return cs === eb && ce === eb + span ? -1 : -2;
      }
    }
    return need;
  }

  // planMap under a table still to be created (all entries empty). Every entry the
  // range covers whole needs the same number of tables, so only the partly covered
  // first and last entries are visited: O(levels) per call, where visiting each
  // entry took seconds for 2^47 bytes (2^26 page-directory entries).
  private planFresh(
    level: number,
    base: number,
    s: number,
    e: number,
    off: number,
    maxLeaf: number,
  ): number {
    const span = LEVEL_SPAN[level];
    const first = Math.floor((s - base) / span);
    const last = Math.ceil((e - base) / span) - 1;
    const fb = base + first * span;
    const lb = base + last * span;
    let need = 0;
    let whole = last - first + 1;
    if (s > fb || e < fb + span) {
      need += this.planFreshEntry(level, fb, s, Math.min(e, fb + span), off, maxLeaf);
      whole--;
    }
    if (last > first && e < lb + span) {
      need += this.planFreshEntry(level, lb, lb, e, off, maxLeaf);
      whole--;
    }
    return whole > 0
      ? need + whole * this.planFreshEntry(level, fb, fb, fb + span, off, maxLeaf)
      : need;
  }

  // Tables an empty entry at `level` (base eb) needs to map [cs, ce) within it: none
  // at level 1 or for a huge leaf (covered whole, allowed and aligned), else its
  // table and what that table needs.
  private planFreshEntry(
    level: number,
    eb: number,
    cs: number,
    ce: number,
    off: number,
    maxLeaf: number,
  ): number {
    if (level === 1) return 0;
    const span = LEVEL_SPAN[level];
    if (level <= maxLeaf && cs === eb && ce === eb + span && (eb + off) % span === 0) return 0;
    return level > 2 ? 1 + this.planFresh(level - 1, eb, cs, ce, off, maxLeaf) : 1;
  }

  private applyMap(
    level: number,
    pfn: number,
    base: number,
    s: number,
    e: number,
    off: number,
  ): void {
    const t = this.tw(level, pfn);
    const span = LEVEL_SPAN[level];
    const first = Math.floor((s - base) / span);
    const last = Math.ceil((e - base) / span) - 1;
    const flags = this.opFlags;
    if (level === 1) {
      const pa = s + off;
      let paHi = Math.floor(pa / TWO_32);
      let paLo = pa - paHi * TWO_32;
      const loF = flags & 0xfff;
      const hiF = (flags >>> 12) << 20;
      for (let w = 2 * first; w <= 2 * last; w += 2) {
        t[w + 1] = paHi | hiF;
        t[w] = paLo | loF;
        paLo += SIZE_4K;
        if (paLo >= TWO_32) {
          paLo -= TWO_32;
          paHi++;
        }
      }
      return;
    }
    for (let i = first; i <= last; i++) {
      const eb = base + i * span;
      const cs = Math.max(s, eb);
      const ce = Math.min(e, eb + span);
      const w = 2 * i;
      const lo = t[w];
      const hi = t[w + 1];
      const kind = entryKind(level, lo, hi);
      if (kind === TABLE) {
        this.applyMap(level - 1, (hi & this.hiAddrMask) * 1048576 + (lo >>> 12), eb, cs, ce, off);
        continue;
      }
      if (kind !== EMPTY)
        throw new Error(`internal: planned slot ${LEVEL_NAMES[level]}[${i}] is in use`);
      if (level <= this.opMaxLeaf && cs === eb && ce === eb + span && (eb + off) % span === 0) {
        const pa = eb + off;
        t[w + 1] = leafHi(pa, flags);
        t[w] = leafLo(level, pa, flags);
        continue;
      }
      const child = this.takeFromPool();
      t[w + 1] = tableHi(child);
      t[w] = tableLo(child, TABLE_ENTRY_FLAGS);
      this.applyMap(level - 1, child, eb, cs, ce, off);
    }
  }

  /**
   * Removes every leaf in [va, va + size), splitting a 2 MiB / 1 GiB leaf that the
   * range covers only in part, and frees the tables that become empty. Each removed
   * leaf (or removed piece of a split one) is reported to options.onRemoved.
   * One descent; subtrees without tables are skipped. OUT_OF_MEMORY (nothing
   * changed) only when a split needs a table frame and none is left.
   */
  unmapRegion(va: number, size: number, options?: UnmapRegionOptions): Ok | OutOfMemory {
    this.checkRegion(va, size);
    const cb = options?.onRemoved;
    if (cb !== undefined && typeof cb !== 'function')
      throw new TypeError('options.onRemoved must be a function');
    this.live();
    if (!this.fillPool(this.countEdgeSplits(va, va + size))) return OUT_OF_MEMORY;
    this.opCallback = cb;
    try {
      this.removeRange(this.levels, this.root, 0, va, va + size);
    } finally {
      this.opCallback = undefined;
      this.drainPool();
    }
    return OK;
  }

  private removeRange(level: number, pfn: number, base: number, s: number, e: number): void {
    const t = this.tw(level, pfn);
    const span = LEVEL_SPAN[level];
    const first = Math.floor((s - base) / span);
    const last = Math.ceil((e - base) / span) - 1;
    const cb = this.opCallback;
    if (level === 1) {
      for (let i = first; i <= last; i++) {
        const w = 2 * i;
        const lo = t[w];
        const hi = t[w + 1];
        if ((lo | hi) === 0) continue;
        t[w] = 0;
        t[w + 1] = 0;
        if (cb !== undefined) {
          cb(
            base + i * SIZE_4K,
            entryAddress(lo, hi, this.hiAddrMask, 12),
            SIZE_4K,
            flagsOfLeaf(1, lo, hi),
          );
        }
      }
      return;
    }
    // An entry is in use when P is set, or PS at levels 2-3 (a huge leaf kept
    // without P): an empty one is skipped on its low dword alone.
    const inUse = level <= 3 ? 0x81 : 0x1;
    for (let i = first; i <= last; i++) {
      const w = 2 * i;
      const lo = t[w];
      if ((lo & inUse) === 0) continue;
      const hi = t[w + 1];
      const kind = entryKind(level, lo, hi);
      const eb = base + i * span;
      const cs = Math.max(s, eb);
      const ce = Math.min(e, eb + span);
      const full = cs === eb && ce === eb + span;
      if (kind === LEAF) {
        if (full) {
          t[w] = 0;
          t[w + 1] = 0;
          if (cb !== undefined) {
            cb(
              eb,
              entryAddress(lo, hi, this.hiAddrMask, shiftOf(level)),
              span as PageSize,
              flagsOfLeaf(level, lo, hi),
            );
          }
        } else {
          this.removeRange(level - 1, this.split(level, t, w), eb, cs, ce);
        }
        continue;
      }
      const child = (hi & this.hiAddrMask) * 1048576 + (lo >>> 12);
      this.removeRange(level - 1, child, eb, cs, ce);
      if (full || tableIsEmpty(this.tw(level - 1, child), level - 1)) {
        t[w] = 0;
        t[w + 1] = 0;
        this.freeTable(child);
      }
    }
  }

  /**
   * Changes the flags of every leaf in [va, va + size) (holes are skipped), splitting
   * a 2 MiB / 1 GiB leaf the range covers only in part. OUT_OF_MEMORY (nothing
   * changed) when a split needs a table frame and none is left.
   */
  protectRegion(va: number, size: number, change: FlagChange): Ok | OutOfMemory {
    this.checkRegion(va, size);
    this.parseChange(change);
    this.live();
    if (!this.fillPool(this.countEdgeSplits(va, va + size))) return OUT_OF_MEMORY;
    try {
      this.protectRange(this.levels, this.root, 0, va, va + size);
    } finally {
      this.drainPool();
    }
    return OK;
  }

  private protectRange(level: number, pfn: number, base: number, s: number, e: number): void {
    const t = this.tw(level, pfn);
    const span = LEVEL_SPAN[level];
    const first = Math.floor((s - base) / span);
    const last = Math.ceil((e - base) / span) - 1;
    for (let i = first; i <= last; i++) {
      const w = 2 * i;
      const lo = t[w];
      const hi = t[w + 1];
      const kind = entryKind(level, lo, hi);
      if (kind === EMPTY) continue;
      const eb = base + i * span;
      const cs = Math.max(s, eb);
      const ce = Math.min(e, eb + span);
      if (kind === TABLE) {
        this.protectRange(level - 1, (hi & this.hiAddrMask) * 1048576 + (lo >>> 12), eb, cs, ce);
      } else if (cs === eb && ce === eb + span) {
        const pa = entryAddress(lo, hi, this.hiAddrMask, shiftOf(level));
        const flags = this.changed(flagsOfLeaf(level, lo, hi));
        t[w + 1] = leafHi(pa, flags);
        t[w] = leafLo(level, pa, flags);
      } else {
        this.protectRange(level - 1, this.split(level, t, w), eb, cs, ce);
      }
    }
  }

  // Replaces the huge leaf at t[w] (level 2 or 3) by a table of 512 leaves one
  // level down with the same frames and flags (PAT moves between bit 12 and bit 7
  // through the API flags). Uses a frame from the pool. Returns the new table.
  private split(level: number, t: Uint32Array, w: number): number {
    const lo = t[w];
    const hi = t[w + 1];
    const flags = flagsOfLeaf(level, lo, hi);
    const pa0 = entryAddress(lo, hi, this.hiAddrMask, shiftOf(level));
    const sub = level - 1;
    const subSpan = LEVEL_SPAN[sub];
    const child = this.takeFromPool();
    const ct = this.tw(sub, child);
    for (let j = 0; j < 512; j++) {
      const pa = pa0 + j * subSpan;
      ct[2 * j + 1] = leafHi(pa, flags);
      ct[2 * j] = leafLo(sub, pa, flags);
    }
    t[w + 1] = tableHi(child);
    t[w] = tableLo(child, TABLE_ENTRY_FLAGS);
    return child;
  }

  // Tables needed to split the huge leaves that [s, e) covers only in part: at most
  // the leaf around each edge, and for a 1 GiB leaf the 2 MiB piece around the edge.
  private countEdgeSplits(s: number, e: number): number {
    // Keys: the leaf's start in 4 KiB pages, tagged with its level (stays below
    // 2^48); at most four, distinct ones counted, in a scratch array (a region
    // operation allocates nothing of its own).
    const keys = this.edgeKeys;
    let n = 0;
    for (let j = 0; j < 2; j++) {
      const x = j === 0 ? s : e;
      if (x >= this.vaLimit) continue;
      this.io[0] = x;
      const level = this.findLeaf();
      if (level < 2) continue;
      const span = LEVEL_SPAN[level];
      if (x % span === 0) continue;
      n = addKey(keys, n, ((x - (x % span)) / SIZE_4K) * 4 + level);
      if (level === 3 && x % SIZE_2M !== 0) {
        n = addKey(keys, n, ((x - (x % SIZE_2M)) / SIZE_4K) * 4 + 2);
      }
    }
    return n;
  }

  // ------------------------------------------------------------- whole-table ops

  /** Calls `callback(va, pa, size, flags)` for every leaf, in address order, optionally within a range. */
  forEachMapping(callback: LeafCallback, range?: RangeOptions): void {
    if (typeof callback !== 'function') throw new TypeError('callback must be a function');
    this.live();
    const [s, e] = this.rangeOf(range);
    this.visit(this.levels, this.root, 0, s, e, callback);
  }

  /** Iterator over every leaf (a fresh Leaf object per item), in address order. */
  *mappings(range?: RangeOptions): IterableIterator<Leaf> {
    this.live();
    const [s, e] = this.rangeOf(range);
    const leaves: Leaf[] = [];
    // Collected per top-level entry so that iteration does not hold the whole table.
    const top = LEVEL_SPAN[this.levels];
    for (let i = Math.floor(s / top); i < Math.ceil(e / top); i++) {
      const cs = Math.max(s, i * top);
      const ce = Math.min(e, (i + 1) * top);
      this.visit(this.levels, this.root, 0, cs, ce, (va, pa, size, flags) => {
        leaves.push({ ok: true, va, pa, size, flags });
      });
      yield* leaves;
      leaves.length = 0;
    }
  }

  private rangeOf(range?: RangeOptions): [number, number] {
    const s = range?.va ?? 0;
    const size = range?.size ?? this.vaLimit - s;
    this.checkRegion(s, size);
    return [s, s + size];
  }

  private visit(
    level: number,
    pfn: number,
    base: number,
    s: number,
    e: number,
    cb: LeafCallback,
  ): void {
    const t = this.tw(level, pfn);
    const span = LEVEL_SPAN[level];
    const first = Math.floor((s - base) / span);
    const last = Math.ceil((e - base) / span) - 1;
    for (let i = first; i <= last; i++) {
      const lo = t[2 * i];
      const hi = t[2 * i + 1];
      const kind = entryKind(level, lo, hi);
      if (kind === EMPTY) continue;
      const eb = base + i * span;
      if (kind === TABLE) {
        const cs = Math.max(s, eb);
        const ce = Math.min(e, eb + span);
        this.visit(level - 1, (hi & this.hiAddrMask) * 1048576 + (lo >>> 12), eb, cs, ce, cb);
      } else {
        cb(
          eb,
          entryAddress(lo, hi, this.hiAddrMask, shiftOf(level)),
          span as PageSize,
          flagsOfLeaf(level, lo, hi),
        );
      }
    }
  }

  /**
   * A copy for fork: a new PageTable with the same leaves (same frames: sharing them
   * is the caller's business), each leaf's flags passed through options.transform
   * (e.g. clear WRITABLE for copy-on-write; -1 leaves the leaf out). Every table the
   * copy can need is allocated first, so OUT_OF_MEMORY means nothing happened and no
   * callback ran. After the copy, options.parentTransform rewrites this table's leaves.
   */
  clone(options?: CloneOptions): PageTable | OutOfMemory {
    this.live();
    const transform = options?.transform;
    const parentTransform = options?.parentTransform;
    if (transform !== undefined && typeof transform !== 'function')
      throw new TypeError('transform must be a function');
    if (parentTransform !== undefined && typeof parentTransform !== 'function') {
      throw new TypeError('parentTransform must be a function');
    }
    const child = PageTable.create({
      memory: this.memory,
      frames: options?.frames ?? this.frames,
      walker: this.walker,
    });
    if (!(child instanceof PageTable)) return child;
    if (!child.fillPool(this.tables - 1)) {
      child.destroy();
      return OUT_OF_MEMORY;
    }
    try {
      child.copyFrom(this, this.levels, this.root, child.root, 0, transform);
    } catch (e) {
      child.drainPool();
      child.destroy();
      throw e;
    }
    child.drainPool();
    if (parentTransform !== undefined) {
      // Two passes, so that a parentTransform that throws or gives bad flags at any
      // leaf changes nothing: every leaf's new flags first, then the writes.
      const plan: number[] = [];
      try {
        this.planRewrite(this.levels, this.root, 0, parentTransform, plan);
      } catch (e) {
        child.destroy();
        throw e;
      }
      this.applyRewrite(this.levels, this.root, plan, 0);
    }
    return child;
  }

  // Copies src's table (level, srcPfn) into this table's dst; returns whether dst got an entry.
  private copyFrom(
    src: PageTable,
    level: number,
    srcPfn: number,
    dstPfn: number,
    base: number,
    transform: LeafTransform | undefined,
  ): boolean {
    const st = src.memory.frameWords(srcPfn);
    const dt = this.memory.frameWords(dstPfn);
    const span = LEVEL_SPAN[level];
    let any = false;
    for (let i = 0; i < 512; i++) {
      const w = 2 * i;
      const lo = st[w];
      const hi = st[w + 1];
      const kind = entryKind(level, lo, hi);
      if (kind === EMPTY) continue;
      const eb = base + i * span;
      if (kind === TABLE) {
        const sub = this.takeFromPool();
        // Linked before the copy below it (same non-address bits as the source
        // entry, its A flag included): if a transform throws there, every table
        // taken so far is reachable from the child's root, where destroy() frees it.
        dt[w + 1] = (tableHi(sub) | (hi & ~this.hiAddrMask)) >>> 0;
        dt[w] = tableLo(sub, lo & 0xfff);
        if (
          this.copyFrom(
            src,
            level - 1,
            (hi & this.hiAddrMask) * 1048576 + (lo >>> 12),
            sub,
            eb,
            transform,
          )
        ) {
          any = true;
        } else {
          dt[w] = 0;
          dt[w + 1] = 0;
          this.pool.push(sub);
        }
        continue;
      }
      if (transform === undefined) {
        dt[w] = lo;
        dt[w + 1] = hi;
        any = true;
        continue;
      }
      const pa = entryAddress(lo, hi, this.hiAddrMask, shiftOf(level));
      const flags = transform(eb, pa, span as PageSize, flagsOfLeaf(level, lo, hi));
      if (flags === -1) continue;
      checkFlags(flags, 'transform result');
      const nlo = leafLo(level, pa, flags);
      const nhi = leafHi(pa, flags);
      if (nlo === 0 && nhi === 0) continue;
      dt[w] = nlo;
      dt[w + 1] = nhi;
      any = true;
    }
    return any;
  }

  // First pass of parentTransform: the new flags of every leaf in address order
  // (-1: unchanged), checked; nothing is written.
  private planRewrite(
    level: number,
    pfn: number,
    base: number,
    transform: LeafTransform,
    plan: number[],
  ): void {
    const t = this.tw(level, pfn);
    const span = LEVEL_SPAN[level];
    for (let i = 0; i < 512; i++) {
      const w = 2 * i;
      const lo = t[w];
      const hi = t[w + 1];
      const kind = entryKind(level, lo, hi);
      if (kind === EMPTY) continue;
      const eb = base + i * span;
      if (kind === TABLE) {
        this.planRewrite(
          level - 1,
          (hi & this.hiAddrMask) * 1048576 + (lo >>> 12),
          eb,
          transform,
          plan,
        );
        continue;
      }
      const pa = entryAddress(lo, hi, this.hiAddrMask, shiftOf(level));
      const old = flagsOfLeaf(level, lo, hi);
      const flags = transform(eb, pa, span as PageSize, old);
      if (flags === -1 || flags === old) {
        plan.push(-1);
        continue;
      }
      checkFlags(flags, 'parentTransform result');
      if (leafLo(level, pa, flags) === 0 && leafHi(pa, flags) === 0)
        throw new RangeError('parentTransform would empty the entry of frame 0');
      plan.push(flags);
    }
  }

  // Second pass: writes the planned flags, leaf by leaf in the same order. Returns
  // the index of the next plan entry.
  private applyRewrite(level: number, pfn: number, plan: number[], next: number): number {
    const t = this.tw(level, pfn);
    for (let i = 0; i < 512; i++) {
      const w = 2 * i;
      const lo = t[w];
      const hi = t[w + 1];
      const kind = entryKind(level, lo, hi);
      if (kind === EMPTY) continue;
      if (kind === TABLE) {
        next = this.applyRewrite(
          level - 1,
          (hi & this.hiAddrMask) * 1048576 + (lo >>> 12),
          plan,
          next,
        );
        continue;
      }
      const flags = plan[next++];
      if (flags === -1) continue;
      const pa = entryAddress(lo, hi, this.hiAddrMask, shiftOf(level));
      t[w + 1] = leafHi(pa, flags);
      t[w] = leafLo(level, pa, flags);
    }
    return next;
  }

  /**
   * Frees every table frame, root included (leaf frames are the caller's; each leaf
   * still mapped is reported to options.onLeaf). The table is unusable afterwards:
   * the methods that need its tables throw TypeError.
   */
  destroy(options?: DestroyOptions): void {
    if (this.root < 0) return;
    const cb = options?.onLeaf;
    // Checked first: a bad callback found at the first leaf would stop half way.
    if (cb !== undefined && typeof cb !== 'function') {
      throw new TypeError('options.onLeaf must be a function');
    }
    this.destroyTable(this.levels, this.root, 0, cb);
    this.freeTable(this.root);
    this.root = -1;
  }

  private destroyTable(
    level: number,
    pfn: number,
    base: number,
    cb: LeafCallback | undefined,
  ): void {
    const t = this.tw(level, pfn);
    const span = LEVEL_SPAN[level];
    for (let i = 0; i < 512; i++) {
      const lo = t[2 * i];
      const hi = t[2 * i + 1];
      const kind = entryKind(level, lo, hi);
      if (kind === EMPTY) continue;
      if (kind === TABLE) {
        const child = (hi & this.hiAddrMask) * 1048576 + (lo >>> 12);
        this.destroyTable(level - 1, child, base + i * span, cb);
        this.freeTable(child);
      } else if (cb !== undefined) {
        cb(
          base + i * span,
          entryAddress(lo, hi, this.hiAddrMask, shiftOf(level)),
          span as PageSize,
          flagsOfLeaf(level, lo, hi),
        );
      }
    }
  }

  /**
   * Checks the structure: every non-root table has an entry in use, table entries
   * have no reserved bits and point inside MAXPHYADDR, huge leaves have clear
   * reserved bits, no table is referenced twice, and tableCount matches.
   * Throws an Error describing the first violation.
   */
  checkInvariants(): void {
    this.live();
    const seen = new Set<number>([this.root]);
    const rsvdHi = (0xfffff & ~this.hiAddrMask) >>> 0;
    const check = (level: number, pfn: number, base: number): void => {
      const t = this.memory.frameWords(pfn);
      if (pfn !== this.root && tableIsEmpty(t, level)) {
        throw new Error(
          `empty ${LEVEL_NAMES[level]} table at frame ${hex(pfn)} (va ${hex(base)}) was not freed`,
        );
      }
      const span = LEVEL_SPAN[level];
      for (let i = 0; i < 512; i++) {
        const lo = t[2 * i];
        const hi = t[2 * i + 1];
        const kind = entryKind(level, lo, hi);
        const where = `${LEVEL_NAMES[level]}[${i}] of frame ${hex(pfn)}`;
        if (kind === EMPTY) continue;
        if ((hi & rsvdHi) !== 0) throw new Error(`${where}: address bits above MAXPHYADDR set`);
        if (kind === TABLE) {
          if (level >= 4 && (lo & PS) !== 0)
            throw new Error(`${where}: PS set in a ${LEVEL_NAMES[level]}E`);
          const child = (hi & this.hiAddrMask) * 1048576 + (lo >>> 12);
          if (seen.has(child))
            throw new Error(`${where}: table frame ${hex(child)} referenced twice`);
          seen.add(child);
          check(level - 1, child, base + i * span);
        } else if (level === 2 && (lo & 0x1fe000) !== 0) {
          throw new Error(`${where}: reserved bits 20:13 set in a 2 MiB leaf`);
        } else if (level === 3 && (lo & 0x3fffe000) !== 0) {
          throw new Error(`${where}: reserved bits 29:13 set in a 1 GiB leaf`);
        }
      }
    };
    check(this.levels, this.root, 0);
    if (seen.size !== this.tables) {
      throw new Error(`tableCount ${this.tables} but ${seen.size} tables are reachable`);
    }
  }

  /**
   * Text dump, one line per entry in use: level name and index, linear range
   * (canonical form), then `table frame=…` or the page size, `pa=…` and flag names.
   */
  dump(range?: RangeOptions): string {
    this.live();
    const [s, e] = this.rangeOf(range);
    const lines: string[] = [];
    const walk = (
      level: number,
      pfn: number,
      base: number,
      cs0: number,
      ce0: number,
      depth: number,
    ): void => {
      const t = this.memory.frameWords(pfn);
      const span = LEVEL_SPAN[level];
      const first = Math.floor((cs0 - base) / span);
      const last = Math.ceil((ce0 - base) / span) - 1;
      for (let i = first; i <= last; i++) {
        const lo = t[2 * i];
        const hi = t[2 * i + 1];
        const kind = entryKind(level, lo, hi);
        if (kind === EMPTY) continue;
        const eb = base + i * span;
        const head = `${'  '.repeat(depth)}${LEVEL_NAMES[level]}[${String(i).padStart(3)}] ${formatCanonicalRange(eb, span, this.levels)}`;
        if (kind === TABLE) {
          const child = (hi & this.hiAddrMask) * 1048576 + (lo >>> 12);
          lines.push(
            `${head} table frame=${hex(child)} ${describeFlags((lo & 0x7f) | ((hi >>> 31) << 23))}`,
          );
          walk(level - 1, child, eb, Math.max(cs0, eb), Math.min(ce0, eb + span), depth + 1);
        } else {
          const sizeName = level === 1 ? '4K' : level === 2 ? '2M' : '1G';
          const pa = entryAddress(lo, hi, this.hiAddrMask, shiftOf(level));
          lines.push(
            `${head} ${sizeName} pa=${hex(pa)} ${describeFlags(flagsOfLeaf(level, lo, hi))}`,
          );
        }
      }
    };
    walk(this.levels, this.root, 0, s, e, 0);
    return lines.join('\n');
  }

  // ------------------------------------------------------------------ internals

  private live(): void {
    if (this.root < 0) throw new TypeError('PageTable used after destroy()');
  }

  private checkRegion(va: number, size: number): void {
    this.checkVa(va, SIZE_4K);
    if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0 || size % SIZE_4K !== 0) {
      throw new RangeError(`size must be a positive multiple of 4 KiB, got ${String(size)}`);
    }
    if (va + size > this.vaLimit) {
      throw new RangeError(`range ${hex(va)}+${hex(size)} passes 2^${this.vaBits}`);
    }
  }

  private parseChange(change: FlagChange): void {
    if (change === null || typeof change !== 'object') {
      throw new TypeError(`change must be { set?, clear? } or { flags }, got ${String(change)}`);
    }
    if ('flags' in change) {
      if ('set' in change || 'clear' in change) {
        throw new TypeError('change takes either flags or set/clear, not both');
      }
      checkFlags(change.flags);
      this.opReplace = true;
      this.opFlags = change.flags;
      return;
    }
    const set = change.set ?? 0;
    const clear = change.clear ?? 0;
    checkFlags(set, 'set');
    checkFlags(clear, 'clear');
    if ((set & clear) !== 0)
      throw new RangeError(`set and clear overlap: 0x${(set & clear).toString(16)}`);
    this.opReplace = false;
    this.opSet = set;
    this.opClear = clear;
  }

  private changed(old: number): number {
    return this.opReplace ? this.opFlags : ((old & ~this.opClear) | this.opSet) & PTE.ALL;
  }

  private tw(level: number, pfn: number): Uint32Array {
    if (this.cPfn[level] === pfn) return this.cWords[level];
    const words = this.memory.frameWords(pfn);
    this.cPfn[level] = pfn;
    this.cWords[level] = words;
    return words;
  }

  private allocTable(): number {
    const r = this.frames.allocate();
    if (typeof r !== 'number') return -1;
    if (!(r >= 0 && r < this.pfnLimit && Math.floor(r) === r)) {
      throw new RangeError(`frame source returned an invalid frame number ${String(r)}`);
    }
    // Zeroed by copying a zero table: `set` from a typed array of the same type is
    // a block copy, `fill` stores element by element (about 600 against 4,300
    // instructions per table under cachegrind, Node 20). A view of another length
    // breaks the memory contract; it is still zeroed, by fill.
    const words = this.memory.frameWords(r);
    if (words.length === 1024) words.set(ZERO_TABLE);
    else words.fill(0);
    this.tables++;
    this.ptBase = Number.NaN;
    this.pdBase = Number.NaN;
    return r;
  }

  private freeTable(pfn: number): void {
    this.tables--;
    this.ptBase = Number.NaN;
    this.pdBase = Number.NaN;
    this.frames.free(pfn);
  }

  private fillPool(n: number): boolean {
    for (let k = 0; k < n; k++) {
      const f = this.allocTable();
      if (f < 0) {
        this.drainPool();
        return false;
      }
      this.pool.push(f);
    }
    return true;
  }

  private takeFromPool(): number {
    const f = this.pool.pop();
    if (f === undefined) throw new Error('internal: table pool exhausted');
    return f;
  }

  private drainPool(): void {
    while (this.pool.length > 0) this.freeTable(this.pool.pop()!);
  }
}
