import { fileURLToPath } from 'node:url';
import {
  BitmapFrameAllocator,
  PhysicalMemory,
  RefCountedFrameAllocator,
} from '@vmem/frame-allocator';
import { PageTablePteStore, renderMaps, replayTrace, smapsRollup, VM } from '@vmem/mm';
import { PageTable } from '@vmem/page-table-x86_64';
import cliProgress from 'cli-progress';
import { addressSpacePicture } from './address-space-picture.js';
import { loadTrace } from './load-trace.js';
import { pageTableStats } from './page-table-stats.js';

/** The trace `vmm demo` replays when given none: python3 building lists, recorded on Linux 6.18. */
export const BUNDLED_TRACE: string = fileURLToPath(
  new URL('../data/python3-lists.jsonl.gz', import.meta.url),
);

export interface DemoOptions {
  trace?: string;
  json?: boolean;
  /** Colour and a progress bar (default: when stdout is a terminal and NO_COLOR is unset). */
  tty?: boolean;
  write?: (line: string) => void;
}

const kib = (bytes: number): string => `${(bytes / 1024).toLocaleString('en-US')} KiB`;

/**
 * `vmm demo`: replay a real program's kernel trace on a fresh machine with real
 * page tables and show what came out of it.
 */
export function demoCommand(options: DemoOptions = {}): number {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const tty = options.tty ?? (process.stdout.isTTY === true && !process.env.NO_COLOR);
  const path = options.trace ?? BUNDLED_TRACE;
  const trace = loadTrace(path);
  const memory = new PhysicalMemory({ size: 2 ** 32 });
  const frames = new RefCountedFrameAllocator(new BitmapFrameAllocator({ frames: 2 ** 20 }));
  const table = new PageTable({ memory, frames });
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: 'replaying [{bar}] {value}/{total} ops', hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(trace.ops.length, 0);
  const started = performance.now();
  const report = replayTrace(trace, path, {
    frames,
    memory,
    pteStore: new PageTablePteStore(table),
    onOp: (_op, index) => bar?.update(index + 1),
  });
  const ms = performance.now() - started;
  bar?.stop();
  const mm = report.mm;
  // A trace records system calls, not loads and stores. To show the page table at
  // work, touch the first page of every accessible mapping the way a running
  // program would: a read, and a write where the mapping is writable.
  let touched = 0;
  for (const vma of mm.vmas.toArray()) {
    if (vma.special !== null || !(vma.flags & (VM.READ | VM.WRITE | VM.EXEC))) continue;
    const fault =
      vma.flags & VM.WRITE && !(vma.flags & VM.SHARED)
        ? mm.write(vma.start, 1n, 1)
        : mm.read(vma.start, 1);
    if (fault === null || typeof fault === 'bigint') touched++;
  }
  const pt = pageTableStats(table, memory);
  const smaps = smapsRollup(mm);
  if (options.json) {
    write(
      JSON.stringify({
        trace: report.trace,
        program: trace.header.program,
        ops: report.ops,
        matched: report.matched,
        milliseconds: Math.round(ms),
        touchedMappings: touched,
        maps: renderMaps(mm),
        pageTable: {
          ...pt,
          framesInUse: frames.usedFrames,
          tableFrames: table.tableCount,
          pageCacheFrames: mm.pageCache.size,
        },
        smaps,
      }),
    );
    return report.matched === report.ops ? 0 : 1;
  }
  const bold = (s: string): string => (tty ? `\x1b[1m${s}\x1b[0m` : s);
  write(bold(`vmm demo: ${trace.header.program} (traced on Linux ${trace.header.kernel})`));
  write(
    `${report.matched}/${report.ops} operations gave the same answer and the same maps as Linux, in ${ms.toFixed(0)} ms`,
  );
  write('');
  write(bold('/proc/PID/maps after the last operation'));
  for (const line of renderMaps(mm)) write(`  ${line}`);
  write('');
  write(bold('The address space'));
  for (const line of addressSpacePicture(mm, { color: tty })) write(`  ${line}`);
  write('');
  write(
    bold(
      `Page table (CR3 = 0x${table.cr3().toString(16)}), after touching one page of ${touched} mappings`,
    ),
  );
  const names =
    table.levels === 5 ? ['PML5', 'PML4', 'PDPT', 'PD', 'PT'] : ['PML4', 'PDPT', 'PD', 'PT'];
  write(`  tables: ${names.map((n, i) => `${n} ${pt.tables[i]}`).join(', ')}`);
  write(`  leaves: 4K ${pt.leaves4k}, 2M ${pt.leaves2m}, 1G ${pt.leaves1g}`);
  write(
    `  frames in use: ${frames.usedFrames} (page tables ${table.tableCount}, page cache ${mm.pageCache.size}, the rest anonymous)`,
  );
  write('');
  write(bold('smaps totals'));
  write(
    `  Size ${kib(smaps.size)}, Rss ${kib(smaps.rss)}, Anonymous ${kib(smaps.anonymous)}, File ${kib(smaps.file)}, Shared ${kib(smaps.shared)}, Private ${kib(smaps.private)}`,
  );
  for (const m of report.mismatches.slice(0, 3))
    write(`  mismatch at op ${m.i} (${m.op}): ${m.detail}`);
  return report.matched === report.ops ? 0 : 1;
}
