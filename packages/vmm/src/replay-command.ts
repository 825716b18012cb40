import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  BitmapFrameAllocator,
  PhysicalMemory,
  RefCountedFrameAllocator,
} from '@vmem/frame-allocator';
import { PageTablePteStore, type ReplayOptions, type ReplayReport, replayTrace } from '@vmem/mm';
import { PageTable } from '@vmem/page-table-x86_64';
import cliProgress from 'cli-progress';
import { loadTrace, UsageError } from './load-trace.js';
import { saveState } from './saved-state.js';

export interface ReplayCommandOptions {
  json?: boolean;
  /** Print every op and its maps delta. */
  verbose?: boolean;
  /** Write the final state (VMAs and raw page-table frames) to this file (one trace only). */
  save?: string;
  /** Show a progress bar (default: stderr is a terminal). */
  progress?: boolean;
  /** Mismatches to explain per trace in text mode (JSON always carries up to 20). */
  show?: number;
  write?: (line: string) => void;
}

/** A fresh machine (4 GiB of RAM, real page tables) and a replay of one trace on it. */
export function replayFileOnFreshMachine(
  path: string,
  onOp?: ReplayOptions['onOp'],
  save?: string,
): ReplayReport {
  const trace = loadTrace(path);
  const memory = new PhysicalMemory({ size: 2 ** 32 });
  const frames = new RefCountedFrameAllocator(new BitmapFrameAllocator({ frames: 2 ** 20 }));
  const table = new PageTable({ memory, frames });
  const pteStore = new PageTablePteStore(table);
  const report = replayTrace(trace, basename(path), {
    frames,
    memory,
    pteStore,
    maxMismatches: 20,
    onOp,
  });
  if (save !== undefined) {
    const text = `${JSON.stringify(saveState(report.trace, report.mm, table, memory))}\n`;
    try {
      writeFileSync(save, text);
    } catch (error) {
      // A path that cannot be written (no such directory, a directory) is the user's
      // mistake, reported in one line like an unreadable trace.
      throw new UsageError(`${String(save)}: ${(error as Error).message}`);
    }
  }
  return report;
}

/**
 * `vmm replay FILE...`: one line per trace (`TRACE: N/M ops match` and the first
 * mismatches), or one JSON object per trace. Returns the exit code: 0 only when
 * every op of every trace matched.
 */
export function replayCommand(files: string[], options: ReplayCommandOptions = {}): number {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (options.save !== undefined && files.length !== 1)
    throw new UsageError('--save takes exactly one trace');
  let allMatched = true;
  for (const file of files) {
    const trace = options.progress ? loadTrace(file) : null;
    const bar = trace
      ? new cliProgress.SingleBar(
          { format: `${basename(file)} [{bar}] {value}/{total} ops`, stream: process.stderr },
          cliProgress.Presets.shades_classic,
        )
      : null;
    bar?.start(trace?.ops.length ?? 0, 0);
    const onOp: ReplayOptions['onOp'] = (op, index, matched, delta) => {
      bar?.update(index + 1);
      if (options.verbose) {
        const { maps: _maps, i, op: name, ...args } = op;
        write(`op ${i} ${name} ${JSON.stringify(args)} ${matched ? 'ok' : 'MISMATCH'}`);
        for (const line of delta.del) write(`  - ${line}`);
        for (const line of delta.add) write(`  + ${line}`);
      }
    };
    const report = replayFileOnFreshMachine(file, onOp, options.save);
    bar?.stop();
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
