// The vma-churn-N workload of shared/bench/WORKLOADS.md, shared by the wall-clock
// bench (vma-churn.ts) and the instruction counter (instructions.ts): an MmStruct
// with real x86_64 page tables (PageTablePteStore, as issue #3 asks), N separate
// areas, then random mprotect / munmap / MAP_FIXED mmap / unhinted mmap+munmap.
import { Mulberry32 } from '@vmem/bench-kit';
import {
  BitmapFrameAllocator,
  PhysicalMemory,
  RefCountedFrameAllocator,
} from '@vmem/frame-allocator';
import { PageTable } from '@vmem/page-table-x86_64';
import { isErrno, MAP, MmStruct, PageTablePteStore, PROT } from '../src/index.js';

const PAGE = 4096;
const W = 0x1_0000_0000;
const RW = PROT.READ | PROT.WRITE;
const R = PROT.READ;
const ANON = MAP.PRIVATE | MAP.ANONYMOUS;

/** An address space after the untimed setup, and the generator the operations continue with. */
export interface Churn {
  readonly mm: MmStruct;
  readonly rng: Mulberry32;
  readonly n: number;
}

/** Setup (not timed): N separate areas at W + k*16 pages, alternately RW and R. */
export function setupChurn(n: number): Churn {
  const frames = new RefCountedFrameAllocator(new BitmapFrameAllocator({ frames: 1 << 16 }));
  const memory = new PhysicalMemory({ size: 2 ** 28 });
  const pteStore = new PageTablePteStore(new PageTable({ memory, frames }));
  const mm = new MmStruct({ frames, memory, pteStore, layout: { maxMapCount: 262_144 } });
  const rng = new Mulberry32(1);
  for (let k = 0; k < n; k++) {
    const r = mm.mmap(
      W + k * 16 * PAGE,
      (1 + rng.rand(8)) * PAGE,
      k % 2 === 0 ? RW : R,
      ANON | MAP.FIXED,
      null,
      0,
    );
    if (isErrno(r)) throw new Error(`setup mmap ${k} failed: ${r.errno}`);
  }
  return { mm, rng, n };
}

/** The timed part: `ops` operations (the workload has 100,000), in the workload's draw order. */
export function runChurn({ mm, rng, n }: Churn, ops: number): void {
  for (let i = 0; i < ops; i++) {
    const r = rng.rand(100);
    const k = rng.rand(n);
    const a = W + k * 16 * PAGE + rng.rand(16) * PAGE;
    const len = (1 + rng.rand(4)) * PAGE;
    if (r < 35) {
      mm.mprotect(a, len, rng.rand(2) ? R : RW);
    } else if (r < 60) {
      mm.munmap(a, len);
    } else if (r < 85) {
      mm.mmap(a, len, rng.rand(2) ? R : RW, ANON | MAP.FIXED, null, 0);
    } else {
      const got = mm.mmap(0, len, RW, ANON, null, 0);
      if (!isErrno(got)) mm.munmap(got, len);
    }
  }
}
