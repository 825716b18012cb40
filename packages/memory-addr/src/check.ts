// Argument validation shared by the package. Internal: not re-exported from index.ts.
// Every message names the argument and shows the bad value, so a failure deep inside
// a simulator points at the caller that produced it.

// `2 ** k` with a variable k goes through Math.pow, which V8 computes in about 80 ns
// (measured); validation on every call cannot afford that, so powers come from a table.
const POW2: Float64Array = Float64Array.from({ length: 65 }, (_, k) => 2 ** k);

/** 2^k for an integer k in [0, 64] (exact: every power of two is a double). */
export function pow2(k: number): number {
  return POW2[k];
}

/** Renders any value for an error message without ever throwing itself. */
export function show(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'bigint':
      return `${value}n`;
    case 'number':
      // Object.is: String(-0) would print "0" and hide the sign.
      return Object.is(value, -0) ? '-0' : String(value);
    default:
      try {
        return String(value);
      } catch {
        return Object.prototype.toString.call(value);
      }
  }
}

/** Throws TypeError unless `value` is a number. */
export function checkNumber(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') {
    const hint = typeof value === 'bigint' ? ' (convert 64-bit values with u64ToNumber)' : '';
    throw new TypeError(`${name} must be a number, got ${typeof value} ${show(value)}${hint}`);
  }
}

/**
 * Throws unless `value` is an integer in [0, 2^53): TypeError for a non-number,
 * RangeError for NaN, an infinity, a fraction, a negative or an unsafe integer.
 */
export function checkNat(name: string, value: unknown): asserts value is number {
  checkNumber(name, value);
  if (!Number.isSafeInteger(value)) {
    // Large integers print rounded in decimal ("72057594037927940"); hex shows them exactly.
    const exact = Number.isInteger(value) ? ` (${hex(value)})` : '';
    throw new RangeError(`${name} must be a safe integer (< 2^53), got ${show(value)}${exact}`);
  }
  if (value < 0) throw new RangeError(`${name} must not be negative, got ${show(value)}`);
}

/** Throws TypeError unless `value` is a bigint. */
export function checkBigInt(name: string, value: unknown): asserts value is bigint {
  if (typeof value !== 'bigint') {
    throw new TypeError(`${name} must be a bigint, got ${typeof value} ${show(value)}`);
  }
}

/** Throws TypeError unless `value` is a string. */
export function checkString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new TypeError(`${name} must be a string, got ${typeof value} ${show(value)}`);
  }
}

/** Throws TypeError unless `value` is undefined or a non-null object (an options bag). */
export function checkOptions(name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw new TypeError(`${name} must be an object, got ${show(value)}`);
  }
}

/** `value` in hexadecimal with a 0x prefix, for messages. */
export function hex(value: number | bigint): string {
  return value < 0 ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}

/**
 * `value`, or `fallback` when it is undefined. Unlike `??` this keeps null, so that the
 * validation that follows rejects an explicit null option instead of ignoring it.
 */
export function orDefault<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}
