// Instruction counts per operation for the `page-table` workload's phases, for
// `valgrind --tool=cachegrind`: a count does not move with the load of a shared
// machine the way wall-clock time does. One process runs one phase N times after
// three full warm-up cycles of the workload (every hot function optimised, no
// compilation left in the measured part); the count per operation is the
// difference between two runs with different N, divided by the difference in
// operations. `--predictable` matters: without it the warm-up's count moves by up
// to ~10^8 instructions from run to run (heuristics that read the clock), which
// swamps a difference of a few per operation; with it two runs agree within ~10^3.
// From the repository root, on the sources transpiled file by file as tsx does
// (tsx itself is slow under valgrind and its counts vary by a few percent; an
// esbuild bundle loads module constants that tsx's modules fold):
//
//   node scripts/transpile-mirror.mjs /tmp/vmem-js
//   ir() { valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
//     node --single-threaded --predictable \
//     /tmp/vmem-js/packages/page-table-x86_64/bench/instructions.js "$@" 2>&1 | grep 'I *refs'; }
//   ir translate 500000; ir translate 1000000     # difference / 500,000
//   ir map+unmap 2; ir map+unmap 6                # difference / (4 * 262,144)
//
// Phases (N is the repeat count, or the number of translations for `translate`):
//   map+unmap               262,144 map() then 262,144 unmap() (freeing tables), per page
//   map+unmapRegion         262,144 map() then one unmapRegion(), per page
//   mapRegion+unmapRegion   the region operations alone, per page
//   mapRegion+unmap         one mapRegion() then 262,144 unmap(), per page
//   map-2m                  512 2 MiB map() then one unmapRegion(), per 2 MiB page
//   map-2m+unmap            512 2 MiB map() then 512 unmap(), per 2 MiB page
//   unmapRegion-empty       unmapRegion() of the workload's 1 GiB, already empty, per call
//   translate               walker translations of the workload's addresses
// map() alone is (map+unmapRegion) - (mapRegion+unmapRegion) + mapRegion, and so on:
// the differences between phases sharing a region operation are exact.
// Under --predictable the warm-up leaves mapPages in its on-stack-replacement code
// (the timed benchmark's later runs get its regular optimised code): what the
// loops hold outside their body is then of unknown type to the engine, so the
// harness's own share of a count is what the OSR code does.

import { Access, newLeaf, OK, PageTable, PTE } from '../src/index.js';
import { ChunkedMemory } from '../src/test-support/chunked-memory.js';
import { BumpFrames, workloadAddresses } from './workload.js';

const W = 0x1_0000_0000;
const PAGES = 262_144;
const TRANSLATIONS = 1_000_000;
const PA_BASE = 0x40_0000_0000;
const FLAGS = PTE.PRESENT | PTE.WRITABLE | PTE.USER;

const addresses = workloadAddresses(W, PAGES, TRANSLATIONS);

// The loops take the first addresses and the flags as arguments, hold them in
// locals and test success by identity, as bench/page-table.ts does (see there).
function mapPages(pt: PageTable, va0 = W, pa0 = PA_BASE, flags = FLAGS): void {
  const ok = OK;
  const v0 = +va0;
  const p0 = +pa0;
  const f = flags | 0;
  for (let i = 0; i < PAGES; i++) {
    if (pt.map(v0 + i * 4096, p0 + i * 4096, 4096, f) !== ok) throw new Error('map');
  }
}

function unmapPages(pt: PageTable, va0 = W): void {
  const leaf = newLeaf();
  const v0 = +va0;
  for (let i = 0; i < PAGES; i++) {
    if (pt.unmap(v0 + i * 4096, leaf) !== leaf) throw new Error('unmap');
  }
}

function mapRegion(pt: PageTable): void {
  if (!pt.mapRegion(W, PA_BASE, PAGES * 4096, FLAGS).ok) throw new Error('mapRegion');
}

function unmapRegion(pt: PageTable): void {
  pt.unmapRegion(W, PAGES * 4096);
}

function map2M(pt: PageTable, va0 = W, pa0 = PA_BASE, flags = FLAGS): void {
  const ok = OK;
  const v0 = +va0;
  const p0 = +pa0;
  const f = flags | 0;
  for (let i = 0; i < 512; i++) {
    if (pt.map(v0 + i * 0x20_0000, p0 + i * 0x20_0000, 0x20_0000, f) !== ok)
      throw new Error('map 2M');
  }
}

function unmap2M(pt: PageTable): void {
  const leaf = newLeaf();
  for (let i = 0; i < 512; i++)
    if (pt.unmap(W + i * 0x20_0000, leaf) !== leaf) throw new Error('unmap 2M');
}

function translateAll(pt: PageTable, vas: Float64Array, access: number, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum = (sum + pt.translate(vas[i % TRANSLATIONS], access)) | 0;
  return sum;
}

const phase = process.argv[2] ?? '';
const n = Number(process.argv[3] ?? 1);
const pt = new PageTable({
  memory: new ChunkedMemory({ chunkFrameBits: 10 }),
  frames: new BumpFrames(),
});
let sink = 0;
for (let c = 0; c < 3; c++) {
  mapPages(pt);
  sink += translateAll(pt, addresses, Access.USER_READ, TRANSLATIONS);
  unmapPages(pt);
  for (let k = 0; k < 50; k++) {
    map2M(pt);
    unmapRegion(pt);
  }
  mapRegion(pt);
  unmapRegion(pt);
  mapRegion(pt);
  unmapPages(pt);
  mapPages(pt);
  unmapRegion(pt);
}
switch (phase) {
  case 'map+unmap':
    for (let k = 0; k < n; k++) {
      mapPages(pt);
      unmapPages(pt);
    }
    break;
  case 'map+unmapRegion':
    for (let k = 0; k < n; k++) {
      mapPages(pt);
      unmapRegion(pt);
    }
    break;
  case 'mapRegion+unmapRegion':
    for (let k = 0; k < n; k++) {
      mapRegion(pt);
      unmapRegion(pt);
    }
    break;
  case 'mapRegion+unmap':
    for (let k = 0; k < n; k++) {
      mapRegion(pt);
      unmapPages(pt);
    }
    break;
  case 'map-2m':
    for (let k = 0; k < n; k++) {
      map2M(pt);
      unmapRegion(pt);
    }
    break;
  case 'map-2m+unmap':
    for (let k = 0; k < n; k++) {
      map2M(pt);
      unmap2M(pt);
    }
    break;
  case 'unmapRegion-empty':
    for (let k = 0; k < n; k++) unmapRegion(pt);
    break;
  case 'translate':
    mapPages(pt);
    sink += translateAll(pt, addresses, Access.USER_READ, n);
    break;
  default:
    throw new Error(`unknown phase ${phase}`);
}
if (sink === 1) console.log(sink);
