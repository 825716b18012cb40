// The hardware page walk of SDM vol. 3A, 4.5 with the checks of 4.6 (access
// rights), 4.7 (page-fault error code) and the Accessed/Dirty updates of 4.8.
// It reads whatever the tables in memory say, starting at any root frame, so it
// serves an emulator walking a guest's own tables as well as PageTable.
//
// translate() is the hot path: no allocation, no closure, no BigInt. The result
// encoding is in translate-result.ts.

import { checkAccess } from './access.js';
import {
  DEFAULT_CONTROL,
  mergeControl,
  type PagingControl,
  PagingRights,
  type PagingRightsView,
} from './access-rights.js';
import { TWO_32 } from './entry-codec.js';
import { MAX_CHUNK_FRAME_BITS, type PageTableMemory } from './memory.js';
import {
  checkLevels,
  checkMaxPhysAddrBits,
  hiAddressMask,
  hiReservedAddressMask,
  type PagingLevels,
  vaBitsFor,
} from './paging-mode.js';
import { PageFaultCode, TRANSLATE_GP } from './translate-result.js';

/** Options of a PageWalker. */
export interface PageWalkerOptions {
  /** Physical memory holding the tables. */
  readonly memory: PageTableMemory;
  /** 4 (default) or 5 (LA57). */
  readonly levels?: PagingLevels;
  /** MAXPHYADDR, 32..52 (default 52): entry address bits at and above it are reserved. */
  readonly maxPhysAddrBits?: number;
  /** Control-register state; missing fields take DEFAULT_CONTROL's values. */
  readonly control?: Partial<PagingControl>;
}

/** Walk status values of WalkInfo.status. */
export const WalkStatus = {
  OK: 0,
  NOT_PRESENT: 1,
  RESERVED: 2,
} as const;
export type WalkStatus = (typeof WalkStatus)[keyof typeof WalkStatus];

/** What a side-effect-free walk found (PageWalker.lookup fills it). */
export class WalkInfo {
  /** WalkStatus. */
  status: WalkStatus = WalkStatus.NOT_PRESENT;
  /** Level of the leaf (OK) or of the entry that stopped the walk. */
  level = 0;
  /** Low dword of that entry. */
  lo = 0;
  /** High dword of that entry. */
  hi = 0;
  /** Combined rights (Rights bits) over the walk, valid when OK. */
  rights = 0;
  /** Bytes mapped by the leaf (4 KiB / 2 MiB / 1 GiB), valid when OK. */
  pageSize = 0;
  /** Physical address of the looked-up linear address, valid when OK. */
  pa = 0;
}

const P = 0x1;
const A = 0x20;
const D = 0x40;
const PS = 0x80;
const EMPTY = new Int32Array(0);
const RSVD_2M = 0x1fe000; // PDE with PS = 1: bits 20:13 (SDM Table 4-18)
const RSVD_1G = 0x3fffe000; // PDPTE with PS = 1: bits 29:13 (SDM Table 4-16)
const XD_HI = 0x80000000 | 0; // bit 63, reserved when IA32_EFER.NXE = 0
// Slots of the chunk -> words cache.
const CHUNK_CACHE_SLOTS = 1024;

/** The memory's chunkFrameBits when it offers chunks, else 0 (frames are the chunks). */
function chunkFrameBitsOf(memory: PageTableMemory): number {
  const hasBits = memory.chunkFrameBits !== undefined;
  const hasWords = typeof memory.chunkWords === 'function';
  if (hasBits !== hasWords) {
    throw new TypeError(
      'options.memory must implement both chunkFrameBits and chunkWords, or neither',
    );
  }
  if (!hasBits) return 0;
  const bits = memory.chunkFrameBits;
  if (!Number.isInteger(bits) || (bits as number) < 0 || (bits as number) > MAX_CHUNK_FRAME_BITS) {
    throw new RangeError(
      `memory.chunkFrameBits must be an integer in 0..${MAX_CHUNK_FRAME_BITS}, got ${String(bits)}`,
    );
  }
  return bits as number;
}

