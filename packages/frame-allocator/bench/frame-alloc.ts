// The `frame-alloc` workload of shared/bench/WORKLOADS.md (seed 3), run against each
// backend: 4 GiB of frames (1,048,576), a live set of 100,000 single frames filled by
// allocate() without draws, then 1,000,000 timed operations:
//   i % 1000 == 999: allocateContiguous(64, { align: 64 }) then freeContiguous (no draw)
//   otherwise r = rand(100): r < 50 frees live[rand(live.length)] (swap-remove),
//   else allocate() and push.
// `frame-alloc ops` is the whole 1,000,000-operation loop divided by 1,000,000.
// `frame-alloc contig-64` is measured separately, after that loop, on the fragmented
// state it leaves: 100 batches of 1,000 allocateContiguous(64, { align: 64 }) +
// freeContiguous pairs, each batch timed; a run's figure is the median batch, in ns
// per pair (a batch lasts ~0.1 ms, so one that was preempted on a shared machine is
// an outlier instead of inflating the whole figure). Each figure is the median of 5 runs, each on a
// fresh allocator with a fresh generator, after one uncounted warm-up run. Each
// backend runs in its own process (bitmap, the default, first).
//
// The ops line also reports `harness=`: the same loop (same draws, same live-list
// bookkeeping) against a counter that allocates nothing, i.e. the part of ns/op that
// is the workload's own random numbers and array work rather than the allocator.
// BENCH_VERBOSE=1 prints every run, with process CPU time next to wall time (wall
// time is inflated when other processes share the machine).
//
// Run from the repository root:
//   node --conditions=source --import tsx packages/frame-allocator/bench/frame-alloc.ts [backend]

import { spawnSync } from 'node:child_process';
import { formatLine, Mulberry32, median, nowNs } from '@vmem/bench-kit';
import type { ContiguousOptions, FrameAllocator, FrameSource } from '@vmem/frame-allocator';
import {
  BitmapFrameAllocator,
  BuddyFrameAllocator,
  StackFrameAllocator,
} from '@vmem/frame-allocator';

const FRAMES = 1_048_576;
const LIVE = 100_000;
const OPS = 1_000_000;
const CONTIG_BATCHES = 100;
const CONTIG_BATCH = 1_000;
const RUNS = 5;
const SEED = 3;
const ALIGN_64: ContiguousOptions = { align: 64 };

interface RunResult {
  opsNs: number;
  contigNs: number;
  harnessNs: number;
  opsCpuNs: number;
  contigCpuNs: number;
}

/** CPU time of this process in ns (user + system), for the BENCH_VERBOSE diagnostics. */
function cpuNs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
}

// The phases are separate functions so that each is compiled on its own: in one
// big function, reaching a phase with no type feedback yet deoptimizes the whole
// function, and the next run would start in the interpreter.

function fill(source: FrameSource, live: Int32Array): number {
  let liveCount = 0;
  for (let i = 0; i < LIVE; i++) {
    const pfn = source.allocate();
    if (typeof pfn !== 'number') throw new Error('out of memory while filling the live set');
    live[liveCount++] = pfn;
  }
  return liveCount;
}

function contiguousPair(allocator: FrameAllocator): void {
  const start = allocator.allocateContiguous(64, ALIGN_64);
  if (typeof start !== 'number') throw new Error('contiguous allocation failed');
  allocator.freeContiguous(start, 64);
}

/** The 1,000,000 operations; returns the live count at the end. */
function operations(
  allocator: FrameAllocator,
  rng: Mulberry32,
  live: Int32Array,
  initialLive: number,
): number {
  let liveCount = initialLive;
  // Counts down to the operations with i % 1000 == 999 (i = 999, 1999, ...).
  let untilContiguous = 1000;
  for (let i = 0; i < OPS; i++) {
    if (--untilContiguous === 0) {
      untilContiguous = 1000;
      contiguousPair(allocator);
      continue;
    }
    const r = rng.rand(100);
    if (r < 50) {
      // The live set never empties in this workload (it starts at 100,000 and moves
      // by one per operation); if it did, the free would be skipped with no second draw.
      if (liveCount === 0) continue;
      const j = rng.rand(liveCount);
      const pfn = live[j];
      live[j] = live[--liveCount];
      allocator.free(pfn);
    } else {
      const pfn = allocator.allocate();
      if (typeof pfn !== 'number') throw new Error('out of memory');
      live[liveCount++] = pfn;
    }
  }
  return liveCount;
}

