// Syscall arguments are 64-bit. The hot path takes JS numbers (exact below 2^53);
// a caller that really passes a value past 2^53 (a fuzzer, a trace) passes a
// bigint, and these helpers give the kernel's unsigned 64-bit arithmetic for it.

const U64 = 1n << 64n;
const MASK = U64 - 1n;

/** Stands for "some value past every user address" while keeping the low 12 bits. */
export const HUGE_BASE: number = 2 ** 52;

/** A syscall argument: a non-negative safe integer or a bigint in [0, 2^64). */
export type U64Arg = number | bigint;

/** Validate and return a number argument, or the bigint itself (reduced mod 2^64 only if in range). */
export function checkArg(name: string, value: U64Arg): U64Arg {
  // The common case alone, so that the check inlines into every system call
  // (a call out of line also boxed the returned address as a heap number).
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  return checkArgSlow(name, value);
}

function checkArgSlow(name: string, value: U64Arg): U64Arg {
  if (typeof value === 'bigint') {
    if (value < 0n || value > MASK)
      throw new RangeError(`${name} must fit in 64 bits, got ${value}`);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  if (typeof value !== 'number')
    throw new TypeError(`${name} must be a number or bigint, got ${typeof value}`);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${name} must be a safe integer (pass a bigint past 2^53), got ${value}`);
  }
  throw new RangeError(`${name} must not be negative, got ${value}`);
}

/** A number standing for `value`: exact when safe, else HUGE_BASE plus the low 12 bits. */
export function clampHuge(value: U64Arg): number {
  if (typeof value === 'number') return value;
  return HUGE_BASE + Number(value & 0xfffn);
}

/** PAGE_ALIGN(len) with the kernel's 64-bit wrap-around (a huge length aligns to 0). */
export function pageAlignU64(value: U64Arg): U64Arg {
  if (typeof value === 'number') {
    const aligned = Math.ceil(value / 4096) * 4096;
    return Number.isSafeInteger(aligned) ? aligned : BigInt(aligned);
  }
  return (value + 0xfffn) & MASK & ~0xfffn;
}

/** ALIGN(value, size) for a power-of-two size, with the kernel's 64-bit wrap-around. */
export function alignU64(value: U64Arg, size: number): U64Arg {
  const big = typeof value === 'bigint' ? value : BigInt(value);
  const s = BigInt(size);
  const aligned = (big + s - 1n) & MASK & ~(s - 1n);
  return aligned <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(aligned) : aligned;
}

/** (a + b) mod 2^64, as a number when it is safe. */
export function addU64(a: U64Arg, b: U64Arg): U64Arg {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b;
    if (Number.isSafeInteger(sum)) return sum;
  }
  const sum = (BigInt(a) + BigInt(b)) & MASK;
  return sum <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(sum) : sum;
}

/** a > b for 64-bit arguments. */
export function gtU64(a: U64Arg, b: U64Arg): boolean {
  return typeof a === 'number' && typeof b === 'number' ? a > b : BigInt(a) > BigInt(b);
}

export function isZero(value: U64Arg): boolean {
  // Typed first: optimised code compared a number with 0n through a generic equality.
  return typeof value === 'number' ? value === 0 : value === 0n;
}
