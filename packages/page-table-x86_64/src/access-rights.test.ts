// Access rights and page-fault error codes, checked against a golden table written
// by hand from Intel SDM vol. 3A, 4.6 (access rights, protection keys) and 4.7
// (error code: P=0x1 W/R=0x2 U/S=0x4 RSVD=0x8 I/D=0x10 PK=0x20), plus a property
// test against an independent oracle that restates the SDM rules.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Access } from './access.js';
import type { PagingControl } from './access-rights.js';
import { PageTable } from './page-table.js';
import { PTE, pkeyFlags } from './pte-flags.js';
import { ChunkedMemory } from './test-support/chunked-memory.js';
import { type RawMemory, rawPath } from './test-support/inspect.js';
import { CountingFrames, MapMemory } from './test-support/memory.js';

const P = PTE.PRESENT;
const RW = PTE.WRITABLE;
const US = PTE.USER;
const XD = PTE.NO_EXECUTE;

const SR = Access.SUPERVISOR_READ;
const SW = Access.SUPERVISOR_WRITE;
const SX = Access.SUPERVISOR_FETCH;
const UR = Access.USER_READ;
const UW = Access.USER_WRITE;
const UX = Access.USER_FETCH;
const AC = Access.AC;
const IMP = Access.IMPLICIT;

const AD = (k: number): number => 2 ** (2 * k);
const WD = (k: number): number => 2 ** (2 * k + 1);

const VA = 0x1_2345_6000;
const FRAME = 0xa_bcde_f000;
const OFFSET = 0x123;

type Ctl = Partial<PagingControl>;
/** Overrides for a non-leaf entry on the walk: level and its low flag bits (P, R/W, U/S) and XD. */
interface Upper {
  level: 2 | 3 | 4;
  flags: number;
}
interface Row {
  rule: string;
  access: number;
  leaf: number;
  ctl: Ctl;
  pkey?: number;
  upper?: Upper;
  /** 'ok' or the page-fault error code the CPU pushes. */
  expect: 'ok' | number;
}

const base: Ctl = { wp: true, nxe: true, smep: false, smap: false, pke: false, pkru: 0 };
const c = (o: Ctl): Ctl => ({ ...base, ...o });

