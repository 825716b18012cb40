// Exhaustion is transactional: a frame source that fails the k-th allocation,
// swept over every k, never leaves a half-done fork behind.
import {
  BitmapFrameAllocator,
  PhysicalMemory,
  RefCountedFrameAllocator,
} from '@vmem/frame-allocator';
import { PageTable } from '@vmem/page-table-x86_64';
import { describe, expect, test } from 'vitest';
import { MAP, PROT } from './linux-abi.js';
import { MmStruct } from './mm-struct.js';
import { PageTablePteStore } from './page-table-pte-store.js';
import { renderMaps } from './proc-maps.js';
import { ok } from './test-support/drawing.js';

const P = 4096;

/** A machine with only `budget` more frames: allocate() fails past that many in use. */
class FailingFrames extends RefCountedFrameAllocator {
  private cap = Number.POSITIVE_INFINITY;
  set budget(frames: number) {
    this.cap = this.usedFrames + frames;
  }
  override allocate(): number | { readonly errno: 'ENOMEM' } {
    if (this.usedFrames >= this.cap) return { errno: 'ENOMEM' };
    return super.allocate();
  }
}

function snapshot(mm: MmStruct, frames: FailingFrames) {
  const ptes: number[] = [];
  mm.ptes.forEach(0, 2 ** 47, (va, entry) =>
    ptes.push(va, entry, frames.refCount(Math.floor(entry / 8))),
  );
  return { maps: renderMaps(mm), ptes, used: frames.usedFrames };
}

describe('fork under frame exhaustion', () => {
  test('every k: the fork completes, or fails with ENOMEM leaving the parent exactly as before', () => {
    let failures = 0;
    let successes = 0;
    for (let k = 0; k < 40; k++) {
      const memory = new PhysicalMemory({ size: 2 ** 26 });
      const frames = new FailingFrames(new BitmapFrameAllocator({ frames: 1 << 14 }));
      const mm = new MmStruct({
        frames,
        memory,
        pteStore: new PageTablePteStore(new PageTable({ memory, frames })),
      });
      // Pages spread over several page tables, so the child needs several table frames.
      for (let i = 0; i < 6; i++) {
        const a = ok(
          mm.mmap(
            2 ** 32 + i * 2 ** 30,
            2 * P,
            PROT.READ | PROT.WRITE,
            MAP.PRIVATE | MAP.ANONYMOUS | MAP.FIXED,
            null,
          ),
        );
        expect(mm.write(a, BigInt(i + 1))).toBeNull();
      }
      const before = snapshot(mm, frames);
      frames.budget = k;
      const child = mm.fork();
      frames.budget = Number.POSITIVE_INFINITY;
      if (child instanceof MmStruct) {
        successes++;
        for (let i = 0; i < 6; i++) expect(child.read(2 ** 32 + i * 2 ** 30)).toBe(BigInt(i + 1));
        child.destroy();
      } else {
        failures++;
        expect(child).toEqual({ errno: 'ENOMEM' });
        expect(snapshot(mm, frames)).toEqual(before);
      }
      mm.checkInvariants();
    }
    expect(failures).toBeGreaterThan(0);
    expect(successes).toBeGreaterThan(0);
  });
});

describe('mremap moves under frame exhaustion', () => {
  test('every k: the move completes, or fails with ENOMEM leaving everything as before', () => {
    let failures = 0;
    let successes = 0;
    for (let k = 0; k < 12; k++) {
      const memory = new PhysicalMemory({ size: 2 ** 26 });
      const frames = new FailingFrames(new BitmapFrameAllocator({ frames: 1 << 14 }));
      const mm = new MmStruct({
        frames,
        memory,
        pteStore: new PageTablePteStore(new PageTable({ memory, frames })),
      });
      const a = ok(
        mm.mmap(
          2 ** 32,
          4 * P,
          PROT.READ | PROT.WRITE,
          MAP.PRIVATE | MAP.ANONYMOUS | MAP.FIXED,
          null,
        ),
      );
      for (let i = 0; i < 4; i++) expect(mm.write(a + i * P, BigInt(i + 7))).toBeNull();
      const before = snapshot(mm, frames);
      frames.budget = k;
      // MAYMOVE|FIXED to a place 3 GiB away: new PD and PT frames are needed.
      const r = mm.mremap(a, 4 * P, 4 * P, 3, 2 ** 32 + 3 * 2 ** 30);
      frames.budget = Number.POSITIVE_INFINITY;
      if (typeof r === 'number') {
        successes++;
        for (let i = 0; i < 4; i++) expect(mm.read(r + i * P)).toBe(BigInt(i + 7));
      } else {
        failures++;
        expect(r).toEqual({ errno: 'ENOMEM' });
        expect(snapshot(mm, frames)).toEqual(before);
      }
      mm.checkInvariants();
    }
    expect(failures).toBeGreaterThan(0);
    expect(successes).toBeGreaterThan(0);
  });
});
