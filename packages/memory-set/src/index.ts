export { AreaNode } from './area-node.js';
export type { AreaTreeOptions } from './area-tree.js';
export { AreaGap, AreaTree, DEFAULT_TREE_HIGH } from './area-tree.js';
export type { BackendCall, InMemoryBackendOptions } from './in-memory-backend.js';
export { InMemoryBackend } from './in-memory-backend.js';
export type { MappingBackend } from './mapping-backend.js';
export { MemoryArea } from './memory-area.js';
export type {
  FlagsUpdate,
  FreeAreaOptions,
  GuardGap,
  MapOptions,
  MemorySetOptions,
} from './memory-set.js';
export { MemorySet } from './memory-set.js';
export type { PageTableBackendOptions, RegionPageTable } from './page-table-backend.js';
export { PageTableBackend } from './page-table-backend.js';
export type { Failure, Ok, Result } from './result.js';
export { failure, OK } from './result.js';
