import { Mulberry32 } from '@vmem/bench-kit';
import { BitmapFrameAllocator, PhysicalMemory, RefCountedFrameAllocator } from '@vmem/frame-allocator';
import { isErrno, MAP, MmStruct, PROT } from '/work/main/packages/mm/src/index.js';
const PAGE = 4096, W = 0x1_0000_0000, ANON = MAP.PRIVATE | MAP.ANONYMOUS;
const frames = new RefCountedFrameAllocator(new BitmapFrameAllocator({ frames: 1 << 16 }));
const memory = new PhysicalMemory({ size: 2 ** 28 });
const mm = new MmStruct({ frames, memory, layout: { maxMapCount: 262_144 } });
const rng = new Mulberry32(1); const n = 1000;
for (let k = 0; k < n; k++) mm.mmap(W + k * 16 * PAGE, (1 + rng.rand(8)) * PAGE, k % 2 === 0 ? 3 : 1, ANON | MAP.FIXED, null, 0);
const t0 = performance.now();
for (let i = 0; i < 100000; i++) {
  const r = rng.rand(100), k = rng.rand(n), a = W + k * 16 * PAGE + rng.rand(16) * PAGE, len = (1 + rng.rand(4)) * PAGE;
  if (r < 35) mm.mprotect(a, len, rng.rand(2) ? 1 : 3);
  else if (r < 60) mm.munmap(a, len);
  else if (r < 85) mm.mmap(a, len, rng.rand(2) ? 1 : 3, ANON | MAP.FIXED, null, 0);
  else { const got = mm.mmap(0, len, 3, ANON, null, 0); if (!isErrno(got)) mm.munmap(got, len); }
}
console.log((performance.now() - t0) * 1e4 / 1e3, 'ns/op');
