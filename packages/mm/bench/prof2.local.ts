import { Mulberry32 } from '@vmem/bench-kit';
import { BitmapFrameAllocator, PhysicalMemory, RefCountedFrameAllocator } from '@vmem/frame-allocator';
import { isErrno, MAP, MmStruct } from '../src/index.js';
const PAGE = 4096, W = 0x1_0000_0000, ANON = MAP.PRIVATE | MAP.ANONYMOUS;
const frames = new RefCountedFrameAllocator(new BitmapFrameAllocator({ frames: 1 << 16 }));
const memory = new PhysicalMemory({ size: 2 ** 28 });
const mm = new MmStruct({ frames, memory, layout: { maxMapCount: 262_144 } });
const rng = new Mulberry32(1); const n = 1000;
for (let k = 0; k < n; k++) mm.mmap(W + k * 16 * PAGE, (1 + rng.rand(8)) * PAGE, k % 2 === 0 ? 3 : 1, ANON | MAP.FIXED, null, 0);
const t = [0, 0, 0, 0], c = [0, 0, 0, 0];
for (let i = 0; i < 100000; i++) {
  const r = rng.rand(100), k = rng.rand(n), a = W + k * 16 * PAGE + rng.rand(16) * PAGE, len = (1 + rng.rand(4)) * PAGE;
  const t0 = performance.now(); let kind;
  if (r < 35) { kind = 0; mm.mprotect(a, len, rng.rand(2) ? 1 : 3); }
  else if (r < 60) { kind = 1; mm.munmap(a, len); }
  else if (r < 85) { kind = 2; mm.mmap(a, len, rng.rand(2) ? 1 : 3, ANON | MAP.FIXED, null, 0); }
  else { kind = 3; const got = mm.mmap(0, len, 3, ANON, null, 0); if (!isErrno(got)) mm.munmap(got, len); }
  t[kind] += performance.now() - t0; c[kind]++;
}
console.log(t.map((x, i) => (x * 1e6 / c[i]).toFixed(0)).join(' '), mm.mapCount);
