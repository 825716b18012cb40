// The soak run of issue #6: a seeded random workload over several processes
// (fork, exit, mmap/munmap/mprotect/mremap/brk/madvise, reads, writes, user
// copies, file and shared mappings, truncation; 3% of them with only 0-5 frames
// left), every address space's and the
// machine's invariants checked every 1,000 operations; at the end every frame
// must be back and the JS heap no bigger than after a warm-up round.
//
//   node --conditions=source --import tsx --expose-gc packages/mm/soak/soak.ts [--ops N] [--seed S]
//
// (`pnpm soak` from the repository root.) Exits 1 when frames leaked or the heap grew.
import { runSoak, SOAK_MAX_CACHED_AT_END } from '../src/test-support/soak-workload.js';

/** Heap growth allowed after the run, over the post-warm-up baseline. */
const HEAP_SLACK_BYTES = 1024 * 1024;
/**
 * Growth allowed of the live heap (machine running, sampled every 100,000 ops)
 * from the first half of the samples to the second: state that leaks while
 * processes come and go, and vanishes with the machine, shows here.
 */
const LIVE_SLACK_BYTES = 2 * 1024 * 1024;
const SAMPLE_EVERY = 100_000;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`--${name} needs a non-negative integer, got ${process.argv[i + 1]}`);
  }
  return value;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc (see the header of this file)');

function settledHeap(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

const ops = arg('ops', 1_000_000);
const seed = arg('seed', 1);

// Warm-up: the same code paths compiled and the same module state touched, on another seed.
runSoak({ ops: Math.min(100_000, ops), seed: seed + 1 });
const heapBefore = settledHeap();

const samples: string[] = [];
const liveHeap: number[] = [];
const start = performance.now();
let cpuStart = process.cpuUsage();
const report = runSoak({
  ops,
  seed,
  onCheck: (p) => {
    if (p.done % SAMPLE_EVERY !== 0) return;
    const cpu = process.cpuUsage(cpuStart);
    // Live heap with the machine running (after a collection), for the trend.
    liveHeap.push(settledHeap());
    samples.push(
      `  ${String(p.done).padStart(9)} ops  processes=${p.processes}  frames=${p.usedFrames} (cache ${p.cachedFrames}, ${p.cachedFiles} files)  live heap=${mib(liveHeap[liveHeap.length - 1])}  cpu=${(cpu.user / 1000) | 0}ms`,
    );
    console.log(samples[samples.length - 1]);
    cpuStart = process.cpuUsage();
  },
});
const ms = performance.now() - start;
const heapAfter = settledHeap();
const grew = heapAfter - heapBefore;
const half = Math.floor(liveHeap.length / 2);
const liveGrew =
  half > 0 ? Math.max(...liveHeap.slice(half)) - Math.max(...liveHeap.slice(0, half)) : 0;

console.log(
  `soak seed=${seed} ops=${report.ops} time=${(ms / 1000).toFixed(1)}s (${Math.round(report.ops / (ms / 1000))} ops/s, including ${samples.length} heap samples)`,
);
console.log(
  `  checks=${report.checks} forks=${report.forks} exits=${report.exits} peak processes=${report.peakProcesses} peak frames=${report.peakFrames}`,
);
console.log(
  `  errno answers=${report.errnos} faults=${report.faults} run short of memory=${report.starved}`,
);
console.log(
  `  ops by kind: ${Object.entries(report.counts)
    .sort()
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`,
);
console.log(
  `  frames held by the page cache after every exit=${report.cachedAtEnd}; leaked after dropping it=${report.leakedFrames}`,
);
console.log(
  `  heap before=${mib(heapBefore)} after=${mib(heapAfter)} growth=${mib(grew)} (allowed ${mib(HEAP_SLACK_BYTES)}); live heap, 2nd half over 1st half of the samples: ${mib(liveGrew)} (allowed ${mib(LIVE_SLACK_BYTES)})`,
);

let failed = false;
if (report.leakedFrames !== 0) {
  console.log(`FAIL: ${report.leakedFrames} frames leaked`);
  failed = true;
}
if (report.cachedAtEnd > SOAK_MAX_CACHED_AT_END) {
  console.log(
    `FAIL: the page cache kept ${report.cachedAtEnd} frames (at most ${SOAK_MAX_CACHED_AT_END})`,
  );
  failed = true;
}
if (grew > HEAP_SLACK_BYTES || liveGrew > LIVE_SLACK_BYTES) {
  console.log('FAIL: the heap grew');
  failed = true;
}
process.exit(failed ? 1 : 0);
