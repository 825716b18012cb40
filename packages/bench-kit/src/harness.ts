/** Median of a list of numbers (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Monotonic clock in nanoseconds (performance.now exists in Node and browsers). */
export function nowNs(): number {
  return performance.now() * 1e6;
}

/**
 * Format one result line as shared/bench/WORKLOADS.md asks:
 * `WORKLOAD PHASE ns/op=MEDIAN` plus optional extra text after a space.
 */
export function formatLine(workload: string, phase: string, nsPerOp: number, extra = ''): string {
  const value = nsPerOp >= 100 ? nsPerOp.toFixed(0) : nsPerOp.toFixed(1);
  return `${workload} ${phase} ns/op=${value}${extra ? ` ${extra}` : ''}`;
}

/** Runs `run` `runs` times (each returns ns/op) and gives the median. */
export function medianOf(runs: number, run: (index: number) => number): number {
  const results: number[] = [];
  for (let i = 0; i < runs; i++) results.push(run(i));
  return median(results);
}
