import { describe, expect, test } from 'vitest';
import { Access } from './access.js';
import { PageTable } from './page-table.js';
import { PageWalker, WalkInfo, WalkStatus } from './page-walker.js';
import { PTE } from './pte-flags.js';
import { rawPath } from './test-support/inspect.js';
import { CountingFrames, MapMemory } from './test-support/memory.js';
import {
  describeTranslateResult,
  isPageFault,
  pageFaultErrorCode,
  TRANSLATE_GP,
} from './translate-result.js';

const K4 = 0x1000;
const M2 = 0x20_0000;
const G1 = 0x4000_0000;
const VA = 0x1_2345_6000;
const RWU = PTE.PRESENT | PTE.WRITABLE | PTE.USER;
const A = 0x20;
const D = 0x40;

function setup(options: { levels?: 4 | 5; maxPhysAddrBits?: number; nxe?: boolean } = {}) {
  const memory = new MapMemory();
  const pt = new PageTable({
    memory,
    frames: new CountingFrames(),
    levels: options.levels,
    maxPhysAddrBits: options.maxPhysAddrBits,
    control: { nxe: options.nxe ?? true },
  });
  return { memory, pt };
}

function code(result: number): number {
  expect(isPageFault(result)).toBe(true);
  return pageFaultErrorCode(result);
}

describe('physical address of each page size', () => {
  test('4 KiB, 2 MiB, 1 GiB leaves add the right offset bits', () => {
    const { pt } = setup();
    pt.map(VA, 0xf_ffff_f000, K4, RWU);
    pt.map(0x2_0000_0000 + M2, 0x7_4000_0000, M2, RWU);
    pt.map(0x40_0000_0000, 0xc_4000_0000, G1, RWU);
    expect(pt.translate(VA + 0xfff, Access.USER_READ)).toBe(0xf_ffff_ffff);
    expect(pt.translate(0x2_0000_0000 + M2 + 0x1f_ffff, Access.USER_READ)).toBe(0x7_401f_ffff);
    expect(pt.translate(0x40_0000_0000 + 0x3fff_ffff, Access.USER_READ)).toBe(0xc_7fff_ffff);
    expect(pt.translate(0x40_0000_0000 + 0x1234_5678, Access.SUPERVISOR_WRITE)).toBe(0xc_5234_5678);
  });

  test('addresses up to MAXPHYADDR = 52', () => {
    const { pt } = setup();
    pt.map(VA, 2 ** 52 - K4, K4, RWU);
    expect(pt.translate(VA + 1, Access.USER_READ)).toBe(2 ** 52 - K4 + 1);
  });
});

