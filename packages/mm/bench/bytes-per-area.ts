// Bytes per VMA: heap growth of an address space holding 65,000 separate areas
// (the vma-churn setup), measured with forced GCs (run with --expose-gc; `pnpm
// bench` does). Linux's vm_area_struct is about 200 bytes.
import { Mulberry32 } from '@vmem/bench-kit';
import {
  BitmapFrameAllocator,
  PhysicalMemory,
  RefCountedFrameAllocator,
} from '@vmem/frame-allocator';
import { MAP, MmStruct, PROT } from '../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const N = 65_000;
const frames = new RefCountedFrameAllocator(new BitmapFrameAllocator({ frames: 1 << 16 }));
const memory = new PhysicalMemory({ size: 2 ** 28 });
const mm = new MmStruct({ frames, memory, layout: { maxMapCount: 262_144 } });
const rng = new Mulberry32(1);
gc();
gc();
// The JS heap plus the ArrayBuffers behind typed arrays (the tree's pools),
// which heapUsed does not count.
const used = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const before = used();
for (let k = 0; k < N; k++) {
  mm.mmap(
    0x1_0000_0000 + k * 16 * 4096,
    (1 + rng.rand(8)) * 4096,
    k % 2 === 0 ? PROT.READ | PROT.WRITE : PROT.READ,
    MAP.PRIVATE | MAP.ANONYMOUS | MAP.FIXED,
    null,
    0,
  );
}
gc();
gc();
const after = used();
console.log(
  `vma-churn-65000 mm bytes/area=${((after - before) / mm.mapCount).toFixed(0)} areas=${mm.mapCount}`,
);
