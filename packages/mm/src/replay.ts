import { isErrno } from './linux-abi.js';
import { type ParsedLine, parseMapsLine } from './maps-line.js';
import {
  FILE_AREA,
  type FileArea,
  fileArea,
  fileHugePageSize,
  MemoryFile,
  type MmFile,
} from './mm-file.js';
import type { MmFrameSource, MmPhysicalMemory } from './mm-frames.js';
import { computeMmapBase } from './mm-options.js';
import { type Fault, MmStruct } from './mm-struct.js';
import { renderMaps } from './proc-maps.js';
import type { PteStore } from './pte-store.js';
import { AnonVma, VmArea } from './vm-area.js';
import { VM, VM_SPECIAL } from './vm-flags.js';
import { hexArg, hexNumber, rlimitValue, type Vmtrace, type VmtraceOp } from './vmtrace.js';

/** One operation whose outcome differs from the kernel's. */
export interface ReplayMismatch {
  i: number;
  op: string;
  /** What differed and how: expected vs got. */
  detail: string;
}

export interface ReplayReport {
  trace: string;
  ops: number;
  matched: number;
  mismatches: ReplayMismatch[];
  /** The final maps equal the trace's end record. */
  endMapsMatch: boolean;
  /** The simulated address space after the last op (for dumps). */
  mm: MmStruct;
}

export interface ReplayOptions {
  frames: MmFrameSource;
  memory: MmPhysicalMemory;
  pteStore?: PteStore;
  /** Keep at most this many mismatches in the report (all are counted). Default 20. */
  maxMismatches?: number;
  /** Called after each op (progress bars, verbose output). */
  onOp?: (
    op: VmtraceOp,
    index: number,
    matched: boolean,
    delta: { del: string[]; add: string[] },
    mm: MmStruct,
  ) => void;
}

export { parseMapsLine };

const SPECIAL_NAMES = new Set(['[vdso]', '[vvar]', '[vvar_vclock]', '[vsyscall]']);

/** Replays a vmtrace on a fresh MmStruct and compares every outcome with the kernel's. */
export class TraceReplayer {
  readonly trace: Vmtrace;
  readonly mm: MmStruct;
  private readonly files = new Map<string, MemoryFile>();
  private readonly fids = new Map<number, MemoryFile>();
  /**
   * Identities (`dev ino`) of the kernel's internal files, picked at run time:
   * `/dev/zero (deleted)` on 00:01 and `/anon_hugepage (deleted)` on a
   * hugetlbfs mount: trace's ↔ simulator's.
   */
  private readonly internalTraceToSim = new Map<string, string>();
  private readonly internalSimToTrace = new Map<string, string>();
  private maps: string[];

