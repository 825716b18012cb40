// Small hand-made vmtrace/1 ptrace traces for tests of the replayer's rules.
import { PhysicalMemory } from '@vmem/frame-allocator';
import { TraceReplayer } from '../replay.js';
import { parseVmtrace } from '../vmtrace.js';
import { newMm } from './drawing.js';

/** A ptrace trace header with x86_64 defaults, these initial `maps` and `extra` fields. */
export function ptraceHeader(
  maps: string[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> & { maps: string[] } {
  return {
    vmtrace: 1,
    source: 'ptrace',
    task_size: '0x7ffffffff000',
    mmap_min_addr: '0x10000',
    stack_guard_gap: '0x100000',
    start_brk: '0x555555559000',
    brk: '0x555555559000',
    rlimits: { stack: '0x800000', data: 'inf', as: 'inf', memlock: '0x800000' },
    ...extra,
    maps,
  };
}

/** A replayer of `header` then `ops`; the end record's maps are `end` (default the initial ones). */
export function replayerFor(
  header: { maps: string[] },
  ops: object[],
  end: string[] = header.maps,
): TraceReplayer {
  const text = [header, ...ops, { end: true, ops: ops.length, maps: end }]
    .map((o) => JSON.stringify(o))
    .join('\n');
  const { frames } = newMm();
  return new TraceReplayer(parseVmtrace(text), {
    frames,
    memory: new PhysicalMemory({ size: 2 ** 26 }),
  });
}
