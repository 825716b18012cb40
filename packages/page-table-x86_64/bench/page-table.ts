// The `page-table` workload of shared/bench/WORKLOADS.md (seed 2, W = 0x100000000)
// on a 4-level table. Run from the repository root:
//   node --conditions=source --import tsx packages/page-table-x86_64/bench/page-table.ts
//
// Phases (each reported as the median of 5 runs, after one untimed warm-up run):
//   map-4k         262,144 single-page map() calls, W + i pages -> PA_BASE + i pages
//   translate      1,000,000 walker translations (no TLB) of W + rand(262144) pages + rand(4096)
//   translate-tlb  the same sequence through a warmed Tlb (all hits)
//   unmap          262,144 single-page unmap() calls, freeing emptied tables
//   map-2m         the same 1 GiB as 512 map() calls of 2 MiB (averaged over 50 repeats)
// The random addresses are drawn before the timed loop (two draws per address, in
// the order the workload states) so that the figure is the translation alone.
// ns/op is wall-clock time (bench-kit nowNs). `cpu=` after it is the process's user
// CPU time per op: it stays meaningful when other processes share the machine.

import { formatLine, median, nowNs } from '@vmem/bench-kit';
import { Access, newLeaf, OK, PageTable, PTE, Tlb } from '../src/index.js';
import { ChunkedMemory } from '../src/test-support/chunked-memory.js';
import { BumpFrames, workloadAddresses } from './workload.js';

const W = 0x1_0000_0000;
const PAGES = 262_144;
const TRANSLATIONS = 1_000_000;
const PA_BASE = 0x40_0000_0000; // 256 GiB: data frames, never touched by the table
const FLAGS = PTE.PRESENT | PTE.WRITABLE | PTE.USER;
const RUNS = 5;
const MAP_2M_REPEATS = 50;

const addresses = workloadAddresses(W, PAGES, TRANSLATIONS);

let sink = 0;

// Each timed loop is its own small function so that the engine optimises (and
// inlines into) it on its own, as a caller's hot loop would be. The loops get the
// workload's first addresses and its flags as arguments and hold them in locals
// of a known kind, as a caller's hot loop would: `+va0` and `flags | 0` are the
// same numbers, but the engine then knows them to be a double and a small integer
// (a parameter is of any type to it: it is checked and unboxed again on every
// iteration of the loop that uses it). The addresses stay `v0 + i * 4096`: running
// sums (`va += 4096`) would be cheaper in the loop's regular optimised code, but
// in its on-stack-replacement code (the first run's, and all that bench/
// instructions.ts measures) a sum started outside the loop is a tagged value,
// allocated on every iteration. The success value is read once before the loop (a
// module variable is a context load on every use) and tested by identity: map()
// returns the OK singleton, unmap() the Leaf it was given (`r.ok` is a map check,
// a load and a generic truth test).
function mapPages(pt: PageTable, va0: number, pa0: number, flags: number): void {
  const ok = OK;
  const v0 = +va0;
  const p0 = +pa0;
  const f = flags | 0;
  for (let i = 0; i < PAGES; i++) {
    const r = pt.map(v0 + i * 4096, p0 + i * 4096, 4096, f);
    if (r !== ok) throw new Error(`map failed at page ${i}: ${r.ok ? '' : r.reason}`);
  }
}

// The checksum is kept in 32 bits: a floating-point sum of addresses above 2^30
// would be boxed on every iteration and time the allocator instead. The addresses
// and the access kind come in as arguments, as a caller's hot loop would hold them.
function translateAll(pt: PageTable, vas: Float64Array, access: number): number {
  let sum = 0;
  for (let i = 0; i < TRANSLATIONS; i++) {
    sum = (sum + pt.translate(vas[i], access)) | 0;
  }
  return sum;
}

function translateAllTlb(tlb: Tlb, vas: Float64Array, access: number): number {
  let sum = 0;
  for (let i = 0; i < TRANSLATIONS; i++) {
    sum = (sum + tlb.translate(vas[i], access)) | 0;
  }
  return sum;
}

function unmapPages(pt: PageTable, va0: number): void {
  const leaf = newLeaf();
  const v0 = +va0;
  for (let i = 0; i < PAGES; i++) {
    if (pt.unmap(v0 + i * 4096, leaf) !== leaf) throw new Error(`unmap failed at page ${i}`);
  }
}

function map2M(pt: PageTable, va0: number, pa0: number, flags: number): void {
  const ok = OK;
  const v0 = +va0;
  const p0 = +pa0;
  const f = flags | 0;
  for (let i = 0; i < 512; i++) {
    const r = pt.map(v0 + i * 0x20_0000, p0 + i * 0x20_0000, 0x20_0000, f);
    if (r !== ok) throw new Error(`2M map failed at ${i}: ${r.ok ? '' : r.reason}`);
  }
}