  constructor(trace: Vmtrace, options: ReplayOptions) {
    this.trace = trace;
    const h = trace.header;
    const taskSize = hexNumber(h.task_size);
    const rlimits = {
      stack: rlimitValue(h.rlimits.stack),
      data: rlimitValue(h.rlimits.data),
      as: rlimitValue(h.rlimits.as),
      memlock: rlimitValue(h.rlimits.memlock),
    };
    const stackLine = h.maps.map(parseMapsLine).find((l) => l.name === '[stack]');
    const privileged = h.uid === undefined || h.uid === 0;
    // TASK_UNMAPPED_BASE without randomization.
    const legacyBase = Math.ceil(Math.floor(taskSize / 3) / 4096) * 4096;
    const topdownBase = computeMmapBase(taskSize, rlimits.stack, hexNumber(h.stack_guard_gap));
    const mmapBase = h.mmap_base ? hexNumber(h.mmap_base) : topdownBase;
    this.mm = new MmStruct({
      frames: options.frames,
      memory: options.memory,
      pteStore: options.pteStore,
      rlimits,
      layout: {
        taskSize,
        mmapBase,
        mmapLegacyBase: legacyBase,
        // The recorder writes TASK_UNMAPPED_BASE as mmap_base for a process in
        // the legacy layout (ADDR_COMPAT_LAYOUT), where the top-down base the
        // stack limit gives would be elsewhere.
        topdown: mmapBase !== legacyBase || mmapBase === topdownBase,
        mmapMinAddr: hexNumber(h.mmap_min_addr),
        // The header gives the sysctl only; lsmMmapMinAddr keeps the default
        // CONFIG_LSM_MMAP_MIN_ADDR (65536) of the recording kernels.
        stackGuardGap: hexNumber(h.stack_guard_gap),
        startBrk: hexNumber(h.start_brk),
        brk: hexNumber(h.brk),
        startStack: stackLine ? stackLine.end - 8 : 0,
        overcommitMemory: (h.overcommit_memory ?? 0) as 0 | 1 | 2,
        // __vm_enough_memory's OVERCOMMIT_GUESS bound, when the header gives it.
        commitGuessPages:
          h.mem_total === undefined
            ? Number.POSITIVE_INFINITY
            : Math.floor(
                (hexNumber(h.mem_total) +
                  (h.swap_total === undefined ? 0 : hexNumber(h.swap_total))) /
                  4096,
              ),
        capSysRawio: privileged,
        capIpcLock: privileged,
      },
    });
    for (const f of h.files ?? []) {
      const file = this.fileFor(
        f.path,
        f.dev,
        f.ino,
        hexNumber(f.size),
        f.open !== 'O_RDONLY',
        f.fid,
      );
      if (f.fid !== undefined) this.fids.set(f.fid, file);
    }
    let prev: VmArea | null = null;
    for (const line of h.maps) {
      const vma = this.vmaFromLine(parseMapsLine(line), true);
      if (vma === null) continue;
      if (prev !== null && looksMergeable(prev, vma)) {
        // Linux left these apart, so they differ in something maps does not show.
        // For a private file mapping that is RELRO (written, then made read-only:
        // VM_ACCOUNT); otherwise their anonymous memory (different anon_vmas).
        if (vma.file !== null && !(vma.flags & VM.MAYSHARE)) vma.flags |= VM.ACCOUNT;
        else vma.anonVma = new AnonVma();
        if (prev.anonVma === null && vma.file === null) prev.anonVma = new AnonVma();
      }
      this.mm.insertVma(vma);
      prev = vma;
    }
    this.maps = renderMaps(this.mm);
  }

  /** The file with this identity, created on first sight. Fuzz files get their defined content. */
  private fileFor(
    path: string,
    dev: string,
    ino: number,
    size: number,
    writable: boolean,
    fid?: number,
  ): MemoryFile {
    const key = `${dev} ${ino}`;
    let file = this.files.get(key);
    if (file === undefined) {
      const fill =
        fid === undefined
          ? undefined
          : (pgoff: number, page: Uint8Array): void => {
              // FORMAT.md: the word at offset o holds (0xF1 + fid) << 56 | o.
              const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
              for (let o = 0; o < 4096; o += 8) {
                const off = pgoff * 4096 + o;
                view.setUint32(o, off % 2 ** 32, true);
                view.setUint32(
                  o + 4,
                  (Math.floor(off / 2 ** 32) & 0xffffff) | ((0xf1 + fid) << 24),
                  true,
                );
              }
            };
      file = new MemoryFile({ path, dev, ino, size, writable, fill, area: areaOf(path, dev) });
      this.files.set(key, file);
    }
    return file;
  }

