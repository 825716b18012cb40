import { readFileSync, realpathSync, statSync } from 'node:fs';
import {
  BitmapFrameAllocator,
  PhysicalMemory,
  RefCountedFrameAllocator,
} from '@vmem/frame-allocator';
import { computeMmapBase, MemoryFile, MmStruct, PageTablePteStore, renderMaps } from '@vmem/mm';
import { PageTable } from '@vmem/page-table-x86_64';
import { ElfFormatError } from './elf.js';
import { type ExecFile, type ExecResult, execElf } from './exec.js';
import { UsageError } from './load-trace.js';

/** `MM:mm` as /proc/PID/maps prints a device number (include/linux/kdev_t.h: new_decode_dev). */
export function formatDev(dev: number): string {
  const major = Math.floor(dev / 256) % 4096;
  const minor = (dev % 256) + Math.floor(dev / 2 ** 20) * 256;
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
}

/** An executable on disk as the loader needs it: bytes, real path, device and inode. */
export function openExecFile(path: string): ExecFile {
  if (typeof path !== 'string') throw new TypeError(`path must be a string, got ${typeof path}`);
  let real: string;
  let bytes: Uint8Array;
  let st: ReturnType<typeof statSync>;
  try {
    real = realpathSync(path);
    st = statSync(real);
    bytes = readFileSync(real);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  const file = new MemoryFile({
    path: real,
    dev: formatDev(Number(st.dev)),
    ino: Number(st.ino),
    size: bytes.length,
    readable: true,
    writable: false,
    fill: (pgoff, page) => page.set(bytes.subarray(pgoff * 4096, pgoff * 4096 + 4096)),
  });
  return { bytes, file };
}

export interface ExecCommandResult {
  mm: MmStruct;
  result: ExecResult;
}

/** Load `path` with `argv`/`envp` into a fresh machine (8 MiB stack limit, no randomization). */
export function execOnFreshMachine(
  path: string,
  argv: string[],
  envp: string[] = [],
): ExecCommandResult {
  const exe = openExecFile(path);
  const memory = new PhysicalMemory({ size: 2 ** 32 });
  const frames = new RefCountedFrameAllocator(new BitmapFrameAllocator({ frames: 2 ** 20 }));
  const pteStore = new PageTablePteStore(new PageTable({ memory, frames }));
  const taskSize = 0x7fff_ffff_f000;
  const mm = new MmStruct({
    frames,
    memory,
    pteStore,
    layout: {
      mmapBase: computeMmapBase(taskSize, 8 * 1024 * 1024, 0x10_0000),
      mmapMinAddr: 0x1_0000,
    },
  });
  try {
    const result = execElf(mm, exe, { argv, envp, filename: path, openInterpreter: openExecFile });
    return { mm, result };
  } catch (error) {
    if (error instanceof ElfFormatError)
      throw new UsageError(`${path}: not a loadable x86_64 ELF file: ${error.message}`);
    throw error;
  }
}

/** `vmm exec ELF [ARGS...]`: print the maps (or JSON) of the freshly exec'd address space. */
export function execCommand(
  path: string,
  args: string[],
  options: { json?: boolean; write?: (s: string) => void } = {},
): number {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { mm, result } = execOnFreshMachine(path, [path, ...args]);
  const maps = renderMaps(mm);
  if (options.json) {
    write(
      JSON.stringify({
        maps,
        entry: `0x${result.entry.toString(16)}`,
        sp: `0x${result.sp.toString(16)}`,
        startBrk: `0x${mm.startBrk.toString(16)}`,
        auxv: result.auxv.map(([k, v]) => [k, `0x${v.toString(16)}`]),
      }),
    );
  } else {
    for (const line of maps) write(line);
  }
  return 0;
}
