// Argument validation shared by the package. Internal: not re-exported from index.ts.
// Messages name the argument and show the bad value, so a failure deep inside an
// emulator points back at the caller that produced it.

/** Renders any value for an error message without ever throwing itself. */
export function show(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'bigint':
      return `${value}n`;
    case 'number':
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
    throw new TypeError(`${name} must be a number, got ${typeof value} ${show(value)}`);
  }
}

/**
 * Throws unless `value` is an integer in [min, max]: TypeError for a non-number,
 * RangeError for NaN, a fraction or a value outside the bounds.
 */
export function checkIntegerIn(name: string, value: unknown, min: number, max: number): void {
  checkNumber(name, value);
  if (!Number.isInteger(value)) {
    throw new RangeError(`${name} must be an integer, got ${show(value)}`);
  }
  if (value < min || value > max) {
    throw new RangeError(`${name} must be in [${min}, ${max}], got ${show(value)}`);
  }
}

/** Throws TypeError unless `value` is undefined or a non-null object (an options bag). */
export function checkOptions(name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw new TypeError(`${name} must be an object, got ${show(value)}`);
  }
}
