// vma-churn-N (shared/bench/WORKLOADS.md) on MmStruct with real x86_64 page tables
// (PageTablePteStore over @vmem/page-table-x86_64, as issue #3 asks): N separate areas, then 100,000 random mprotect / munmap / MAP_FIXED mmap /
// unhinted mmap+munmap operations. Prints ns/op (median of 5 runs) and the final
// area count, which a Linux-exact implementation shares with the kernel. `min=` is
// the fastest run and `cpu=` the process's user CPU time per op (median): on a
// shared machine they are the better estimates.
import { formatLine, Mulberry32, median, nowNs } from '@vmem/bench-kit';
import {
  BitmapFrameAllocator,
  PhysicalMemory,
  RefCountedFrameAllocator,
} from '@vmem/frame-allocator';
import { PageTable } from '@vmem/page-table-x86_64';
import { isErrno, MAP, MmStruct, PageTablePteStore, PROT } from '../src/index.js';

const PAGE = 4096;
const W = 0x1_0000_0000;
const OPS = 100_000;
const RW = PROT.READ | PROT.WRITE;
const R = PROT.READ;
const ANON = MAP.PRIVATE | MAP.ANONYMOUS;

function run(n: number): { nsPerOp: number; cpuPerOp: number; areas: number } {
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
  const cpu0 = process.cpuUsage().user;
  const start = nowNs();
  for (let i = 0; i < OPS; i++) {
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
  const nsPerOp = (nowNs() - start) / OPS;
  const cpuPerOp = ((process.cpuUsage().user - cpu0) * 1000) / OPS;
  return { nsPerOp, cpuPerOp, areas: mm.mapCount };
}

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length > 0 ? sizes : [1000, 10_000, 65_000]) {
  const times: number[] = [];
  const cpu: number[] = [];
  let areas = 0;
  for (let i = 0; i < 5; i++) {
    const result = run(n);
    times.push(result.nsPerOp);
    cpu.push(result.cpuPerOp);
    areas = result.areas;
  }
  const extra = `min=${Math.min(...times).toFixed(0)} cpu=${median(cpu).toFixed(0)}`;
  console.log(formatLine(`vma-churn-${n}`, 'mm', median(times), extra));
  console.log(`vma-churn-${n} mm areas=${areas}`);
}