describe('accessed and dirty flags (SDM 4.8), read from the raw entries', () => {
  test('a read sets A in every entry used and D nowhere', () => {
    const { memory, pt } = setup();
    pt.map(VA, 0x5000, K4, RWU);
    for (const e of rawPath(memory, pt.rootPfn, 4, VA)) expect(e.lo & (A | D)).toBe(0);
    pt.translate(VA, Access.USER_READ);
    for (const e of rawPath(memory, pt.rootPfn, 4, VA)) expect(e.lo & (A | D)).toBe(A);
  });

  test('a write sets D only in the leaf', () => {
    const { memory, pt } = setup();
    pt.map(VA, 0x5000, K4, RWU);
    pt.translate(VA, Access.USER_WRITE);
    const path = rawPath(memory, pt.rootPfn, 4, VA);
    expect(path.map((e) => e.lo & (A | D))).toEqual([A, A, A, A | D]);
  });

  test('a 2 MiB leaf gets D at bit 6 and keeps PAT at bit 12', () => {
    const { memory, pt } = setup();
    pt.map(2 * G1, 4 * M2, M2, RWU | PTE.PAT);
    pt.translate(2 * G1 + 5, Access.SUPERVISOR_WRITE);
    const pde = rawPath(memory, pt.rootPfn, 4, 2 * G1)[2];
    expect(pde.lo).toBe((4 * M2) | 0x1000 | 0x80 | D | A | 0x7);
  });

  test('a fetch sets A but not D', () => {
    const { memory, pt } = setup();
    pt.map(VA, 0x5000, K4, RWU);
    pt.translate(VA, Access.USER_FETCH);
    expect(rawPath(memory, pt.rootPfn, 4, VA)[3].lo & (A | D)).toBe(A);
  });

  test('a protection fault sets A on the upper entries but leaves the leaf untouched', () => {
    const { memory, pt } = setup();
    pt.map(VA, 0x5000, K4, PTE.PRESENT | PTE.USER);
    expect(code(pt.translate(VA, Access.USER_WRITE))).toBe(0x07);
    const path = rawPath(memory, pt.rootPfn, 4, VA);
    expect(path.map((e) => e.lo & (A | D))).toEqual([A, A, A, 0]);
  });

  test('a not-present PTE: A set above it only', () => {
    const { memory, pt } = setup();
    pt.map(VA, 0x5000, K4, PTE.USER);
    expect(code(pt.translate(VA, Access.USER_READ))).toBe(0x04);
    expect(rawPath(memory, pt.rootPfn, 4, VA).map((e) => e.lo & A)).toEqual([A, A, A, 0]);
  });

  test('A and D already set are left as they are (no other bit changes)', () => {
    const { memory, pt } = setup();
    pt.map(VA, 0x5000, K4, RWU | PTE.ACCESSED | PTE.DIRTY | PTE.GLOBAL);
    const before = rawPath(memory, pt.rootPfn, 4, VA)[3];
    pt.translate(VA, Access.USER_WRITE);
    expect(rawPath(memory, pt.rootPfn, 4, VA)[3]).toEqual(before);
  });
});

