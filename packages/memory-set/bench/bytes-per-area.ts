// Bytes per area (JS heap and ArrayBuffers) at 65,000 areas (the vma-churn-65000 layout). Run from
// the repo root:
//   node --expose-gc --conditions=source --import tsx packages/memory-set/bench/bytes-per-area.ts
// Figures are for Node's default 64-bit heap without pointer compression
// (8-byte fields, 16-byte HeapNumber boxes for doubles); a pointer-compressed
// V8 (Chrome) needs about half.
import {
  AreaNode,
  AreaTree,
  type MappingBackend,
  MemoryArea,
  MemorySet,
  OK,
  type Result,
} from '../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('run with node --expose-gc');
  process.exit(1);
}

const COUNT = 65_000;
const PAGE = 4096;
const W = 0x1_0000_0000;

// The tree keeps its nodes in typed arrays, whose memory is outside the JS
// heap (ArrayBuffer backing stores): both are counted.
function usedAfterGc(): { heap: number; buffers: number } {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

function measure(name: string, build: () => unknown): void {
  const before = usedAfterGc();
  const keep = build();
  const after = usedAfterGc();
  const heap = (after.heap - before.heap) / COUNT;
  const buffers = (after.buffers - before.buffers) / COUNT;
  console.log(
    `bytes-per-area ${name} ${(heap + buffers).toFixed(1)} (heap ${heap.toFixed(1)}, buffers ${buffers.toFixed(1)})`,
  );
  if (keep === undefined) throw new Error('nothing built');
}

// A stateless backend: the per-area cost of MemorySet itself.
const nullBackend: MappingBackend<number> = {
  map: (): Result => OK,
  unmap: (): Result => OK,
  protect: (): Result => OK,
};

// What mm's area might look like: Linux vm_area_struct's main fields.
// Plain (emitted) fields: they start as undefined, so V8 keeps them tagged and
// small integers (flags, pgoff below 2^31) sit inline without a box.
class VmAreaLike extends AreaNode {
  flags: number;
  pgoff: number;
  file: object | null;
  anonVma: object | null;
  vmOps: object | null;
  privateData: unknown;
  constructor(start: number, end: number, flags: number, pgoff: number) {
    super(start, end);
    this.flags = flags;
    this.pgoff = pgoff;
    this.file = null;
    this.anonVma = null;
    this.vmOps = null;
    this.privateData = null;
  }
}

measure('AreaNode-in-AreaTree', () => {
  const tree = new AreaTree();
  for (let k = 0; k < COUNT; k++) {
    const s = W + k * 16 * PAGE;
    tree.insert(new AreaNode(s, s + (1 + (k % 8)) * PAGE));
  }
  return tree;
});

measure('MemoryArea-in-MemorySet', () => {
  const set = new MemorySet<number, MappingBackend<number>>();
  for (let k = 0; k < COUNT; k++) {
    const s = W + k * 16 * PAGE;
    set.map(new MemoryArea(s, s + (1 + (k % 8)) * PAGE, k % 2 === 0 ? 3 : 1, nullBackend));
  }
  return set;
});

measure('VmArea-like-in-AreaTree', () => {
  const tree = new AreaTree<VmAreaLike>();
  const anon = {};
  for (let k = 0; k < COUNT; k++) {
    const s = W + k * 16 * PAGE;
    const a = new VmAreaLike(s, s + (1 + (k % 8)) * PAGE, 0x100073, s / PAGE);
    a.anonVma = anon;
    tree.insert(a);
  }
  return tree;
});
