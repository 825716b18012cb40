import { Access, newLeaf, OK, PageTable, PTE } from '../src/index.js';
import { ChunkedMemory } from '../src/test-support/chunked-memory.js';
import { BumpFrames, workloadAddresses } from './workload.js';

const W = 0x1_0000_0000;
const PAGES = 262_144;
const TRANSLATIONS = 1_000_000;
const PA_BASE = 0x40_0000_0000;
const FLAGS = PTE.PRESENT | PTE.WRITABLE | PTE.USER;

const addresses = workloadAddresses(W, PAGES, TRANSLATIONS);

// The loops take the first addresses and the flags as arguments and test success
// by identity, as bench/page-table.ts does (see there).
function mapPages(pt: PageTable, va0 = W, pa0 = PA_BASE, flags = FLAGS): void {
  for (let i = 0; i < PAGES; i++) {
    if (pt.map(va0 + i * 4096, pa0 + i * 4096, 4096, flags) !== OK) throw new Error('map');
  }
}

function unmapPages(pt: PageTable, va0 = W): void {
  const leaf = newLeaf();
  for (let i = 0; i < PAGES; i++)
    if (pt.unmap(va0 + i * 4096, leaf) !== leaf) throw new Error('unmap');
}

function mapRegion(pt: PageTable): void {
  if (!pt.mapRegion(W, PA_BASE, PAGES * 4096, FLAGS).ok) throw new Error('mapRegion');
}

function unmapRegion(pt: PageTable): void {
  pt.unmapRegion(W, PAGES * 4096);
}

function map2M(pt: PageTable, va0 = W, pa0 = PA_BASE, flags = FLAGS): void {
  for (let i = 0; i < 512; i++) {
    if (pt.map(va0 + i * 0x20_0000, pa0 + i * 0x20_0000, 0x20_0000, flags) !== OK) {
      throw new Error('map 2M');
    }
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
