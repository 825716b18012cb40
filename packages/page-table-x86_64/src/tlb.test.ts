import { describe, expect, test } from 'vitest';
import { Access } from './access.js';
import { PageTable } from './page-table.js';
import { PTE, pkeyFlags } from './pte-flags.js';
import { rawPath } from './test-support/inspect.js';
import { CountingFrames, MapMemory } from './test-support/memory.js';
import { StaleReason, type StaleReport, Tlb, type TlbOptions } from './tlb.js';
import { TRANSLATE_GP } from './translate-result.js';

const K4 = 0x1000;
const M2 = 0x20_0000;
const G1 = 0x4000_0000;
const VA = 0x7000_0000;
const RWU = PTE.PRESENT | PTE.WRITABLE | PTE.USER;
const UR = Access.USER_READ;
const UW = Access.USER_WRITE;

function setup(tlbOptions: Partial<TlbOptions> = {}) {
  const memory = new MapMemory();
  const frames = new CountingFrames();
  const pt = new PageTable({ memory, frames });
  const tlb = new Tlb({ walker: pt.walker, cr3: pt.cr3(), entries: 256, ...tlbOptions });
  return { memory, pt, tlb };
}

describe('hits, misses and A/D', () => {
  test('first access walks, later ones hit; results equal the walker', () => {
    const { pt, tlb } = setup();
    pt.map(VA, 0x5000, K4, RWU);
    expect(tlb.translate(VA + 1, UR)).toBe(0x5001);
    expect([tlb.hits, tlb.misses]).toEqual([0, 1]);
    expect(tlb.translate(VA + 0xfff, UR)).toBe(0x5fff);
    expect(tlb.translate(VA, Access.SUPERVISOR_WRITE)).toBe(0x5000);
    expect([tlb.hits, tlb.misses]).toEqual([1, 2]); // the write needed D: walked again
    expect(tlb.translate(VA + 8, UW)).toBe(0x5008);
    expect(tlb.hits).toBe(2);
    tlb.resetCounters();
    expect([tlb.hits, tlb.misses]).toEqual([0, 0]);
  });

  test('a write through an entry cached clean sets D in memory', () => {
    const { memory, pt, tlb } = setup();
    pt.map(VA, 0x5000, K4, RWU);
    tlb.translate(VA, UR);
    expect(rawPath(memory, pt.rootPfn, 4, VA)[3].lo & 0x60).toBe(0x20);
    tlb.translate(VA, UW);
    expect(rawPath(memory, pt.rootPfn, 4, VA)[3].lo & 0x60).toBe(0x60);
  });

  test('a hit does not set A again (A cleared without invalidation stays clear)', () => {
    const { memory, pt, tlb } = setup();
    pt.map(VA, 0x5000, K4, RWU);
    tlb.translate(VA, UR);
    pt.protect(VA, { clear: PTE.ACCESSED });
    tlb.translate(VA, UR);
    expect(rawPath(memory, pt.rootPfn, 4, VA)[3].lo & 0x20).toBe(0);
    tlb.invlpg(VA);
    tlb.translate(VA, UR);
    expect(rawPath(memory, pt.rootPfn, 4, VA)[3].lo & 0x20).toBe(0x20);
  });

  test('faults are not cached; non-canonical is #GP', () => {
    const { pt, tlb } = setup();
    expect(-1 - tlb.translate(VA, UR)).toBe(0x04);
    pt.map(VA, 0x5000, K4, RWU);
    expect(tlb.translate(VA, UR)).toBe(0x5000); // P 0 -> 1 needs no invalidation
    expect(tlb.translate(2 ** 48, UR)).toBe(TRANSLATE_GP);
    expect(() => tlb.translate(VA, 3)).toThrow(/access/);
  });
});

