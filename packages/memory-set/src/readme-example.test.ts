// The README's examples, run as tests (keep both in sync).
import { expect, test } from 'vitest';
import { AreaGap, AreaNode, AreaTree, InMemoryBackend, MemoryArea, MemorySet } from './index.js';

test('README: MemorySet example', () => {
  const log: string[] = [];
  const console = { log: (...args: unknown[]) => log.push(args.join(' ')) };
  // --- README example 1 ---
  const R = 1;
  const RW = 3;
  const backend = new InMemoryBackend<number>();
  const set = new MemorySet<number, InMemoryBackend<number>>({ merge: true });

  set.map(new MemoryArea(0x10000, 0x18000, RW, backend)); // 8 pages
  set.protect(0x12000, 0x2000, R); // splits into RW | R | RW
  set.unmap(0x16000, 0x1000); // trims a hole into the last piece
  const r = set.map(new MemoryArea(0x11000, 0x12000, R, backend)); // overlaps
  console.log(r.ok ? 'mapped' : r.errno); // EEXIST

  for (const a of set) console.log(a.start.toString(16), a.end.toString(16), a.flags);
  // 10000 12000 3 / 12000 14000 1 / 14000 16000 3 / 17000 18000 3

  const top = set.findFreeArea({ length: 0x4000, topDown: true, high: 0x40000 });
  console.log(top?.toString(16)); // 3c000
  // --- end ---
  expect(log).toEqual([
    'EEXIST',
    '10000 12000 3',
    '12000 14000 1',
    '14000 16000 3',
    '17000 18000 3',
    '3c000',
  ]);
  expect(backend.flagsAt(0x12000)).toBe(R);
  expect(backend.flagsAt(0x16000)).toBeUndefined();
});

test('README: AreaTree example', () => {
  const log: string[] = [];
  const console = { log: (...args: unknown[]) => log.push(args.join(' ')) };
  // --- README example 2 ---
  class Vma extends AreaNode {
    flags: number;
    constructor(start: number, end: number, flags: number) {
      super(start, end);
      this.flags = flags;
    }
  }
  const tree = new AreaTree<Vma>({ low: 0x1000, high: 0x7fff_ffff_f000 });
  tree.insert(new Vma(0x40_0000, 0x40_5000, 5));
  tree.insert(new Vma(0x7fff_f000_0000, 0x7fff_f002_1000, 3));

  const vma = tree.findFirstEndingAfter(0x40_4fff); // Linux find_vma
  console.log(vma?.flags, tree.next(vma!)?.start.toString(16)); // 5 7ffff0000000
  tree.setEnd(vma!, 0x40_8000); // grow in place (brk-like)

  const gap = new AreaGap<Vma>();
  if (tree.findGapTopDown(0x1000, 0x7fff_f000_0000, 0x10_0000, gap)) {
    console.log(gap.start.toString(16), gap.end.toString(16)); // 408000 7ffff0000000
  }
  // --- end ---
  expect(log).toEqual(['5 7ffff0000000', '408000 7ffff0000000']);
});