/** Walks x86_64 paging structures in memory like the CPU does. */
export class PageWalker {
  // Every numeric field is initialised where it is declared, with a value of the
  // kind it keeps (small integer or double): a field declared bare is first
  // defined as undefined (ES2022 class fields), and the engine then reads it as
  // "any value" with a type check and an untagging step on every use.
  readonly memory: PageTableMemory;
  readonly levels: PagingLevels = 4;
  /** 48 or 57. */
  readonly vaBits: number = 48;
  /** 2^vaBits: linear-address numbers must be below it. */
  readonly vaLimit: number = 2 ** 48;
  readonly maxPhysAddrBits: number = 52;
  /** Mask of entry address bits in the high dword (below MAXPHYADDR). */
  readonly hiAddrMask: number = 0xfffff;
  /**
   * Decision tables for the current control state, to read (a Tlb keeps
   * references to them). Change the control registers with `setControl` and
   * `setPkru`: the walker derives masks of its own from them, which a direct
   * `PagingRights.set` would leave stale.
   */
  readonly rights: PagingRightsView;

  /** Level of the entry that caused the last page fault (diagnostics). */
  faultLevel = 0;

  // Reserved bits of a high dword, as an int32 (bit 31 is XD when EFER.NXE = 0).
  private hiRsvd = 0;
  // `rights`, with its setters: only setControl and setPkru change it.
  private readonly tables: PagingRights;
  // Rights.USER when CR4.PKE = 1, else 0: the protection-key check applies to
  // user-mode addresses only, and to none with PKE off (pkDeny is then all zero), so
  // `rights & pkUser` skips the pkDeny lookup when it cannot deny.
  private pkUser = 0;
  private readonly hiRsvdAddr: number = 0;
  private readonly decide: Int32Array = EMPTY;
  private readonly pkDeny: Int32Array = EMPTY;
  private readonly pkCode: Int32Array = EMPTY;
  private readonly base: Int32Array = EMPTY;
  // The last successful translation's leaf: level, low dword, high dword, rights
  // (see lastLevel...). Small-integer fields: recording them costs four plain
  // stores (a typed array adds a length load and a bounds check to each).
  private leafLevel = 0;
  private leafLo = 0;
  private leafHi = 0;
  private leafRights = 0;
  // Table storage (see memory.ts): chunks of 2^chunkBits frames, or single frames
  // (chunkBits 0, through frameWords) when the memory offers no chunks. A table
  // entry's frame number is hi[19:0] * 2^20 + lo[31:12]; its chunk is identified by
  // (hi & hiAddrMask, lo >>> chunkShift) and its words start at
  // ((lo >>> 12) & frameMask) << 10 = (lo >>> 2) & (frameMask << 10) inside it.
  private readonly chunked: boolean = false;
  private readonly chunkBits: number = 0;
  private readonly chunkShift: number = 12;
  private readonly frameMask: number = 0;
  private readonly chunkLength: number = 1024;
  // Direct-mapped cache chunk number -> words (the memory returns the same object
  // for a chunk every time, so a hit saves a call into it, which may be a Map lookup).
  // The cached arrays are Int32Array views of the memory's words: every element is
  // then a 32-bit integer to the engine (a Uint32Array element above 2^31 is not,
  // and code specialised on small ones would deoptimise on the first XD bit).
  private readonly cTag: Float64Array = new Float64Array(CHUNK_CACHE_SLOTS).fill(-1);
  private readonly cWords: Int32Array[] = [];
  // The hot chunk: the whole chunk holding root frame hotRoot (4-level paging), when
  // the last walkSlow() from that root found every table in it. walk() then indexes
  // this one array at every level (the engine loads its data pointer and length
  // once) and leaves for walkSlow() as soon as an entry is anything else.
  private hot: Int32Array = EMPTY;
  private hotRoot = -1;
  private hotRootBase = 0;
  // A table entry walk() follows in the hot chunk has (lo & hotLoMask) === hotLoWant
  // and (hi & hotHiCheck) === hotHi (see adoptHot); its table's first word in the
  // chunk is (lo >>> 2) & hotWords.
  private hotLoMask = 0;
  private hotLoWant = -1;
  private hotHi = 0;
  // hiRsvd | hiAddrMask | XD (bit 63).
  private hotHiCheck = 0;
  private hotWords = 0;
  // tableWords()'s result: the word of the table's first entry in the array it returns.
  private slowBase = 0;
  // [1] = physical address out (see translate()).
  private readonly io: Float64Array = new Float64Array(2);

