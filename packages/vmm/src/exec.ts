// Loading an ELF executable into a fresh address space the way Linux's
// fs/binfmt_elf.c load_elf_binary does with address randomization off: the stack
// VMA (fs/exec.c setup_arg_pages), PT_LOAD segments with their protections and
// file offsets, bss by vm_brk_flags, the brk area, the PT_INTERP interpreter
// placed top-down from mmap_base, the vDSO's special mappings, and the initial
// stack with argv, envp and the auxiliary vector (create_elf_tables).
import {
  AnonVma,
  type ErrnoResult,
  isErrno,
  MAP,
  type MmFile,
  type MmStruct,
  PROT,
  VM,
  VmArea,
} from '@vmem/mm';
import { ElfFormatError, type ElfImage, ET, PF, PT, parseElf } from './elf.js';

const PAGE = 4096;
/** STACK_TOP with 4-level paging and no randomization (TASK_SIZE_LOW). */
const STACK_TOP = 0x7fff_ffff_f000;
/** x86_64 ELF_ET_DYN_BASE: DEFAULT_MAP_WINDOW / 3 * 2. */
const ELF_ET_DYN_BASE = Math.floor(0x7fff_ffff_f000 / 3) * 2;
/** setup_arg_pages: the stack is grown by 128 KiB below the argument pages. */
const STACK_EXPAND = 128 * 1024;

/** The auxiliary vector's keys (include/uapi/linux/auxvec.h). */
export const AT = {
  NULL: 0,
  PHDR: 3,
  PHENT: 4,
  PHNUM: 5,
  PAGESZ: 6,
  BASE: 7,
  FLAGS: 8,
  ENTRY: 9,
  UID: 11,
  EUID: 12,
  GID: 13,
  EGID: 14,
  PLATFORM: 15,
  HWCAP: 16,
  CLKTCK: 17,
  SECURE: 23,
  RANDOM: 25,
  HWCAP2: 26,
  RSEQ_FEATURE_SIZE: 27,
  RSEQ_ALIGN: 28,
  EXECFN: 31,
  SYSINFO_EHDR: 33,
  MINSIGSTKSZ: 51,
} as const;

/** An executable file: its bytes and the identity maps shows for it. */
export interface ExecFile {
  bytes: Uint8Array;
  file: MmFile;
}

export interface ExecOptions {
  argv: string[];
  envp?: string[];
  /** The path passed to execve (AT_EXECFN); defaults to the executable's path. */
  filename?: string;
  /** Resolve the PT_INTERP path (the CLI reads it from disk). */
  openInterpreter?: (path: string) => ExecFile;
  /** The 16 AT_RANDOM bytes (default: zeros, so runs are reproducible). */
  random?: Uint8Array;
  uid?: number;
  gid?: number;
  /** AT_HWCAP / AT_HWCAP2 values (default: what a generic x86_64 CPU reports). */
  hwcap?: number;
  hwcap2?: number;
  /** AT_MINSIGSTKSZ (default 3632, an AVX-512 signal frame is larger). */
  minSigStkSz?: number;
}

export interface ExecResult {
  /** Where the first instruction runs: the interpreter's entry, or the program's. */
  entry: number;
  /** The initial stack pointer (points at argc). */
  sp: number;
  /** The program's own entry (AT_ENTRY). */
  programEntry: number;
  /** The interpreter's load address (AT_BASE), 0 without one. */
  interpBase: number;
  /** The auxiliary vector, in the order the kernel wrote it. */
  auxv: Array<[number, number]>;
  /** Address of the vDSO ELF image (AT_SYSINFO_EHDR). */
  vdso: number;
}

/** Thrown when the loader cannot build the address space (the message says why). */
export class ExecError extends Error {
  override name = 'ExecError';
}

function must<T>(what: string, value: T): Exclude<T, ErrnoResult> {
  if (isErrno(value)) throw new ExecError(`${what}: ${value.errno}`);
  return value as Exclude<T, ErrnoResult>;
}

function protOf(flags: number): number {
  return (
    (flags & PF.R ? PROT.READ : 0) |
    (flags & PF.W ? PROT.WRITE : 0) |
    (flags & PF.X ? PROT.EXEC : 0)
  );
}

