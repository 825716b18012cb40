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
} from './access-rights.js';
import { TWO_32 } from './entry-codec.js';
import type { PageTableMemory } from './memory.js';
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
const PS = 0x80;
const RSVD_2M = 0x1fe000; // PDE with PS = 1: bits 20:13 (SDM Table 4-18)
const RSVD_1G = 0x3fffe000; // PDPTE with PS = 1: bits 29:13 (SDM Table 4-16)
const XD_HI = 0x80000000; // bit 63, reserved when IA32_EFER.NXE = 0
// Slots of the pfn -> words cache (walk() masks with the literal 1023).
const TABLE_CACHE_SLOTS = 1024;
// walk()'s small-integer stand-in for TRANSLATE_GP (page faults are -1..-64); the
// literal -1000 in translate() and walk() is this value.
const WALK_GP = -1000;

/** Walks x86_64 paging structures in memory like the CPU does. */
export class PageWalker {
  readonly memory: PageTableMemory;
  readonly levels: PagingLevels;
  /** 48 or 57. */
  readonly vaBits: number;
  /** 2^vaBits: linear-address numbers must be below it. */
  readonly vaLimit: number;
  readonly maxPhysAddrBits: number;
  /** Mask of entry address bits in the high dword (below MAXPHYADDR). */
  readonly hiAddrMask: number;
  /** Decision tables for the current control state. */
  readonly rights: PagingRights;

  /** Level of the entry that caused the last page fault (diagnostics). */
  faultLevel = 0;
  /** After a successful translate(): level of the leaf (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB). */
  lastLevel = 0;
  /** After a successful translate(): the leaf entry's low dword (with A/D as updated). */
  lastLo = 0;
  /** After a successful translate(): the leaf entry's high dword. */
  lastHi = 0;
  /** After a successful translate(): combined rights (Rights bits). */
  lastRights = 0;