  /** A VMA for a maps line of the initial state (or a sync delta). */
  private vmaFromLine(l: ParsedLine, initial: boolean): VmArea | null {
    if (l.name === '[vsyscall]') return null;
    let flags = VM.MAYREAD | VM.MAYWRITE | VM.MAYEXEC;
    if (l.perms[0] === 'r') flags |= VM.READ;
    if (l.perms[1] === 'w') flags |= VM.WRITE;
    if (l.perms[2] === 'x') flags |= VM.EXEC;
    if (l.perms[3] === 's') flags |= VM.MAYSHARE | (l.perms[1] === 'w' ? VM.SHARED : 0);
    let file: MmFile | null = null;
    let special: string | null = null;
    const anonymous = l.dev === '00:00' && l.ino === 0;
    if (SPECIAL_NAMES.has(l.name)) {
      special = l.name;
      // arch/x86/entry/vdso/vma.c: the vDSO text may be written by ptrace and
      // made executable (VM_MAYWRITE|VM_MAYEXEC); the [vvar] pages are raw PFNs
      // that may only be read (VM_MAYREAD, VM_IO|VM_PFNMAP|VM_DONTDUMP), so
      // mprotect to writable is EACCES and madvise(DONTNEED/DOFORK) EINVAL there.
      flags |= VM.DONTEXPAND;
      if (l.name !== '[vdso]') {
        flags &= ~(VM.MAYWRITE | VM.MAYEXEC);
        flags |= VM.IO | VM.PFNMAP | VM.DONTDUMP;
      }
    } else if (!anonymous) {
      const deleted = l.name.endsWith(' (deleted)');
      const path = deleted ? l.name.slice(0, -' (deleted)'.length) : l.name;
      file = this.fileFor(path, l.dev, l.ino, Number.MAX_SAFE_INTEGER, true);
      if (deleted) (file as MemoryFile).unlink();
    }
    if (l.name === '[stack]') flags |= VM.GROWSDOWN;
    // An anonymous MAP_HUGETLB mapping: what hugetlbfs_file_mmap and do_mmap
    // gave it; with an empty huge page pool only MAP_NORESERVE makes one.
    const hugetlb = file !== null && fileHugePageSize(file) !== 0;
    if (hugetlb) flags |= VM.HUGETLB | VM.DONTEXPAND | VM.NORESERVE;
    if (special === null && !hugetlb && flags & VM.WRITE && !(flags & VM.MAYSHARE))
      flags |= VM.ACCOUNT;
    const pgoff = file !== null ? l.offset / 4096 : l.start / 4096;
    // Writable private memory of a running program has almost always been touched.
    const anonVma =
      initial && special === null && !hugetlb && flags & VM.WRITE && !(flags & VM.MAYSHARE)
        ? new AnonVma()
        : null;
    return new VmArea(l.start, l.end, pgoff, file, flags, anonVma, special);
  }

  /**
   * Translate the identities of the trace's internal files (isInternalFile) to
   * the simulator's, binding a new one to the simulator's file at the same
   * range (FORMAT.md: compare them as identities).
   */
  private bindShm(expected: string[], got: string[]): string[] {
    const gotInternal = new Map<string, string>();
    for (const line of got) {
      const l = parseMapsLine(line);
      if (isInternalFile(l)) gotInternal.set(`${l.start}-${l.end} ${l.name}`, `${l.dev} ${l.ino}`);
    }
    return expected.map((line) => {
      const l = parseMapsLine(line);
      if (!isInternalFile(l)) return line;
      const id = `${l.dev} ${l.ino}`;
      let sim = this.internalTraceToSim.get(id);
      if (sim === undefined) {
        const candidate = gotInternal.get(`${l.start}-${l.end} ${l.name}`);
        if (candidate !== undefined && !this.internalSimToTrace.has(candidate)) {
          sim = candidate;
          this.internalTraceToSim.set(id, sim);
          this.internalSimToTrace.set(sim, id);
        }
      }
      if (sim === undefined) return line;
      return line.replace(` ${id} `, ` ${sim} `);
    });
  }

  /** Run one op; returns a mismatch description or null. */
  step(op: VmtraceOp): { mismatch: string | null; delta: { del: string[]; add: string[] } } {
    let problem: string | null = null;
    try {
      problem = this.execute(op);
    } catch (error) {
      problem = `threw ${(error as Error).message}`;
    }
    const prev = this.maps;
    const after = renderMaps(this.mm);
    const before = new Set(prev);
    const afterSet = new Set(after);
    const delta = {
      del: prev.filter((l) => !afterSet.has(l)),
      add: after.filter((l) => !before.has(l)),
    };
    this.maps = after;
    const expDel = this.bindShm(op.maps?.del ?? [], prev);
    const expAdd = this.bindShm(op.maps?.add ?? [], after);
    if (!sameLines(expDel, delta.del) || !sameLines(expAdd, delta.add)) {
      const d = `maps delta: expected -[${expDel.join(', ')}] +[${expAdd.join(', ')}], got -[${delta.del.join(', ')}] +[${delta.add.join(', ')}]`;
      problem = problem === null ? d : `${problem}; ${d}`;
      this.resync(prev, expDel, expAdd, after);
    }
    return { mismatch: problem, delta };
  }

