// The vma-churn-N workload of shared/bench/WORKLOADS.md on MemorySet with the
// in-memory test backend, shared by the wall-clock bench (vma-churn.ts) and the
// instruction counter (instructions.ts). mmap(NULL) is a top-down
// findFreeArea in [0x10000, 0x7ffff7fff000) (Linux's mmap_min_addr and a
// typical x86_64 mmap_base), then map, then unmap of it. mprotect over holes
// applies to the mapped parts (MemorySet is generic).
import { Mulberry32 } from '@vmem/bench-kit';
import {
  type FreeAreaOptions,
  InMemoryBackend,
  type MapOptions,
  MemoryArea,
  MemorySet,
} from '../src/index.js';

const PAGE = 4096;
const W = 0x1_0000_0000;
const R = 1;
const RW = 3;
const MMAP_LOW = 0x1_0000;
const MMAP_HIGH = 0x7fff_f7ff_f000;

type Area = MemoryArea<number, InMemoryBackend<number>>;
const REPLACE: MapOptions = { replace: true };
const FREE: FreeAreaOptions<Area>[] = [1, 2, 3, 4].map((n) => ({
  length: n * PAGE,
  low: MMAP_LOW,
  high: MMAP_HIGH,
  topDown: true,
}));

/** A set after the untimed setup, and the generator the operations continue with. */
export interface Churn {
  readonly set: MemorySet<number, InMemoryBackend<number>>;
  readonly backend: InMemoryBackend<number>;
  readonly rng: Mulberry32;
  readonly n: number;
}

/** Setup (not timed): N separate areas at W + k*16 pages, alternately RW and R. */
export function setupChurn(n: number, merge: boolean): Churn {
  const rng = new Mulberry32(1);
  const backend = new InMemoryBackend<number>();
  const set = new MemorySet<number, InMemoryBackend<number>>({ merge });
  for (let k = 0; k < n; k++) {
    const start = W + k * 16 * PAGE;
    const pages = 1 + rng.rand(8);
    const flags = k % 2 === 0 ? RW : R;
    const r = set.map(new MemoryArea(start, start + pages * PAGE, flags, backend), REPLACE);
    if (!r.ok) throw new Error(`setup mmap failed: ${r.errno}`);
  }
  return { set, backend, rng, n };
}

/** The timed part: `ops` operations (the workload has 100,000), in the workload's draw order. */
export function runChurn({ set, backend, rng, n }: Churn, ops: number): void {
  for (let i = 0; i < ops; i++) {
    const r = rng.rand(100);
    const k = rng.rand(n);
    const a = W + k * 16 * PAGE + rng.rand(16) * PAGE;
    const pages = 1 + rng.rand(4);
    const size = pages * PAGE;
    if (r < 35) {
      set.protect(a, size, rng.rand(2) ? R : RW);
    } else if (r < 60) {
      set.unmap(a, size);
    } else if (r < 85) {
      const flags = rng.rand(2) ? R : RW;
      set.map(new MemoryArea(a, a + size, flags, backend), REPLACE);
    } else {
      const addr = set.findFreeArea(FREE[pages - 1]);
      if (addr !== undefined && set.map(new MemoryArea(addr, addr + size, RW, backend)).ok) {
        set.unmap(addr, size);
      }
    }
  }
}
