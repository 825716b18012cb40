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
    // `| 0` wraps mod 2^32 like the definition's `>>> 0`; the bits are the same.
    const s = (this.s + 0x6d2b79f5) | 0;
    this.s = s;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** `next() % n`, the workloads' rand(n). */
  rand(n: number): number {
    return this.next() % n;
  }
}
