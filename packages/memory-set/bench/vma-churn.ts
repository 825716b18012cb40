// vma-churn-N (shared/bench/WORKLOADS.md) on MemorySet with the in-memory
// test backend. Run from the repo root:
//   node --conditions=source --import tsx --expose-gc packages/memory-set/bench/vma-churn.ts [N...]
// mmap(NULL) is a top-down findFreeArea in [0x10000, 0x7ffff7fff000) (Linux's
// mmap_min_addr and a typical x86_64 mmap_base), then map, then unmap of it.
// mprotect over holes applies to the mapped parts (MemorySet is generic).
// ns/op is wall-clock time (median of 5 runs); `min=` is the fastest run and
// `cpu=` the process's user CPU time per op (median), which stays meaningful
// when other processes share the machine. With --expose-gc, a full collection
// runs before each timed phase, so that the garbage of the previous run and the
// untimed setup's young objects are not collected on the timed phase's clock
// (the collections the operations themselves cause still are).
import { formatLine, Mulberry32, median, medianOf, nowNs } from '@vmem/bench-kit';
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
const OPS = 100_000;
const RUNS = 5;
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

const gc = (globalThis as { gc?: () => void }).gc;

interface Run {
  nsPerOp: number;
  cpuPerOp: number;
  areas: number;
}

function run(n: number, merge: boolean): Run {
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
  gc?.();
  const cpu0 = process.cpuUsage().user;
  const t0 = nowNs();
  for (let i = 0; i < OPS; i++) {
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
  const nsPerOp = (nowNs() - t0) / OPS;
  const cpuPerOp = ((process.cpuUsage().user - cpu0) * 1000) / OPS;
  set.checkInvariants();
  return { nsPerOp, cpuPerOp, areas: set.size };
}

const args = process.argv.slice(2);
const merge = args.includes('--merge');
const sizes = args.filter((a) => a !== '--merge').map(Number);
for (const n of sizes.length > 0 ? sizes : [1000, 10_000, 65_000]) {
  let areas = -1;
  let fastest = Number.POSITIVE_INFINITY;
  const cpu: number[] = [];
  const ns = medianOf(RUNS, () => {
    const r = run(n, merge);
    if (areas >= 0 && r.areas !== areas) throw new Error('runs disagree on the final area count');
    areas = r.areas;
    fastest = Math.min(fastest, r.nsPerOp);
    cpu.push(r.cpuPerOp);
    return r.nsPerOp;
  });
  // The fastest run is printed too: on a loaded machine it is the better estimate.
  const phase = merge ? 'memory-set-merge' : 'memory-set';
  const extra = `areas=${areas} min=${fastest.toFixed(0)} cpu=${median(cpu).toFixed(0)}`;
  console.log(formatLine(`vma-churn-${n}`, phase, ns, extra));
}
