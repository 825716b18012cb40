// Micro-benchmark of the validating helpers (not a shared/bench/WORKLOADS.md workload:
// this package has none). It shows what a validated call costs next to the inline
// arithmetic a hot loop would use, so callers can choose.
//
// Run from the repository root:
//   node --conditions=source --import tsx packages/memory-addr/bench/addr-ops.ts

import { formatLine, Mulberry32, medianOf, nowNs } from '@vmem/bench-kit';
import {
  AddrRange,
  alignDown,
  canonicalToLinear,
  checkedAdd,
  formatHex,
  parseHex,
  virtAddr,
} from '@vmem/memory-addr';

const N = 1 << 20;
const RUNS = 5;
const rng = new Mulberry32(4);
// User-space addresses spread over the whole 47-bit half: hi * 2^32 + lo.
const addrs = new Float64Array(N);
for (let i = 0; i < N; i++) addrs[i] = (rng.next() % 0x8000) * 2 ** 32 + rng.next();
const texts = Array.from(addrs.subarray(0, 4096), (a) => formatHex(a, { prefix: false }));
const canon = Array.from(addrs.subarray(0, 4096), (a) => BigInt(a) | 0xffff_8000_0000_0000n);

let sink = 0;

// Each body returns a sum of its results, kept in a local: accumulating into a
// module-level variable would box every double and dominate the figures.
function time(count: number, body: () => number): number {
  return medianOf(RUNS, () => {
    const t0 = nowNs();
    sink += body();
    return (nowNs() - t0) / count;
  });
}

const results: [string, number][] = [
  [
    'align-down-inline',
    time(N, () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += Math.floor(addrs[i] / 4096) * 4096;
      return s;
    }),
  ],
  [
    'align-down-inline-mod',
    time(N, () => {
      let s = 0;
      for (let i = 0; i < N; i++) {
        const a = addrs[i];
        s += a - (a % 4096); // V8 calls fmod for doubles above 2^31
      }
      return s;
    }),
  ],
  [
    'align-down',
    time(N, () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += alignDown(addrs[i], 4096);
      return s;
    }),
  ],
  [
    'virt-addr',
    time(N, () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += virtAddr(addrs[i]);
      return s;
    }),
  ],
  [
    'virt-addr-user-only',
    time(N, () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += virtAddr(addrs[i], { userOnly: true });
      return s;
    }),
  ],
  [
    'checked-add',
    time(N, () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += checkedAdd(addrs[i], 4096, 2 ** 47);
      return s;
    }),
  ],
  [
    'range-intersection',
    time(N, () => {
      let s = 0;
      const window = new AddrRange(2 ** 45, 2 ** 46);
      for (let i = 0; i < N; i++) {
        s += window.intersection(AddrRange.fromStartSize(addrs[i], 0x10000)).size;
      }
      return s;
    }),
  ],
  [
    'iter-pages',
    time(N, () => {
      let s = 0;
      for (const page of new AddrRange(0x1_0000_0000, 0x1_0000_0000 + N * 4096).iterPages()) {
        s += page;
      }
      return s;
    }),
  ],
  [
    'parse-hex',
    time(N, () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += parseHex(texts[i & 4095]);
      return s;
    }),
  ],
  [
    'format-hex',
    time(N, () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += formatHex(addrs[i], { width: 12, prefix: false }).length;
      return s;
    }),
  ],
  [
    'canonical-to-linear',
    time(N / 4, () => {
      let s = 0;
      for (let i = 0; i < N / 4; i++) s += canonicalToLinear(canon[i & 4095]);
      return s;
    }),
  ],
];

for (const [phase, ns] of results) console.log(formatLine('memory-addr', phase, ns));
if (sink === -1) console.log('unreachable');
