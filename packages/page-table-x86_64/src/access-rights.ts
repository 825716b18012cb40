// Access-right rules of SDM vol. 3A, 4.6 (4.6.1 determination of access rights,
// 4.6.2 protection keys) and the error code of 4.7, for 4-level and 5-level paging
// (so CR4.PAE = 1 and IA32_EFER.LMA = 1 always hold).
//
// The walk reduces a translation to three combined rights (R/W and U/S ANDed over
// every entry, XD ORed) plus the leaf's protection key. `accessFaultCode` decides
// from those and the control registers; PagingRights precomputes it into small
// typed tables so translate() does one lookup.

import { Access, checkAccess, isValidAccess } from './access.js';
import { PageFaultCode } from './translate-result.js';

/** Control-register bits that affect access rights. */
export interface PagingControl {
  /** CR0.WP: supervisor-mode writes honour R/W. */
  readonly wp: boolean;
  /** IA32_EFER.NXE: XD (bit 63) is an execute-disable bit; when 0 it is reserved. */
  readonly nxe: boolean;
  /** CR4.SMEP: supervisor-mode fetches from user-mode addresses fault. */
  readonly smep: boolean;
  /** CR4.SMAP: supervisor-mode data accesses to user-mode addresses fault (unless AC, explicit). */
  readonly smap: boolean;
  /** CR4.PKE: protection keys (PKRU) apply to user-mode addresses. */
  readonly pke: boolean;
  /** PKRU: for key i, bit 2i = AD (access disable), bit 2i+1 = WD (write disable). */
  readonly pkru: number;
}

/** Defaults: WP and NXE on (what any modern kernel runs with), the rest off. */
export const DEFAULT_CONTROL: PagingControl = Object.freeze({
  wp: true,
  nxe: true,
  smep: false,
  smap: false,
  pke: false,
  pkru: 0,
});

/** Combined rights of a walk as a 3-bit index: bit 0 = R/W ANDed, bit 1 = U/S ANDed, bit 2 = XD ORed. */
export const Rights = {
  WRITABLE: 1,
  USER: 2,
  NO_EXECUTE: 4,
} as const;

/** Validates a partial PagingControl and merges it over `base`. */
export function mergeControl(base: PagingControl, patch: Partial<PagingControl>): PagingControl {
  const out = { ...base };
  for (const key of ['wp', 'nxe', 'smep', 'smap', 'pke'] as const) {
    const v = patch[key];
    if (v === undefined) continue;
    if (typeof v !== 'boolean')
      throw new TypeError(`control.${key} must be a boolean, got ${String(v)}`);
    out[key] = v;
  }
  if (patch.pkru !== undefined) {
    checkPkru(patch.pkru);
    out.pkru = patch.pkru;
  }
  return Object.freeze(out);
}

/** Throws unless `control` is a whole PagingControl: five booleans and a u32 PKRU. */
function checkControl(control: unknown): asserts control is PagingControl {
  if (typeof control !== 'object' || control === null) {
    throw new TypeError(`control must be a PagingControl object, got ${String(control)}`);
  }
  for (const key of ['wp', 'nxe', 'smep', 'smap', 'pke'] as const) {
    const v = (control as Partial<PagingControl>)[key];
    if (typeof v !== 'boolean')
      throw new TypeError(`control.${key} must be a boolean, got ${String(v)}`);
  }
  checkPkru((control as PagingControl).pkru);
}

/** Throws unless `pkru` is a u32. */
export function checkPkru(pkru: number): void {
  if (typeof pkru !== 'number' || pkru >>> 0 !== pkru) {
    throw new RangeError(`pkru must be a u32 number, got ${String(pkru)}`);
  }
}

/** PKRU bit that disables all data access to user-mode pages with `key` (AD, SDM 4.6.2). */
export function pkruAccessDisable(key: number): number {
  return 2 ** (2 * checkKey(key));
}

/** PKRU bit that disables writes to user-mode pages with `key` (WD, SDM 4.6.2). */
export function pkruWriteDisable(key: number): number {
  return 2 ** (2 * checkKey(key) + 1);
}

function checkKey(key: number): number {
  if (!Number.isInteger(key) || key < 0 || key > 15) {
    throw new RangeError(`protection key must be an integer in 0..15, got ${String(key)}`);
  }
  return key;
}

/**
 * Error-code bits describing the access itself (SDM 4.7): W/R, U/S and I/D. I/D is
 * set for a fetch only when CR4.SMEP = 1 or IA32_EFER.NXE = 1.
 */
export function accessErrorBits(access: number, control: PagingControl): number {
  let bits = 0;
  if (access & Access.WRITE) bits |= PageFaultCode.WRITE;
  if (access & Access.USER) bits |= PageFaultCode.USER;
  if (access & Access.FETCH && (control.smep || control.nxe))
    bits |= PageFaultCode.INSTRUCTION_FETCH;
  return bits;
}

/**
 * Page-fault error code for `access` to a present, reserved-bit-free translation with
 * combined `rights` (Rights bits), ignoring protection keys; 0 when allowed.
 * SDM 4.6.1, rule by rule.
 */
