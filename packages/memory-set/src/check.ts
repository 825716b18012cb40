// Argument validation shared by the tree and the set. Addresses are plain
// non-negative safe integers; anything else is API misuse and throws.

/** Throws unless `value` is a non-negative safe integer. */
export function checkAddress(name: string, value: number): void {
  // One test on the hot path (a non-number is not a safe integer either), and
  // the messages built out of line: a small body is what lets V8 inline the
  // check, and the callers that inline it (constructors, set operations) into
  // theirs, within its inlining budget.
  if (!Number.isSafeInteger(value) || value < 0) throw addressError(name, value);
}

function addressError(name: string, value: number): Error {
  if (typeof value !== 'number') {
    return new TypeError(`${name} must be a number, got ${typeof value} ${String(value)}`);
  }
  return new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
}

/** Throws unless `value` is a positive safe integer. */
export function checkLength(name: string, value: number): void {
  checkAddress(name, value);
  if (value === 0) throw new RangeError(`${name} must be positive, got 0`);
}

/**
 * Throws unless `value` is a non-negative safe integer that is a multiple of
 * `granule`, a power of two (every caller's granule is one).
 */
export function checkAligned(name: string, value: number, granule: number): void {
  checkAddress(name, value);
  if (!isMultiple(value, granule)) throw alignmentError(name, value, granule);
}

function alignmentError(name: string, value: number, granule: number): RangeError {
  return new RangeError(`${name} must be a multiple of ${granule}, got ${value}`);
}

/**
 * Whether the safe integer `value` is a multiple of `powerOfTwo`. Dividing by
 * a power of two is exact, so the quotient is an integer exactly when it is a
 * multiple. Not `value % powerOfTwo`: for values of 2^31 and above, `%` on
 * doubles is a call into the C library (measured ~25 ns against ~4 ns).
 */
export function isMultiple(value: number, powerOfTwo: number): boolean {
  return Number.isInteger(value / powerOfTwo);
}

/**
 * `value` modulo `powerOfTwo`, in [0, powerOfTwo), for safe integers; exact
 * for the same reason as {@link isMultiple} and as fast.
 */
export function modPowerOfTwo(value: number, powerOfTwo: number): number {
  return value - Math.floor(value / powerOfTwo) * powerOfTwo;
}

/** Hex rendering for error messages. */
export function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

// Errors shared by several checks, built out of line (here) so that the checking
// functions and constructors stay small enough for V8 to inline them.

/** TypeError for flags that are not a number (or NaN). */
export function flagsError(flags: unknown): TypeError {
  return new TypeError(`flags must be a number, got ${String(flags)}`);
}

/** RangeError for an area whose end is below its start. */
export function reversedError(start: number, end: number): RangeError {
  return new RangeError(`area end ${hex(end)} is below its start ${hex(start)}`);
}