const pageStart = (v: number): number => Math.floor(v / PAGE) * PAGE;
const pageAlign = (v: number): number => Math.ceil(v / PAGE) * PAGE;
const pageOffset = (v: number): number => v - pageStart(v);

/** binfmt_elf.c: total_mapping_size — from the first PT_LOAD's page to the end of the last. */
function totalMappingSize(image: ElfImage): number {
  const loads = image.phdrs.filter((p) => p.type === PT.LOAD);
  const first = loads[0];
  const last = loads[loads.length - 1];
  return last.vaddr + last.memsz - pageStart(first.vaddr);
}

/** binfmt_elf.c: maximum_alignment — the largest power-of-two p_align, at least a page. */
function maximumAlignment(image: ElfImage): number {
  let alignment = 0;
  for (const p of image.phdrs) {
    if (p.type !== PT.LOAD) continue;
    if (p.align > 0 && 2 ** Math.round(Math.log2(p.align)) === p.align)
      alignment = Math.max(alignment, p.align);
  }
  return pageAlign(alignment);
}

/** binfmt_elf.c: elf_load — map a segment (the first with the whole image's size) and its bss. */
function elfLoad(
  mm: MmStruct,
  exe: ExecFile,
  addr: number,
  ph: { vaddr: number; offset: number; filesz: number; memsz: number; flags: number },
  flags: number,
  totalSize: number,
): number {
  const prot = protOf(ph.flags);
  let mapAddr: number;
  let zeroStart: number;
  let zeroEnd: number;
  if (ph.filesz > 0) {
    // elf_map
    const size = pageAlign(ph.filesz + pageOffset(ph.vaddr));
    const off = ph.offset - pageOffset(ph.vaddr);
    const start = pageStart(addr);
    if (totalSize > 0) {
      const total = pageAlign(totalSize);
      mapAddr = must('mmap', mm.mmap(start, total, prot, flags, exe.file, off));
      if (total > size) must('munmap', mm.munmap(mapAddr + size, total - size));
    } else {
      mapAddr = must('mmap', mm.mmap(start, size, prot, flags, exe.file, off));
    }
    zeroStart = mapAddr + pageOffset(ph.vaddr) + ph.filesz;
    zeroEnd = mapAddr + pageOffset(ph.vaddr) + ph.memsz;
    if (ph.memsz > ph.filesz && prot & PROT.WRITE) {
      // padzero: clear the rest of the last file page.
      const tail = pageAlign(zeroStart) - zeroStart;
      if (tail > 0 && mm.clearUser(zeroStart, tail) !== 0) throw new ExecError('padzero: EFAULT');
    }
  } else {
    mapAddr = zeroStart = pageStart(addr);
    zeroEnd = zeroStart + pageOffset(ph.vaddr) + ph.memsz;
  }
  if (ph.memsz > ph.filesz) {
    // vm_brk_flags: anonymous pages for the rest of the bss.
    const s = pageAlign(zeroStart);
    const e = pageAlign(zeroEnd);
    if (e > s) {
      const vmFlags =
        VM.READ |
        VM.WRITE |
        VM.MAYREAD |
        VM.MAYWRITE |
        VM.MAYEXEC |
        VM.ACCOUNT |
        (prot & PROT.EXEC ? VM.EXEC : 0);
      const vma = new VmArea(s, e, s / PAGE, null, vmFlags);
      mm.insertVma(vma);
    }
  }
  return mapAddr;
}

/** Load `image`'s segments at `loadBias`; returns the highest end (elf_brk) and the phdr address. */
function loadSegments(mm: MmStruct, exe: ExecFile, image: ElfImage, hasInterp: boolean) {
  let loadBias = 0;
  let first = true;
  let elfBrk = 0;
  let phdrAddr = 0;
  let totalSize = image.type === ET.DYN ? totalMappingSize(image) : 0;
  for (const ph of image.phdrs) {
    if (ph.type !== PT.LOAD) continue;
    let flags: number = MAP.PRIVATE;
    if (!first) {
      flags |= MAP.FIXED;
    } else if (image.type === ET.EXEC) {
      flags |= MAP.FIXED_NOREPLACE;
    } else {
      const alignment = maximumAlignment(image);
      if (hasInterp || alignment > PAGE) {
        loadBias = ELF_ET_DYN_BASE;
        if (alignment > 0) loadBias -= loadBias % alignment;
        flags |= MAP.FIXED_NOREPLACE;
      }
      loadBias = pageStart(loadBias - ph.vaddr);
    }
    const mapAddr = elfLoad(mm, exe, loadBias + ph.vaddr, ph, flags, totalSize);
    totalSize = 0;
    if (first && image.type === ET.DYN && !(flags & MAP.FIXED_NOREPLACE)) {
      // A loader placed by the mmap search: its bias follows from where it landed.
      loadBias = mapAddr - pageStart(ph.vaddr);
    }
    first = false;
    if (ph.offset <= image.phoff && image.phoff < ph.offset + ph.filesz) {
      phdrAddr = image.phoff - ph.offset + ph.vaddr;
    }
    elfBrk = Math.max(elfBrk, ph.vaddr + ph.memsz);
  }
  return { loadBias, elfBrk: elfBrk + loadBias, phdrAddr: phdrAddr + loadBias };
}

