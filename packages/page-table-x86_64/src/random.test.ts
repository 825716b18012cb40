// Seeded random operation sequences against a naive reference model: a Map from
// 4 KiB page number to { pa, flags }. After every step the table's structure is
// checked, every leaf is expanded and compared page by page with the model, and
// the frame source must hold exactly the table's frames. Some steps run with an
// allocation that fails; an ENOMEM result must leave memory and frames untouched.

import { Mulberry32 } from '@vmem/bench-kit';
import { describe, expect, test } from 'vitest';
import { Access } from './access.js';
import { PageTable } from './page-table.js';
import { PTE } from './pte-flags.js';
import { snapshotTables } from './test-support/inspect.js';
import { CountingFrames, MapMemory } from './test-support/memory.js';

const K4 = 0x1000;
const M2 = 0x20_0000;
const G1 = 0x4000_0000;

interface Page {
  pa: number;
  flags: number;
}

class Model {
  readonly pages: Map<number, Page> = new Map();
  anyMapped(va: number, size: number): boolean {
    for (let p = va / K4; p < (va + size) / K4; p++) if (this.pages.has(p)) return true;
    return false;
  }
  map(va: number, pa: number, size: number, flags: number): void {
    for (let i = 0; i < size / K4; i++) this.pages.set(va / K4 + i, { pa: pa + i * K4, flags });
  }
  remove(va: number, size: number): Map<number, Page> {
    const removed = new Map<number, Page>();
    for (let p = va / K4; p < (va + size) / K4; p++) {
      const e = this.pages.get(p);
      if (e) {
        removed.set(p, e);
        this.pages.delete(p);
      }
    }
    return removed;
  }
  protect(va: number, size: number, set: number, clear: number): void {
    for (let p = va / K4; p < (va + size) / K4; p++) {
      const e = this.pages.get(p);
      if (e) e.flags = (e.flags & ~clear) | set;
    }
  }
}

function checkAgainstModel(pt: PageTable, model: Model, frames: CountingFrames): void {
  pt.checkInvariants();
  expect(frames.inUse).toBe(pt.tableCount);
  let pages = 0;
  pt.forEachMapping((va, pa, size, flags) => {
    if (va % size !== 0 || pa % size !== 0)
      throw new Error(`misaligned leaf ${va.toString(16)} -> ${pa.toString(16)}`);
    for (let i = 0; i < size / K4; i++) {
      const e = model.pages.get(va / K4 + i);
      if (e === undefined || e.pa !== pa + i * K4 || e.flags !== flags) {
        throw new Error(
          `page ${(va + i * K4).toString(16)}: table ${(pa + i * K4).toString(16)}/${flags.toString(16)}, model ${JSON.stringify(e)}`,
        );
      }
    }
    pages += size / K4;
  });
  expect(pages).toBe(model.pages.size);
}

/** Random leaf flags; frame 0 is never used, so no entry can become all zero. */
function randomFlags(rng: Mulberry32): number {
  let f = rng.next() & 0xffffff;
  if (rng.rand(10) !== 0) f |= PTE.PRESENT;
  return f;
}

