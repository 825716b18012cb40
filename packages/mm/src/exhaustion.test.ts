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

/** RefCountedFrameAllocator whose allocate() fails once `budget` reaches 0. */
class FailingFrames extends RefCountedFrameAllocator {
  budget = Number.POSITIVE_INFINITY;
  override allocate(): number | { readonly errno: 'ENOMEM' } {
    if (this.budget <= 0) return { errno: 'ENOMEM' };
    this.budget--;
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
