// A software TLB an emulator can put in front of PageWalker (SDM vol. 3A, 4.10):
// direct-mapped over typed arrays (no Map, no objects per entry), tagged by PCID
// (CR4.PCIDE) with global entries (G = 1 and CR4.PGE = 1) matching every PCID.
// A 2 MiB or 1 GiB page is cached as 4 KiB pieces (allowed by SDM 4.10.2.3);
// INVLPG still removes every piece of the page that holds the address.
// Paging-structure caches are not modelled: every miss walks memory.
//
// Hits check the cached rights against the current control registers and PKRU,
// so a stale entry can produce the "spurious" page fault of SDM 4.10.4.3; a page
// fault removes the entry for that address (SDM 4.10.4.1), as on the CPU.
// A write through an entry cached with D = 0 walks again to set D (SDM 4.8).
//
// Checking mode compares every hit with a fresh walk and reports the changes that
// SDM 4.10.4.2 / 4.10.4.3 say need an invalidation: anything but P 0→1, A 0→1,
// R/W 0→1, U/S 0→1 (SMEP = 0), XD 1→0 and A/D 1→0 (those are allowed to be stale).

import { checkAccess } from './access.js';
import { TWO_32 } from './entry-codec.js';
import type { PageWalker } from './page-walker.js';
import { WalkInfo, WalkStatus } from './page-walker.js';
import { OK, type Ok } from './results.js';
import { TRANSLATE_GP } from './translate-result.js';

/** Why a cached translation is stale (each needs an invalidation per SDM 4.10.4). */
export const StaleReason = {
  /** No translation any more (P cleared, entry removed, or a reserved bit now set). */
  REMOVED: 'removed',
  /** Maps a different frame. */
  FRAME: 'frame',
  /** The page size changed (SDM 4.10.4.2 asks to invalidate before such a change). */
  PAGE_SIZE: 'page-size',
  /** R/W went 1 → 0 somewhere on the walk. */
  WRITE_REVOKED: 'write-revoked',
  /** U/S went 1 → 0 somewhere on the walk. */
  USER_REVOKED: 'user-revoked',
  /** U/S went 0 → 1 while CR4.SMEP = 1 (only harmless with SMEP = 0). */
  USER_GRANTED_SMEP: 'user-granted-smep',
  /** XD went 0 → 1 (with IA32_EFER.NXE = 1). */
  EXECUTE_REVOKED: 'execute-revoked',
  /** The protection key changed. */
  PROTECTION_KEY: 'protection-key',
  /** PWT, PCD or PAT changed. */
  MEMORY_TYPE: 'memory-type',
  /** G changed (with CR4.PGE = 1). */
  GLOBAL: 'global',
} as const;
export type StaleReason = (typeof StaleReason)[keyof typeof StaleReason];

/** A stale translation found in checking mode. */
export interface StaleReport {
  /** Linear address of the access that hit the stale entry. */
  readonly va: number;
  /** PCID the entry belongs to (-1 for a global entry). */
  readonly pcid: number;
  readonly reasons: readonly StaleReason[];
  /** Physical address the TLB gave. */
  readonly cachedPa: number;
  /** Physical address a fresh walk gives, or -1 when there is none. */
  readonly currentPa: number;
}

/** Result of writing CR3 / CR4 when the value would raise #GP(0). */
export interface GeneralProtection {
  readonly ok: false;
  readonly fault: '#GP';
  readonly reason: string;
}

/** Options of the Tlb. */
export interface TlbOptions {
  /** The walker used on misses (its control registers apply to hits as well). */
  readonly walker: PageWalker;
  /** Entries, a power of two in 1..2^22 (default 4096). */
  readonly entries?: number;
  /** CR4.PCIDE (default false). */
  readonly pcide?: boolean;
  /** CR4.PGE (default true). */
  readonly pge?: boolean;
  /** Initial CR3 value (root physical address | PCID or PWT/PCD bits). */
  readonly cr3?: number;
  /** Checking mode: compare each hit with a fresh walk and report stale entries. */
  readonly check?: boolean;
  /** Receives each stale report; without it reports collect in `staleReports`. */
  readonly onStale?: (report: StaleReport) => void;
}

