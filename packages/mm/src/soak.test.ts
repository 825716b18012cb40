// The CI version of the soak run (soak/soak.ts runs 1,000,000 operations, checking
// every 1,000): the same seeded workload for 20,000 operations over up to six
// processes, with every address space's and the machine's invariants checked
// every 10 operations (runSoak throws on the first broken one; every 1,000 would
// miss short-lived breakage such as a stale page-cache mapping that a later munmap
// removes), and every frame back at the end.
import { describe, expect, test } from 'vitest';
import { runSoak, SOAK_MAX_CACHED_AT_END } from './test-support/soak-workload.js';

describe('soak', () => {
  test('20,000 random operations with fork and exit: invariants hold throughout, no frame leaks', () => {
    const report = runSoak({ ops: 20_000, seed: 1, checkEvery: 10 });
    expect(report.checks).toBe(2000);
    expect(report.leakedFrames).toBe(0);
    expect(report.cachedAtEnd).toBeLessThanOrEqual(SOAK_MAX_CACHED_AT_END);
    // The workload really exercised what it claims to: every kind of operation,
    // processes coming and going, calls refused and accesses faulting.
    for (const op of [
      'mmap',
      'munmap',
      'mprotect',
      'mremap',
      'madvise',
      'brk',
      'write',
      'read',
      'copy',
      'fork',
      'exit',
      'truncate',
    ]) {
      expect(report.counts[op], op).toBeGreaterThan(100);
    }
    expect(report.forks).toBeGreaterThan(100);
    expect(report.exits).toBeGreaterThan(100);
    expect(report.peakProcesses).toBe(6);
    expect(report.starved).toBeGreaterThan(300);
    expect(report.errnos).toBeGreaterThan(0);
    expect(report.faults).toBeGreaterThan(0);
  });

  test('the same seed gives the same run; another seed another one', () => {
    const a = runSoak({ ops: 3000, seed: 7 });
    expect(runSoak({ ops: 3000, seed: 7 })).toEqual(a);
    expect(runSoak({ ops: 3000, seed: 8 }).counts).not.toEqual(a.counts);
  });
});
