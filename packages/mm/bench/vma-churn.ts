// vma-churn-N (shared/bench/WORKLOADS.md) on MmStruct with real x86_64 page tables
// (churn-workload.ts): N separate areas, then 100,000 random mprotect / munmap /
// MAP_FIXED mmap / unhinted mmap+munmap operations. Prints ns/op (median of 5 runs)
// and the final area count, which a Linux-exact implementation shares with the
// kernel. `min=` is the fastest run and `cpu=` the process's user CPU time per op
// (median): on a shared machine they are the better estimates. With --expose-gc
// (`pnpm bench` passes it) the garbage of the setup and of the previous run is
// collected before each timed run, so it is not collected on the timed clock.
// WARMUP untimed runs of each N come first, as in the other workloads' benches:
// the JIT tiers the hot functions up over the first runs (one process at
// N = 1,000: 1,234, 500, 372, 309 and 296 ns/op, then 297-309), and the median
// of 5 should be the steady state's, not the warm-up's.
import { formatLine, median, nowNs } from '@vmem/bench-kit';
import { runChurn, setupChurn } from './churn-workload.js';

const OPS = 100_000;
const RUNS = 5;
const WARMUP = 4;
const gc = (globalThis as { gc?: () => void }).gc;

function run(n: number): { nsPerOp: number; cpuPerOp: number; areas: number } {
  const churn = setupChurn(n);
  gc?.();
  const cpu0 = process.cpuUsage().user;
  const start = nowNs();
  runChurn(churn, OPS);
  const nsPerOp = (nowNs() - start) / OPS;
  const cpuPerOp = ((process.cpuUsage().user - cpu0) * 1000) / OPS;
  return { nsPerOp, cpuPerOp, areas: churn.mm.mapCount };
}

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length > 0 ? sizes : [1000, 10_000, 65_000]) {
  const times: number[] = [];
  const cpu: number[] = [];
  let areas = 0;
  for (let i = 0; i < WARMUP; i++) run(n);
  for (let i = 0; i < RUNS; i++) {
    const result = run(n);
    times.push(result.nsPerOp);
    cpu.push(result.cpuPerOp);
    areas = result.areas;
  }
  const extra = `min=${Math.min(...times).toFixed(0)} cpu=${median(cpu).toFixed(0)} warmup=${WARMUP}`;
  console.log(formatLine(`vma-churn-${n}`, 'mm', median(times), extra));
  console.log(`vma-churn-${n} mm areas=${areas}`);
}