describe('reserved bits (SDM 4.5 tables; RSVD = 0x8, always with P)', () => {
  test('address bit at MAXPHYADDR in each level', () => {
    for (const level of [4, 3, 2, 1]) {
      const { memory, pt } = setup({ maxPhysAddrBits: 40 });
      pt.map(VA, 0x5000, K4, RWU);
      const e = rawPath(memory, pt.rootPfn, 4, VA).find((x) => x.level === level)!;
      memory.setEntry(e.pfn, e.index, e.lo, e.hi | (1 << 8)); // entry bit 40
      expect(code(pt.translate(VA, Access.USER_WRITE)), `level ${level}`).toBe(0x0f);
      memory.setEntry(e.pfn, e.index, e.lo, e.hi | (1 << 19)); // entry bit 51
      expect(code(pt.translate(VA, Access.SUPERVISOR_READ))).toBe(0x09);
    }
  });

  test('bit 39 is an address bit with MAXPHYADDR = 40, bit 51 is not reserved with 52', () => {
    const { memory, pt } = setup({ maxPhysAddrBits: 40 });
    pt.map(VA, 2 ** 39, K4, RWU);
    expect(pt.translate(VA, Access.USER_READ)).toBe(2 ** 39);
    const big = setup();
    big.pt.map(VA, 2 ** 51, K4, RWU);
    expect(big.pt.translate(VA, Access.USER_READ)).toBe(2 ** 51);
    expect(memory).toBeDefined();
  });

  test('XD in a non-leaf entry while NXE = 0', () => {
    const { memory, pt } = setup({ nxe: false });
    pt.map(VA, 0x5000, K4, RWU);
    const pml4e = rawPath(memory, pt.rootPfn, 4, VA)[0];
    memory.setEntry(pml4e.pfn, pml4e.index, pml4e.lo, pml4e.hi | 0x8000_0000);
    expect(code(pt.translate(VA, Access.USER_FETCH))).toBe(0x0d); // I/D clear: NXE=0, SMEP=0
  });

  test('PS in a PML4E is reserved', () => {
    const { memory, pt } = setup();
    pt.map(VA, 0x5000, K4, RWU);
    const e = rawPath(memory, pt.rootPfn, 4, VA)[0];
    memory.setEntry(e.pfn, e.index, e.lo | 0x80, e.hi);
    expect(code(pt.translate(VA, Access.USER_READ))).toBe(0x0d);
  });

  test('PS in a PML5E is reserved (5-level)', () => {
    const { memory, pt } = setup({ levels: 5 });
    pt.map(VA, 0x5000, K4, RWU);
    const e = rawPath(memory, pt.rootPfn, 5, VA)[0];
    expect(e.level).toBe(5);
    memory.setEntry(e.pfn, e.index, e.lo | 0x80, e.hi);
    expect(code(pt.translate(VA, Access.SUPERVISOR_READ))).toBe(0x09);
  });

  test('2 MiB PDE: bits 20:13 reserved, bit 12 is PAT', () => {
    for (const bit of [13, 16, 20]) {
      const { memory, pt } = setup();
      pt.map(2 * G1, 4 * M2, M2, RWU);
      const e = rawPath(memory, pt.rootPfn, 4, 2 * G1)[2];
      memory.setEntry(e.pfn, e.index, e.lo | (1 << bit), e.hi);
      expect(code(pt.translate(2 * G1, Access.USER_READ)), `bit ${bit}`).toBe(0x0d);
    }
    const { memory, pt } = setup();
    pt.map(2 * G1, 4 * M2, M2, RWU);
    const e = rawPath(memory, pt.rootPfn, 4, 2 * G1)[2];
    memory.setEntry(e.pfn, e.index, e.lo | (1 << 12), e.hi);
    expect(pt.translate(2 * G1 + 7, Access.USER_READ)).toBe(4 * M2 + 7);
  });

  test('1 GiB PDPTE: bits 29:13 reserved, bit 12 is PAT', () => {
    for (const bit of [13, 21, 29]) {
      const { memory, pt } = setup();
      pt.map(3 * G1, G1, G1, RWU);
      const e = rawPath(memory, pt.rootPfn, 4, 3 * G1)[1];
      memory.setEntry(e.pfn, e.index, e.lo | (1 << bit), e.hi);
      expect(code(pt.translate(3 * G1, Access.SUPERVISOR_WRITE)), `bit ${bit}`).toBe(0x0b);
    }
    const { memory, pt } = setup();
    pt.map(3 * G1, G1, G1, RWU);
    const e = rawPath(memory, pt.rootPfn, 4, 3 * G1)[1];
    memory.setEntry(e.pfn, e.index, e.lo | (1 << 12), e.hi);
    expect(pt.translate(3 * G1 + 9, Access.USER_READ)).toBe(G1 + 9);
  });

  test('a 4 KiB PTE has no reserved low bits (bit 7 is PAT)', () => {
    const { pt } = setup();
    pt.map(VA, 0x5000, K4, RWU | PTE.PAT | PTE.SOFTWARE_9 | PTE.SOFTWARE_HIGH);
    expect(pt.translate(VA, Access.USER_READ)).toBe(0x5000);
  });

  test('reserved bits are not checked in a non-present entry', () => {
    const { memory, pt } = setup({ maxPhysAddrBits: 40 });
    pt.map(VA, 0x5000, K4, RWU);
    const e = rawPath(memory, pt.rootPfn, 4, VA)[2];
    memory.setEntry(e.pfn, e.index, e.lo & ~1, e.hi | (1 << 15));
    expect(code(pt.translate(VA, Access.USER_READ))).toBe(0x04);
  });

  test('the walk stops at the highest faulting entry (reserved PML4E over a missing PT)', () => {
    const { memory, pt } = setup({ maxPhysAddrBits: 40 });
    pt.map(VA, 0x5000, K4, RWU);
    const path = rawPath(memory, pt.rootPfn, 4, VA);
    memory.setEntry(path[2].pfn, path[2].index, 0, 0);
    memory.setEntry(path[0].pfn, path[0].index, path[0].lo, path[0].hi | (1 << 10));
    expect(code(pt.translate(VA, Access.USER_READ))).toBe(0x0d);
    expect(pt.walker.faultLevel).toBe(4);
  });
});

