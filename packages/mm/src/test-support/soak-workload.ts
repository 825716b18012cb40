// The soak workload (issue #6): a seeded random mix of every address-space
// operation over several processes of one machine, with fork and exit, checking
// every address space's and the machine's invariants at intervals, and at the end
// that every frame came back. Shared by soak/soak.ts (1,000,000 operations, with
// heap measurements) and src/soak.test.ts (the CI version). No Node APIs.
import {
  BitmapFrameAllocator,
  OUT_OF_MEMORY,
  type OutOfMemory,
  PhysicalMemory,
  RefCountedFrameAllocator,
} from '@vmem/frame-allocator';
import { PageTable } from '@vmem/page-table-x86_64';
import { isErrno, MADV, MAP, MREMAP, PROT } from '../linux-abi.js';
import { checkMachineInvariants } from '../machine-invariants.js';
import { MemoryFile } from '../mm-file.js';
import { MmStruct } from '../mm-struct.js';
import { PageCache } from '../page-cache.js';
import { PageTablePteStore } from '../page-table-pte-store.js';

const P = 4096;
/** Process windows: one below 4 GiB + 1 MiB, one across the 1 TiB boundary (two PML4 slots). */
const WINDOWS = [
  { base: 2 ** 32, pages: 256 },
  { base: 2 ** 40 - 128 * P, pages: 256 },
] as const;
const START_BRK = 0x5555_5555_0000;
const BRK_PAGES = 64;
const FILE_PAGES = 48;

/**
 * Frames the page cache may still hold once every process has exited: the named
 * files' pages (a truncation leaves at most FILE_PAGES + 1) and the zero page.
 * Shared anonymous memory must be gone with its last mapping.
 */
export const SOAK_MAX_CACHED_AT_END: number = 3 * (FILE_PAGES + 1) + 1;

export interface SoakOptions {
  ops: number;
  seed: number;
  /** Check invariants every this many operations (default 1000). */
  checkEvery?: number;
  /** Most processes alive at once (default 6). */
  maxProcesses?: number;
  /**
   * Share of operations run with only 0-5 more frames to be had (default 0.03):
   * they must complete or fail whole, as the exhaustion sweeps check one by one.
   */
  shortOfMemory?: number;
  /** Called after each invariant check. */
  onCheck?: (progress: SoakProgress) => void;
}

/** Where a run stands at an invariant check. */
export interface SoakProgress {
  done: number;
  processes: number;
  /** Frames allocated, and how many of them the page cache holds (the zero page included). */
  usedFrames: number;
  cachedFrames: number;
  /** Files with pages in the page cache (shared anonymous memory is one each). */
  cachedFiles: number;
}

export interface SoakReport {
  ops: number;
  seed: number;
  /** Invariant checks run (each over every address space and the machine). */
  checks: number;
  /** Operations by kind. */
  counts: Record<string, number>;
  /** Operations run short of memory. */
  starved: number;
  /** Calls that answered an errno, and accesses that faulted. */
  errnos: number;
  faults: number;
  forks: number;
  exits: number;
  peakProcesses: number;
  peakFrames: number;
  /** Frames the page cache held once every process had exited. */
  cachedAtEnd: number;
  /** Frames still allocated after every process exited and the page cache was dropped. */
  leakedFrames: number;
}

/** The machine's frames, with a cap the workload sets now and then to run an operation short of memory. */
class CappedFrames extends RefCountedFrameAllocator {
  cap = Number.POSITIVE_INFINITY;
  override allocate(): number | OutOfMemory {
    return this.usedFrames >= this.cap ? OUT_OF_MEMORY : super.allocate();
  }
}