interface RunResult {
  map4k: [number, number];
  translate: [number, number];
  translateTlb: [number, number];
  tlbHitRate: number;
  unmap: [number, number];
  map2m: [number, number];
  mapRegion: [number, number];
  unmapRegion: [number, number];
}

/** [wall-clock ns, user-CPU ns] per op of `fn`, which performs `ops` operations. */
function timed(ops: number, fn: () => void): [number, number] {
  const cpu0 = process.cpuUsage().user;
  const t0 = nowNs();
  fn();
  const wall = (nowNs() - t0) / ops;
  return [wall, ((process.cpuUsage().user - cpu0) * 1000) / ops];
}

function run(): RunResult {
  // Chunks of 1024 frames (4 MiB): the memory shape the walker indexes directly
  // (memory.ts); @vmem/frame-allocator's PhysicalMemory offers the same.
  const memory = new ChunkedMemory({ chunkFrameBits: 10 });
  const frames = new BumpFrames();
  const pt = new PageTable({ memory, frames });

  const map4k = timed(PAGES, () => mapPages(pt, W, PA_BASE, FLAGS));

  let sum = 0;
  const translate = timed(TRANSLATIONS, () => {
    sum = translateAll(pt, addresses, Access.USER_READ);
  });
  sink += sum;

  const tlb = new Tlb({ walker: pt.walker, entries: PAGES, cr3: pt.cr3() });
  translateAllTlb(tlb, addresses, Access.USER_READ); // warm: fills every entry
  tlb.resetCounters();
  let sumTlb = 0;
  const translateTlb = timed(TRANSLATIONS, () => {
    sumTlb = translateAllTlb(tlb, addresses, Access.USER_READ);
  });
  if (sumTlb !== sum) throw new Error('TLB and walker translations differ');
  const tlbHitRate = tlb.hits / (tlb.hits + tlb.misses);

  const unmap = timed(PAGES, () => unmapPages(pt, W));
  if (pt.tableCount !== 1) throw new Error(`tables left after unmap: ${pt.tableCount}`);

  // 512 calls are too few for one timing: the phase is repeated MAP_2M_REPEATS
  // times (unmapping in between, untimed) and the per-page figures averaged.
  const map2m: [number, number] = [0, 0];
  for (let k = 0; k < MAP_2M_REPEATS; k++) {
    const [w, c] = timed(512, () => map2M(pt, W, PA_BASE, FLAGS));
    map2m[0] += w / MAP_2M_REPEATS;
    map2m[1] += c / MAP_2M_REPEATS;
    pt.unmapRegion(W, PAGES * 4096);
  }

  // Extra figures: the same 1 GiB through the region operations (one descent each).
  const mapRegion = timed(PAGES, () => {
    const r = pt.mapRegion(W, PA_BASE, PAGES * 4096, FLAGS);
    if (!r.ok) throw new Error(`mapRegion failed: ${r.reason}`);
  });
  const unmapRegion = timed(PAGES, () => pt.unmapRegion(W, PAGES * 4096));

  pt.destroy();
  if (frames.inUse !== 0) throw new Error(`frames leaked: ${frames.inUse}`);
  return { map4k, translate, translateTlb, tlbHitRate, unmap, map2m, mapRegion, unmapRegion };
}

run(); // warm-up, not counted
const results: RunResult[] = [];
for (let i = 0; i < RUNS; i++) results.push(run());

type Timed =
  | 'map4k'
  | 'translate'
  | 'translateTlb'
  | 'unmap'
  | 'map2m'
  | 'mapRegion'
  | 'unmapRegion';
const wall = (key: Timed): number => median(results.map((r) => r[key][0]));
const cpu = (key: Timed): string => `cpu=${median(results.map((r) => r[key][1])).toFixed(1)}`;
const hits = median(results.map((r) => r.tlbHitRate));

console.log(
  formatLine(
    'page-table',
    'map-4k',
    wall('map4k'),
    `${cpu('map4k')} mapRegion=${wall('mapRegion').toFixed(1)}ns/page`,
  ),
);
console.log(formatLine('page-table', 'translate', wall('translate'), cpu('translate')));
console.log(
  formatLine(
    'page-table',
    'translate-tlb',
    wall('translateTlb'),
    `${cpu('translateTlb')} hits=${(hits * 100).toFixed(1)}%`,
  ),
);
console.log(
  formatLine(
    'page-table',
    'unmap',
    wall('unmap'),
    `${cpu('unmap')} unmapRegion=${wall('unmapRegion').toFixed(1)}ns/page`,
  ),
);
console.log(formatLine('page-table', 'map-2m', wall('map2m'), cpu('map2m')));
if (sink === 0) console.log('');