  /**
   * After an op whose maps delta differs from the kernel's, brings the areas
   * back to the kernel's maps after that op (its maps before the op, which
   * were ours, with its delta applied), the way a sync delta is applied: the
   * ops after a mismatch are then judged from the kernel's state, so that one
   * wrong rule counts the ops it gets wrong, not every op that follows. What
   * maps does not show (anon_vma, VM_LOCKED, ...) is rebuilt as for a sync;
   * the pages of the areas redrawn are released.
   */
  private resync(prev: string[], expDel: string[], expAdd: string[], after: string[]): void {
    const gone = new Set(expDel);
    const want = prev.filter((l) => !gone.has(l)).concat(expAdd);
    const wantSet = new Set(want);
    const afterSet = new Set(after);
    const del = after.filter((l) => !wantSet.has(l));
    try {
      // The pages of the areas redrawn go: they may lie outside the kernel's
      // areas or have more access than the redrawn ones allow.
      for (const line of del) {
        const l = parseMapsLine(line);
        this.mm.dropPages(l.start, l.end);
      }
      this.applySync({ del, add: want.filter((l) => !afterSet.has(l)) });
    } catch {
      // Left as far as it got: the next ops show what still differs.
    }
    this.maps = renderMaps(this.mm);
  }

  private execute(op: VmtraceOp): string | null {
    const mm = this.mm;
    if (Array.isArray(op.anon)) this.markAnon(op.anon as string[]);
    if (op.rlimits) {
      const r = op.rlimits as Record<string, string>;
      for (const key of ['stack', 'data', 'as', 'memlock'] as const)
        if (r[key]) mm.rlimits[key] = rlimitValue(r[key]);
    }
    switch (op.op) {
      case 'mmap': {
        const fd = op.fd as number;
        let file: MmFile | null = null;
        const f = op.file as
          | { path: string; dev: string; ino: number; size: string; fid?: number; open?: string }
          | undefined;
        if (f) {
          file = f.fid !== undefined ? (this.fids.get(f.fid) ?? null) : null;
          file ??= this.fileFor(
            f.path,
            f.dev,
            f.ino,
            hexNumber(f.size),
            f.open !== 'O_RDONLY',
            f.fid,
          );
        } else if (fd >= 0 && !((op.flags as number) & 0x20)) {
          file = null; // a bad descriptor
        }
        const r = mm.mmap(
          hexArg(op.addr),
          hexArg(op.len),
          protArg(op.prot as number | string),
          op.flags as number,
          file,
          hexArg(op.off),
        );
        return compareResult(op, isErrno(r) ? r.errno : r);
      }
      case 'munmap': {
        const r = mm.munmap(hexArg(op.addr), hexArg(op.len));
        return compareResult(op, isErrno(r) ? r.errno : r);
      }
      case 'mprotect':
      case 'pkey_mprotect': {
        const r = mm.mprotect(
          hexArg(op.addr),
          hexArg(op.len),
          protArg(op.prot as number | string),
          op.op === 'pkey_mprotect' ? (op.pkey as number) : -1,
        );
        return compareResult(op, isErrno(r) ? r.errno : r);
      }
      case 'mremap': {
        const r = mm.mremap(
          hexArg(op.old_addr),
          hexArg(op.old_len),
          hexArg(op.new_len),
          op.flags as number,
          hexArg(op.new_addr ?? '0x0'),
        );
        return compareResult(op, isErrno(r) ? r.errno : r);
      }
      case 'madvise': {
        const r = mm.madvise(hexArg(op.addr), hexArg(op.len), op.advice as number);
        return compareResult(op, isErrno(r) ? r.errno : r);
      }
      case 'brk': {
        const r = mm.sysBrk(hexArg(op.addr));
        return compareResult(op, r);
      }
      case 'read': {
        const r = mm.read(hexArg(op.addr), (op.size as number) ?? 8);
        const fault = op.fault as Fault | undefined;
        if (typeof r === 'bigint') {
          if (fault)
            return `read: expected ${fault.signal} ${fault.code}, got value 0x${r.toString(16)}`;
          const expected = BigInt(op.value as string);
          return expected === r
            ? null
            : `read: expected 0x${expected.toString(16)}, got 0x${r.toString(16)}`;
        }
        if (!fault) return `read: expected value ${op.value}, got ${r.signal} ${r.code}`;
        return fault.code === r.code && fault.signal === r.signal
          ? null
          : `read: expected ${fault.signal} ${fault.code}, got ${r.signal} ${r.code}`;
      }
      case 'write': {
        const r = mm.write(hexArg(op.addr), BigInt(op.value as string), (op.size as number) ?? 8);
        const fault = op.fault as Fault | undefined;
        if (r === null)
          return fault ? `write: expected ${fault.signal} ${fault.code}, got ok` : null;
        if (!fault) return `write: expected ok, got ${r.signal} ${r.code}`;
        return fault.code === r.code && fault.signal === r.signal
          ? null
          : `write: expected ${fault.signal} ${fault.code}, got ${r.signal} ${r.code}`;
      }
      case 'truncate': {
        const file = this.fids.get(op.fid as number);
        if (file === undefined) return `truncate: unknown fid ${op.fid}`;
        const r = mm.truncateFile(file, hexArg(op.size));
        return compareResult(op, isErrno(r) ? r.errno : r);
      }
      case 'sync':
        this.applySync(op.maps ?? { del: [], add: [] });
        return null;
      default:
        return `${op.op}: not implemented`;
    }
  }

