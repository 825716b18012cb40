// A frame owned by a scope: `using frame = ...` frees it on every exit path unless
// the code that succeeded calls `keep()`. This is how a multi-step operation that
// needs fresh frames leaves nothing behind when a later step fails.

import { PAGE_SIZE_4K } from '@vmem/memory-addr';
import { show } from './check.js';
import type { FrameSource } from './frame-allocator.js';
import type { OutOfMemory } from './out-of-memory.js';

/**
 * Ownership of one allocated frame. Disposing frees it through its source;
 * disposing again, or after `keep()`, does nothing (like DisposableStack: the
 * second dispose is a no-op, so an explicit dispose inside a `using` scope is safe).
 */
export class FrameHandle implements Disposable {
  /** The frame number. */
  readonly pfn: number;
  /** Physical address of the frame's first byte (pfn * 4096). */
  readonly address: number;
  private source: FrameSource | null;

  /** Takes ownership of `pfn`, which `source` allocated. */
  constructor(source: FrameSource, pfn: number) {
    if (typeof source !== 'object' || source === null || typeof source.free !== 'function') {
      throw new TypeError(`source must have a free(pfn) method, got ${show(source)}`);
    }
    if (typeof pfn !== 'number' || !Number.isSafeInteger(pfn) || pfn < 0) {
      throw new RangeError(`pfn must be a non-negative safe integer, got ${show(pfn)}`);
    }
    this.pfn = pfn;
    this.address = pfn * PAGE_SIZE_4K;
    this.source = source;
  }

  /** True until the handle is disposed or kept. */
  get owned(): boolean {
    return this.source !== null;
  }

  /**
   * Ends the handle's ownership without freeing and returns the pfn: the caller now
   * owns the frame. Throws TypeError when the handle no longer owns it.
   */
  keep(): number {
    if (this.source === null) {
      throw new TypeError(`keep(): frame ${this.pfn} was already disposed or kept`);
    }
    this.source = null;
    return this.pfn;
  }

  /** Frees the frame if the handle still owns it. */
  dispose(): void {
    const source = this.source;
    if (source === null) return;
    this.source = null;
    source.free(this.pfn);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Allocates one frame from `source` as a FrameHandle, or returns OUT_OF_MEMORY. */
export function allocateHandle(source: FrameSource): FrameHandle | OutOfMemory {
  const pfn = source.allocate();
  if (typeof pfn !== 'number') return pfn;
  return new FrameHandle(source, pfn);
}
