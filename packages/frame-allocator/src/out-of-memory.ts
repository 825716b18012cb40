/**
 * The typed result of an allocation that found no room. A frozen singleton, so
 * callers compare with `===` or test `typeof result === 'number'`, and neither the
 * success nor the failure path allocates.
 */
export interface OutOfMemory {
  readonly errno: 'ENOMEM';
}

/** The one OutOfMemory value every allocator in this package returns. */
export const OUT_OF_MEMORY: OutOfMemory = Object.freeze({ errno: 'ENOMEM' as const });

/**
 * True when an allocation result (a pfn, a FrameHandle, ...) is the out-of-memory
 * value. Tests the shape, not identity, so a result from another copy of this
 * package still counts.
 */
export function isOutOfMemory(result: unknown): result is OutOfMemory {
  return (
    typeof result === 'object' &&
    result !== null &&
    (result as { readonly errno?: unknown }).errno === 'ENOMEM'
  );
}
