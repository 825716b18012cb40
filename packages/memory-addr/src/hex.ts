// Hexadecimal formatting and parsing at the edges (logs, /proc/<pid>/maps lines,
// test fixtures). Lower-case digits, like the kernel's `%lx`.

import { checkNat, checkOptions, checkString, orDefault, show } from './check.js';

/** Options of `formatHex`. */
export interface FormatHexOptions {
  /** Pad the digits (not the prefix) with zeros to at least this many; 0..64, default 0. */
  readonly width?: number;
  /** Put `0x` in front; default true. */
  readonly prefix?: boolean;
}

const MAX_WIDTH = 64;
const CHUNK = 0x100_0000; // 2^24: six hex digits

// Number.prototype.toString(16) is several times slower for values outside V8's small
// integer range (it takes the general double-to-radix path), so a number is printed as
// 24-bit chunks, each a small integer. A safe integer has at most three chunks.
function numberDigits(value: number): string {
  if (value < CHUNK) return value.toString(16);
  const high = Math.floor(value / CHUNK);
  const low = (value - high * CHUNK).toString(16).padStart(6, '0');
  if (high < CHUNK) return high.toString(16) + low;
  const top = Math.floor(high / CHUNK);
  const middle = (high - top * CHUNK).toString(16).padStart(6, '0');
  return top.toString(16) + middle + low;
}

/**
 * `value` in lower-case hexadecimal. `formatHex(0x400000, { width: 8, prefix: false })`
 * is `"00400000"`, the form of an address in /proc/<pid>/maps. A number must be an
 * integer in [0, 2^53); a bigint must be >= 0. Digits are never truncated to `width`.
 */
export function formatHex(value: number | bigint, options?: FormatHexOptions): string {
  let digits: string;
  if (typeof value === 'bigint') {
    if (value < 0n) throw new RangeError(`value must not be negative, got ${show(value)}`);
    digits = value.toString(16);
  } else {
    checkNat('value', value);
    digits = numberDigits(value);
  }
  if (options === undefined) return `0x${digits}`;
  checkOptions('options', options);
  const width = orDefault(options.width, 0);
  const prefix = orDefault(options.prefix, true);
  checkNat('width', width);
  if (width > MAX_WIDTH) throw new RangeError(`width must be at most 64, got ${show(width)}`);
  if (typeof prefix !== 'boolean') {
    throw new TypeError(`prefix must be a boolean, got ${typeof prefix} ${show(prefix)}`);
  }
  if (digits.length < width) digits = digits.padStart(width, '0');
  return prefix ? `0x${digits}` : digits;
}

// The grammar of both parsers: an optional 0x or 0X, then one or more hex digits, and
// nothing else (no sign, space, `_` or other digit sets). Scanned by hand: a regular
// expression plus parseInt measured about five times slower.

/** The value of a hex digit's char code, or -1. */
function digitValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  const lower = code | 0x20; // char codes are small, so this folds A-F onto a-f exactly
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** Where the digits start (after an optional 0x); RangeError when `text` has none. */
function digitsStart(text: unknown): number {
  checkString('text', text);
  const start = text.length >= 2 && text[0] === '0' && (text[1] === 'x' || text[1] === 'X') ? 2 : 0;
  if (start === text.length) throw new RangeError(`not a hexadecimal number: ${show(text)}`);
  return start;
}

function malformed(text: string): RangeError {
  return new RangeError(`not a hexadecimal number: ${show(text)}`);
}

/**
 * Parses `[0x]DIGITS` (either case) to a number. RangeError when malformed or when the
 * value is greater than `Number.MAX_SAFE_INTEGER` (2^53 - 1).
 */
export function parseHex(text: string): number {
  let value = 0;
  for (let i = digitsStart(text); i < text.length; i++) {
    const digit = digitValue(text.charCodeAt(i));
    if (digit < 0) throw malformed(text);
    // value * 16 is exact; adding the digit is exact up to 2^53 - 1 and lands at or
    // above 2^53 otherwise, so the comparison catches every overflow.
    value = value * 16 + digit;
    if (value > Number.MAX_SAFE_INTEGER) {
      throw new RangeError(`hexadecimal value ${show(text)} is greater than 2^53 - 1`);
    }
  }
  return value;
}

const U64_MAX = (1n << 64n) - 1n;

/** Parses `[0x]DIGITS` (either case) to a bigint in [0, 2^64); RangeError when malformed or larger. */
export function parseHex64(text: string): bigint {
  const start = digitsStart(text);
  for (let i = start; i < text.length; i++) {
    if (digitValue(text.charCodeAt(i)) < 0) throw malformed(text);
  }
  const value = BigInt(`0x${text.slice(start)}`);
  if (value > U64_MAX) {
    throw new RangeError(`hexadecimal value ${show(text)} does not fit in 64 bits`);
  }
  return value;
}
