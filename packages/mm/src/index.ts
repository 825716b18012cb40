export type { Errno, ErrnoResult } from './linux-abi.js';
export { errnoResult, isErrno, LEGACY_MAP_MASK, MADV, MAP, MREMAP, PROT } from './linux-abi.js';
export type { CountedFrameSource } from './machine-invariants.js';
export { checkMachineInvariants } from './machine-invariants.js';
export type { FileArea, MemoryFileOptions, MmFile } from './mm-file.js';
export { FILE_AREA, MemoryFile } from './mm-file.js';
export type { MmFrameSource, MmPhysicalMemory } from './mm-frames.js';
export type { MmLayout, Rlimits } from './mm-options.js';
export {
  computeMmapBase,
  DEFAULT_LAYOUT,
  DEFAULT_RLIMITS,
  DEFAULT_TASK_SIZE,
} from './mm-options.js';
export type { Fault, FaultCode, MmStructOptions, UserCopyOptions } from './mm-struct.js';
export { MmStruct } from './mm-struct.js';
export { PageCache } from './page-cache.js';
export { PageTablePteStore } from './page-table-pte-store.js';
export { mapsLine, renderMaps, vmaName } from './proc-maps.js';
export type { PteStore } from './pte-store.js';
export { MapPteStore, PTE_BITS, pteBits, pteEntry, ptePfn } from './pte-store.js';
export type { ReplayMismatch, ReplayOptions, ReplayReport } from './replay.js';
export { parseMapsLine, replayTrace, TraceReplayer } from './replay.js';
export type { SmapsCounters } from './smaps.js';
export { smapsOf, smapsRollup } from './smaps.js';
export type { U64Arg } from './u64-arg.js';
export { AnonVma, VmArea } from './vm-area.js';
export { VM, VM_ACCESS_FLAGS, VM_SPECIAL, vmFlagNames, vmFlagsFromProt } from './vm-flags.js';
export { VmaIndex } from './vma-index.js';
export type { Vmtrace, VmtraceEnd, VmtraceHeader, VmtraceOp } from './vmtrace.js';
export { hexArg, parseVmtrace, VmtraceFormatError } from './vmtrace.js';
