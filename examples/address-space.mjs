// The README's first command runs this: one process address space built from the
// packages, bottom-up — simulated RAM and a frame allocator, a real x86_64 page
// table in that RAM, and a Linux-exact mm on top. It maps memory the way a
// program would, touches it, and prints /proc/PID/maps and the page-table tree.
import {
  BitmapFrameAllocator,
  PhysicalMemory,
  RefCountedFrameAllocator,
} from '@vmem/frame-allocator';
import { isErrno, MAP, MemoryFile, MmStruct, PageTablePteStore, PROT, renderMaps } from '@vmem/mm';
import { PageTable } from '@vmem/page-table-x86_64';

const memory = new PhysicalMemory({ size: 2 ** 32 }); // 4 GiB, allocated lazily
const frames = new RefCountedFrameAllocator(new BitmapFrameAllocator({ frames: 2 ** 20 }));
const table = new PageTable({ memory, frames });
const mm = new MmStruct({
  frames,
  memory,
  pteStore: new PageTablePteStore(table),
  layout: { startBrk: 0x55555555a000, brk: 0x55555555a000 },
});

const check = (what, r) => {
  if (isErrno(r)) throw new Error(`${what}: ${r.errno}`);
  return r;
};
const RW = PROT.READ | PROT.WRITE;
const ANON = MAP.PRIVATE | MAP.ANONYMOUS;

// A heap, an anonymous buffer split by mprotect, and a private file mapping.
mm.sysBrk(0x55555555a000 + 0x21000);
const buf = check('mmap', mm.mmap(0, 16 * 4096, RW, ANON, null, 0));
check('mprotect', mm.mprotect(buf + 4 * 4096, 4 * 4096, PROT.READ));
const file = new MemoryFile({
  path: '/usr/lib/libdemo.so',
  dev: 'fe:00',
  ino: 4242,
  size: 3 * 4096,
  fill: (pgoff, page) => page.fill(0x41 + pgoff),
});
const lib = check('mmap file', mm.mmap(0, 3 * 4096, PROT.READ, MAP.PRIVATE, file, 0));

// Touch memory: demand-zero pages, a file page through the page cache, a write
// to a read-only page (SIGSEGV), and one past the end of everything (SEGV_MAPERR).
mm.write(buf, 0x1122334455667788n);
mm.write(0x55555555a000, 42n);
console.log(`read  buf       = 0x${mm.read(buf).toString(16)}`);
console.log(`read  lib+4096  = 0x${mm.read(lib + 4096).toString(16)} (file page 1)`);
console.log(`write buf+16KiB -> ${JSON.stringify(mm.write(buf + 4 * 4096, 1n))}`);
console.log(`read  0x1000    -> ${JSON.stringify(mm.read(0x1000))}`);

console.log('\n/proc/self/maps');
for (const line of renderMaps(mm)) console.log(`  ${line}`);
console.log(
  `\npage table (CR3 = 0x${table.cr3().toString(16)}), ${frames.usedFrames} frames in use`,
);
console.log(table.dump());
