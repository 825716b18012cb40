// Argument validation shared by the tree and the set. Addresses are plain
// non-negative safe integers; anything else is API misuse and throws.

/** Throws unless `value` is a non-negative safe integer. */
export function checkAddress(name: string, value: number): void {
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be a number, got ${typeof value} ${String(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
  }
}

/** Throws unless `value` is a positive safe integer. */
export function checkLength(name: string, value: number): void {
  checkAddress(name, value);
  if (value === 0) throw new RangeError(`${name} must be positive, got 0`);
}

/** Throws unless `value` is a non-negative safe integer that is a multiple of `granule`. */
export function checkAligned(name: string, value: number, granule: number): void {
  checkAddress(name, value);
  if (value % granule !== 0) {
    throw new RangeError(`${name} must be a multiple of ${granule}, got ${value}`);
  }
}

/** Hex rendering for error messages. */
export function hex(value: number): string {
  return `0x${value.toString(16)}`;
}
