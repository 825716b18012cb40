import type { MappingBackend } from '../mapping-backend.js';
import { failure, OK, type Result } from '../result.js';

/** A page of the simulated file mapping: its flags and the file page it shows. */
export interface FilePage {
  flags: number;
  filePage: number;
}

/**
 * A stateful backend, one object per area, like a file mapping: it knows the
 * range of its area and the file page at its start, so splits, shrinks and
 * merges must be reported exactly or the file pages it maps go wrong.
 * `check` verifies it against the area that holds it.
 */
export class OffsetBackend implements MappingBackend<number> {
  constructor(
    readonly pages: Map<number, FilePage>,
    public areaStart: number,
    public areaEnd: number,
    public offset: number,
    readonly pageSize = 4096,
  ) {}

  private filePage(addr: number): number {
    return this.offset + (addr - this.areaStart) / this.pageSize;
  }

  map(start: number, end: number, flags: number): Result {
    for (let a = start; a < end; a += this.pageSize) {
      if (this.pages.has(a / this.pageSize)) return failure('EEXIST');
    }
    for (let a = start; a < end; a += this.pageSize) {
      this.pages.set(a / this.pageSize, { flags, filePage: this.filePage(a) });
    }
    return OK;
  }

  unmap(start: number, end: number, flags: number): Result {
    for (let a = start; a < end; a += this.pageSize) {
      const p = this.pages.get(a / this.pageSize);
      if (p === undefined || p.flags !== flags || p.filePage !== this.filePage(a)) {
        return failure('EFAULT');
      }
    }
    for (let a = start; a < end; a += this.pageSize) this.pages.delete(a / this.pageSize);
    return OK;
  }

  protect(start: number, end: number, oldFlags: number, newFlags: number): Result {
    for (let a = start; a < end; a += this.pageSize) {
      const p = this.pages.get(a / this.pageSize);
      if (p === undefined || p.flags !== oldFlags) return failure('EFAULT');
    }
    for (let a = start; a < end; a += this.pageSize)
      this.pages.get(a / this.pageSize)!.flags = newFlags;
    return OK;
  }

  split(start: number, at: number, end: number, _flags: number): this {
    if (start !== this.areaStart || end !== this.areaEnd) {
      throw new Error(
        `split of [${start}, ${end}) on a backend of [${this.areaStart}, ${this.areaEnd})`,
      );
    }
    const upper = new OffsetBackend(this.pages, at, end, this.filePage(at), this.pageSize);
    this.areaEnd = at;
    return upper as this;
  }

  shrink(oldStart: number, oldEnd: number, newStart: number, newEnd: number): void {
    if (oldStart !== this.areaStart || oldEnd !== this.areaEnd) {
      throw new Error(
        `shrink of [${oldStart}, ${oldEnd}) on a backend of [${this.areaStart}, ${this.areaEnd})`,
      );
    }
    this.offset = this.filePage(newStart);
    this.areaStart = newStart;
    this.areaEnd = newEnd;
  }

  merge(start: number, at: number, end: number, _flags: number, upper: this): boolean {
    if (
      start !== this.areaStart ||
      at !== this.areaEnd ||
      upper.areaStart !== at ||
      upper.areaEnd !== end
    ) {
      throw new Error('merge with wrong bounds');
    }
    if (upper.offset !== this.filePage(at)) return false;
    this.areaEnd = end;
    return true;
  }
}