/** binfmt_elf.c: load_elf_interp — placed top-down (hint 0), then the rest MAP_FIXED. */
function loadInterpreter(mm: MmStruct, interp: ExecFile, image: ElfImage): number {
  let totalSize = totalMappingSize(image);
  let loadAddr = 0;
  let loadAddrSet = false;
  for (const ph of image.phdrs) {
    if (ph.type !== PT.LOAD) continue;
    let flags: number = MAP.PRIVATE;
    if (image.type === ET.EXEC || loadAddrSet) flags |= MAP.FIXED;
    else if (image.type === ET.DYN) loadAddr = -ph.vaddr;
    const mapAddr = elfLoad(mm, interp, loadAddr + ph.vaddr, ph, flags, totalSize);
    totalSize = 0;
    if (!loadAddrSet && image.type === ET.DYN) {
      loadAddr = mapAddr - pageStart(ph.vaddr);
      loadAddrSet = true;
    }
  }
  return loadAddr;
}

/** arch/x86/entry/vdso/vma.c: map_vdso — [vvar] (4 pages), [vvar_vclock] (2), [vdso] (2). */
function mapVdso(mm: MmStruct): number {
  const vvarPages = 4;
  const vclockPages = 2;
  const vdsoPages = 2;
  const size = (vvarPages + vclockPages + vdsoPages) * PAGE;
  const base = must('vdso placement', mm.findUnmappedArea(size));
  const special = VM.DONTEXPAND | VM.DONTDUMP | VM.MAYREAD;
  let at = base;
  mm.insertVma(
    new VmArea(
      at,
      at + vvarPages * PAGE,
      0,
      null,
      VM.READ | special | VM.IO | VM.PFNMAP,
      null,
      '[vvar]',
    ),
  );
  at += vvarPages * PAGE;
  mm.insertVma(
    new VmArea(
      at,
      at + vclockPages * PAGE,
      0,
      null,
      VM.READ | special | VM.IO | VM.PFNMAP,
      null,
      '[vvar_vclock]',
    ),
  );
  at += vclockPages * PAGE;
  mm.insertVma(
    new VmArea(
      at,
      at + vdsoPages * PAGE,
      0,
      null,
      VM.READ | VM.EXEC | VM.MAYWRITE | VM.MAYEXEC | special,
      null,
      '[vdso]',
    ),
  );
  return at;
}

const encoder = new TextEncoder();
function cString(s: string): Uint8Array {
  const bytes = encoder.encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

function u64le(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view.setUint32(i * 8, v % 2 ** 32, true);
    view.setUint32(i * 8 + 4, Math.floor(v / 2 ** 32), true);
  });
  return out;
}

/**
 * execve an ELF file into `mm` (a fresh address space whose layout already has
 * mmap_base for its stack limit). Returns the entry point, stack pointer and
 * auxiliary vector; the address space then looks like /proc/PID/maps at the
 * program's first instruction.
 */
