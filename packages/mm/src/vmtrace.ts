// vmtrace/1 (shared/conformance/FORMAT.md): traces recorded from a real Linux
// kernel. Parsing only; decompression is the caller's (the CLI uses node:zlib).

import { parseMapsLine } from './maps-line.js';

export interface VmtraceFile {
  fid?: number;
  path: string;
  dev: string;
  ino: number;
  size: string;
  open?: 'O_RDWR' | 'O_RDONLY';
}

export interface VmtraceHeader {
  vmtrace: 1;
  source: 'fuzz' | 'ptrace';
  program: string;
  kernel: string;
  page_size: number;
  task_size: string;
  mmap_base: string;
  mmap_min_addr: string;
  stack_guard_gap: string;
  start_brk: string;
  brk: string;
  rlimits: Record<'stack' | 'data' | 'as' | 'memlock', string>;
  overcommit_memory: number;
  uid?: number;
  files?: VmtraceFile[];
  maps: string[];
  argv?: string[];
  threads?: boolean;
  thp?: string;
  /** Optional: /proc/meminfo MemTotal and SwapTotal in bytes (hex), for the OVERCOMMIT_GUESS limit. */
  mem_total?: string;
  swap_total?: string;
}

export interface VmtraceFault {
  signal: 'SIGSEGV' | 'SIGBUS';
  code: string;
}

/** One operation line; fields as the format names them. */
export interface VmtraceOp {
  i: number;
  op: string;
  ret?: string | number;
  err?: string;
  maps?: { del: string[]; add: string[] };
  [field: string]: unknown;
}

export interface VmtraceEnd {
  end: true;
  ops: number;
  maps: string[];
}

export interface Vmtrace {
  header: VmtraceHeader;
  ops: VmtraceOp[];
  end: VmtraceEnd | null;
}

/** Thrown for text that is not a vmtrace/1 trace. */
export class VmtraceFormatError extends Error {
  override name = 'VmtraceFormatError';
}

/**
 * Parse the text of a vmtrace/1 file (JSON Lines). VmtraceFormatError for text that
 * is not a trace: besides JSON objects with `op`/`i`, every maps line (header,
 * deltas, end) must be canonical and `rlimits` an object, so that a replay never
 * meets a malformed structure (bad hex values are refused when they are used).
 */
export function parseVmtrace(text: string): Vmtrace {
  if (typeof text !== 'string') throw new TypeError(`text must be a string, got ${typeof text}`);
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) throw new VmtraceFormatError('empty trace');
  const parse = (line: string, n: number): Record<string, unknown> => {
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new Error('not an object');
      return value as Record<string, unknown>;
    } catch (error) {
      throw new VmtraceFormatError(`line ${n}: not a JSON object (${(error as Error).message})`);
    }
  };
  const header = parse(lines[0], 1);
  if (header.vmtrace !== 1) throw new VmtraceFormatError('line 1: not a vmtrace/1 header');
  if (!Array.isArray(header.maps)) throw new VmtraceFormatError('line 1: header has no maps');
  checkMapsLines(header.maps, 1);
  if (typeof header.rlimits !== 'object' || header.rlimits === null) {
    throw new VmtraceFormatError('line 1: header has no rlimits object');
  }
  if (
    header.files !== undefined &&
    (!Array.isArray(header.files) ||
      !header.files.every((f) => typeof f === 'object' && f !== null && !Array.isArray(f)))
  ) {
    throw new VmtraceFormatError('line 1: header files must be an array of objects');
  }
  const ops: VmtraceOp[] = [];
  let end: VmtraceEnd | null = null;
  for (let n = 1; n < lines.length; n++) {
    const obj = parse(lines[n], n + 1);
    if (obj.end === true) {
      checkMapsLines(obj.maps, n + 1);
      end = obj as unknown as VmtraceEnd;
      break;
    }
    if (typeof obj.op !== 'string' || typeof obj.i !== 'number') {
      throw new VmtraceFormatError(`line ${n + 1}: operation without op/i`);
    }
    if (obj.maps !== undefined) {
      const delta = obj.maps as { del?: unknown; add?: unknown } | null;
      if (typeof delta !== 'object' || delta === null) {
        throw new VmtraceFormatError(`line ${n + 1}: maps must be { del, add }`);
      }
      checkMapsLines(delta.del ?? [], n + 1);
      checkMapsLines(delta.add ?? [], n + 1);
    }
    ops.push(obj as VmtraceOp);
  }
  return { header: header as unknown as VmtraceHeader, ops, end };
}

/** Throws VmtraceFormatError unless `lines` is an array of canonical maps lines. */
function checkMapsLines(lines: unknown, n: number): void {
  if (!Array.isArray(lines)) throw new VmtraceFormatError(`line ${n}: maps must be an array`);
  for (const line of lines) {
    try {
      parseMapsLine(line);
    } catch (error) {
      throw new VmtraceFormatError(`line ${n}: ${(error as Error).message}`);
    }
  }
}

/** A hex string of the format as a number when exact, else a bigint. */
export function hexArg(value: unknown): number | bigint {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]+$/.test(value)) {
    throw new VmtraceFormatError(`expected a hex string, got ${JSON.stringify(value)}`);
  }
  const big = BigInt(value);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** A hex string known to be small (addresses of the trace's own mappings). */
export function hexNumber(value: unknown): number {
  const v = hexArg(value);
  if (typeof v === 'bigint') throw new VmtraceFormatError(`value ${String(value)} is past 2^53`);
  return v;
}

/** A rlimit value: hex bytes or "inf". */
export function rlimitValue(value: string): number {
  return value === 'inf' ? Number.POSITIVE_INFINITY : hexNumber(value);
}
