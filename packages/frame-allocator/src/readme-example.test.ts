// The README's example, run as a test so that it stays true.

import { expect, test } from 'vitest';
import {
  allocateHandle,
  BitmapFrameAllocator,
  isOutOfMemory,
  PhysicalMemory,
  RefCountedFrameAllocator,
} from './index.js';

test('README example', () => {
  const log: string[] = [];
  const print = (line: string): void => {
    log.push(line);
  };

  // --- README example begins ---
  // 4 GiB of simulated RAM: frames get storage only when first written.
  const memory = new PhysicalMemory({ size: 4 * 2 ** 30 });
  const frames = new BitmapFrameAllocator({ frames: memory.frameCount });

  const pfn = frames.allocate();
  if (isOutOfMemory(pfn)) throw new Error('out of memory');
  memory.write64(pfn * 4096 + 8, 0x8000_0000_1234_5067n);
  const words = memory.frameWords(pfn); // the same Uint32Array on every call
  print(`${words[2].toString(16)} ${words[3].toString(16)}`); // 12345067 80000000
  print(`${memory.materialisedFrames}`); // 1
  frames.free(pfn);

  // 2 MiB of physically contiguous frames aligned to 2 MiB.
  const huge = frames.allocateContiguous(512, { align: 512 });
  if (!isOutOfMemory(huge)) frames.freeContiguous(huge, 512);

  // Shared frames (copy-on-write) carry a reference count.
  const shared = new RefCountedFrameAllocator(new BitmapFrameAllocator({ frames: 1024 }));
  const page = shared.allocate();
  if (isOutOfMemory(page)) throw new Error('out of memory');
  shared.retain(page); // a second mapping: 2 references
  print(`${shared.release(page)} ${shared.release(page)}`); // 1 0 (freed)

  // A frame owned by a scope is freed on every exit unless kept.
  const handle = allocateHandle(frames);
  if (isOutOfMemory(handle)) throw new Error('out of memory');
  {
    using table = handle;
    memory.zeroFrame(table.pfn);
    // ... a later step throws: `table` is freed on the way out ...
  }
  print(`${frames.usedFrames}`); // 0
  // --- README example ends ---

  expect(log).toEqual(['12345067 80000000', '1', '1 0', '0']);
});
