// Pieces of the `page-table` workload (shared/bench/WORKLOADS.md, seed 2) shared
// by page-table.ts (the timed bench) and instructions.ts (cachegrind counts), so
// that both run exactly the same draws over the same frame source.
import { Mulberry32 } from '@vmem/bench-kit';
import type { PageTableFrameSource } from '../src/index.js';

/** Bump allocator with a free stack, counting frames in use. */
export class BumpFrames implements PageTableFrameSource {
  private next = 1;
  private readonly freed: number[] = [];
  inUse = 0;
  allocate(): number {
    this.inUse++;
    const f = this.freed.pop();
    return f === undefined ? this.next++ : f;
  }
  free(pfn: number): void {
    this.inUse--;
    this.freed.push(pfn);
  }
}

/**
 * The translation phase's addresses, in the workload's draw order:
 * `base + rand(pages) pages + rand(4096)`, `count` of them.
 */
export function workloadAddresses(base: number, pages: number, count: number): Float64Array {
  const addresses = new Float64Array(count);
  const rng = new Mulberry32(2);
  for (let i = 0; i < count; i++) {
    const page = rng.rand(pages);
    const offset = rng.rand(4096);
    addresses[i] = base + page * 4096 + offset;
  }
  return addresses;
}