/** ns per pair of each batch of CONTIG_BATCH contiguous pairs. */
function contiguousBatches(allocator: FrameAllocator, times: Float64Array): void {
  for (let b = 0; b < CONTIG_BATCHES; b++) {
    const t0 = nowNs();
    for (let i = 0; i < CONTIG_BATCH; i++) contiguousPair(allocator);
    times[b] = (nowNs() - t0) / CONTIG_BATCH;
  }
}

/** Stands in for an allocator in the harness measurement: hands out a counter. */
class CountingSource implements FrameSource {
  private next = 0;
  allocate(): number {
    return this.next++ % FRAMES;
  }
  free(pfn: number): void {
    if (pfn < 0) throw new RangeError(`bad pfn ${pfn}`);
  }
}

/** `operations` with the allocator calls going to a CountingSource, no contiguous pairs. */
function harnessOperations(
  source: CountingSource,
  rng: Mulberry32,
  live: Int32Array,
  initialLive: number,
): number {
  let liveCount = initialLive;
  let untilContiguous = 1000;
  for (let i = 0; i < OPS; i++) {
    if (--untilContiguous === 0) {
      untilContiguous = 1000;
      continue;
    }
    const r = rng.rand(100);
    if (r < 50) {
      if (liveCount === 0) continue;
      const j = rng.rand(liveCount);
      const pfn = live[j];
      live[j] = live[--liveCount];
      source.free(pfn);
    } else {
      live[liveCount++] = source.allocate();
    }
  }
  return liveCount;
}

function runOnce(make: () => FrameAllocator): RunResult {
  const allocator = make();
  const rng = new Mulberry32(SEED);
  // pfns are below 2^20 here, so an Int32Array holds them.
  const live = new Int32Array(LIVE + OPS);
  const filled = fill(allocator, live);
  const c0 = cpuNs();
  const t0 = nowNs();
  const liveCount = operations(allocator, rng, live, filled);
  const t1 = nowNs();
  const c1 = cpuNs();
  const batches = new Float64Array(CONTIG_BATCHES);
  contiguousBatches(allocator, batches);
  const c2 = cpuNs();
  if (allocator.usedFrames !== liveCount) {
    throw new Error(`used ${allocator.usedFrames} frames, live set holds ${liveCount}`);
  }

  const source = new CountingSource();
  const harnessRng = new Mulberry32(SEED);
  const harnessFilled = fill(source, live);
  const h0 = nowNs();
  harnessOperations(source, harnessRng, live, harnessFilled);
  const h1 = nowNs();

  return {
    opsNs: (t1 - t0) / OPS,
    contigNs: median(Array.from(batches)),
    harnessNs: (h1 - h0) / OPS,
    opsCpuNs: (c1 - c0) / OPS,
    contigCpuNs: (c2 - c1) / (CONTIG_BATCHES * CONTIG_BATCH),
  };
}

/** The backend @vmem/frame-allocator recommends (the README's default). */
const DEFAULT_BACKEND = 'bitmap';
const backends: Record<string, () => FrameAllocator> = {
  bitmap: () => new BitmapFrameAllocator({ frames: FRAMES }),
  buddy: () => new BuddyFrameAllocator({ frames: FRAMES }),
  stack: () => new StackFrameAllocator({ frames: FRAMES }),
};

function measure(name: string): void {
  const make = backends[name];
  if (make === undefined) {
    throw new Error(`unknown backend ${name}; expected one of ${Object.keys(backends)}`);
  }
  runOnce(make); // warm-up, not counted: lets the JIT compile every phase
  const results: RunResult[] = [];
  for (let run = 0; run < RUNS; run++) results.push(runOnce(make));
  if (process.env.BENCH_VERBOSE) console.error(name, results);
  const ops = median(results.map((r) => r.opsNs));
  const contig = median(results.map((r) => r.contigNs));
  const harness = median(results.map((r) => r.harnessNs));
  // The workload's phase names go to the default backend only, so that each figure
  // WORKLOADS.md lists appears exactly once; the others are suffixed with their name.
  const suffix = name === DEFAULT_BACKEND ? '' : `-${name}`;
  console.log(
    formatLine('frame-alloc', `ops${suffix}`, ops, `backend=${name} harness=${harness.toFixed(1)}`),
  );
  console.log(formatLine('frame-alloc', `contig-64${suffix}`, contig, `backend=${name}`));
}

const only = process.argv[2];
if (only !== undefined) {
  measure(only);
} else {
  // One process per backend, default first: a shared process would make the
  // allocator call sites polymorphic and slow down whichever backend runs later.
  for (const name of Object.keys(backends)) {
    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1], name], {
      stdio: 'inherit',
    });
    if (child.status !== 0) process.exit(child.status ?? 1);
  }
}