export function accessFaultCode(access: number, rights: number, control: PagingControl): number {
  const write = (access & Access.WRITE) !== 0;
  const fetch = (access & Access.FETCH) !== 0;
  const user = (access & Access.USER) !== 0;
  const userAddress = (rights & Rights.USER) !== 0;
  const writable = (rights & Rights.WRITABLE) !== 0;
  const noExec = control.nxe && (rights & Rights.NO_EXECUTE) !== 0;
  const fault = PageFaultCode.PRESENT | accessErrorBits(access, control);
  if (user) {
    // User-mode accesses: no access at all to supervisor-mode addresses; writes need
    // R/W = 1 everywhere (regardless of CR0.WP); fetches need XD = 0 when NXE = 1.
    if (!userAddress) return fault;
    if (write && !writable) return fault;
    if (fetch && noExec) return fault;
    return 0;
  }
  if (fetch) {
    // Supervisor-mode fetches: from user-mode addresses only with SMEP = 0; XD when NXE = 1.
    if (userAddress && control.smep) return fault;
    if (noExec) return fault;
    return 0;
  }
  // Supervisor-mode data accesses to user-mode addresses under SMAP: allowed only for
  // explicit accesses with EFLAGS.AC = 1.
  if (userAddress && control.smap) {
    const implicit = (access & Access.IMPLICIT) !== 0;
    if (implicit || (access & Access.AC) === 0) return fault;
  }
  // Supervisor-mode writes honour R/W only with CR0.WP = 1.
  if (write && control.wp && !writable) return fault;
  return 0;
}

/**
 * Keys (bit i = key i) whose PKRU setting denies `access` to a user-mode address
 * (SDM 4.6.2): AD denies every data access; WD denies writes by user-mode accesses,
 * and by supervisor-mode accesses when CR0.WP = 1. Fetches are never key-checked.
 */
export function pkeyDeniedKeys(access: number, control: PagingControl): number {
  if (!control.pke || (access & Access.FETCH) !== 0) return 0;
  const write = (access & Access.WRITE) !== 0;
  const user = (access & Access.USER) !== 0;
  let keys = 0;
  for (let k = 0; k < 16; k++) {
    const ad = (control.pkru >>> (2 * k)) & 1;
    const wd = (control.pkru >>> (2 * k + 1)) & 1;
    if (ad || (wd && write && (user || control.wp))) keys |= 1 << k;
  }
  return keys;
}

/**
 * The read side of {@link PagingRights}: its tables and the control state they
 * were computed for (what `PageWalker.rights` exposes).
 */
export type PagingRightsView = Pick<
  PagingRights,
  'decide' | 'pkDeny' | 'pkCode' | 'base' | 'tlbHit' | 'control'
>;

/**
 * Precomputed decisions for one PagingControl: `decide[rights << 5 | access]` is the
 * error code (0 = allowed; -1 = invalid access value), `pkDeny[access]` the keys
 * PKRU denies, `pkCode[access]` the error code of such a denial, `base[access]`
 * the error bits of a non-present fault (-1 = invalid access). The typed arrays
 * are allocated once and refilled in place, so holders of a reference stay current.
 */
export class PagingRights {
  readonly decide: Int32Array = new Int32Array(8 * 32);
  readonly pkDeny: Int32Array = new Int32Array(32);
  readonly pkCode: Int32Array = new Int32Array(32);
  readonly base: Int32Array = new Int32Array(32);
  /**
   * For a TLB: `tlbHit[(dirty << 3 | rights) << 5 | access]` is 1 when a cached
   * translation with those combined rights and D flag serves `access` without a walk:
   * the access is allowed, and it is not a write through an entry cached with D = 0
   * (that one walks again to set D, SDM 4.8). Protection keys are checked apart.
   */
  readonly tlbHit: Int32Array = new Int32Array(16 * 32);
  private current: PagingControl = DEFAULT_CONTROL;

  constructor(control: PagingControl = DEFAULT_CONTROL) {
    this.set(control);
  }

  /** The control state the tables were computed for. */
  get control(): PagingControl {
    return this.current;
  }

  /** Recomputes every table for `control` (a whole PagingControl; checked before any change). */
  set(control: PagingControl): void {
    checkControl(control);
    this.current = control;
    for (let access = 0; access < 32; access++) {
      const valid = isValidAccess(access);
      this.base[access] = valid ? accessErrorBits(access, control) : -1;
      for (let rights = 0; rights < 8; rights++) {
        const code = valid ? accessFaultCode(access, rights, control) : -1;
        this.decide[(rights << 5) | access] = code;
        const write = (access & Access.WRITE) !== 0;
        this.tlbHit[(rights << 5) | access] = code === 0 && !write ? 1 : 0;
        this.tlbHit[((8 | rights) << 5) | access] = code === 0 ? 1 : 0;
      }
    }
    this.setPkru(control.pkru);
  }

  /** Recomputes only the protection-key tables (WRPKRU is frequent; this is 32 entries). */
  setPkru(pkru: number): void {
    checkPkru(pkru);
    if (pkru !== this.current.pkru) this.current = Object.freeze({ ...this.current, pkru });
    for (let access = 0; access < 32; access++) {
      const valid = isValidAccess(access);
      this.pkDeny[access] = valid ? pkeyDeniedKeys(access, this.current) : 0;
      this.pkCode[access] = valid
        ? PageFaultCode.PRESENT |
          PageFaultCode.PROTECTION_KEY |
          accessErrorBits(access, this.current)
        : 0;
    }
  }

  /**
   * Full decision for one access including protection keys: the error code, or 0.
   * Not the hot path (translate() inlines the same lookups); useful for tools and tests.
   */
  check(access: number, rights: number, pkey: number): number {
    // Not the hot path, so checked: bad indices read past the tables.
    checkAccess(access);
    if (!Number.isInteger(rights) || rights < 0 || rights > 7) {
      throw new RangeError(
        `rights must be an integer in 0..7 (Rights bits), got ${String(rights)}`,
      );
    }
    checkKey(pkey);
    let code = this.decide[(rights << 5) | access];
    if ((rights & Rights.USER) !== 0 && ((this.pkDeny[access] >>> pkey) & 1) !== 0) {
      code |= this.pkCode[access];
    }
    return code;
  }
}