// biome-ignore format: one row per line reads as a table
const GOLDEN: Row[] = [
  // 4.6.1 user-mode accesses
  { rule: 'user read of a user page', access: UR, leaf: P | US, ctl: c({}), expect: 'ok' },
  { rule: 'user read of a supervisor page', access: UR, leaf: P | RW, ctl: c({}), expect: 0x05 },
  { rule: 'user write to a writable user page', access: UW, leaf: P | US | RW, ctl: c({}), expect: 'ok' },
  { rule: 'user write to a read-only user page', access: UW, leaf: P | US, ctl: c({}), expect: 0x07 },
  { rule: 'user write to a read-only user page, WP=0 (WP only affects supervisor)', access: UW, leaf: P | US, ctl: c({ wp: false }), expect: 0x07 },
  { rule: 'user write to a supervisor page', access: UW, leaf: P | RW, ctl: c({}), expect: 0x07 },
  { rule: 'user fetch from a user page, XD=0', access: UX, leaf: P | US, ctl: c({}), expect: 'ok' },
  { rule: 'user fetch from XD page, NXE=1', access: UX, leaf: P | US | XD, ctl: c({}), expect: 0x15 },
  { rule: 'user fetch, XD set while NXE=0 is a reserved bit (no I/D: NXE=0, SMEP=0)', access: UX, leaf: P | US | XD, ctl: c({ nxe: false }), expect: 0x0d },
  { rule: 'user fetch from a user page, NXE=0', access: UX, leaf: P | US, ctl: c({ nxe: false }), expect: 'ok' },
  { rule: 'user fetch from a supervisor page, NXE=1', access: UX, leaf: P, ctl: c({}), expect: 0x15 },
  { rule: 'user fetch from a supervisor page, NXE=0 SMEP=0: I/D clear', access: UX, leaf: P, ctl: c({ nxe: false }), expect: 0x05 },
  { rule: 'user fetch from a supervisor page, NXE=0 SMEP=1: I/D set', access: UX, leaf: P, ctl: c({ nxe: false, smep: true }), expect: 0x15 },
  { rule: 'user read, not present', access: UR, leaf: US | RW, ctl: c({}), expect: 0x04 },
  { rule: 'user write, not present', access: UW, leaf: US | RW, ctl: c({}), expect: 0x06 },
  { rule: 'user fetch, not present, NXE=1', access: UX, leaf: US | RW, ctl: c({}), expect: 0x14 },
  { rule: 'user fetch, not present, NXE=0 SMEP=0', access: UX, leaf: US | RW, ctl: c({ nxe: false }), expect: 0x04 },
  // 4.6.1 supervisor-mode accesses
  { rule: 'supervisor read of a supervisor page', access: SR, leaf: P, ctl: c({}), expect: 'ok' },
  { rule: 'supervisor read of a user page, SMAP=0', access: SR, leaf: P | US, ctl: c({}), expect: 'ok' },
  { rule: 'supervisor write to read-only page, WP=1', access: SW, leaf: P, ctl: c({}), expect: 0x03 },
  { rule: 'supervisor write to read-only page, WP=0', access: SW, leaf: P, ctl: c({ wp: false }), expect: 'ok' },
  { rule: 'supervisor write to read-only user page, WP=0, SMAP=0', access: SW, leaf: P | US, ctl: c({ wp: false }), expect: 'ok' },
  { rule: 'supervisor write to writable page', access: SW, leaf: P | RW, ctl: c({}), expect: 'ok' },
  { rule: 'supervisor write, not present', access: SW, leaf: RW, ctl: c({}), expect: 0x02 },
  { rule: 'supervisor fetch, supervisor page', access: SX, leaf: P, ctl: c({}), expect: 'ok' },
  { rule: 'supervisor fetch, XD, NXE=1', access: SX, leaf: P | XD, ctl: c({}), expect: 0x11 },
  { rule: 'supervisor fetch, XD while NXE=0: reserved', access: SX, leaf: P | XD, ctl: c({ nxe: false }), expect: 0x09 },
  { rule: 'supervisor fetch, XD while NXE=0, SMEP=1: reserved with I/D', access: SX, leaf: P | XD, ctl: c({ nxe: false, smep: true }), expect: 0x19 },
  { rule: 'supervisor fetch from user page, SMEP=0', access: SX, leaf: P | US, ctl: c({}), expect: 'ok' },
  { rule: 'supervisor fetch from user page, SMEP=1', access: SX, leaf: P | US, ctl: c({ smep: true }), expect: 0x11 },
  { rule: 'supervisor fetch from user page, SMEP=1, NXE=0', access: SX, leaf: P | US, ctl: c({ smep: true, nxe: false }), expect: 0x11 },
  { rule: 'supervisor fetch from user XD page, SMEP=0', access: SX, leaf: P | US | XD, ctl: c({}), expect: 0x11 },
  { rule: 'supervisor fetch, not present, SMEP=1 NXE=0: I/D set', access: SX, leaf: RW, ctl: c({ smep: true, nxe: false }), expect: 0x10 },
  // SMAP (4.6.1, CR4.SMAP with EFLAGS.AC and implicit accesses)
  { rule: 'SMAP: supervisor read of user page, AC=0', access: SR, leaf: P | US, ctl: c({ smap: true }), expect: 0x01 },
  { rule: 'SMAP: supervisor read of user page, AC=1 explicit', access: SR | AC, leaf: P | US, ctl: c({ smap: true }), expect: 'ok' },
  { rule: 'SMAP: implicit supervisor read of user page', access: SR | IMP, leaf: P | US, ctl: c({ smap: true }), expect: 0x01 },
  { rule: 'SMAP: implicit read with AC=1 still faults', access: SR | IMP | AC, leaf: P | US, ctl: c({ smap: true }), expect: 0x01 },
  { rule: 'SMAP: supervisor write to writable user page, AC=0', access: SW, leaf: P | US | RW, ctl: c({ smap: true }), expect: 0x03 },
  { rule: 'SMAP: supervisor write to writable user page, AC=1', access: SW | AC, leaf: P | US | RW, ctl: c({ smap: true }), expect: 'ok' },
  { rule: 'SMAP: AC=1 write to read-only user page, WP=1', access: SW | AC, leaf: P | US, ctl: c({ smap: true }), expect: 0x03 },
  { rule: 'SMAP: AC=1 write to read-only user page, WP=0', access: SW | AC, leaf: P | US, ctl: c({ smap: true, wp: false }), expect: 'ok' },
  { rule: 'SMAP: implicit write to writable user page', access: SW | IMP, leaf: P | US | RW, ctl: c({ smap: true }), expect: 0x03 },
  { rule: 'SMAP: supervisor page unaffected', access: SR, leaf: P, ctl: c({ smap: true }), expect: 'ok' },
  { rule: 'SMAP: implicit write to supervisor page', access: SW | IMP, leaf: P | RW, ctl: c({ smap: true }), expect: 'ok' },
  { rule: 'SMAP does not apply to fetches', access: SX, leaf: P | US, ctl: c({ smap: true }), expect: 'ok' },
  { rule: 'SMAP does not apply to user accesses', access: UR, leaf: P | US, ctl: c({ smap: true }), expect: 'ok' },
  // 4.6.2 protection keys (CR4.PKE, PKRU) and the PK bit of 4.7
  { rule: 'PK: user read, AD set for the key', access: UR, leaf: P | US, pkey: 1, ctl: c({ pke: true, pkru: AD(1) }), expect: 0x25 },
  { rule: 'PK: user write, WD set for the key', access: UW, leaf: P | US | RW, pkey: 1, ctl: c({ pke: true, pkru: WD(1) }), expect: 0x27 },
  { rule: 'PK: user read, WD only', access: UR, leaf: P | US | RW, pkey: 1, ctl: c({ pke: true, pkru: WD(1) }), expect: 'ok' },
  { rule: 'PK: fetches are not key-checked', access: UX, leaf: P | US, pkey: 1, ctl: c({ pke: true, pkru: AD(1) | WD(1) }), expect: 'ok' },
  { rule: 'PK: another key disabled', access: UR, leaf: P | US, pkey: 2, ctl: c({ pke: true, pkru: AD(1) }), expect: 'ok' },
  { rule: 'PK: key 15 (PKRU bit 30)', access: UR, leaf: P | US, pkey: 15, ctl: c({ pke: true, pkru: AD(15) }), expect: 0x25 },
  { rule: 'PK: supervisor read of user page with AD', access: SR, leaf: P | US, pkey: 1, ctl: c({ pke: true, pkru: AD(1) }), expect: 0x21 },
  { rule: 'PK: supervisor write, WD, WP=1', access: SW, leaf: P | US | RW, pkey: 1, ctl: c({ pke: true, pkru: WD(1) }), expect: 0x23 },
  { rule: 'PK: supervisor write, WD, WP=0', access: SW, leaf: P | US | RW, pkey: 1, ctl: c({ pke: true, pkru: WD(1), wp: false }), expect: 'ok' },
  { rule: 'PK: PKRU ignores supervisor-mode addresses', access: SR, leaf: P, pkey: 1, ctl: c({ pke: true, pkru: AD(1) }), expect: 'ok' },
  { rule: 'PK: CR4.PKE=0 ignores the key', access: UR, leaf: P | US, pkey: 1, ctl: c({ pkru: AD(1) }), expect: 'ok' },
  { rule: 'PK and R/W both violated: both bits', access: UW, leaf: P | US, pkey: 1, ctl: c({ pke: true, pkru: WD(1) }), expect: 0x27 },
  { rule: 'PK: user access to a supervisor page has no PK bit', access: UR, leaf: P, pkey: 1, ctl: c({ pke: true, pkru: AD(1) }), expect: 0x05 },
  { rule: 'PK and SMAP both violated', access: SR, leaf: P | US, pkey: 1, ctl: c({ pke: true, pkru: AD(1), smap: true }), expect: 0x21 },
  { rule: 'PK: no PK bit for a non-present page', access: UR, leaf: US, pkey: 1, ctl: c({ pke: true, pkru: AD(1) }), expect: 0x04 },
  { rule: 'PK: key 0 with AD0', access: UR, leaf: P | US, pkey: 0, ctl: c({ pke: true, pkru: AD(0) }), expect: 0x25 },
  // Rights combine over every entry of the walk (R/W, U/S ANDed; XD ORed)
  { rule: 'R/W=0 in the PDE makes the page read-only', access: UW, leaf: P | US | RW, upper: { level: 2, flags: P | US }, ctl: c({}), expect: 0x07 },
  { rule: 'U/S=0 in the PDE makes it a supervisor address', access: UR, leaf: P | US | RW, upper: { level: 2, flags: P | RW }, ctl: c({}), expect: 0x05 },
  { rule: 'U/S=0 in the PML4E: SMAP does not apply', access: SR, leaf: P | US, upper: { level: 4, flags: P | RW }, ctl: c({ smap: true }), expect: 'ok' },
  { rule: 'U/S=0 in the PDE: SMEP does not apply', access: SX, leaf: P | US, upper: { level: 2, flags: P | RW }, ctl: c({ smep: true }), expect: 'ok' },
  { rule: 'XD=1 in the PDPTE forbids fetches', access: UX, leaf: P | US, upper: { level: 3, flags: P | RW | US | XD }, ctl: c({}), expect: 0x15 },
  { rule: 'XD=1 in the PDPTE with NXE=0 is reserved', access: UR, leaf: P | US, upper: { level: 3, flags: P | RW | US | XD }, ctl: c({ nxe: false }), expect: 0x0d },
  { rule: 'R/W=0 in the PDPTE, supervisor write, WP=1', access: SW, leaf: P | RW, upper: { level: 3, flags: P | US }, ctl: c({}), expect: 0x03 },
  { rule: 'R/W=0 in the PDPTE, supervisor write, WP=0', access: SW, leaf: P | RW, upper: { level: 3, flags: P | US }, ctl: c({ wp: false }), expect: 'ok' },
  { rule: 'PDE not present', access: UR, leaf: P | US, upper: { level: 2, flags: RW | US }, ctl: c({}), expect: 0x04 },
  { rule: 'PML4E not present, user fetch, NXE=1', access: UX, leaf: P | US, upper: { level: 4, flags: RW | US }, ctl: c({}), expect: 0x14 },
  { rule: 'PKRU ignores the key when U/S=0 above the leaf', access: SR, leaf: P | US, pkey: 3, upper: { level: 3, flags: P | RW }, ctl: c({ pke: true, pkru: AD(3) }), expect: 'ok' },
];

