import { PageTable } from '@vmem/page-table-x86_64';

/** Physical memory for the page table: frames materialised on demand. */
class MapMemory {
  readonly frames = new Map<number, Uint32Array>();
  frameWords(pfn: number): Uint32Array {
    let f = this.frames.get(pfn);
    if (f === undefined) {
      f = new Uint32Array(1024);
      this.frames.set(pfn, f);
    }
    return f;
  }
}

/** Table frames from a bump pointer and a free list; runs dry on demand. */
export class TableFrames {
  inUse = 0;
  exhausted = false;
  private next = 0x100;
  private readonly freed: number[] = [];

  allocate(): number | { readonly errno: 'ENOMEM' } {
    if (this.exhausted) return { errno: 'ENOMEM' };
    this.inUse++;
    return this.freed.pop() ?? this.next++;
  }

  free(pfn: number): void {
    this.inUse--;
    this.freed.push(pfn);
  }
}

/** A fresh 4-level page table with its frame source. */
export function newPageTable(): { table: PageTable; frames: TableFrames } {
  const frames = new TableFrames();
  const table = new PageTable({ memory: new MapMemory(), frames });
  return { table, frames };
}