  /** `anon`: these VMAs had anonymous pages, so they have an anon_vma. */
  private markAnon(starts: string[]): void {
    for (const s of starts) {
      const vma = this.mm.vmas.findContaining(hexNumber(s));
      if (vma !== undefined && vma.anonVma === null) this.mm.prepareAnonVma(vma);
    }
  }

  /** Apply a delta the kernel made outside any traced call (stack growth, unlink...). */
  private applySync(delta: { del: string[]; add: string[] }): void {
    const removed: VmArea[] = [];
    for (const line of delta.del) {
      const l = parseMapsLine(line);
      const vma = this.mm.vmas.findContaining(l.start);
      if (vma !== undefined && vma.start === l.start && vma.end === l.end) {
        this.mm.removeVma(vma);
        removed.push(vma);
      }
    }
    // Their bounds and attributes before any of them is reused below.
    const parents = removed.map((v) => ({
      start: v.start,
      end: v.end,
      flags: v.flags,
      pgoff: v.pgoff,
      anonVma: v.anonVma,
    }));
    for (const line of delta.add) {
      const l = parseMapsLine(line);
      const reuse = removed.find((v) => v.end === l.end || v.start === l.start);
      const fresh = this.vmaFromLine(l, false);
      if (fresh === null) continue;
      if (reuse !== undefined) {
        this.mm.vmas.setBounds(reuse, l.start, l.end);
        reuse.flags = fresh.flags | (reuse.flags & ~(VM.READ | VM.WRITE | VM.EXEC));
        if (reuse.file === null) reuse.pgoff = fresh.pgoff;
        removed.splice(removed.indexOf(reuse), 1);
        this.mm.insertVma(reuse);
      } else {
        // A piece of a VMA the kernel split outside a traced call (mlock,
        // munlock): like split_vma, it keeps that VMA's anon_vma (its pages
        // are anonymous) and the flags maps does not show.
        const parent = parents.find((p) => p.start <= l.start && l.end <= p.end);
        if (parent !== undefined && fresh.special === null) {
          fresh.flags |= parent.flags & ~(VM.READ | VM.WRITE | VM.EXEC);
          if (fresh.file === null) fresh.pgoff = parent.pgoff + (l.start - parent.start) / 4096;
          fresh.anonVma = parent.anonVma;
        }
        this.mm.insertVma(fresh);
      }
    }
  }

  /** The final maps equal the end record. */
  endMapsMatch(): boolean {
    if (this.trace.end === null) return false;
    return sameLines(
      this.bindShm(this.trace.end.maps, this.maps),
      this.maps
        .filter((l) => !l.includes('[vsyscall]'))
        .concat(this.trace.end.maps.filter((l) => l.includes('[vsyscall]'))),
    );
  }
}

