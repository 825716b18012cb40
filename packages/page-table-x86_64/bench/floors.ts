// What the machine allows for the `page-table` workload's access patterns, with no
// page-table logic at all: the same 1,000,000 random addresses (seed 2), the same
// loop shape as bench/page-table.ts, and only the memory loads each phase cannot
// avoid. Run from the repository root:
//   node --conditions=source --import tsx packages/page-table-x86_64/bench/floors.ts
//
//   tlb-4MiB      one 16-byte entry per translation from a 262,144-entry array (the
//                 workload's TLB: every one of its 262,144 pages is hit): 4 MiB
//   tlb-1MiB      the same with 4-byte entries (1 MiB, the size of this CPU's L2)
//   pte-2MiB      one 8-byte entry per translation from 2 MiB (the 512 page tables
//                 of the workload's 1 GiB: every walk ends with one of them)
//   walk-4        four dependent 8-byte loads per translation, the last in those
//                 2 MiB, through index arithmetic only (no checks, no A/D writes)
// Median of 5 runs, ns per translation.

import { Mulberry32, median, nowNs } from '@vmem/bench-kit';

const W = 0x1_0000_0000;
const PAGES = 262_144;
const N = 1_000_000;
const addresses = new Float64Array(N);
{
  const rng = new Mulberry32(2);
  for (let i = 0; i < N; i++) addresses[i] = W + rng.rand(PAGES) * 4096 + rng.rand(4096);
}

// Entries filled with their own index so that no load can be skipped.
function filled(words: number): Int32Array {
  const a = new Int32Array(words);
  for (let i = 0; i < words; i++) a[i] = i;
  return a;
}
const tlb16 = filled(PAGES * 4);
const tlb4 = filled(PAGES);
// Tables: root at frame 0, one PDPT (1), one PD (2), 512 page tables (3..514).
const tables = new Int32Array(515 * 1024);
tables[((W / 2 ** 39) % 512) * 2] = 1 << 12;
tables[1024 + ((W / 2 ** 30) % 512) * 2] = 2 << 12;
for (let i = 0; i < 512; i++) tables[2048 + i * 2] = (3 + i) << 12;

function tlb4MiB(vas: Float64Array): number {
  let s = 0;
  for (let i = 0; i < N; i++) {
    const vpn = Math.floor(vas[i] * 0.000244140625) | 0;
    const e = (vpn & (PAGES - 1)) << 2;
    s = (s + tlb16[e] + tlb16[e | 1] + tlb16[e | 2] + tlb16[e | 3]) | 0;
  }
  return s;
}

function tlb1MiB(vas: Float64Array): number {
  let s = 0;
  for (let i = 0; i < N; i++) {
    const vpn = Math.floor(vas[i] * 0.000244140625) | 0;
    s = (s + tlb4[vpn & (PAGES - 1)]) | 0;
  }
  return s;
}

function pte2MiB(vas: Float64Array): number {
  let s = 0;
  for (let i = 0; i < N; i++) {
    const vpn = Math.floor(vas[i] * 0.000244140625) | 0;
    const w = 3072 + ((vpn & (PAGES - 1)) << 1);
    s = (s + tables[w] + tables[w | 1]) | 0;
  }
  return s;
}

function walk4(vas: Float64Array): number {
  let s = 0;
  for (let i = 0; i < N; i++) {
    const va = vas[i];
    const hi = Math.floor(va * 2.3283064365386963e-10);
    const lo = (va - hi * 4294967296) | 0;
    let e = tables[(hi >>> 6) & 0x3fe];
    e = tables[((e >>> 2) & ~0x3ff) | (((lo >>> 29) | (hi << 3)) & 0x3fe)];
    e = tables[((e >>> 2) & ~0x3ff) | ((lo >>> 20) & 0x3fe)];
    e = tables[((e >>> 2) & ~0x3ff) | ((lo >>> 11) & 0x3fe)];
    s = (s + e + tables[1]) | 0;
  }
  return s;
}

const floors: [string, (vas: Float64Array) => number][] = [
  ['tlb-4MiB', tlb4MiB],
  ['tlb-1MiB', tlb1MiB],
  ['pte-2MiB', pte2MiB],
  ['walk-4', walk4],
];
let sink = 0;
for (const [name, fn] of floors) {
  sink += fn(addresses); // warm-up
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = nowNs();
    sink += fn(addresses);
    runs.push((nowNs() - t0) / N);
  }
  console.log(`page-table floor ${name} ns/op=${median(runs).toFixed(1)}`);
}
if (sink === 0) console.log('');