describe('non-canonical and invalid input', () => {
  test('an address >= 2^48 (4-level) is #GP, not #PF', () => {
    const { pt } = setup();
    expect(pt.translate(2 ** 48, Access.USER_READ)).toBe(TRANSLATE_GP);
    expect(pt.translate(2 ** 52 + 8, Access.SUPERVISOR_READ)).toBe(TRANSLATE_GP);
    expect(isPageFault(TRANSLATE_GP)).toBe(false);
    expect(describeTranslateResult(TRANSLATE_GP)).toMatch(/#GP/);
  });

  test('5-level: 2^48 is canonical, 2^57 is not', () => {
    const { pt } = setup({ levels: 5 });
    expect(code(pt.translate(2 ** 48, Access.USER_READ))).toBe(0x04);
    expect(pt.translate(2 ** 57, Access.USER_READ)).toBe(TRANSLATE_GP);
  });

  test('misuse throws', () => {
    const { pt } = setup();
    expect(() => pt.translate(-1, Access.USER_READ)).toThrow(/-1/);
    expect(() => pt.translate(1.5, Access.USER_READ)).toThrow(/1\.5/);
    expect(() => pt.translate(Number.NaN, Access.USER_READ)).toThrow(RangeError);
    expect(() => pt.translate(0, Access.WRITE | Access.FETCH)).toThrow(/access/);
    expect(() => pt.translate(0, Access.USER | Access.IMPLICIT)).toThrow(/access/);
    expect(() => pt.translate(0, 32)).toThrow(/32/);
  });

  test('describeTranslateResult', () => {
    expect(describeTranslateResult(0x1234)).toBe('pa=0x1234');
    expect(describeTranslateResult(-1 - 0x27)).toBe('#PF(0x27: P W/R U/S PK)');
    expect(describeTranslateResult(-1)).toBe('#PF(0x0)');
  });
});

describe('PageWalker on its own', () => {
  test('walks any root (e.g. a guest table) and follows control changes', () => {
    const memory = new MapMemory();
    const pt = new PageTable({ memory, frames: new CountingFrames() });
    pt.map(VA, 0x5000, K4, PTE.PRESENT | PTE.USER);
    const walker = new PageWalker({ memory, control: { wp: false } });
    expect(walker.translate(pt.rootPfn, VA, Access.SUPERVISOR_WRITE)).toBe(0x5000);
    walker.setControl({ wp: true });
    expect(-1 - walker.translate(pt.rootPfn, VA, Access.SUPERVISOR_WRITE)).toBe(0x03);
    walker.setControl({ pke: true });
    walker.setPkru(1); // AD for key 0
    expect(-1 - walker.translate(pt.rootPfn, VA, Access.USER_READ)).toBe(0x25);
    expect(walker.control.pkru).toBe(1);
    expect(() => walker.setControl({ wp: 1 as unknown as boolean })).toThrow(TypeError);
    expect(() => walker.setPkru(2 ** 32)).toThrow(RangeError);
  });

  test('lookup reports the leaf without side effects', () => {
    const { memory, pt } = setup();
    pt.map(2 * G1, 4 * M2, M2, PTE.PRESENT | PTE.USER);
    const info = new WalkInfo();
    expect(pt.walker.lookup(pt.rootPfn, 2 * G1 + 9, info)).toBe(4 * M2 + 9);
    expect(info.status).toBe(WalkStatus.OK);
    expect(info.level).toBe(2);
    expect(info.pageSize).toBe(M2);
    expect(info.rights).toBe(2); // user, read-only, executable
    expect(rawPath(memory, pt.rootPfn, 4, 2 * G1).every((e) => (e.lo & A) === 0)).toBe(true);
    expect(pt.walker.lookup(pt.rootPfn, 0, info)).toBe(-1);
    expect(info.status).toBe(WalkStatus.NOT_PRESENT);
    expect(info.level).toBe(3); // PML4[0] exists (it holds 2 GiB), PDPT[0] is empty
  });
});
