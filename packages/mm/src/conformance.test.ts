// Replays every kernel trace of the fixtures and compares each answer, read value,
// fault and maps delta with Linux's. Every op of every trace, fuzz and real
// programs, must match, with both page-table backends, and tearing the address
// space down must give every frame back.
// fuzz/ and real/ are copies of shared/conformance/traces; recorded/ holds traces
// this project recorded itself with the same recorders (other seeds, other
// programs; recorded/record.sh makes them), so that the rules are checked beyond
// the shared set.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  BitmapFrameAllocator,
  PhysicalMemory,
  RefCountedFrameAllocator,
} from '@vmem/frame-allocator';
import { PageTable } from '@vmem/page-table-x86_64';
import { describe, expect, test } from 'vitest';
import { PageTablePteStore } from './page-table-pte-store.js';
import { replayTrace } from './replay.js';
import { parseVmtrace } from './vmtrace.js';

const fixtures = join(import.meta.dirname, '../test/fixtures/traces');

function replayFile(path: string, backend: 'map' | 'page-table') {
  const trace = parseVmtrace(gunzipSync(readFileSync(path)).toString('utf8'));
  const frames = new RefCountedFrameAllocator(new BitmapFrameAllocator({ frames: 1 << 20 }));
  const memory = new PhysicalMemory({ size: 2 ** 32 });
  const pteStore =
    backend === 'page-table' ? new PageTablePteStore(new PageTable({ memory, frames })) : undefined;
  // checkInvariants after every op: the address space stays well formed throughout.
  let checked = 0;
  const report = replayTrace(trace, path, {
    frames,
    memory,
    pteStore,
    onOp: (_op, _index, _matched, _delta, mm) => {
      mm.checkInvariants();
      checked++;
    },
  });
  expect(checked).toBe(trace.ops.length);
  return { report, frames };
}

for (const family of ['fuzz', 'real', 'recorded/fuzz', 'recorded/real']) {
  const dir = join(fixtures, family);
  describe(`${family} traces`, () => {
    for (const name of readdirSync(dir).sort()) {
      for (const backend of ['map', 'page-table'] as const) {
        test(`${name} (${backend})`, () => {
          const { report, frames } = replayFile(join(dir, name), backend);
          console.log(`${name} [${backend}]: ${report.matched}/${report.ops} ops match`);
          expect(report.mismatches.slice(0, 3)).toEqual([]);
          expect(report.matched).toBe(report.ops);
          expect(report.endMapsMatch).toBe(true);
          // Tearing the address space down gives back every frame but the page cache's.
          report.mm.destroy();
          report.mm.pageCache.clear();
          expect(frames.usedFrames).toBe(0);
        });
      }
    }
  });
}