describe('invalidation', () => {
  test('a changed PTE is used only after INVLPG', () => {
    const { pt, tlb } = setup();
    pt.map(VA, 0x5000, K4, RWU);
    tlb.translate(VA, UR);
    pt.unmap(VA);
    pt.map(VA, 0x9000, K4, RWU);
    expect(tlb.translate(VA, UR)).toBe(0x5000); // stale, as on the CPU
    tlb.invlpg(VA + 0x10);
    expect(tlb.translate(VA, UR)).toBe(0x9000);
  });

  test('INVLPG removes every 4 KiB piece of a 2 MiB and of a 1 GiB page', () => {
    const { pt, tlb } = setup();
    pt.map(G1, 0x20_0000, M2, RWU);
    pt.map(4 * G1, 5 * G1, G1, RWU);
    // Pieces chosen to land in distinct slots of the 256-entry TLB.
    for (let i = 0; i < 8; i++) tlb.translate(G1 + i * 0x41000, UR);
    for (let i = 0; i < 8; i++) tlb.translate(4 * G1 + i * 0x800_0000 + (16 + i) * K4, UR);
    expect(tlb.size).toBe(16);
    tlb.invlpg(G1 + M2 - 1);
    expect(tlb.size).toBe(8);
    tlb.invlpg(5 * G1 - K4);
    expect(tlb.size).toBe(0);
  });

  test('without PCIDE: CR3 writes drop non-global entries; globals stay until PGE changes', () => {
    const { pt, tlb } = setup();
    pt.map(VA, 0x5000, K4, RWU);
    pt.map(VA + K4, 0x6000, K4, RWU | PTE.GLOBAL);
    tlb.translate(VA, UR);
    tlb.translate(VA + K4, UR);
    expect(tlb.writeCr3(pt.cr3())).toEqual({ ok: true });
    expect(tlb.size).toBe(1);
    tlb.flushNonGlobal();
    expect(tlb.size).toBe(1);
    expect(tlb.setCr4({ pge: false }).ok).toBe(true);
    expect(tlb.size).toBe(0);
    tlb.translate(VA + K4, UR); // G ignored with PGE = 0
    tlb.writeCr3(pt.cr3());
    expect(tlb.size).toBe(0);
  });

  test('flushAll removes global entries', () => {
    const { pt, tlb } = setup();
    pt.map(VA, 0x5000, K4, RWU | PTE.GLOBAL);
    tlb.translate(VA, UR);
    tlb.flushAll();
    expect(tlb.size).toBe(0);
  });

  test('PCIDs keep two address spaces apart; bit-63 no-flush keeps entries', () => {
    const memory = new MapMemory();
    const frames = new CountingFrames();
    const a = new PageTable({ memory, frames });
    const b = new PageTable({ memory, frames, walker: a.walker });
    a.map(VA, 0xa000, K4, RWU);
    b.map(VA, 0xb000, K4, RWU);
    a.map(VA + K4, 0xc000, K4, RWU | PTE.GLOBAL);
    const tlb = new Tlb({ walker: a.walker, pcide: true, entries: 64 });
    expect(tlb.writeCr3(a.cr3({ pcid: 1 })).ok).toBe(true);
    expect(tlb.translate(VA, UR)).toBe(0xa000);
    expect(tlb.translate(VA + K4, UR)).toBe(0xc000);
    tlb.writeCr3(b.cr3({ pcid: 2 }), { noFlush: true });
    expect(tlb.currentPcid).toBe(2);
    expect(tlb.translate(VA, UR)).toBe(0xb000); // the slot's PCID-1 entry did not match
    expect(tlb.translate(VA + K4, UR)).toBe(0xc000); // global entry, any PCID: a hit
    expect(tlb.hits).toBe(1);
    tlb.writeCr3(a.cr3({ pcid: 1 }), { noFlush: true });
    expect(tlb.translate(VA, UR)).toBe(0xa000);
    tlb.writeCr3(a.cr3({ pcid: 1 })); // flushes PCID 1's non-global entries
    tlb.resetCounters();
    tlb.translate(VA, UR);
    expect(tlb.misses).toBe(1);
  });

  test('INVPCID types', () => {
    const memory = new MapMemory();
    const pt = new PageTable({ memory, frames: new CountingFrames() });
    pt.map(VA, 0xa000, K4, RWU);
    pt.map(VA + K4, 0xb000, K4, RWU | PTE.GLOBAL);
    const tlb = new Tlb({ walker: pt.walker, pcide: true, entries: 64 });
    const fill = (): void => {
      tlb.writeCr3(pt.cr3({ pcid: 3 }), { noFlush: true });
      tlb.translate(VA, UR);
      tlb.translate(VA + K4, UR);
    };
    fill();
    tlb.invpcid(0, 3, VA + K4); // individual address: not the global entry
    expect(tlb.size).toBe(2);
    tlb.invpcid(0, 3, VA);
    expect(tlb.size).toBe(1);
    fill();
    tlb.invpcid(1, 3);
    expect(tlb.size).toBe(1);
    fill();
    tlb.invpcid(3, 0);
    expect(tlb.size).toBe(1);
    tlb.invpcid(2, 0);
    expect(tlb.size).toBe(0);
    expect(() => tlb.invpcid(4 as 0, 0)).toThrow(/INVPCID/);
  });

  test('CR3 / CR4 writes that raise #GP', () => {
    const { pt, tlb } = setup();
    expect(tlb.writeCr3(pt.cr3(), { noFlush: true })).toMatchObject({ ok: false, fault: '#GP' });
    expect(tlb.writeCr3(2 ** 52)).toMatchObject({ ok: false, fault: '#GP' });
    tlb.writeCr3(pt.cr3() + 0x18); // PWT | PCD with PCIDE = 0
    expect(tlb.setCr4({ pcide: true })).toMatchObject({ ok: false, fault: '#GP' });
    tlb.writeCr3(pt.cr3());
    expect(tlb.setCr4({ pcide: true })).toEqual({ ok: true });
    expect(() => new Tlb({ walker: pt.walker, entries: 100 })).toThrow(/100/);
    expect(() => new Tlb({ walker: pt.walker }).translate(VA, UR)).toThrow(/CR3/);
  });
});

