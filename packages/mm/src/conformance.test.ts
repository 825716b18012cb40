import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PhysicalMemory, RefCountedFrameAllocator, BitmapFrameAllocator } from '@vmem/frame-allocator';
import { describe, expect, test } from 'vitest';
import { replayTrace } from './replay.js';
import { parseVmtrace } from './vmtrace.js';

const fixtures = join(import.meta.dirname, '../test/fixtures/traces');
const FULL_MATCH = new Set(['anon', 'file', 'shared', 'brk']);

function replayFile(path: string) {
  const trace = parseVmtrace(gunzipSync(readFileSync(path)).toString('utf8'));
  const frames = new RefCountedFrameAllocator(new BitmapFrameAllocator({ frames: 1 << 20 }));
  const memory = new PhysicalMemory({ size: 2 ** 32 });
  return replayTrace(trace, path, { frames, memory });
}

for (const family of ['fuzz', 'real']) {
  const dir = join(fixtures, family);
  describe(`${family} traces`, () => {
    for (const name of readdirSync(dir).sort()) {
      const profile = name.replace(/-\d+\.jsonl\.gz$/, '');
      test(name, () => {
        const report = replayFile(join(dir, name));
        const summary = `${name}: ${report.matched}/${report.ops} ops match`;
        console.log(summary);
        if (family === 'fuzz' && FULL_MATCH.has(profile)) {
          expect(report.mismatches.slice(0, 5)).toEqual([]);
          expect(report.matched).toBe(report.ops);
          expect(report.endMapsMatch).toBe(true);
        } else {
          expect(report.ops).toBeGreaterThan(0);
        }
      });
    }
  });
}