  constructor(options: PageWalkerOptions) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`PageWalker options must be an object, got ${String(options)}`);
    }
    const { memory } = options;
    if (memory === null || typeof memory !== 'object' || typeof memory.frameWords !== 'function') {
      throw new TypeError('options.memory must implement frameWords(pfn)');
    }
    this.memory = memory;
    this.chunkBits = chunkFrameBitsOf(memory);
    this.chunked = typeof memory.chunkWords === 'function';
    this.chunkShift = 12 + this.chunkBits;
    this.frameMask = (1 << this.chunkBits) - 1;
    this.chunkLength = 1024 << this.chunkBits;
    this.levels = checkLevels(options.levels ?? 4);
    this.vaBits = vaBitsFor(this.levels);
    this.vaLimit = 2 ** this.vaBits;
    this.maxPhysAddrBits = checkMaxPhysAddrBits(options.maxPhysAddrBits ?? 52);
    // `| 0`: the masks are computed with `**`, whose results the engine keeps as
    // doubles; the fields must hold small integers (see the field declarations).
    this.hiAddrMask = hiAddressMask(this.maxPhysAddrBits) | 0;
    this.hiRsvdAddr = hiReservedAddressMask(this.maxPhysAddrBits) | 0;
    const control = mergeControl(DEFAULT_CONTROL, options.control ?? {});
    this.tables = new PagingRights(control);
    this.rights = this.tables;
    this.decide = this.rights.decide;
    this.pkDeny = this.rights.pkDeny;
    this.pkCode = this.rights.pkCode;
    this.base = this.rights.base;
    this.hiRsvd = this.reservedHiFor(control);
    this.hotHiCheck = this.hiRsvd | this.hiAddrMask | XD_HI;
    this.pkUser = control.pke ? 2 : 0;
    for (let i = 0; i < CHUNK_CACHE_SLOTS; i++) this.cWords.push(EMPTY);
  }

  /** Current control-register state. */
  get control(): PagingControl {
    return this.rights.control;
  }

  /** After a successful translate(): level of the leaf (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB). */
  get lastLevel(): number {
    return this.leafLevel;
  }

  /** After a successful translate(): the leaf entry's low dword (with A/D as updated). */
  get lastLo(): number {
    return this.leafLo >>> 0;
  }

  /** After a successful translate(): the leaf entry's high dword. */
  get lastHi(): number {
    return this.leafHi >>> 0;
  }

  /** After a successful translate(): combined rights (Rights bits). */
  get lastRights(): number {
    return this.leafRights;
  }

  /**
   * Changes control-register bits (CR0.WP, EFER.NXE, CR4.SMEP/SMAP/PKE, PKRU).
   * A Tlb built on this walker sees the change at once: it checks cached rights
   * against the current registers on every hit.
   */
  setControl(patch: Partial<PagingControl>): void {
    const control = mergeControl(this.rights.control, patch);
    this.tables.set(control);
    this.hiRsvd = this.reservedHiFor(control);
    this.hotHiCheck = this.hiRsvd | this.hiAddrMask | XD_HI;
    this.pkUser = control.pke ? 2 : 0;
  }

  /** WRPKRU: only the protection-key tables are recomputed. */
  setPkru(pkru: number): void {
    this.tables.setPkru(pkru);
  }

  private reservedHiFor(control: PagingControl): number {
    return this.hiRsvdAddr | (control.nxe ? 0 : XD_HI);
  }

  /**
   * Translates linear address `va` for `access` (Access bits) through the tables
   * rooted at frame `root`, like the CPU: sets A in every entry used and D in the
   * leaf on a write (SDM 4.8), only when the access is allowed for the leaf (the
   * upper entries' A is set as the walk passes them, as hardware does).
   * Returns the physical address (>= 0), `-1 - errorCode` for a page fault, or
   * TRANSLATE_GP when `va` >= 2^vaBits (non-canonical). Allocates nothing.
   */
  translate(root: number, va: number, access: number): number {
    // Kept tiny so that it inlines into the caller: linear and physical addresses
    // above 2^30 are not small integers, and passing or returning them through a
    // call that does not inline would box them. walk() takes the address as two
    // 32-bit halves and leaves its result (the physical address or the fault) in
    // `io`, which this reads back on the one path out: a result merged from a call's
    // return value and a double would be boxed. An address that is not an integer
    // in [0, 2^vaBits) goes to irregular(). 2^-32 = 2.3283064365386963e-10.
    if (typeof va === 'number' && va >= 0 && va < this.vaLimit) {
      const vaHi = Math.floor(va * 2.3283064365386963e-10);
      const vaLo = va - vaHi * 4294967296;
      if (vaLo >>> 0 === vaLo) return this.walk(root, vaHi, vaLo | 0, access);
    }
    return this.irregular(va, access);
  }

  // The walk for the address vaHi * 2^32 + (vaLo >>> 0) with 4-level tables in the
  // hot chunk; the result (physical address, or -1 - errorCode) goes to io[1].
  // Unrolled per level (a loop costs more instructions), and small enough, with
  // hotLeaf(), for the engine to inline into translate()'s caller. A table entry is
  // followed on the common case only, tested with one AND and compare per dword
  // (see adoptHot): P, R/W, U/S and A set, PS clear, the table's frame in the hot
  // chunk; no reserved bit and XD clear. The rights of the walk are then the leaf's
  // alone (R/W and U/S are ANDed over the levels, XD ORed). Anything else (a table
  // entry restricting rights or without A, a huge leaf, a table elsewhere, a fault,
  // 5 levels) leaves for walkSlow(), the same walk for every case, which walks
  // again from the root and sorts it out. Word indices are combined with `|` (the
  // bits never overlap), which the engine needs no overflow check for; constants
  // are literals (a module constant costs a context load and a check).
  private walk(root: number, vaHi: number, vaLo: number, access: number): number {
    // hotRoot is -1 when there is no hot chunk.
    if (root === this.hotRoot && root >= 0 && (access & 31) === access) {
      const t = this.hot;
      const loMask = this.hotLoMask;
      const loWant = this.hotLoWant;
      const hiCheck = this.hotHiCheck;
      const hotHi = this.hotHi;
      const words = this.hotWords;
      // PML4E, PDPTE, PDE, then the PTE in hotLeaf().
      let w = this.hotRootBase | ((vaHi >>> 6) & 0x3fe);
      let lo = t[w];
      if ((lo & loMask) === loWant && (t[w | 1] & hiCheck) === hotHi) {
        w = ((lo >>> 2) & words) | (((vaLo >>> 29) | (vaHi << 3)) & 0x3fe);
        lo = t[w];
        if ((lo & loMask) === loWant && (t[w | 1] & hiCheck) === hotHi) {
          w = ((lo >>> 2) & words) | ((vaLo >>> 20) & 0x3fe);
          lo = t[w];
          if ((lo & loMask) === loWant && (t[w | 1] & hiCheck) === hotHi) {
            const pa = this.hotLeaf(
              t,
              ((lo >>> 2) & words) | ((vaLo >>> 11) & 0x3fe),
              vaLo,
              access,
            );
            if (pa >= 0) return pa;
          }
        }
      }
    }
    this.walkSlow(root, vaHi, vaLo, access);
    return this.io[1];
  }

  // walk()'s last level: the PTE at word w of the hot chunk t, below table entries
  // that grant every right. Present, no reserved bit and an allowed access: sets A
  // (and D on a write) when missing, records the leaf, puts the physical address in
  // io[1] and returns true. Otherwise false (walkSlow() then walks again and
  // reports the fault). A function of its own so that walk() stays small enough
  // for the engine to inline.
  private hotLeaf(t: Int32Array, w: number, vaLo: number, access: number): number {
    let lo = t[w];
    const hi = t[w | 1];
    // The access check of SDM 4.6 (see leaf()): R/W, U/S and XD are the leaf's.
    const rights = ((lo >>> 1) & 3) | ((hi >>> 31) << 2);
    if (
      (lo & 0x1) === 0 ||
      (hi & this.hiRsvd) !== 0 ||
      this.decide[(rights << 5) | access] !== 0 ||
      ((rights & this.pkUser) !== 0 && ((this.pkDeny[access] >>> ((hi >>> 27) & 15)) & 1) !== 0)
    ) {
      return -1;
    }
    // A, and D on a write (access bit 0): stored only when missing.
    const need = 0x20 | ((access & 1) << 6);
    if ((lo & need) !== need) {
      lo |= need;
      t[w] = lo;
    }
    this.leafLevel = 1;
    this.leafLo = lo;
    this.leafHi = hi;
    this.leafRights = rights;
    return (hi & this.hiAddrMask) * 4294967296 + ((lo & 0xfffff000) >>> 0) + (vaLo & 0xfff);
  }

  // The walk for any case: every table through the chunk cache, every check of
  // SDM 4.5-4.7 in order. Unrolled per level like walk(). Makes the root's chunk
  // the hot chunk when the tables of this 4-level walk are all in it. Leaves the
  // result in io[1] as walk() does (leaf() or fault()) and returns it when it is a
  // fault, 0 otherwise.
  private walkSlow(root: number, vaHi: number, vaLo: number, access: number): number {
    const base = this.base[access];
    if (!(base >= 0 && root >= 0)) return this.badWalk(root, access);
    const rsvdHi = this.hiRsvd;
    const mask = this.hiAddrMask;
    const shift = this.chunkShift;
    // The root's frame number split like an entry's address: bits 39:20, bits 19:0.
    const rootHi = Math.floor(root * 9.5367431640625e-7);
    const rootLo = root - rootHi * 1048576;
    const rootChunk = rootLo >>> this.chunkBits;
    let t = this.tableWords(rootHi, rootLo);
    let b = this.slowBase;
    let same = true;
    let and = 6;
    let xd = 0;
    let level = 3;
    let w: number;
    let lo: number;
    let hi: number;
    if (this.levels === 5) {
      // PML5E: PS is reserved.
      w = b + ((vaHi >>> 15) & 0x3fe);
      lo = t[w];
      hi = t[w + 1];
      if ((lo & 0x1) === 0) return this.fault(5, base);
      if ((hi & rsvdHi) !== 0 || (lo & 0x80) !== 0) return this.fault(5, base | 0x9);
      and &= lo;
      xd |= hi;
      if ((lo & 0x20) === 0) t[w] = lo | 0x20;
      t = this.tableWords(hi & mask, lo >>> 12);
      b = this.slowBase;
    }
    // PML4E: PS is reserved.
    w = b + ((vaHi >>> 6) & 0x3fe);
    lo = t[w];
    hi = t[w + 1];
    if ((lo & 0x1) === 0) return this.fault(4, base);
    if ((hi & rsvdHi) !== 0 || (lo & 0x80) !== 0) return this.fault(4, base | 0x9);
    and &= lo;
    xd |= hi;
    if ((lo & 0x20) === 0) t[w] = lo | 0x20;
    if ((hi & mask) !== rootHi || lo >>> shift !== rootChunk) same = false;
    t = this.tableWords(hi & mask, lo >>> 12);
    b = this.slowBase;
    // PDPTE: a 1 GiB leaf when PS = 1.
    w = b + (((vaLo >>> 29) | (vaHi << 3)) & 0x3fe);
    lo = t[w];
    hi = t[w + 1];
    if ((lo & 0x1) === 0) return this.fault(3, base);
    if ((hi & rsvdHi) !== 0) return this.fault(3, base | 0x9);
    and &= lo;
    xd |= hi;
    if ((lo & 0x80) === 0) {
      if ((lo & 0x20) === 0) t[w] = lo | 0x20;
      if ((hi & mask) !== rootHi || lo >>> shift !== rootChunk) same = false;
      t = this.tableWords(hi & mask, lo >>> 12);
      b = this.slowBase;
      // PDE: a 2 MiB leaf when PS = 1.
      w = b + ((vaLo >>> 20) & 0x3fe);
      lo = t[w];
      hi = t[w + 1];
      if ((lo & 0x1) === 0) return this.fault(2, base);
      if ((hi & rsvdHi) !== 0) return this.fault(2, base | 0x9);
      and &= lo;
      xd |= hi;
      level = 2;
      if ((lo & 0x80) === 0) {
        if ((lo & 0x20) === 0) t[w] = lo | 0x20;
        if ((hi & mask) !== rootHi || lo >>> shift !== rootChunk) same = false;
        t = this.tableWords(hi & mask, lo >>> 12);
        b = this.slowBase;
        // PTE.
        w = b + ((vaLo >>> 11) & 0x3fe);
        lo = t[w];
        hi = t[w + 1];
        if ((lo & 0x1) === 0) return this.fault(1, base);
        if ((hi & rsvdHi) !== 0) return this.fault(1, base | 0x9);
        and &= lo;
        xd |= hi;
        level = 1;
      } else if ((lo & 0x1fe000) !== 0) {
        return this.fault(2, base | 0x9);
      }
    } else if ((lo & 0x3fffe000) !== 0) {
      return this.fault(3, base | 0x9);
    }
    if (same && this.levels === 4 && t.length === this.chunkLength) {
      this.adoptHot(root, t, rootHi, rootChunk);
    }
    return this.leaf(t, w, lo, hi, and, xd, level, vaLo, access);
  }

  private adoptHot(root: number, t: Int32Array, rootHi: number, rootChunk: number): void {
    // The low dword of a table entry walk() may follow: P, R/W, U/S, A = 1, PS = 0 and
    // address bits 31:(12 + chunkBits) (frame bits 19:chunkBits, the chunk within
    // the block of 2^20 frames) those of the root's chunk; frame bits 39:20 are in
    // the high dword (hotHi). Chunks are aligned on their size, so the bits below
    // are the frame inside the chunk: walk() takes them as the table's word offset.
    const low = 12 + this.chunkBits;
    this.hot = t;
    this.hotRoot = root;
    this.hotRootBase = ((root - rootHi * 1048576) & this.frameMask) << 10;
    this.hotHi = rootHi;
    this.hotLoMask = ~((1 << low) - 1) | 0xa7 | 0;
    this.hotLoWant = (rootChunk << low) | 0x27 | 0;
    this.hotWords = this.frameMask << 10;
  }

  // The leaf entry (lo, hi) at word w of t, found at `level` with the walk's ANDed
  // R/W, U/S (`and`) and ORed XD (`xd`): the access check of SDM 4.6 (decision
  // tables, then protection keys for user-mode addresses), then A (and D on a
  // write) as SDM 4.8 says, and the physical address into io[1].
  private leaf(
    t: Int32Array,
    w: number,
    lo: number,
    hi: number,
    and: number,
    xd: number,
    level: number,
    vaLo: number,
    access: number,
  ): number {
    const rights = ((and >>> 1) & 3) | ((xd >>> 31) << 2);
    let code = this.decide[(rights << 5) | access];
    if ((rights & this.pkUser) !== 0 && ((this.pkDeny[access] >>> ((hi >>> 27) & 15)) & 1) !== 0) {
      code |= this.pkCode[access];
    }
    if (code !== 0) return this.fault(level, code);
    const need = (access & 1) === 0 ? A : A | D;
    if ((lo & need) !== need) {
      lo |= need;
      t[w] = lo;
    }
    this.leafLevel = level;
    this.leafLo = lo;
    this.leafHi = hi;
    this.leafRights = rights;
    const paHi = (hi & this.hiAddrMask) * TWO_32;
    if (level === 1) this.io[1] = paHi + ((lo & 0xfffff000) >>> 0) + (vaLo & 0xfff);
    else if (level === 2) this.io[1] = paHi + ((lo & 0xffe00000) >>> 0) + (vaLo & 0x1fffff);
    else this.io[1] = paHi + ((lo & 0xc0000000) >>> 0) + (vaLo & 0x3fffffff);
    return 0;
  }

  // Words holding frame pHi * 2^20 + pLo, through the chunk cache; the frame's first
  // word goes to slowBase. A frame past the end of a short last chunk is read
  // through frameWords, which reports it.
  private tableWords(pHi: number, pLo: number): Int32Array {
    const cLo = pLo >>> this.chunkBits;
    const key = pHi * (1 << (20 - this.chunkBits)) + cLo;
    const slot = (cLo ^ (pHi << 4)) & (CHUNK_CACHE_SLOTS - 1);
    const t = this.cTag[slot] === key ? this.cWords[slot] : this.fillChunk(slot, key);
    const b = (pLo & this.frameMask) << 10;
    if (b >= t.length) {
      const pfn = pHi * 1048576 + pLo;
      this.memory.frameWords(pfn);
      throw new RangeError(`table frame ${pfn} lies past the end of memory.chunkWords`);
    }
    this.slowBase = b;
    return t;
  }

  private fillChunk(slot: number, key: number): Int32Array {
    const words = this.chunked ? this.memory.chunkWords!(key) : this.memory.frameWords(key);
    if (!(words instanceof Uint32Array) || words.length === 0 || words.length % 1024 !== 0) {
      throw new TypeError(
        `memory.${this.chunked ? 'chunkWords' : 'frameWords'}(${key}) must return a Uint32Array of whole frames`,
      );
    }
    if (words.length > this.chunkLength) {
      throw new RangeError(
        `memory.chunkWords(${key}) returned ${words.length} words, more than a chunk of 2^${this.chunkBits} frames`,
      );
    }
    const view = new Int32Array(words.buffer, words.byteOffset, words.length);
    this.cTag[slot] = key;
    this.cWords[slot] = view;
    return view;
  }

  private fault(level: number, errorCode: number): number {
    this.faultLevel = level;
    this.io[1] = -1 - errorCode;
    return -1 - errorCode;
  }

  // An invalid access or root: throws the documented error.
  private badWalk(root: number, access: number): never {
    if (root >= 0) checkAccess(access);
    throw new RangeError(`root frame must be a frame number, got ${String(root)}`);
  }

  private irregular(va: number, access: number): number {
    checkAccess(access);
    if (typeof va !== 'number')
      throw new TypeError(`linear address must be a number, got ${typeof va}`);
    if (!Number.isInteger(va) || va < 0) {
      throw new RangeError(`linear address must be a non-negative integer, got ${va}`);
    }
    // >= 2^vaBits: as the low bits of a 64-bit value it cannot be canonical.
    return TRANSLATE_GP;
  }

  /**
   * The walk without side effects and without an access check: what the paging
   * structures map `va` to. Fills `out` and returns the same encoding as
   * translate() (errors carry no access bits: 0 for not present, P|RSVD for reserved).
   */
  lookup(root: number, va: number, out: WalkInfo): number {
    // typeof first: Math.floor of a bigint throws the engine's TypeError, not irregular()'s.
    if (typeof va !== 'number' || !(va >= 0 && va < this.vaLimit && Math.floor(va) === va)) {
      this.irregular(va, 0);
      out.status = WalkStatus.NOT_PRESENT;
      out.level = 0;
      return TRANSLATE_GP;
    }
    const vaHi = Math.floor(va / TWO_32);
    const vaLo = va - vaHi * TWO_32;
    let pfn = root;
    let and = 6;
    let xd = 0;
    for (let level: number = this.levels; ; level--) {
      const t = this.memory.frameWords(pfn);
      const span = 2 ** (12 + 9 * (level - 1));
      const w = (Math.floor(va / span) % 512) * 2;
      const lo = t[w];
      const hi = t[w + 1];
      out.level = level;
      out.lo = lo;
      out.hi = hi;
      if ((lo & P) === 0) {
        out.status = WalkStatus.NOT_PRESENT;
        return -1;
      }
      const leaf = level === 1 || (lo & PS) !== 0;
      if (
        (hi & this.hiRsvd) !== 0 ||
        ((lo & PS) !== 0 &&
          (level >= 4 ||
            (level === 2 && (lo & RSVD_2M) !== 0) ||
            (level === 3 && (lo & RSVD_1G) !== 0)))
      ) {
        out.status = WalkStatus.RESERVED;
        return -1 - (PageFaultCode.PRESENT | PageFaultCode.RESERVED);
      }
      and &= lo;
      xd |= hi;
      if (leaf) {
        out.status = WalkStatus.OK;
        out.rights = ((and >>> 1) & 3) | ((xd >>> 31) << 2);
        out.pageSize = span;
        const loMask = level === 1 ? 0xfffff000 : level === 2 ? 0xffe00000 : 0xc0000000;
        out.pa = (hi & this.hiAddrMask) * TWO_32 + ((lo & loMask) >>> 0) + (vaLo % span);
        return out.pa;
      }
      pfn = (hi & this.hiAddrMask) * 1048576 + (lo >>> 12);
    }
  }
}
