import type { Result } from './result.js';

/**
 * What a {@link MemorySet} drives: the thing that really maps memory (a page
 * table, a host mmap, a test recorder). Every area holds a backend object;
 * stateless backends share one instance, stateful ones (a file offset, a
 * reference count) give each area its own and follow splits, shrinks and
 * merges through the optional notifications.
 *
 * Protocol of one set operation (see the README for the guarantee):
 * 1. checks without side effects: `canSplit` for each area boundary that
 *    falls inside an area;
 * 2. fallible calls: `map`, `unmap`, `protect` (undone with their inverse
 *    calls if a later one fails: protect back, map again, unmap);
 * 3. commit, which cannot fail: `split`, `shrink`, `merge`.
 * A backend must not call back into the set during any of these.
 */
export interface MappingBackend<F extends number = number> {
  /** Establishes [start, end) with `flags` (a new area, or the undo of an unmap). */
  map(start: number, end: number, flags: F): Result;
  /** Removes the mapping of [start, end), part or all of an area with `flags`. */
  unmap(start: number, end: number, flags: F): Result;
  /** Changes [start, end), part or all of an area, from `oldFlags` to `newFlags`. */
  protect(start: number, end: number, oldFlags: F, newFlags: F): Result;
  /**
   * Optional check, without side effects, that the area [start, end) may be
   * split at `at` (Linux's vm_operations_struct.may_split). Absent = always.
   */
  canSplit?(start: number, at: number, end: number, flags: F): Result;
  /**
   * Optional commit notification: the area [start, end) is split at `at`.
   * `this` stays with [start, at); returns the backend of [at, end) (`this`
   * for stateless backends). Absent = both pieces share this object.
   */
  split?(start: number, at: number, end: number, flags: F): this;
  /**
   * Optional commit notification: the area served by this backend changed
   * from [oldStart, oldEnd) to [newStart, newEnd) (a piece at one end was
   * unmapped or replaced). A file backend moves its offset when newStart > oldStart.
   */
  shrink?(oldStart: number, oldEnd: number, newStart: number, newEnd: number, flags: F): void;
  /**
   * Optional commit decision: may this backend's area [start, at) absorb the
   * adjacent area [at, end) of `upper` (same flags)? Returning true commits the
   * merge: `this` now serves [start, end) and `upper` is dropped. Absent =
   * merge only when both areas hold the same backend object.
   */
  merge?(start: number, at: number, end: number, flags: F, upper: this): boolean;
}
