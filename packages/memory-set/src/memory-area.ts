import { AreaNode } from './area-node.js';
import { flagsError } from './check.js';
import type { MappingBackend } from './mapping-backend.js';

/**
 * One area of a {@link MemorySet}: a range [start, end), its flags and the
 * backend serving it. An {@link AreaNode}, so it is its own tree node.
 */
export class MemoryArea<
  F extends number = number,
  B extends MappingBackend<F> = MappingBackend<F>,
> extends AreaNode {
  /** Access flags (any number the backend understands). */
  declare flags: F;
  /** The backend serving this area. */
  declare backend: B;

  constructor(start: number, end: number, flags: F, backend: B) {
    super(start, end);
    if (typeof flags !== 'number' || Number.isNaN(flags)) throw flagsError(flags);
    this.flags = flags;
    this.backend = backend;
  }

  /**
   * A new area for a piece of this one (used when the set splits it). Override
   * in a subclass to keep the subclass and copy its extra fields.
   */
  derive(start: number, end: number, flags: F, backend: B): MemoryArea<F, B> {
    return new MemoryArea(start, end, flags, backend);
  }

  /** end - start. */
  get size(): number {
    return this.end - this.start;
  }
}