/** A small fast PRNG (mulberry32): the same seed gives the same workload. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPS = [
  ['mmap', 140],
  ['munmap', 90],
  ['mprotect', 90],
  ['mremap', 60],
  ['madvise', 60],
  ['brk', 30],
  ['write', 220],
  ['read', 160],
  ['copy', 40],
  ['fork', 20],
  ['exit', 15],
  ['truncate', 15],
] as const;
type OpName = (typeof OPS)[number][0];
const OP_TABLE: OpName[] = OPS.flatMap(([name, weight]) => Array<OpName>(weight).fill(name));

const ADVICE = [
  MADV.DONTNEED,
  MADV.DONTNEED,
  MADV.REMOVE,
  MADV.WIPEONFORK,
  MADV.KEEPONFORK,
  MADV.DONTFORK,
  MADV.DOFORK,
  MADV.GUARD_INSTALL,
  MADV.GUARD_REMOVE,
  MADV.POPULATE_READ,
  MADV.POPULATE_WRITE,
  MADV.FREE,
  MADV.NORMAL,
  MADV.SEQUENTIAL,
] as const;
const PROTS = [
  PROT.READ | PROT.WRITE,
  PROT.READ | PROT.WRITE,
  PROT.READ | PROT.WRITE,
  PROT.READ,
  PROT.NONE,
  PROT.READ | PROT.EXEC,
  PROT.WRITE,
] as const;

/** Run the workload; throws (with the operation number and seed) when an invariant breaks. */
export function runSoak(options: SoakOptions): SoakReport {
  const { ops, seed } = options;
  if (!Number.isSafeInteger(ops) || ops < 0)
    throw new RangeError(`ops must be a non-negative integer, got ${ops}`);
  const checkEvery = options.checkEvery ?? 1000;
  const maxProcesses = options.maxProcesses ?? 6;
  const shortOfMemory = options.shortOfMemory ?? 0.03;
  const random = prng(seed);
  const int = (n: number): number => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];

  const frameCount = 1 << 17;
  const frames = new CappedFrames(new BitmapFrameAllocator({ frames: frameCount }));
  const memory = new PhysicalMemory({ size: frameCount * P });
  const pageCache = new PageCache(frames, memory);
  const files = [0, 1, 2].map(
    (i) =>
      new MemoryFile({
        path: `/soak/file${i}`,
        ino: 100 + i,
        size: (16 + 16 * i) * P,
        fill: (pgoff, page) => page.fill((i * 64 + pgoff) & 0xff),
      }),
  );
  const spawn = (): MmStruct =>
    new MmStruct({
      frames,
      memory,
      pageCache,
      layout: { startBrk: START_BRK, brk: START_BRK },
      pteStore: new PageTablePteStore(new PageTable({ memory, frames })),
    });
  const procs: MmStruct[] = [spawn()];
  const counts: Record<string, number> = {};
  const report: SoakReport = {
    ops,
    seed,
    checks: 0,
    counts,
    starved: 0,
    errnos: 0,
    faults: 0,
    forks: 0,
    exits: 0,
    peakProcesses: 1,
    peakFrames: 0,
    cachedAtEnd: 0,
    leakedFrames: 0,
  };

  const pageIn = (): number => {
    const w = pick(WINDOWS);
    return w.base + int(w.pages) * P;
  };
  /** An address to access: mostly inside a mapping (a random VMA), else anywhere in a window. */
  const target = (mm: MmStruct): number => {
    if (random() < 0.6 && mm.mapCount > 0) {
      const vmas = mm.vmas.toArray();
      const vma = vmas[int(vmas.length)];
      return vma.start + int((vma.end - vma.start) / P) * P;
    }
    return random() < 0.15 ? START_BRK + int(BRK_PAGES) * P : pageIn();
  };
  const length = (): number => (1 + (random() < 0.8 ? int(8) : int(48))) * P;
  /** A random range: half the time exactly an existing VMA (so mappings outside the windows go too). */
  const range = (mm: MmStruct): [number, number] => {
    if (random() < 0.5 && mm.mapCount > 0) {
      const vmas = mm.vmas.toArray();
      const vma = vmas[int(vmas.length)];
      return [vma.start, vma.end - vma.start];
    }
    return [pageIn(), length()];
  };
  const answered = (r: unknown): void => {
    if (isErrno(r)) report.errnos++;
  };
  const accessed = (r: unknown): void => {
    if (r !== null && typeof r === 'object') report.faults++;
  };

  const check = (done: number): void => {
    try {
      for (const mm of procs) mm.checkInvariants();
      checkMachineInvariants(procs, frames, pageCache);
    } catch (error) {
      throw new Error(`soak seed ${seed}: invariant broken after op ${done}: ${String(error)}`, {
        cause: error,
      });
    }
    report.checks++;
    if (options.onCheck !== undefined) {
      const cachedFiles = new Set<unknown>();
      pageCache.forEachPage((file) => cachedFiles.add(file));
      options.onCheck({
        done,
        processes: procs.length,
        usedFrames: frames.usedFrames,
        cachedFrames: pageCache.size + (pageCache.zeroPagePfn >= 0 ? 1 : 0),
        cachedFiles: cachedFiles.size,
      });
    }
  };

  for (let done = 0; done < ops; ) {
    const mm = procs[int(procs.length)];
    const op = pick(OP_TABLE);
    counts[op] = (counts[op] ?? 0) + 1;
    if (random() < shortOfMemory) {
      frames.cap = frames.usedFrames + int(6);
      report.starved++;
    }
    switch (op) {
      case 'mmap': {
        const kind = int(20);
        const file = kind < 9 ? null : pick(files);
        const type =
          kind < 6 ? MAP.PRIVATE : kind < 9 ? MAP.SHARED : kind < 15 ? MAP.PRIVATE : MAP.SHARED;
        let flags = type | (file === null ? MAP.ANONYMOUS : 0);
        const fixed = random() < 0.8;
        if (fixed) flags |= random() < 0.1 ? MAP.FIXED_NOREPLACE : MAP.FIXED;
        if (random() < 0.1) flags |= MAP.POPULATE;
        if (random() < 0.03) flags |= MAP.LOCKED;
        const off = file === null ? 0 : int(FILE_PAGES / 2) * P;
        answered(mm.mmap(fixed ? pageIn() : 0, length(), pick(PROTS), flags, file, off));
        break;
      }
      case 'munmap': {
        const [a, len] = range(mm);
        answered(mm.munmap(a, len));
        break;
      }
      case 'mprotect': {
        const [a, len] = range(mm);
        answered(mm.mprotect(a, len, pick(PROTS)));
        break;
      }
      case 'mremap': {
        const [a, len] = range(mm);
        const kind = int(4);
        if (kind === 0) answered(mm.mremap(a, len, Math.max(P, len - length()), 0));
        else if (kind === 1) answered(mm.mremap(a, len, len + length(), MREMAP.MAYMOVE));
        else if (kind === 2)
          answered(mm.mremap(a, len, length(), MREMAP.MAYMOVE | MREMAP.FIXED, pageIn()));
        else answered(mm.mremap(a, len, len, MREMAP.MAYMOVE | MREMAP.DONTUNMAP, pageIn()));
        break;
      }
      case 'madvise': {
        const [a, len] = range(mm);
        answered(mm.madvise(a, len, pick(ADVICE)));
        break;
      }
      case 'brk':
        mm.sysBrk(START_BRK + int(BRK_PAGES * P));
        break;
      case 'write': {
        const at = target(mm) + int(P / 8) * 8;
        const value = BigInt(done + 1) * 0x1_0001n + BigInt(seed & 0xffff);
        const r = mm.write(at, value);
        accessed(r);
        // A write that went through reads back at once.
        if (r === null && mm.read(at) !== value) {
          throw new Error(
            `soak seed ${seed}: op ${done}: wrote ${value} at ${at.toString(16)}, read ${mm.read(at)}`,
          );
        }
        break;
      }
      case 'read':
        accessed(mm.read(target(mm) + int(P / 8) * 8));
        break;
      case 'copy': {
        const va = target(mm) + int(P);
        const buf = new Uint8Array(1 + int(3 * P));
        const kind = int(3);
        if (kind === 0) mm.copyToUser(va, buf.fill(done & 0xff));
        else if (kind === 1) mm.copyFromUser(va, buf);
        else mm.clearUser(va, buf.length);
        break;
      }
      case 'fork': {
        if (procs.length >= maxProcesses) break;
        const child = mm.fork();
        if (child instanceof MmStruct) {
          procs.push(child);
          report.forks++;
        } else {
          report.errnos++;
        }
        break;
      }
      case 'exit': {
        mm.destroy();
        procs.splice(procs.indexOf(mm), 1);
        report.exits++;
        // Keep the machine busy: a fresh process when the last one left.
        if (procs.length === 0) procs.push(spawn());
        break;
      }
      case 'truncate':
        answered(
          mm.truncateFile(pick(files), int(FILE_PAGES + 1) * P + (random() < 0.3 ? int(P) : 0)),
        );
        break;
    }
    frames.cap = Number.POSITIVE_INFINITY;
    done++;
    if (procs.length > report.peakProcesses) report.peakProcesses = procs.length;
    if (frames.usedFrames > report.peakFrames) report.peakFrames = frames.usedFrames;
    if (done % checkEvery === 0 || done === ops) check(done);
  }

  for (const mm of procs.splice(0)) mm.destroy();
  checkMachineInvariants([], frames, pageCache);
  report.cachedAtEnd = frames.usedFrames;
  pageCache.clear();
  report.leakedFrames = frames.usedFrames;
  return report;
}