const VALID = 1 << 26;
const PCID_SHIFT = 13;
const GLOBAL_FIELD = 0x1000;
const GLOBAL_TAG = VALID | (GLOBAL_FIELD << PCID_SHIFT);
// attr bits
const A_RIGHTS = 0x7;
// Rights and D in the low four bits: PagingRights.tlbHit is indexed by them.
const A_DIRTY = 1 << 3;
const A_PKEY_SHIFT = 4;
const A_GLOBAL = 1 << 8;
const A_SIZE_SHIFT = 9; // leaf level - 1: 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB
const A_MEMTYPE_SHIFT = 11; // PWT, PCD, PAT
const A_REPORTED = 1 << 14;
const A_PFN_HI_SHIFT = 16; // frame-number bits 39:32 (MAXPHYADDR <= 52)
// slowTranslate()'s small-integer stand-in for TRANSLATE_GP.
const SLOW_GP = -1000;
const EMPTY = new Int32Array(0);

/** Direct-mapped, PCID-tagged software TLB. */
export class Tlb {
  readonly walker: PageWalker;
  /** Number of entries. */
  readonly entries: number = 0;
  /** Translations served from the TLB. */
  hits = 0;
  /** Translations that walked the tables (fills, dirty-bit updates, faults). */
  misses = 0;
  /** Stale reports collected in checking mode when no onStale callback is set. */
  readonly staleReports: StaleReport[] = [];

  // Every numeric field is initialised where it is declared, with a value of the
  // kind it keeps: a field declared bare is first defined as undefined (ES2022
  // class fields), and the engine then reads it as "any value", with a type check
  // and an untagging step on every use of the hit path.
  private readonly mask: number = 0;
  private readonly vaLimit: number = 2 ** 48;
  // Four int32 words per entry, interleaved so a lookup touches one cache line:
  // [4i] page-number bits 31:0, [4i+1] VALID | PCID field | page-number bits 44:32,
  // [4i+2] attributes (and frame-number bits 39:32), [4i+3] frame-number bits 31:0.
  private readonly e: Int32Array = EMPTY;
  private readonly io: Float64Array = new Float64Array(2);
  private readonly decide: Int32Array = EMPTY;
  private readonly tlbHit: Int32Array = EMPTY;
  private readonly pkDeny: Int32Array = EMPTY;
  private readonly pkCode: Int32Array = EMPTY;
  private readonly checking: boolean = false;
  private readonly onStale: ((report: StaleReport) => void) | undefined;
  private readonly info: WalkInfo = new WalkInfo();
  private root = -1;
  private cr3Value = 0;
  private pcid = 0;
  private curTag = VALID;
  private fastTag = VALID;
  private fastGlobalTag = GLOBAL_TAG;
  private pcide = false;
  private pge = true;
  private large2M = 0;
  private large1G = 0;

