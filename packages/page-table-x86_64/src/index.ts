export { Access, checkAccess, isValidAccess } from './access.js';
export type { PagingControl, PagingRightsView } from './access-rights.js';
export {
  accessErrorBits,
  accessFaultCode,
  DEFAULT_CONTROL,
  PagingRights,
  pkeyDeniedKeys,
  pkruAccessDisable,
  pkruWriteDisable,
  Rights,
} from './access-rights.js';
export {
  entryAddress,
  flagsOf4K,
  flagsOfHuge,
  flagsOfLeaf,
  leafHi,
  leafLo,
  leafLo4K,
  leafLoHuge,
  tableHi,
  tableLo,
} from './entry-codec.js';
export {
  canonicalFromLinear,
  formatCanonical,
  formatCanonicalRange,
  isCanonical,
  isUpperHalf,
  linearFromCanonical,
  linearFromHalves,
} from './linear-address.js';
export type { PageTableFrameSource, PageTableMemory } from './memory.js';
export type {
  CloneOptions,
  DestroyOptions,
  FlagChange,
  MapRegionOptions,
  PageTableOptions,
  RangeOptions,
  UnmapRegionOptions,
} from './page-table.js';
export { PageTable, PageTableOutOfMemoryError } from './page-table.js';
export type { PageWalkerOptions } from './page-walker.js';
export { PageWalker, WalkInfo, WalkStatus } from './page-walker.js';
export type { PagingLevels } from './paging-mode.js';
export {
  ENTRIES_PER_TABLE,
  LEVEL_NAMES,
  LEVEL_SPAN,
  tableIndex,
  vaBitsFor,
} from './paging-mode.js';
export {
  checkFlags,
  describeFlags,
  ENTRY_HUGE_PAT,
  ENTRY_PS,
  PTE,
  PTE_MEMORY_TYPE_MASK,
  PTE_SOFTWARE_MASK,
  pkeyFlags,
  pkeyOf,
  TABLE_ENTRY_FLAGS,
} from './pte-flags.js';
export type {
  AlreadyMapped,
  HugePageConflict,
  Leaf,
  LeafCallback,
  LeafTransform,
  MapResult,
  NotMapped,
  Ok,
  OutOfMemory,
} from './results.js';
export {
  ALREADY_MAPPED,
  HUGE_PAGE_CONFLICT,
  NOT_MAPPED,
  newLeaf,
  OK,
  OUT_OF_MEMORY,
} from './results.js';
export type { GeneralProtection, StaleReport, TlbOptions } from './tlb.js';
export { StaleReason, Tlb } from './tlb.js';
export {
  describeTranslateResult,
  isPageFault,
  PageFaultCode,
  pageFaultErrorCode,
  pageFaultResult,
  TRANSLATE_GP,
} from './translate-result.js';