function runSequence(
  seed: number,
  steps: number,
  options: { window: number; huge1G: boolean; levels: 4 | 5 },
) {
  const rng = new Mulberry32(seed);
  const memory = new MapMemory();
  const frames = new CountingFrames();
  const pt = new PageTable({ memory, frames, levels: options.levels });
  const model = new Model();
  // Window start: in the upper half for some seeds, to cover PML4/PML5 indices >= 256.
  const base = seed % 2 === 0 ? 8 * G1 : options.levels === 5 ? 2 ** 56 : 2 ** 47;
  const W = options.window;
  const pick = (align: number): number => base + rng.rand(W / align) * align;
  const frame = (align: number): number => (1 + rng.rand(2 ** 16)) * align;
  for (let step = 0; step < steps; step++) {
    const failing = rng.rand(8) === 0;
    const failK = 1 + rng.rand(3);
    const before = failing ? snapshotTables(memory, pt.rootPfn, options.levels) : undefined;
    // Armed just before the operation, after its arguments are drawn.
    const arm = (): void => {
      if (failing) frames.failOn(failK);
    };
    const tablesBefore = pt.tableCount;
    const op = rng.rand(100);
    let result: { ok: boolean; errno?: string } = { ok: true };
    let applyToModel: () => void = () => {};
    if (op < 30) {
      const r = rng.rand(20);
      const size = r === 0 && options.huge1G ? G1 : r < 4 ? M2 : K4;
      const va = pick(size);
      const pa = frame(size);
      const flags = randomFlags(rng);
      const conflict = model.anyMapped(va, size);
      arm();
      result = pt.map(va, pa, size as 4096, flags);
      if (result.ok) {
        expect(conflict).toBe(false);
        applyToModel = () => model.map(va, pa, size, flags);
      } else if (result.errno === 'EEXIST') {
        expect(conflict).toBe(true);
      }
    } else if (op < 45) {
      const va = pick(K4) + rng.rand(K4);
      arm();
      const r = pt.unmap(va);
      if (r.ok) {
        applyToModel = () => {
          const removed = model.remove(r.va, r.size);
          expect(removed.size).toBe(r.size / K4);
          for (const [p, e] of removed) {
            expect(e.pa).toBe(r.pa + (p * K4 - r.va));
            expect(e.flags).toBe(r.flags);
          }
        };
      } else {
        expect(model.pages.has(Math.floor(va / K4))).toBe(false);
      }
    } else if (op < 65) {
      const size = (1 + rng.rand(rng.rand(4) === 0 ? 1024 : 16)) * K4;
      const va = pick(K4);
      const pa = frame(K4);
      const flags = randomFlags(rng);
      const huge = rng.rand(2) === 0;
      if (va + size > base + W) continue;
      const conflict = model.anyMapped(va, size);
      arm();
      result = pt.mapRegion(va, pa, size, flags, { huge });
      if (result.ok) {
        expect(conflict).toBe(false);
        applyToModel = () => model.map(va, pa, size, flags);
      } else if (result.errno === 'EEXIST') {
        expect(conflict).toBe(true);
      }
    } else if (op < 82) {
      const size = (1 + rng.rand(rng.rand(4) === 0 ? 2048 : 32)) * K4;
      const va = pick(K4);
      if (va + size > base + W) continue;
      const reported = new Map<number, Page>();
      arm();
      result = pt.unmapRegion(va, size, {
        onRemoved: (lva, lpa, lsize, lflags) => {
          for (let i = 0; i < lsize / K4; i++)
            reported.set(lva / K4 + i, { pa: lpa + i * K4, flags: lflags });
        },
      });
      if (result.ok) {
        applyToModel = () => {
          const removed = model.remove(va, size);
          expect(reported).toEqual(removed);
        };
      } else {
        expect(reported.size).toBe(0);
      }
    } else {
      const size = (1 + rng.rand(rng.rand(4) === 0 ? 2048 : 32)) * K4;
      const va = pick(K4);
      if (va + size > base + W) continue;
      const set = rng.next() & 0xffffff & ~PTE.PRESENT;
      const clear = rng.next() & 0xffffff & ~set & ~PTE.PRESENT;
      arm();
      result = pt.protectRegion(va, size, { set, clear });
      if (result.ok) applyToModel = () => model.protect(va, size, set, clear);
    }
    if (!result.ok && result.errno === 'ENOMEM') {
      expect(failing).toBe(true);
      enomemCount++;
      expect(pt.tableCount).toBe(tablesBefore);
      expect(snapshotTables(memory, pt.rootPfn, options.levels)).toEqual(before);
    } else {
      applyToModel();
    }
    frames.heal();
    try {
      checkAgainstModel(pt, model, frames);
    } catch (e) {
      throw new Error(`step ${step} op ${op}: ${(e as Error).message}`);
    }
  }
  // Translations agree with the model for a sample of pages.
  for (const [p, e] of [...model.pages].slice(0, 200)) {
    // Offset 0x30: above 2^56 (5-level upper half) numbers are exact only to 16 bytes.
    const r = pt.walker.translate(pt.rootPfn, p * K4 + 0x30, Access.SUPERVISOR_READ);
    // No reserved bit is ever written (NXE = 1 by default), so present pages read fine.
    if ((e.flags & PTE.PRESENT) === 0) expect(r).toBeLessThan(0);
    else expect(r).toBe(e.pa + 0x30);
  }
  pt.destroy();
  expect(frames.inUse).toBe(0);
}

let enomemCount = 0;

describe('random sequences against a reference model', () => {
  test.each([1, 2, 3, 4, 5, 6])('4-level, seed %i', (seed) => {
    runSequence(seed, 250, { window: 16 * M2, huge1G: false, levels: 4 });
  });

  test.each([7, 8])('5-level, seed %i', (seed) => {
    runSequence(seed, 150, { window: 16 * M2, huge1G: false, levels: 5 });
  });

  test('with 1 GiB pages (few steps: each check expands every page)', () => {
    runSequence(9, 25, { window: 4 * G1, huge1G: true, levels: 4 });
  });

  test('the sequences above met ENOMEM and checked that nothing changed', () => {
    expect(enomemCount).toBeGreaterThan(5);
  });
});
