/**
 * mulberry32, exactly as shared/bench/WORKLOADS.md defines it, so that a workload
 * draws the same numbers here, in the Linux anchor and in other implementations.
 */
export class Mulberry32 {
  private s: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new TypeError(`seed must be an integer, got ${seed}`);
    this.s = seed >>> 0;
  }

  /** A uniform u32. */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    const s = this.s;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** `next() % n`, the workloads' rand(n). */
  rand(n: number): number {
    return this.next() % n;
  }
}
