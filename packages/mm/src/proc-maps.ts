import type { MmStruct } from './mm-struct.js';
import type { VmArea } from './vm-area.js';
import { VM } from './vm-flags.js';

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}

/**
 * The name column of a maps line (fs/proc/task_mmu.c: get_vma_name): a special
 * mapping's name, a file's path (` (deleted)` once unlinked), `[heap]` for an
 * anonymous VMA overlapping [start_brk, brk), `[stack]` for the one holding start_stack.
 */
export function vmaName(mm: MmStruct, vma: VmArea): string {
  if (vma.special !== null) return vma.special;
  if (vma.file !== null) return vma.file.deleted ? `${vma.file.path} (deleted)` : vma.file.path;
  // include/linux/mm.h: vma_is_initial_heap, vma_is_initial_stack
  if (vma.start < mm.brk && vma.end > mm.startBrk) return '[heap]';
  const startStack = mm.layout.startStack;
  if (startStack !== 0 && vma.start <= startStack && vma.end >= startStack) return '[stack]';
  return '';
}

/**
 * One line of /proc/PID/maps in the canonical form of shared/conformance/FORMAT.md:
 * `start-end perms offset dev inode[ name]`, single spaces, no padding.
 */
export function mapsLine(mm: MmStruct, vma: VmArea): string {
  const f = vma.flags;
  const perms =
    (f & VM.READ ? 'r' : '-') +
    (f & VM.WRITE ? 'w' : '-') +
    (f & VM.EXEC ? 'x' : '-') +
    (f & VM.MAYSHARE ? 's' : 'p');
  const file = vma.file;
  const offset = file !== null ? hex(vma.pgoff * 4096, 8) : '00000000';
  const dev = file !== null ? file.dev : '00:00';
  const ino = file !== null ? file.ino : 0;
  const name = vmaName(mm, vma);
  const line = `${hex(vma.start, 8)}-${hex(vma.end, 8)} ${perms} ${offset} ${dev} ${ino}`;
  return name === '' ? line : `${line} ${name}`;
}

/** Every maps line of the address space, in address order. */
export function renderMaps(mm: MmStruct): string[] {
  const lines: string[] = [];
  for (const vma of mm.vmas) lines.push(mapsLine(mm, vma));
  return lines;
}