/**
 * How mmap places a traced file, guessed from its name (a trace does not say
 * which filesystem a file is on): /dev/zero is the character device, /dev/shm
 * is tmpfs (POSIX shared memory), 00:01 is the kernel's internal shmem mount
 * (memfd, shared anonymous memory); pipes, sockets, procfs files and the
 * character devices without mmap cannot be mapped; anything else is taken
 * for ext4.
 */
function areaOf(path: string, dev: string): FileArea {
  if (path === '/dev/zero') return FILE_AREA.ZERO;
  // The internal file of an anonymous MAP_HUGETLB mapping; the hstate is not
  // in the line (each has its own device number): taken for 2 MiB.
  if (path === '/anon_hugepage') return FILE_AREA.HUGETLB_2M;
  if (NO_MMAP.test(path)) return FILE_AREA.NONE;
  if (path === '/secretmem (deleted)') return FILE_AREA.SECRETMEM;
  if (path.startsWith('/dev/shm/')) return FILE_AREA.SHMEM;
  return fileArea({ dev });
}

/**
 * A maps line of a file the kernel creates internally, whose inode number
 * (and, for hugetlbfs, device number) it picks at run time.
 */
function isInternalFile(l: ParsedLine): boolean {
  return l.dev === '00:01' || l.name === '/anon_hugepage (deleted)';
}

/** Names readlink gives for open files whose file_operations have no mmap (ENODEV). */
const NO_MMAP =
  /^(?:(?:pipe|socket):\[\d+\]|\/proc\/.*|\/dev\/(?:null|full|random|urandom|tty\w*|console|ptmx|kmsg|pts\/\d+))$/;

/** Two adjacent VMAs that merge rules would join (same flags, file, contiguous pgoff, shared anon). */
function looksMergeable(a: VmArea, b: VmArea): boolean {
  return (
    a.end === b.start &&
    a.special === null &&
    b.special === null &&
    !(a.flags & VM_SPECIAL) &&
    a.flags === b.flags &&
    a.file === b.file &&
    a.pgoff + a.pages === b.pgoff &&
    (a.anonVma === b.anonVma || a.anonVma === null || b.anonVma === null)
  );
}

function sameLines(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((line, i) => line === sb[i]);
}

function compareResult(op: VmtraceOp, got: number | string): string | null {
  if (op.err !== undefined) {
    return got === op.err
      ? null
      : `${op.op}: expected ${op.err}, got ${typeof got === 'number' ? `0x${got.toString(16)}` : got}`;
  }
  const expected = typeof op.ret === 'string' ? hexArg(op.ret) : op.ret;
  if (typeof got === 'number' && got === Number(expected)) return null;
  return `${op.op}: expected ${typeof expected === 'number' ? `0x${expected.toString(16)}` : String(expected)}, got ${typeof got === 'number' ? `0x${got.toString(16)}` : got}`;
}

/** Replay a whole trace. */
export function replayTrace(trace: Vmtrace, name: string, options: ReplayOptions): ReplayReport {
  const replayer = new TraceReplayer(trace, options);
  const max = options.maxMismatches ?? 20;
  const mismatches: ReplayMismatch[] = [];
  let matched = 0;
  trace.ops.forEach((op, index) => {
    const { mismatch, delta } = replayer.step(op);
    if (mismatch === null) matched++;
    else if (mismatches.length < max) mismatches.push({ i: op.i, op: op.op, detail: mismatch });
    options.onOp?.(op, index, mismatch === null, delta, replayer.mm);
  });
  return {
    trace: name,
    ops: trace.ops.length,
    matched,
    mismatches,
    endMapsMatch: replayer.endMapsMatch(),
    mm: replayer.mm,
  };
}

/**
 * A prot as the recorder wrote it: a number, or a hex string when the program passed
 * a value above 32 bits (prot is an unsigned long in mmap(2) and mprotect(2); traces
 * mx-mprot-0 and mx-mmap-s0-1 have -1). Bits 30 to 63 are all invalid to
 * arch_validate_prot and fail at the same point in mprotect, and do_mmap ignores
 * them all, so they fold into bit 30; the PROT_GROWS* bits below stay as they are.
 */
function protArg(prot: number | string): number {
  if (typeof prot === 'number') return prot;
  const v = BigInt(prot);
  return Number(v & 0x3fffffffn) | (v >> 30n !== 0n ? 0x40000000 : 0);
}