  constructor(options: TlbOptions) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`Tlb options must be an object, got ${String(options)}`);
    }
    const { walker } = options;
    if (walker === null || typeof walker !== 'object' || typeof walker.translate !== 'function') {
      throw new TypeError('options.walker must be a PageWalker');
    }
    const n = options.entries ?? 4096;
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 22 || (n & (n - 1)) !== 0) {
      throw new RangeError(`entries must be a power of two in 1..2^22, got ${String(n)}`);
    }
    this.walker = walker;
    this.entries = n;
    this.mask = n - 1;
    this.vaLimit = walker.vaLimit;
    this.e = new Int32Array(4 * n);
    this.decide = walker.rights.decide;
    this.tlbHit = walker.rights.tlbHit;
    this.pkDeny = walker.rights.pkDeny;
    this.pkCode = walker.rights.pkCode;
    this.pcide = bool(options.pcide ?? false, 'pcide');
    this.pge = bool(options.pge ?? true, 'pge');
    this.checking = bool(options.check ?? false, 'check');
    if (options.onStale !== undefined && typeof options.onStale !== 'function') {
      throw new TypeError('onStale must be a function');
    }
    this.onStale = options.onStale;
    this.syncFastTags();
    if (options.cr3 !== undefined) {
      const r = this.writeCr3(options.cr3);
      if (!r.ok) throw new RangeError(`cr3 ${String(options.cr3)}: ${r.reason}`);
    }
  }

  /** Current CR3 value. */
  get cr3(): number {
    return this.cr3Value;
  }

  /** Current PCID (0 when CR4.PCIDE = 0). */
  get currentPcid(): number {
    return this.pcid;
  }

  /** Valid entries (a scan; for tests and statistics). */
  get size(): number {
    let n = 0;
    for (let i = 0; i <= this.mask; i++) if (this.valid(i)) n++;
    return n;
  }

  /** Zeroes the hit and miss counters. */
  resetCounters(): void {
    this.hits = 0;
    this.misses = 0;
  }

  /**
   * MOV to CR3 (SDM 4.10.4.1). `value` = root physical address | bits 11:0 (the PCID
   * when CR4.PCIDE = 1). Invalidates the non-global entries of the new PCID, unless
   * options.noFlush (bit 63 of the operand) with PCIDE = 1. #GP(0) when address bits
   * at or above MAXPHYADDR are set, or for noFlush with PCIDE = 0 (bit 63 is then a
   * reserved CR3 bit).
   */
  writeCr3(value: number, options?: { readonly noFlush?: boolean }): Ok | GeneralProtection {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= 2 ** 64) {
      throw new RangeError(`cr3 must be a non-negative integer, got ${String(value)}`);
    }
    const noFlush = bool(options?.noFlush ?? false, 'noFlush');
    if (value >= 2 ** this.walker.maxPhysAddrBits) {
      return gp(`CR3 bits at or above MAXPHYADDR (${this.walker.maxPhysAddrBits}) are reserved`);
    }
    if (noFlush && !this.pcide) return gp('bit 63 (no-flush) is reserved when CR4.PCIDE = 0');
    this.cr3Value = value;
    this.root = Math.floor(value / 4096);
    this.pcid = this.pcide ? value % 4096 : 0;
    this.curTag = VALID | (this.pcid << PCID_SHIFT);
    this.syncFastTags();
    if (!noFlush) this.flushPcid(this.pcid);
    return OK;
  }

  /**
   * MOV to CR4 for PGE / PCIDE (SDM 4.10.4.1): changing PGE, or PCIDE 1 → 0,
   * invalidates every entry, global ones included. Setting PCIDE needs CR3[11:0] = 0.
   */
  setCr4(options: { readonly pge?: boolean; readonly pcide?: boolean }): Ok | GeneralProtection {
    const pge = bool(options.pge ?? this.pge, 'pge');
    const pcide = bool(options.pcide ?? this.pcide, 'pcide');
    if (pcide && !this.pcide && this.cr3Value % 4096 !== 0) {
      return gp('setting CR4.PCIDE needs CR3[11:0] = 0');
    }
    const flush = pge !== this.pge || (this.pcide && !pcide);
    this.pge = pge;
    this.pcide = pcide;
    if (!pcide) {
      this.pcid = 0;
      this.curTag = VALID;
      this.syncFastTags();
    }
    if (flush) this.flushAll();
    return OK;
  }

  /**
   * Translates through the TLB; same result encoding as PageWalker.translate.
   * A hit costs a few typed-array reads and allocates nothing.
   */
  translate(va: number, access: number): number {
    // Literals stand for the module constants on this path (a module constant costs a
    // context load and a type check): 2^-32, 2^32, attribute bits A_RIGHTS 0x7,
    // A_DIRTY 0x8, A_PKEY_SHIFT 4, A_PFN_HI_SHIFT 16, 2^44. Word offsets in an entry
    // are added with `|` (s is a multiple of 4), which needs no overflow check.
    // fastTag / fastGlobalTag are -1 in checking mode, so no entry hits here then.
    // typeof first: a string would compare as its number, and a bigint pass the
    // comparisons and then throw the engine's TypeError in the arithmetic below.
    if (
      typeof va === 'number' &&
      typeof access === 'number' &&
      va >= 0 &&
      va < this.vaLimit &&
      (access & 31) === access
    ) {
      // The address in two halves; vaLo is in [0, 2^32), an integer exactly when
      // ToUint32 keeps it. Page-number bits 31:0 pick the slot and are its first
      // word; bits 44:32 go with the PCID tag in the second.
      const vaHi = Math.floor(va * 2.3283064365386963e-10);
      const vaLo = va - vaHi * 4294967296;
      if (vaLo >>> 0 === vaLo) {
        const vpn = (vaHi << 20) | (vaLo >>> 12);
        const e = this.e;
        const s = (vpn & this.mask) << 2;
        const th = e[s | 1];
        const tagHi = vaHi >>> 12;
        if (
          e[s] === vpn &&
          (th === (tagHi | this.fastTag) || th === (tagHi | this.fastGlobalTag))
        ) {
          const a = e[s | 2];
          // One lookup decides rights and D (a write through a clean entry walks).
          if (
            this.tlbHit[((a & 15) << 5) | access] !== 0 &&
            ((a & 2) === 0 || ((this.pkDeny[access] >>> ((a >>> 4) & 15)) & 1) === 0)
          ) {
            this.hits++;
            return ((a >>> 16) & 0xff) * 17592186044416 + (e[s | 3] >>> 0) * 4096 + (vaLo & 0xfff);
          }
        }
      }
    }
    // Addresses travel through `io` so that the slow path takes and returns small
    // integers (-1000 is SLOW_GP, -2^32 TRANSLATE_GP).
    if (typeof va !== 'number') {
      throw new TypeError(`linear address must be a number, got ${typeof va} ${String(va)}`);
    }
    const io = this.io;
    io[0] = va;
    const status = this.slowTranslate(access);
    return status === 0 ? io[1] : status === -1000 ? -4294967296 : status;
  }

  // Sets the tags the fast path compares with, after the PCID or the mode changed.
  private syncFastTags(): void {
    this.fastTag = this.checking ? -1 : this.curTag;
    this.fastGlobalTag = this.checking ? -1 : GLOBAL_TAG;
  }

  private slowTranslate(access: number): number {
    const va = this.io[0];
    checkAccess(access);
    if (!(va >= 0 && va < this.vaLimit && Math.floor(va) === va)) {
      const r = this.walker.translate(Math.max(this.root, 0), va, access);
      return r === TRANSLATE_GP ? SLOW_GP : r;
    }
    if (this.root < 0) throw new Error('Tlb: no CR3 loaded (writeCr3 first)');
    const vpn = Math.floor(va / 4096);
    const slot = (vpn | 0) & this.mask;
    const hit = this.matchSlot(slot, this.pcid);
    if (hit) {
      if (this.checking) this.checkStale(slot, va);
      const a = this.e[slot * 4 + 2];
      const rights = a & A_RIGHTS;
      let code = this.decide[(rights << 5) | access];
      if ((rights & 2) !== 0 && ((this.pkDeny[access] >>> ((a >>> A_PKEY_SHIFT) & 15)) & 1) !== 0) {
        code |= this.pkCode[access];
      }
      if (code !== 0) {
        // A page fault invalidates the TLB entries for the faulting address (4.10.4.1).
        this.invalidateSlot(slot);
        this.hits++;
        return -1 - code;
      }
      if ((access & 1) === 0 || (a & A_DIRTY) !== 0) {
        this.hits++;
        this.io[1] = this.slotPa(slot) + (va - vpn * 4096);
        return 0;
      }
      // Write through an entry cached clean: walk again so D is set in memory.
    }
    this.misses++;
    const r = this.walker.translate(this.root, va, access);
    if (r < 0) {
      if (hit) this.invalidateSlot(slot);
      return r;
    }
    this.io[1] = r;
    this.fill(slot);
    return 0;
  }

  private slotPa(slot: number): number {
    const s = slot * 4;
    return (
      ((this.e[s + 2] >>> A_PFN_HI_SHIFT) & 0xff) * 17592186044416 + (this.e[s + 3] >>> 0) * 4096
    );
  }

  // Fills `slot` from the walk just done for io[0] -> io[1]. Addresses come through
  // `io`, not as arguments, so that they are never boxed.
  private fill(slot: number): void {
    const vpn = Math.floor(this.io[0] / 4096);
    const pa = this.io[1];
    const w = this.walker;
    const level = w.lastLevel;
    const lo = w.lastLo;
    const hi = w.lastHi;
    const global = this.pge && (lo & 0x100) !== 0;
    const pat = level === 1 ? (lo >>> 7) & 1 : (lo >>> 12) & 1;
    const memtype = ((lo >>> 3) & 3) | (pat << 2);
    const pfn = Math.floor(pa / 4096);
    const pfnHi = Math.floor(pfn / TWO_32);
    this.invalidateSlot(slot);
    const s = slot * 4;
    const e = this.e;
    e[s] = vpn | 0;
    e[s + 1] =
      VALID | ((global ? GLOBAL_FIELD : this.pcid) << PCID_SHIFT) | Math.floor(vpn / TWO_32);
    e[s + 2] =
      w.lastRights |
      (((hi >>> 27) & 15) << A_PKEY_SHIFT) |
      (lo & 0x40 ? A_DIRTY : 0) |
      (global ? A_GLOBAL : 0) |
      ((level - 1) << A_SIZE_SHIFT) |
      (memtype << A_MEMTYPE_SHIFT) |
      (pfnHi << A_PFN_HI_SHIFT);
    e[s + 3] = pfn - pfnHi * TWO_32;
    if (level === 2) this.large2M++;
    else if (level === 3) this.large1G++;
  }

  // True when `slot` holds the page of io[0] for `pcid` (or a global entry).
  private matchSlot(slot: number, pcid: number): boolean {
    const vpn = Math.floor(this.io[0] / 4096);
    const s = slot * 4;
    if (this.e[s] !== (vpn | 0)) return false;
    const th = this.e[s + 1];
    const hi = Math.floor(vpn / TWO_32);
    return th === (hi | VALID | (pcid << PCID_SHIFT)) || th === (hi | GLOBAL_TAG);
  }

  private valid(slot: number): boolean {
    return (this.e[slot * 4 + 1] & VALID) !== 0;
  }

  private invalidateSlot(slot: number): void {
    const s = slot * 4;
    if ((this.e[s + 1] & VALID) === 0) return;
    const level = ((this.e[s + 2] >>> A_SIZE_SHIFT) & 3) + 1;
    if (level === 2) this.large2M--;
    else if (level === 3) this.large1G--;
    this.e[s + 1] = 0;
  }

  private slotVpn(slot: number): number {
    const s = slot * 4;
    return (this.e[s + 1] & 0x1fff) * TWO_32 + (this.e[s] >>> 0);
  }

  private slotPcidField(slot: number): number {
    return (this.e[slot * 4 + 1] >>> PCID_SHIFT) & 0x1fff;
  }

  private slotLevel(slot: number): number {
    return ((this.e[slot * 4 + 2] >>> A_SIZE_SHIFT) & 3) + 1;
  }

  /**
   * INVLPG (SDM 4.10.4.1): removes the entries for the page holding `va` (the whole
   * 2 MiB / 1 GiB page for a large one) of the current PCID, and global entries.
   */
  invlpg(va: number): void {
    this.invalidateAddress(va, this.pcid, { global: true });
  }

  private invalidateAddress(va: number, pcid: number, options: { readonly global: boolean }): void {
    if (typeof va !== 'number' || !Number.isInteger(va) || va < 0 || va >= this.vaLimit) {
      throw new RangeError(
        `linear address must be an integer in [0, 2^${this.walker.vaBits}), got ${String(va)}`,
      );
    }
    const vpn = Math.floor(va / 4096);
    const matches = (slot: number, level: number): boolean => {
      if (!this.valid(slot)) return false;
      const field = this.slotPcidField(slot);
      if (field !== pcid && !(options.global && field === GLOBAL_FIELD)) return false;
      if (this.slotLevel(slot) !== level) return false;
      const pages = level === 1 ? 1 : level === 2 ? 512 : 262144;
      return Math.floor(this.slotVpn(slot) / pages) === Math.floor(vpn / pages);
    };
    const slot = (vpn | 0) & this.mask;
    if (matches(slot, 1)) this.invalidateSlot(slot);
    if (this.large2M > 0) {
      const base = vpn - (vpn % 512);
      const count = Math.min(512, this.entries);
      for (let k = 0; k < count; k++) {
        const s = ((base + k) | 0) & this.mask;
        if (matches(s, 2)) this.invalidateSlot(s);
      }
    }
    if (this.large1G > 0) {
      for (let s = 0; s <= this.mask; s++) if (matches(s, 3)) this.invalidateSlot(s);
    }
  }

  /** Removes every entry, global ones included, of every PCID. */
  flushAll(): void {
    for (let s = 1; s < this.e.length; s += 4) this.e[s] = 0;
    this.large2M = 0;
    this.large1G = 0;
  }

  /** Removes the non-global entries of `pcid` (what MOV to CR3 does for the new PCID). */
  flushPcid(pcid: number): void {
    checkPcid(pcid);
    for (let s = 0; s <= this.mask; s++) {
      if (this.valid(s) && this.slotPcidField(s) === pcid) this.invalidateSlot(s);
    }
  }

  /** Removes the non-global entries of every PCID. */
  flushNonGlobal(): void {
    for (let s = 0; s <= this.mask; s++) {
      if (this.valid(s) && this.slotPcidField(s) !== GLOBAL_FIELD) this.invalidateSlot(s);
    }
  }

  /**
   * INVPCID (SDM 4.10.4.1): type 0 = the non-global entries of `pcid` for the page
   * holding `va`; 1 = the non-global entries of `pcid`; 2 = everything, globals
   * included; 3 = every non-global entry.
   */
  invpcid(type: 0 | 1 | 2 | 3, pcid: number, va = 0): void {
    checkPcid(pcid);
    switch (type) {
      case 0:
        this.invalidateAddress(va, pcid, { global: false });
        return;
      case 1:
        this.flushPcid(pcid);
        return;
      case 2:
        this.flushAll();
        return;
      case 3:
        this.flushNonGlobal();
        return;
      default:
        throw new RangeError(`INVPCID type must be 0..3, got ${String(type)}`);
    }
  }

  private checkStale(slot: number, va: number): void {
    const a = this.e[slot * 4 + 2];
    if ((a & A_REPORTED) !== 0) return;
    const info = this.info;
    const vpn = Math.floor(va / 4096);
    const cachedPa = this.slotPa(slot) + (va - vpn * 4096);
    const current = this.walker.lookup(this.root, va, info);
    const reasons: StaleReason[] = [];
    if (info.status !== WalkStatus.OK) {
      reasons.push(StaleReason.REMOVED);
    } else {
      const control = this.walker.control;
      if (current !== cachedPa) reasons.push(StaleReason.FRAME);
      if (info.level !== ((a >>> A_SIZE_SHIFT) & 3) + 1) reasons.push(StaleReason.PAGE_SIZE);
      const was = a & A_RIGHTS;
      const now = info.rights;
      if ((was & 1) !== 0 && (now & 1) === 0) reasons.push(StaleReason.WRITE_REVOKED);
      if ((was & 2) !== 0 && (now & 2) === 0) reasons.push(StaleReason.USER_REVOKED);
      if ((was & 2) === 0 && (now & 2) !== 0 && control.smep)
        reasons.push(StaleReason.USER_GRANTED_SMEP);
      if ((was & 4) === 0 && (now & 4) !== 0 && control.nxe)
        reasons.push(StaleReason.EXECUTE_REVOKED);
      if (((a >>> A_PKEY_SHIFT) & 15) !== ((info.hi >>> 27) & 15))
        reasons.push(StaleReason.PROTECTION_KEY);
      const pat = info.level === 1 ? (info.lo >>> 7) & 1 : (info.lo >>> 12) & 1;
      const memtype = ((info.lo >>> 3) & 3) | (pat << 2);
      if (((a >>> A_MEMTYPE_SHIFT) & 7) !== memtype) reasons.push(StaleReason.MEMORY_TYPE);
      const globalNow = this.pge && (info.lo & 0x100) !== 0;
      if (((a & A_GLOBAL) !== 0) !== globalNow) reasons.push(StaleReason.GLOBAL);
    }
    if (reasons.length === 0) return;
    this.e[slot * 4 + 2] = a | A_REPORTED;
    const field = this.slotPcidField(slot);
    const report: StaleReport = Object.freeze({
      va,
      pcid: field === GLOBAL_FIELD ? -1 : field,
      reasons: Object.freeze(reasons),
      cachedPa,
      currentPa: info.status === WalkStatus.OK ? current : -1,
    });
    if (this.onStale !== undefined) this.onStale(report);
    else this.staleReports.push(report);
  }
}

function bool(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${String(v)}`);
  return v;
}

function checkPcid(pcid: number): void {
  if (!Number.isInteger(pcid) || pcid < 0 || pcid > 0xfff) {
    throw new RangeError(`pcid must be an integer in 0..4095, got ${String(pcid)}`);
  }
}

function gp(reason: string): GeneralProtection {
  return Object.freeze({ ok: false, fault: '#GP', reason });
}