  private hiRsvd: number;
  private readonly hiRsvdAddr: number;
  private readonly decide: Int32Array;
  private readonly pkDeny: Int32Array;
  private readonly pkCode: Int32Array;
  private readonly base: Int32Array;
  // Direct-mapped cache pfn -> words (frameWords returns the same object for a pfn
  // every time, so a hit saves a call into the memory, which may be a Map lookup).
  private readonly cPfn: Float64Array = new Float64Array(TABLE_CACHE_SLOTS).fill(-1);
  private readonly cWords: Uint32Array[] = [];
  // [0] = linear address in, [1] = physical address out (see translate()).
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
    this.levels = checkLevels(options.levels ?? 4);
    this.vaBits = vaBitsFor(this.levels);
    this.vaLimit = 2 ** this.vaBits;
    this.maxPhysAddrBits = checkMaxPhysAddrBits(options.maxPhysAddrBits ?? 52);
    this.hiAddrMask = hiAddressMask(this.maxPhysAddrBits);
    this.hiRsvdAddr = hiReservedAddressMask(this.maxPhysAddrBits);
    const control = mergeControl(DEFAULT_CONTROL, options.control ?? {});
    this.rights = new PagingRights(control);
    this.decide = this.rights.decide;
    this.pkDeny = this.rights.pkDeny;
    this.pkCode = this.rights.pkCode;
    this.base = this.rights.base;
    this.hiRsvd = this.reservedHiFor(control);
    const empty = new Uint32Array(0);
    for (let i = 0; i < TABLE_CACHE_SLOTS; i++) this.cWords.push(empty);
  }

  /** Current control-register state. */
  get control(): PagingControl {
    return this.rights.control;
  }

  /**
   * Changes control-register bits (CR0.WP, EFER.NXE, CR4.SMEP/SMAP/PKE, PKRU).
   * A Tlb built on this walker sees the change at once: it checks cached rights
   * against the current registers on every hit.
   */
  setControl(patch: Partial<PagingControl>): void {
    const control = mergeControl(this.rights.control, patch);
    this.rights.set(control);
    this.hiRsvd = this.reservedHiFor(control);
  }

  /** WRPKRU: only the protection-key tables are recomputed. */
  setPkru(pkru: number): void {
    this.rights.setPkru(pkru);
  }

  private reservedHiFor(control: PagingControl): number {
    return (this.hiRsvdAddr | (control.nxe ? 0 : XD_HI)) >>> 0;
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
    // call that does not inline would box them. They go through `io` instead, and
    // walk() takes and returns small integers only. -1000 is WALK_GP, -2^32
    // TRANSLATE_GP (literals: a module constant costs a context load and a check).
    const io = this.io;
    io[0] = va;
    const status = this.walk(root, access);
    return status === 0 ? io[1] : status === -1000 ? -4294967296 : status;
  }

  // The walk for the address in io[0]; the physical address goes to io[1]. Returns
  // 0, -1 - errorCode, or WALK_GP. Unrolled per level (a loop with a level switch
  // costs a third more instructions), and bit masks are literals on purpose (see
  // translate()): P 0x1, A 0x20, PS 0x80, P|RSVD 0x9, 2 MiB reserved 0x1fe000,
  // 1 GiB reserved 0x3fffe000, 2^-32 = 2.3283064365386963e-10, 2^32 = 4294967296.
  private walk(root: number, access: number): number {
    const va = this.io[0];
    const base = this.base[access];
    if (!(va >= 0 && va < this.vaLimit && Math.floor(va) === va && base >= 0 && root >= 0)) {
      if (!(root >= 0))
        throw new RangeError(`root frame must be a frame number, got ${String(root)}`);
      return this.irregular(va, access);
    }
    const vaHi = Math.floor(va * 2.3283064365386963e-10);
    const vaLo = (va - vaHi * 4294967296) | 0;
    const rsvdHi = this.hiRsvd;
    const mask = this.hiAddrMask;
    let pfn = root;
    let and = 6;
    let xd = 0;
    let level = 3;
    let t: Uint32Array;
    let w: number;
    let lo: number;
    let hi: number;
    if (this.levels === 5) {
      // PML5E: PS is reserved.
      t = this.table(pfn);
      w = (vaHi >>> 15) & 0x3fe;
      lo = t[w];
      hi = t[w + 1];
      if ((lo & 0x1) === 0) return this.fault(5, base);
      if ((hi & rsvdHi) !== 0 || (lo & 0x80) !== 0) return this.fault(5, base | 0x9);
      and &= lo;
      xd |= hi;
      if ((lo & 0x20) === 0) t[w] = lo | 0x20;
      pfn = (hi & mask) * 1048576 + (lo >>> 12);
    }
    // PML4E: PS is reserved.
    t = this.table(pfn);
    w = (vaHi >>> 6) & 0x3fe;
    lo = t[w];
    hi = t[w + 1];
    if ((lo & 0x1) === 0) return this.fault(4, base);
    if ((hi & rsvdHi) !== 0 || (lo & 0x80) !== 0) return this.fault(4, base | 0x9);
    and &= lo;
    xd |= hi;
    if ((lo & 0x20) === 0) t[w] = lo | 0x20;
    pfn = (hi & mask) * 1048576 + (lo >>> 12);
    // PDPTE: a 1 GiB leaf when PS = 1.
    t = this.table(pfn);
    w = ((vaLo >>> 29) | (vaHi << 3)) & 0x3fe;
    lo = t[w];
    hi = t[w + 1];
    if ((lo & 0x1) === 0) return this.fault(3, base);
    if ((hi & rsvdHi) !== 0) return this.fault(3, base | 0x9);
    and &= lo;
    xd |= hi;
    if ((lo & 0x80) === 0) {
      if ((lo & 0x20) === 0) t[w] = lo | 0x20;
      pfn = (hi & mask) * 1048576 + (lo >>> 12);
      // PDE: a 2 MiB leaf when PS = 1.
      t = this.table(pfn);
      w = (vaLo >>> 20) & 0x3fe;
      lo = t[w];
      hi = t[w + 1];
      if ((lo & 0x1) === 0) return this.fault(2, base);
      if ((hi & rsvdHi) !== 0) return this.fault(2, base | 0x9);
      and &= lo;
      xd |= hi;
      level = 2;
      if ((lo & 0x80) === 0) {
        if ((lo & 0x20) === 0) t[w] = lo | 0x20;
        pfn = (hi & mask) * 1048576 + (lo >>> 12);
        // PTE.
        t = this.table(pfn);
        w = (vaLo >>> 11) & 0x3fe;
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
    const rights = ((and >>> 1) & 3) | ((xd >>> 31) << 2);
    let code = this.decide[(rights << 5) | access];
    if ((rights & 2) !== 0 && ((this.pkDeny[access] >>> ((hi >>> 27) & 15)) & 1) !== 0) {
      code |= this.pkCode[access];
    }
    if (code !== 0) return this.fault(level, code);
    const need = (access & 1) === 0 ? 0x20 : 0x60;
    if ((lo & need) !== need) {
      lo = (lo | need) >>> 0;
      t[w] = lo;
    }
    this.lastLevel = level;
    this.lastLo = lo;
    this.lastHi = hi;
    this.lastRights = rights;
    const paHi = (hi & mask) * 4294967296;
    if (level === 1) this.io[1] = paHi + ((lo & 0xfffff000) >>> 0) + (vaLo & 0xfff);
    else if (level === 2) this.io[1] = paHi + ((lo & 0xffe00000) >>> 0) + (vaLo & 0x1fffff);
    else this.io[1] = paHi + ((lo & 0xc0000000) >>> 0) + (vaLo & 0x3fffffff);
    return 0;
  }

  // Words of table frame `pfn` through the direct-mapped cache (low bits of the
  // frame number pick the slot; ToInt32 keeps them exactly).
  private table(pfn: number): Uint32Array {
    const slot = (pfn | 0) & 1023;
    if (this.cPfn[slot] === pfn) return this.cWords[slot];
    const t = this.memory.frameWords(pfn);
    this.cPfn[slot] = pfn;
    this.cWords[slot] = t;
    return t;
  }

  private fault(level: number, errorCode: number): number {
    this.faultLevel = level;
    return -1 - errorCode;
  }

  private irregular(va: number, access: number): number {
    checkAccess(access);
    if (typeof va !== 'number')
      throw new TypeError(`linear address must be a number, got ${typeof va}`);
    if (!Number.isInteger(va) || va < 0) {
      throw new RangeError(`linear address must be a non-negative integer, got ${va}`);
    }
    // >= 2^vaBits: as the low bits of a 64-bit value it cannot be canonical.
    return WALK_GP;
  }

  /**
   * The walk without side effects and without an access check: what the paging
   * structures map `va` to. Fills `out` and returns the same encoding as
   * translate() (errors carry no access bits: 0 for not present, P|RSVD for reserved).
   */
  lookup(root: number, va: number, out: WalkInfo): number {
    if (!(va >= 0 && va < this.vaLimit && Math.floor(va) === va)) {
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
