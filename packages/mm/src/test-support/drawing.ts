import {
  BitmapFrameAllocator,
  PhysicalMemory,
  RefCountedFrameAllocator,
} from '@vmem/frame-allocator';
import { type ErrnoResult, isErrno } from '../linux-abi.js';
import type { MmLayout } from '../mm-options.js';
import { MmStruct } from '../mm-struct.js';

/** A small machine and an address space on it, for scenario tests. */
export function newMm(layout: Partial<MmLayout> = {}): {
  mm: MmStruct;
  frames: RefCountedFrameAllocator;
} {
  const frames = new RefCountedFrameAllocator(new BitmapFrameAllocator({ frames: 1 << 14 }));
  const memory = new PhysicalMemory({ size: 2 ** 26 });
  return { mm: new MmStruct({ frames, memory, layout }), frames };
}

/**
 * Draw `pages` pages from `base`, one character a page: a letter per VMA (A for
 * the first one met, B for the next, ...), a space where nothing is mapped.
 * Adjacent pages with the same letter are one VMA, so `AAB` shows a split.
 */
export function draw(mm: MmStruct, base: number, pages: number): string {
  let out = '';
  let letter = 64;
  let last: unknown = null;
  for (let i = 0; i < pages; i++) {
    const vma = mm.vmas.findContaining(base + i * 4096);
    if (vma === undefined) {
      out += ' ';
      continue;
    }
    if (vma !== last) {
      letter++;
      last = vma;
    }
    out += String.fromCharCode(letter);
  }
  return out;
}

/** The result of a call that must succeed. */
export function ok<T>(result: T): Exclude<T, ErrnoResult> {
  if (isErrno(result)) throw new Error(`unexpected ${result.errno}`);
  return result as Exclude<T, ErrnoResult>;
}
