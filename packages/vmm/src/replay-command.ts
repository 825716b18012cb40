import { basename } from 'node:path';
import {
  BitmapFrameAllocator,
  PhysicalMemory,
  RefCountedFrameAllocator,
} from '@vmem/frame-allocator';
import { PageTablePteStore, type ReplayReport, replayTrace } from '@vmem/mm';
import { PageTable } from '@vmem/page-table-x86_64';
import { loadTrace } from './load-trace.js';

export interface ReplayCommandOptions {
  json?: boolean;
  /** Mismatches to explain per trace in text mode (JSON always carries up to 20). */
  show?: number;
  write?: (line: string) => void;
}

/** A fresh machine (4 GiB of RAM, real page tables) and a replay of one trace on it. */
export function replayFileOnFreshMachine(path: string): ReplayReport {
  const trace = loadTrace(path);
  const memory = new PhysicalMemory({ size: 2 ** 32 });
  const frames = new RefCountedFrameAllocator(new BitmapFrameAllocator({ frames: 2 ** 20 }));
  const pteStore = new PageTablePteStore(new PageTable({ memory, frames }));
  return replayTrace(trace, basename(path), { frames, memory, pteStore, maxMismatches: 20 });
}

/**
 * `vmm replay FILE...`: one line per trace (`TRACE: N/M ops match` and the first
 * mismatches), or one JSON object per trace. Returns the exit code: 0 only when
 * every op of every trace matched.
 */
export function replayCommand(files: string[], options: ReplayCommandOptions = {}): number {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  let allMatched = true;
  for (const file of files) {
    const report = replayFileOnFreshMachine(file);
    const matched = report.matched === report.ops;
    if (!matched) allMatched = false;
    if (options.json) {
      write(
        JSON.stringify({
          trace: report.trace,
          ops: report.ops,
          matched: report.matched,
          mismatches: report.mismatches.slice(0, 20),
        }),
      );
    } else {
      write(`${report.trace}: ${report.matched}/${report.ops} ops match`);
      for (const m of report.mismatches.slice(0, options.show ?? 3)) {
        write(`  op ${m.i} (${m.op}): ${m.detail}`);
      }
    }
  }
  return allMatched ? 0 : 1;
}