// Both memory shapes of memory.ts: frame views only (the walker's general path)
// and chunk views (its hot-chunk path, taken once a walk from the root has found
// every table in the root's chunk: build() walks to a neighbour page first).
// (Small chunks, and tables from frame 8: the tables of a walk share chunk 0.)
const MEMORIES: [string, () => RawMemory][] = [
  ['frame views', () => new MapMemory()],
  ['chunk views', () => new ChunkedMemory({ chunkFrameBits: 4, garbage: true })],
];

/** translate() twice (the walker's tables and A bits are then settled); both must agree. */
function translateTwice(pt: PageTable, va: number, access: number): number {
  const first = pt.translate(va, access);
  expect(pt.translate(va, access)).toBe(first);
  return first;
}

function build(row: Pick<Row, 'leaf' | 'ctl' | 'pkey' | 'upper'>, newMemory: () => RawMemory) {
  const memory = newMemory();
  const pt = new PageTable({ memory, frames: new CountingFrames(8), control: row.ctl });
  const r = pt.map(VA, FRAME, 0x1000, row.leaf | pkeyFlags(row.pkey ?? 0));
  // A plain neighbour page in the same page table, translated once before the
  // entries under test are changed: with chunk views this makes the walker's hot
  // chunk the tables' chunk, so the walks under test start on that path.
  const warm = pt.map(VA + 0x1000, FRAME, 0x1000, P | RW);
  if (!r.ok || !warm.ok || pt.translate(VA + 0x1000, SR) !== FRAME) {
    throw new Error('setup failed');
  }
  if (row.upper) {
    const entry = rawPath(memory, pt.rootPfn, 4, VA).find((e) => e.level === row.upper!.level)!;
    const lo = (entry.lo & ~0xfff) | (row.upper.flags & 0xfff);
    const hi = (entry.hi & 0x7fff_ffff) | (row.upper.flags & XD ? 0x8000_0000 : 0);
    memory.setEntry(entry.pfn, entry.index, lo, hi);
  }
  return { memory, pt };
}