describe('rights on hits', () => {
  test('control-register changes apply to cached entries at once', () => {
    const { pt, tlb } = setup();
    pt.map(VA, 0x5000, K4, RWU);
    expect(tlb.translate(VA, Access.SUPERVISOR_READ)).toBe(0x5000);
    pt.walker.setControl({ smap: true });
    expect(-1 - tlb.translate(VA, Access.SUPERVISOR_READ)).toBe(0x01);
    expect(tlb.translate(VA, Access.SUPERVISOR_READ | Access.AC)).toBe(0x5000);
  });

  test('PKRU is checked on every hit (WRPKRU needs no flush)', () => {
    const { pt, tlb } = setup();
    pt.walker.setControl({ pke: true });
    pt.map(VA, 0x5000, K4, RWU | pkeyFlags(4));
    expect(tlb.translate(VA, UR)).toBe(0x5000);
    pt.walker.setPkru(2 ** 8); // AD for key 4
    expect(-1 - tlb.translate(VA, UR)).toBe(0x25);
    pt.walker.setPkru(0);
    expect(tlb.translate(VA, UR)).toBe(0x5000);
  });

  test('a hit answers as a walk for every access, leaf R/W, U/S, XD, D, key and control', () => {
    // Every valid access kind (0..31) against leaves with every R/W, U/S, XD and D
    // combination and a protection key, under each control setting: the first
    // translation fills the entry, the second is a hit (or a clean write's walk),
    // and both must equal a fresh walk of an untouched copy of the table.
    const leafFlags: number[] = [];
    for (let bits = 0; bits < 16; bits++) {
      leafFlags.push(
        PTE.PRESENT |
          (bits & 1 ? PTE.WRITABLE : 0) |
          (bits & 2 ? PTE.USER : 0) |
          (bits & 4 ? PTE.NO_EXECUTE : 0) |
          (bits & 8 ? PTE.DIRTY | PTE.ACCESSED : 0) |
          pkeyFlags(3),
      );
    }
    const controls = [
      {},
      { wp: false },
      { smep: true, smap: true },
      { nxe: false },
      { pke: true, pkru: 2 ** 7 }, // WD for key 3
      { pke: true, pkru: 2 ** 6 }, // AD for key 3
    ];
    let hits = 0;
    for (const control of controls) {
      for (let access = 0; access < 32; access++) {
        for (const flags of leafFlags) {
          if (!(flags & PTE.NO_EXECUTE) || (control as { nxe?: boolean }).nxe !== false) {
            const { pt, tlb } = setup();
            const fresh = setup().pt;
            pt.walker.setControl(control);
            fresh.walker.setControl(control);
            pt.map(VA, 0x5000, K4, flags);
            fresh.map(VA, 0x5000, K4, flags);
            let want: number | string;
            try {
              want = fresh.walker.translate(fresh.rootPfn, VA, access);
            } catch (e) {
              want = (e as Error).constructor.name;
            }
            // Fill with a read that succeeds whenever the page allows one.
            tlb.translate(VA, access & Access.USER);
            const before = tlb.hits;
            let got: number | string;
            try {
              got = tlb.translate(VA, access);
            } catch (e) {
              got = (e as Error).constructor.name;
            }
            hits += tlb.hits - before;
            expect(got, `access ${access} flags ${flags.toString(16)}`).toBe(want);
          }
        }
      }
    }
    expect(hits).toBeGreaterThan(500);
  });

  test('R/W 0 -> 1 without invalidation: one spurious fault, then the new rights (SDM 4.10.4.3)', () => {
    const { pt, tlb } = setup({ check: true });
    pt.map(VA, 0x5000, K4, PTE.PRESENT | PTE.USER);
    tlb.translate(VA, UR);
    pt.protect(VA, { set: PTE.WRITABLE });
    expect(-1 - tlb.translate(VA, UW)).toBe(0x07); // from the cached rights
    expect(tlb.translate(VA, UW)).toBe(0x5000); // the fault dropped the entry
    expect(tlb.staleReports).toEqual([]); // an allowed staleness, not reported
  });
});