export function execElf(mm: MmStruct, exe: ExecFile, options: ExecOptions): ExecResult {
  if (mm.mapCount !== 0) throw new ExecError('exec needs an empty address space');
  const image = parseElf(exe.bytes);
  const argv = options.argv;
  const envp = options.envp ?? [];
  const filename = options.filename ?? exe.file.path;

  // fs/exec.c: the argument pages, then setup_arg_pages' 128 KiB below them.
  const strings = [cString(filename), ...envp.map(cString), ...argv.map(cString)];
  let stringBytes = 8;
  for (const s of strings) stringBytes += s.length;
  const argPages = Math.max(1, Math.ceil(stringBytes / PAGE));
  const rlimStack = mm.rlimits.stack;
  let stackStart = STACK_TOP - argPages * PAGE - STACK_EXPAND;
  if (argPages * PAGE + STACK_EXPAND > rlimStack) stackStart = STACK_TOP - pageStart(rlimStack);
  const stackFlags =
    VM.READ |
    VM.WRITE |
    VM.MAYREAD |
    VM.MAYWRITE |
    VM.MAYEXEC |
    VM.GROWSDOWN |
    VM.ACCOUNT |
    (image.execStack ? VM.EXEC : 0);
  mm.insertVma(
    new VmArea(stackStart, STACK_TOP, stackStart / PAGE, null, stackFlags, new AnonVma()),
  );

  // The program's segments, bss and brk.
  const interp = image.interp !== null ? options.openInterpreter?.(image.interp) : undefined;
  if (image.interp !== null && interp === undefined) {
    throw new ExecError(`needs the interpreter ${image.interp}, which could not be opened`);
  }
  const prog = loadSegments(mm, exe, image, interp !== undefined);
  mm.setBrkArea(pageAlign(prog.elfBrk));

  let interpBase = 0;
  let entry = image.entry + prog.loadBias;
  if (interp !== undefined) {
    const interpImage = parseElf(interp.bytes);
    if (interpImage.interp !== null)
      throw new ElfFormatError('the interpreter itself asks for an interpreter');
    interpBase = loadInterpreter(mm, interp, interpImage);
    entry = interpImage.entry + interpBase;
  }
  const vdso = mapVdso(mm);

  // fs/binfmt_elf.c: create_elf_tables. Strings first, from the top down.
  let p = STACK_TOP - 8;
  const place = (bytes: Uint8Array): number => {
    p -= bytes.length;
    if (mm.copyToUser(p, bytes) !== 0) throw new ExecError('could not write the initial stack');
    return p;
  };
  const execfn = place(strings[0]);
  const envAddrs = new Array<number>(envp.length).fill(0);
  for (let i = envp.length - 1; i >= 0; i--) envAddrs[i] = place(strings[1 + i]);
  const argAddrs = new Array<number>(argv.length).fill(0);
  for (let i = argv.length - 1; i >= 0; i--) argAddrs[i] = place(strings[1 + envp.length + i]);
  p -= p % 16; // arch_align_stack without randomization
  const platform = place(cString('x86_64'));
  const random = place(options.random ?? new Uint8Array(16));
  const uid = options.uid ?? 0;
  const gid = options.gid ?? 0;
  const auxv: Array<[number, number]> = [
    [AT.SYSINFO_EHDR, vdso],
    [AT.MINSIGSTKSZ, options.minSigStkSz ?? 3632],
    [AT.HWCAP, options.hwcap ?? 0x178bfbff],
    [AT.PAGESZ, PAGE],
    [AT.CLKTCK, 100],
    [AT.PHDR, prog.phdrAddr],
    [AT.PHENT, 56],
    [AT.PHNUM, image.phnum],
    [AT.BASE, interpBase],
    [AT.FLAGS, 0],
    [AT.ENTRY, image.entry + prog.loadBias],
    [AT.UID, uid],
    [AT.EUID, uid],
    [AT.GID, gid],
    [AT.EGID, gid],
    [AT.SECURE, 0],
    [AT.RANDOM, random],
    [AT.HWCAP2, options.hwcap2 ?? 0x2],
    [AT.EXECFN, execfn],
    [AT.PLATFORM, platform],
    [AT.RSEQ_FEATURE_SIZE, 32],
    [AT.RSEQ_ALIGN, 32],
    [AT.NULL, 0],
  ];
  const words = [argv.length, ...argAddrs, 0, ...envAddrs, 0, ...auxv.flat()];
  // STACK_ROUND: the final sp is 16-byte aligned.
  let sp = p - words.length * 8;
  sp -= sp % 16;
  if (mm.copyToUser(sp, u64le(words)) !== 0)
    throw new ExecError('could not write the initial stack');
  mm.layout.startStack = sp;
  return { entry, sp, programEntry: image.entry + prog.loadBias, interpBase, auxv, vdso };
}
