/**
 * mulberry32, exactly as shared/bench/WORKLOADS.md defines it, so that a workload
 * draws the same numbers here, in the Linux anchor and in other implementations.
 */
export class Mulberry32 {
  // The state's 32 bits held as a signed integer: V8 keeps that in the object as a
  // small integer, where the u32 form is a heap number from 2^31 up, allocated anew
  // on about half the draws (a GC and write-barrier cost that showed up in every
  // workload's loop). `declare`d so that no class field first stores undefined.
  declare private s: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new TypeError(`seed must be an integer, got ${seed}`);
    this.s = seed | 0;
  }

  /** A uniform u32. */
  next(): number {
    return this.rand(4294967296);
  }

  /** `next() % n`, the workloads' rand(n), for an integer n in [1, 2^32]. */
  rand(n: number): number {
    // n - 1 is a u32 exactly when n is an integer in [1, 2^32] (a fraction, NaN
    // or an infinity changes under >>> 0). The generator's step is written out
    // here, not called, and the check is short: a workload's loop inlines rand
    // four or five times, and V8 stops inlining into a function past a budget
    // of bytecode, which a nested call draws on twice.
    if (typeof n !== 'number' || (n - 1) >>> 0 !== n - 1) badBound(n);
    // `| 0` wraps mod 2^32 like the definition's `>>> 0`; the bits are the same.
    const s = (this.s + 0x6d2b79f5) | 0;
    this.s = s;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const x = (t ^ (t >>> 14)) >>> 0;
    // The remainder through a division and a truncation, exact here: with x < 2^32,
    // the rounding error of x / n is far below 1 / n, the least distance from a
    // non-integer x / n to the next integer, so the truncation is the true quotient
    // q, and q * n <= x is exact. `x % n` is a floating-point remainder in V8
    // (x is a u32, not a small integer): an x87 `fprem`, measured about 3 ns
    // slower per draw on this machine, paid several times per workload operation.
    return x - Math.trunc(x / n) * n;
  }
}

function badBound(n: number): never {
  throw new RangeError(`rand bound must be an integer in [1, 2^32], got ${String(n)}`);
}