describe.each(MEMORIES)('golden access table (SDM 4.6, 4.7), %s', (_, newMemory) => {
  test.each(GOLDEN)('$rule', (row) => {
    const { pt } = build(row, newMemory);
    const got = translateTwice(pt, VA + OFFSET, row.access);
    if (row.expect === 'ok') expect(got).toBe(FRAME + OFFSET);
    else expect(-1 - got).toBe(row.expect);
  });
});

// An independent restatement of SDM 4.6/4.7 for the property test.
function oracle(
  access: number,
  leaf: number,
  uppers: number[],
  pkey: number,
  ctl: PagingControl,
): 'ok' | number {
  const write = (access & 1) !== 0;
  const fetch = (access & 2) !== 0;
  const user = (access & 4) !== 0;
  const ac = (access & 8) !== 0;
  const implicit = (access & 16) !== 0;
  let code = (write ? 2 : 0) | (user ? 4 : 0) | (fetch && (ctl.nxe || ctl.smep) ? 0x10 : 0);
  const entries = [...uppers, leaf];
  for (const e of entries) {
    if ((e & P) === 0) return code;
    if (!ctl.nxe && (e & XD) !== 0) return code | 0x9;
  }
  const userAddr = entries.every((e) => (e & US) !== 0);
  const writable = entries.every((e) => (e & RW) !== 0);
  const xd = ctl.nxe && entries.some((e) => (e & XD) !== 0);
  let allowed: boolean;
  if (user) {
    allowed = userAddr && (!write || writable) && (!fetch || !xd);
  } else if (fetch) {
    allowed = !(userAddr && ctl.smep) && !xd;
  } else {
    const smapBlocks = userAddr && ctl.smap && (implicit || !ac);
    const wpBlocks = write && ctl.wp && !writable;
    allowed = !smapBlocks && !wpBlocks;
  }
  let pk = false;
  if (ctl.pke && !fetch && userAddr) {
    const adBit = (ctl.pkru >>> (2 * pkey)) & 1;
    const wdBit = (ctl.pkru >>> (2 * pkey + 1)) & 1;
    pk = adBit === 1 || (wdBit === 1 && write && (user || ctl.wp));
  }
  if (allowed && !pk) return 'ok';
  code |= 0x1;
  if (pk) code |= 0x20;
  return code;
}

