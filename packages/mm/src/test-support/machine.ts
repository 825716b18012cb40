import {
  BitmapFrameAllocator,
  PhysicalMemory,
  RefCountedFrameAllocator,
} from '@vmem/frame-allocator';
import { PageTable } from '@vmem/page-table-x86_64';
import type { MmLayout } from '../mm-options.js';
import { MmStruct } from '../mm-struct.js';
import { PageCache } from '../page-cache.js';
import { PageTablePteStore } from '../page-table-pte-store.js';

/** One simulated machine: frames, physical memory and page cache shared by its processes. */
export interface Machine<F extends RefCountedFrameAllocator = RefCountedFrameAllocator> {
  frames: F;
  memory: PhysicalMemory;
  pageCache: PageCache;
  /** A new, independent address space on this machine (exec'd, not forked). */
  spawn(layout?: Partial<MmLayout>): MmStruct;
}

/**
 * A machine whose processes keep real x86_64 page tables in its physical memory
 * (`backend: 'page-table'`, the default) or use the Map reference backend.
 */
export function newMachine<F extends RefCountedFrameAllocator = RefCountedFrameAllocator>(
  options: {
    frames?: number;
    backend?: 'page-table' | 'map';
    make?: (inner: BitmapFrameAllocator) => F;
  } = {},
): Machine<F> {
  const count = options.frames ?? 1 << 14;
  const inner = new BitmapFrameAllocator({ frames: count });
  const frames = options.make
    ? options.make(inner)
    : (new RefCountedFrameAllocator(inner) as unknown as F);
  const memory = new PhysicalMemory({ size: count * 4096 });
  const pageCache = new PageCache(frames, memory);
  const mapBackend = options.backend === 'map';
  return {
    frames,
    memory,
    pageCache,
    spawn: (layout = {}) =>
      new MmStruct({
        frames,
        memory,
        pageCache,
        layout,
        pteStore: mapBackend ? undefined : new PageTablePteStore(new PageTable({ memory, frames })),
      }),
  };
}
