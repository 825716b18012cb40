// vma-churn-N (shared/bench/WORKLOADS.md) on MemorySet with the in-memory
// test backend (churn-workload.ts). Run from the repo root:
//   node --conditions=source --import tsx --expose-gc packages/memory-set/bench/vma-churn.ts [N...]
// mmap(NULL) is a top-down findFreeArea in [0x10000, 0x7ffff7fff000) (Linux's
// mmap_min_addr and a typical x86_64 mmap_base), then map, then unmap of it.
// mprotect over holes applies to the mapped parts (MemorySet is generic).
// ns/op is wall-clock time (median of 5 runs); `min=` is the fastest run and
// `cpu=` the process's user CPU time per op (median), which stays meaningful
// when other processes share the machine. With --expose-gc, a full collection
// runs before each timed phase, so that the garbage of the previous run and the
// untimed setup's young objects are not collected on the timed phase's clock
// (the collections the operations themselves cause still are). WARMUP untimed
// runs of each N come first, as in the other workloads' benches: the JIT tiers
// the hot functions up over the first runs (one process at N = 1,000: 1,409,
// 558, 405, 316 and 257 ns/op, then 245-252), and the median of 5 should be the
// steady state's, not the warm-up's.
import { formatLine, median, medianOf, nowNs } from '@vmem/bench-kit';
import { runChurn, setupChurn } from './churn-workload.js';

const OPS = 100_000;
const RUNS = 5;
const WARMUP = 4;

const gc = (globalThis as { gc?: () => void }).gc;

interface Run {
  nsPerOp: number;
  cpuPerOp: number;
  areas: number;
}

function run(n: number, merge: boolean): Run {
  const churn = setupChurn(n, merge);
  gc?.();
  const cpu0 = process.cpuUsage().user;
  const t0 = nowNs();
  runChurn(churn, OPS);
  const nsPerOp = (nowNs() - t0) / OPS;
  const cpuPerOp = ((process.cpuUsage().user - cpu0) * 1000) / OPS;
  churn.set.checkInvariants();
  return { nsPerOp, cpuPerOp, areas: churn.set.size };
}

const args = process.argv.slice(2);
const merge = args.includes('--merge');
const sizes = args.filter((a) => a !== '--merge').map(Number);
for (const n of sizes.length > 0 ? sizes : [1000, 10_000, 65_000]) {
  let areas = -1;
  let fastest = Number.POSITIVE_INFINITY;
  const cpu: number[] = [];
  for (let i = 0; i < WARMUP; i++) run(n, merge);
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
  const extra = `areas=${areas} min=${fastest.toFixed(0)} cpu=${median(cpu).toFixed(0)} warmup=${WARMUP}`;
  console.log(formatLine(`vma-churn-${n}`, phase, ns, extra));
}