describe('checking mode: stale translations (SDM 4.10.4)', () => {
  function staleAfter(
    flags: number,
    change: (pt: PageTable) => void,
    options: { access?: number; smep?: boolean; size?: number } = {},
  ): StaleReport[] {
    const { pt, tlb } = setup({ check: true });
    if (options.smep) pt.walker.setControl({ smep: true });
    const size = options.size ?? K4;
    pt.map(VA, 0x20_0000, size as 4096, flags);
    const access = options.access ?? Access.SUPERVISOR_READ;
    tlb.translate(VA, access);
    change(pt);
    tlb.translate(VA, access);
    tlb.translate(VA, access); // reported once per entry
    return tlb.staleReports;
  }

  test.each([
    ['unmapped', RWU, (pt: PageTable) => pt.unmap(VA), [StaleReason.REMOVED]],
    [
      'P cleared',
      RWU,
      (pt: PageTable) => pt.protect(VA, { clear: PTE.PRESENT }),
      [StaleReason.REMOVED],
    ],
    [
      'other frame',
      RWU,
      (pt: PageTable) => {
        pt.unmap(VA);
        pt.map(VA, 0x40_0000, K4, RWU);
      },
      [StaleReason.FRAME],
    ],
    [
      'R/W 1 -> 0',
      RWU,
      (pt: PageTable) => pt.protect(VA, { clear: PTE.WRITABLE }),
      [StaleReason.WRITE_REVOKED],
    ],
    [
      'U/S 1 -> 0',
      RWU,
      (pt: PageTable) => pt.protect(VA, { clear: PTE.USER }),
      [StaleReason.USER_REVOKED],
    ],
    [
      'XD 0 -> 1',
      RWU,
      (pt: PageTable) => pt.protect(VA, { set: PTE.NO_EXECUTE }),
      [StaleReason.EXECUTE_REVOKED],
    ],
    [
      'protection key',
      RWU,
      (pt: PageTable) => pt.protect(VA, { set: pkeyFlags(2) }),
      [StaleReason.PROTECTION_KEY],
    ],
    [
      'PCD',
      RWU,
      (pt: PageTable) => pt.protect(VA, { set: PTE.CACHE_DISABLE }),
      [StaleReason.MEMORY_TYPE],
    ],
    ['PAT', RWU, (pt: PageTable) => pt.protect(VA, { set: PTE.PAT }), [StaleReason.MEMORY_TYPE]],
    ['G 0 -> 1', RWU, (pt: PageTable) => pt.protect(VA, { set: PTE.GLOBAL }), [StaleReason.GLOBAL]],
    [
      'several at once',
      RWU,
      (pt: PageTable) => pt.protect(VA, { clear: PTE.WRITABLE | PTE.USER }),
      [StaleReason.WRITE_REVOKED, StaleReason.USER_REVOKED],
    ],
    ['A 1 -> 0 (optional)', RWU, (pt: PageTable) => pt.protect(VA, { clear: PTE.ACCESSED }), []],
    [
      'D 1 -> 0 (optional)',
      RWU | PTE.DIRTY,
      (pt: PageTable) => pt.protect(VA, { clear: PTE.DIRTY }),
      [],
    ],
    [
      'R/W 0 -> 1 (optional)',
      PTE.PRESENT,
      (pt: PageTable) => pt.protect(VA, { set: PTE.WRITABLE }),
      [],
    ],
    [
      'U/S 0 -> 1 with SMEP = 0 (optional)',
      PTE.PRESENT,
      (pt: PageTable) => pt.protect(VA, { set: PTE.USER }),
      [],
    ],
    [
      'XD 1 -> 0 (optional)',
      PTE.PRESENT | PTE.NO_EXECUTE,
      (pt: PageTable) => pt.protect(VA, { clear: PTE.NO_EXECUTE }),
      [],
    ],
    [
      'software bits (ignored by the CPU)',
      RWU,
      (pt: PageTable) => pt.protect(VA, { set: PTE.SOFTWARE_9 }),
      [],
    ],
  ] as const)('%s', (_name, flags, change, reasons) => {
    const reports = staleAfter(flags, change);
    if (reasons.length === 0) {
      expect(reports).toEqual([]);
    } else {
      expect(reports).toHaveLength(1);
      expect(reports[0].reasons).toEqual(reasons);
      expect(reports[0].va).toBe(VA);
      expect(reports[0].cachedPa).toBe(0x20_0000);
    }
  });

  test('U/S 0 -> 1 with SMEP = 1 must be invalidated', () => {
    const reports = staleAfter(PTE.PRESENT, (pt) => pt.protect(VA, { set: PTE.USER }), {
      smep: true,
    });
    expect(reports.map((r) => r.reasons)).toEqual([[StaleReason.USER_GRANTED_SMEP]]);
  });

  test('a 2 MiB page split into 4 KiB pages with other flags reports the page-size change', () => {
    const reports = staleAfter(RWU, (pt) => pt.protectRegion(VA, K4, { clear: PTE.WRITABLE }), {
      size: M2,
    });
    expect(reports[0].reasons).toEqual([StaleReason.PAGE_SIZE, StaleReason.WRITE_REVOKED]);
  });

  test('after INVLPG nothing is stale; reports go to onStale when set', () => {
    const got: StaleReport[] = [];
    const { pt, tlb } = setup({ check: true, onStale: (r) => got.push(r) });
    pt.map(VA, 0x5000, K4, RWU);
    tlb.translate(VA, UR);
    pt.protect(VA, { clear: PTE.WRITABLE });
    tlb.invlpg(VA);
    tlb.translate(VA, UR);
    expect(got).toEqual([]);
    pt.unmap(VA);
    tlb.translate(VA, UR);
    expect(got.map((r) => r.reasons)).toEqual([[StaleReason.REMOVED]]);
    expect(got[0].currentPa).toBe(-1);
    expect(tlb.staleReports).toEqual([]);
  });

  test('checking mode still serves the stale translation, like the CPU', () => {
    const { pt, tlb } = setup({ check: true });
    pt.map(VA, 0x5000, K4, RWU);
    tlb.translate(VA, UR);
    pt.unmap(VA);
    expect(tlb.translate(VA + 4, UR)).toBe(0x5004);
  });
});

describe('agrees with the walker on random accesses', () => {
  test('a mapped region, reads and writes, small TLB with evictions', () => {
    const { pt, tlb } = setup({ entries: 16 });
    pt.mapRegion(G1, 0x100_0000, 64 * K4, RWU);
    pt.map(2 * G1, 4 * M2, M2, PTE.PRESENT | PTE.USER);
    let s = 12345;
    for (let i = 0; i < 2000; i++) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      const va = s % 3 === 0 ? 2 * G1 + (s % M2) : G1 + (s % (70 * K4));
      const access = s % 5 === 0 ? UW : UR;
      expect(tlb.translate(va, access)).toBe(pt.walker.translate(pt.rootPfn, va, access));
    }
    expect(tlb.hits).toBeGreaterThan(0);
  });
});