describe.each(MEMORIES)('property: translate agrees with an SDM oracle, %s', (_, newMemory) => {
  const accessArb = fc.constantFrom(
    SR,
    SW,
    SX,
    UR,
    UW,
    UX,
    SR | AC,
    SW | AC,
    SX | AC,
    SR | IMP,
    SW | IMP,
    SR | IMP | AC,
    UR | AC,
  );
  const entryArb = fc
    .record({ p: fc.boolean(), rw: fc.boolean(), us: fc.boolean(), xd: fc.boolean() })
    .map((e) => (e.p ? P : 0) | (e.rw ? RW : 0) | (e.us ? US : 0) | (e.xd ? XD : 0));
  const ctlArb = fc.record({
    wp: fc.boolean(),
    nxe: fc.boolean(),
    smep: fc.boolean(),
    smap: fc.boolean(),
    pke: fc.boolean(),
    pkru: fc.integer({ min: 0, max: 0xffff_ffff }),
  });
  test('random access × entry bits × control registers', () => {
    fc.assert(
      fc.property(
        accessArb,
        entryArb,
        fc.array(
          fc.record({ p: fc.boolean(), rw: fc.boolean(), us: fc.boolean(), xd: fc.boolean() }),
          { minLength: 3, maxLength: 3 },
        ),
        fc.integer({ min: 0, max: 15 }),
        ctlArb,
        (access, leafBits, upperBits, pkey, ctl) => {
          // Present upper entries mostly, so that the leaf is reached often.
          const uppers = upperBits.map(
            (e, i) =>
              (e.p || i !== 1 ? P : 0) | (e.rw ? RW : 0) | (e.us ? US : 0) | (e.xd ? XD : 0),
          );
          const leaf = leafBits === 0 ? US : leafBits; // an all-zero 4 KiB leaf is not mappable
          const { memory, pt } = build({ leaf, ctl, pkey }, newMemory);
          const path = rawPath(memory, pt.rootPfn, 4, VA);
          for (let i = 0; i < 3; i++) {
            const e = path[i];
            memory.setEntry(
              e.pfn,
              e.index,
              (e.lo & ~0xfff) | (uppers[i] & 0xfff),
              uppers[i] & XD ? 0x8000_0000 : 0,
            );
          }
          const expected = oracle(access, leaf, uppers, pkey, ctl);
          const got = translateTwice(pt, VA + OFFSET, access);
          if (expected === 'ok') expect(got).toBe(FRAME + OFFSET);
          else expect(-1 - got).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
