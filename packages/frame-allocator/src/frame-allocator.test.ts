// One behavioural suite for every FrameAllocator backend (and the ref-counted
// wrapper), checked against the naive model in test-support/frame-model.ts.

import { Mulberry32 } from '@vmem/bench-kit';
import { describe, expect, test } from 'vitest';
import { BitmapFrameAllocator } from './bitmap-frame-allocator.js';
import { BuddyFrameAllocator } from './buddy-frame-allocator.js';
import type { FrameAllocator, FrameAllocatorOptions } from './frame-allocator.js';
import { MAX_FRAMES } from './frame-allocator.js';
import { OUT_OF_MEMORY } from './out-of-memory.js';
import { RefCountedFrameAllocator } from './ref-counted-frame-allocator.js';
import { StackFrameAllocator } from './stack-frame-allocator.js';
import { FrameModel, snapshot } from './test-support/frame-model.js';

type Checked = FrameAllocator & { checkInvariants(): void };

interface Backend {
  readonly name: string;
  readonly make: (options: FrameAllocatorOptions) => Checked;
  /** 'run': OOM only when no aligned free run exists; 'buddy': only when no free block fits. */
  readonly completeness: 'run' | 'buddy';
}

const backends: Backend[] = [
  { name: 'bitmap', make: (o) => new BitmapFrameAllocator(o), completeness: 'run' },
  {
    name: 'bitmap (no cache)',
    make: (o) => new BitmapFrameAllocator({ ...o, cacheSize: 0 }),
    completeness: 'run',
  },
  { name: 'buddy', make: (o) => new BuddyFrameAllocator(o), completeness: 'buddy' },
  { name: 'stack', make: (o) => new StackFrameAllocator(o), completeness: 'run' },
  {
    name: 'ref-counted(bitmap)',
    make: (o) => new RefCountedFrameAllocator(new BitmapFrameAllocator(o)),
    completeness: 'run',
  },
];

function canServe(backend: Backend, model: FrameModel, count: number, align: number): boolean {
  return backend.completeness === 'run'
    ? model.lowestRun(count, align) >= 0
    : model.buddyCanServe(count, align);
}

function expectPfn(result: number | unknown): number {
  if (typeof result !== 'number') throw new Error(`expected a pfn, got ${JSON.stringify(result)}`);
  return result;
}

describe.each(backends)('$name', (backend) => {
  test('allocates every frame exactly once, then reports OUT_OF_MEMORY', () => {
    const a = backend.make({ frames: 100, base: 37 });
    expect(a.totalFrames).toBe(100);
    expect(a.base).toBe(37);
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) {
      const pfn = expectPfn(a.allocate());
      expect(pfn).toBeGreaterThanOrEqual(37);
      expect(pfn).toBeLessThan(137);
      expect(seen.has(pfn)).toBe(false);
      seen.add(pfn);
      expect(a.isAllocated(pfn)).toBe(true);
      expect(a.usedFrames).toBe(i + 1);
      expect(a.freeFrames).toBe(99 - i);
    }
    const before = snapshot(a);
    expect(a.allocate()).toBe(OUT_OF_MEMORY);
    expect(a.allocateContiguous(1)).toBe(OUT_OF_MEMORY);
    expect(a.allocateContiguous(2, { align: 2 })).toBe(OUT_OF_MEMORY);
    expect(snapshot(a)).toBe(before);
    a.checkInvariants();
    for (const pfn of seen) a.free(pfn);
    expect(a.usedFrames).toBe(0);
    a.checkInvariants();
  });

  test('OUT_OF_MEMORY is one frozen singleton', () => {
    const a = backend.make({ frames: 1 });
    expect(a.allocate()).toBe(0);
    const oom = a.allocate();
    expect(oom).toBe(OUT_OF_MEMORY);
    expect(oom).toEqual({ errno: 'ENOMEM' });
    expect(Object.isFrozen(oom)).toBe(true);
  });

  test.each([
    [1, 1],
    [3, 1],
    [5, 4],
    [16, 16],
    [32, 32],
    [64, 64],
    [40, 32],
    [100, 1],
    [1, 128],
    [7, 256],
  ])('allocateContiguous(%i, align %i) returns an aligned run of free frames', (count, align) => {
    const a = backend.make({ frames: 1000, base: 13 });
    // Scatter some allocations first so the run has to avoid them.
    const held: number[] = [];
    for (let i = 0; i < 50; i++) held.push(expectPfn(a.allocate()));
    for (let i = 0; i < held.length; i += 3) a.free(held[i]);
    const before = new Set<number>();
    for (let p = 13; p < 1013; p++) if (a.isAllocated(p)) before.add(p);
    const start = expectPfn(a.allocateContiguous(count, { align }));
    expect(start % align).toBe(0);
    expect(start).toBeGreaterThanOrEqual(13);
    expect(start + count).toBeLessThanOrEqual(1013);
    for (let p = start; p < start + count; p++) {
      expect(before.has(p)).toBe(false);
      expect(a.isAllocated(p)).toBe(true);
    }
    expect(a.usedFrames).toBe(before.size + count);
    a.checkInvariants();
    a.freeContiguous(start, count);
    expect(a.usedFrames).toBe(before.size);
    a.checkInvariants();
  });

  test('contiguous exhaustion returns OUT_OF_MEMORY and changes nothing', () => {
    const a = backend.make({ frames: 64 });
    // Allocate all, then free every other frame: 32 free frames, no two adjacent.
    for (let i = 0; i < 64; i++) expectPfn(a.allocate());
    for (let p = 0; p < 64; p += 2) a.free(p);
    const before = snapshot(a);
    expect(a.allocateContiguous(2)).toBe(OUT_OF_MEMORY);
    expect(a.allocateContiguous(32)).toBe(OUT_OF_MEMORY);
    expect(a.allocateContiguous(64)).toBe(OUT_OF_MEMORY);
    expect(a.allocateContiguous(1, { align: 4 })).toBe(
      backend.completeness === 'run' ? 0 : OUT_OF_MEMORY,
    );
    if (backend.completeness === 'run') a.free(0);
    expect(snapshot(a)).toBe(before);
    a.checkInvariants();
  });

  test('a whole-range contiguous allocation succeeds on an empty allocator', () => {
    const a = backend.make({ frames: 256, base: 256 });
    expect(a.allocateContiguous(256, { align: 256 })).toBe(256);
    expect(a.freeFrames).toBe(0);
    expect(a.allocate()).toBe(OUT_OF_MEMORY);
    a.freeContiguous(256, 256);
    a.checkInvariants();
    expect(a.freeFrames).toBe(256);
  });

  test('frames of a contiguous block may be freed one by one or in pieces', () => {
    const a = backend.make({ frames: 128 });
    const start = expectPfn(a.allocateContiguous(10, { align: 8 }));
    a.free(start + 3);
    a.freeContiguous(start + 5, 5);
    a.checkInvariants();
    expect(a.usedFrames).toBe(4);
    expect(a.isAllocated(start + 3)).toBe(false);
    expect(a.isAllocated(start + 4)).toBe(true);
    a.freeContiguous(start, 3);
    a.free(start + 4);
    expect(a.usedFrames).toBe(0);
    a.checkInvariants();
  });

  describe('misuse throws and changes nothing', () => {
    function setup(): { a: Checked; held: number; before: string } {
      const a = backend.make({ frames: 50, base: 100 });
      const held = expectPfn(a.allocate());
      expectPfn(a.allocateContiguous(4, { align: 4 }));
      return { a, held, before: snapshot(a) };
    }

    test('double free', () => {
      const { a, held } = setup();
      a.free(held);
      const before = snapshot(a);
      expect(() => a.free(held)).toThrow(RangeError);
      expect(() => a.free(held)).toThrow(String(held));
      expect(snapshot(a)).toBe(before);
    });

    test('freeing a frame never allocated', () => {
      const { a, before } = setup();
      expect(() => a.free(149)).toThrow(/149.*not allocated/);
      expect(snapshot(a)).toBe(before);
    });

    test.each([99, 150, -1, 1e20, 100.5, Number.NaN, Number.POSITIVE_INFINITY])(
      'free(%s) is a RangeError naming the value',
      (pfn) => {
        const { a, before } = setup();
        expect(() => a.free(pfn)).toThrow(RangeError);
        expect(() => a.free(pfn)).toThrow(String(pfn));
        expect(() => a.isAllocated(pfn)).toThrow(RangeError);
        expect(() => a.freeContiguous(pfn, 1)).toThrow(RangeError);
        expect(snapshot(a)).toBe(before);
      },
    );

    test.each([['100'], [null], [undefined], [100n]])('free(%s) is a TypeError', (pfn) => {
      const { a, before } = setup();
      expect(() => a.free(pfn as never)).toThrow(TypeError);
      expect(() => a.isAllocated(pfn as never)).toThrow(TypeError);
      expect(snapshot(a)).toBe(before);
    });

    test.each([0, -1, 1.5, 51, Number.NaN, Number.POSITIVE_INFINITY])(
      'a count of %s is a RangeError naming the value',
      (count) => {
        const { a, held, before } = setup();
        expect(() => a.allocateContiguous(count)).toThrow(RangeError);
        expect(() => a.allocateContiguous(count)).toThrow(String(count));
        expect(() => a.freeContiguous(held, count)).toThrow(RangeError);
        expect(snapshot(a)).toBe(before);
      },
    );

    test('a count that is not a number is a TypeError', () => {
      const { a, held, before } = setup();
      expect(() => a.allocateContiguous('2' as never)).toThrow(TypeError);
      expect(() => a.freeContiguous(held, '1' as never)).toThrow(TypeError);
      expect(snapshot(a)).toBe(before);
    });

    test.each([0, 3, 6, -4, 1.5, Number.NaN, 2 ** 53])(
      'align %s is a RangeError naming the value',
      (align) => {
        const { a, before } = setup();
        expect(() => a.allocateContiguous(2, { align })).toThrow(RangeError);
        expect(() => a.allocateContiguous(2, { align })).toThrow(String(align));
        expect(snapshot(a)).toBe(before);
      },
    );

    test('bad options are a TypeError', () => {
      const { a, before } = setup();
      expect(() => a.allocateContiguous(2, { align: '4' as never })).toThrow(TypeError);
      expect(() => a.allocateContiguous(2, null as never)).toThrow(TypeError);
      expect(() => a.allocateContiguous(2, 4 as never)).toThrow(TypeError);
      expect(snapshot(a)).toBe(before);
    });

    test('freeContiguous over a free frame or past the end frees nothing', () => {
      const { a, held, before } = setup();
      // held is allocated, the frame after the 4-block is free.
      const block = [...Array(50).keys()].map((i) => 100 + i).filter((p) => a.isAllocated(p));
      expect(block).toHaveLength(5);
      const last = Math.max(...block);
      expect(() => a.freeContiguous(held, 50)).toThrow(/not allocated|passes/);
      expect(() => a.freeContiguous(last, 2)).toThrow(RangeError);
      expect(() => a.freeContiguous(last, 2)).toThrow(String(last + 1));
      expect(() => a.freeContiguous(149, 2)).toThrow(/passes/);
      expect(snapshot(a)).toBe(before);
    });
  });

  test.each([
    [{ frames: 0 }, RangeError],
    [{ frames: -1 }, RangeError],
    [{ frames: 1.5 }, RangeError],
    [{ frames: MAX_FRAMES + 1 }, RangeError],
    [{ frames: '8' }, TypeError],
    [{ frames: 8, base: -1 }, RangeError],
    [{ frames: 8, base: 0.5 }, RangeError],
    [{ frames: 8, base: 2 ** 40 }, RangeError],
    [null, TypeError],
  ])('constructor rejects %j', (options, error) => {
    expect(() => backend.make(options as never)).toThrow(error);
  });

  test('stats report totals', () => {
    const a = backend.make({ frames: 40, base: 8 });
    expectPfn(a.allocate());
    expectPfn(a.allocateContiguous(3));
    const stats = a.stats();
    expect(stats.totalFrames).toBe(40);
    expect(stats.usedFrames).toBe(4);
    expect(stats.freeFrames).toBe(36);
    expect(typeof stats.backend).toBe('string');
  });

  test.each([
    [1, 0, 300],
    [2, 37, 301],
    [3, 4096, 64],
    [4, 250, 90],
    [5, 100, 90],
    [6, 5, 1000],
  ])(
    'seed %i: random operations agree with the model (base %i, %i frames)',
    (seed, base, frames) => {
      const rng = new Mulberry32(seed);
      const a = backend.make({ frames, base });
      const model = new FrameModel(base, frames);
      const blocks: Array<[number, number]> = [];
      for (let step = 0; step < 1500; step++) {
        const r = rng.rand(100);
        if (r < 35) {
          const result = a.allocate();
          if (typeof result !== 'number') {
            expect(model.allocated.size).toBe(frames);
          } else {
            if (backend.name === 'bitmap (no cache)') expect(result).toBe(model.lowestFree());
            expect(model.isFree(result)).toBe(true);
            model.add(result, 1);
            blocks.push([result, 1]);
          }
        } else if (r < 55) {
          const count = 1 + rng.rand(Math.min(frames, rng.rand(2) === 0 ? 8 : 70));
          const align = 2 ** rng.rand(9);
          const before = snapshot(a);
          const result = a.allocateContiguous(count, { align });
          if (typeof result !== 'number') {
            expect(canServe(backend, model, count, align)).toBe(false);
            expect(snapshot(a)).toBe(before);
          } else {
            if (backend.name === 'bitmap (no cache)') {
              expect(result).toBe(model.lowestRun(count, align));
            }
            expect(result % align).toBe(0);
            expect(model.rangeFree(result, count)).toBe(true);
            model.add(result, count);
            blocks.push([result, count]);
          }
        } else if (r < 92) {
          if (blocks.length === 0) continue;
          const j = rng.rand(blocks.length);
          const [start, count] = blocks[j];
          blocks[j] = blocks[blocks.length - 1];
          blocks.pop();
          if (count > 1 && rng.rand(3) === 0) {
            const part = 1 + rng.rand(count - 1);
            a.freeContiguous(start, part);
            model.remove(start, part);
            blocks.push([start + part, count - part]);
          } else if (count === 1 && rng.rand(2) === 0) {
            a.free(start);
            model.remove(start, 1);
          } else {
            a.freeContiguous(start, count);
            model.remove(start, count);
          }
        } else {
          // Misuse must be caught: free a frame the model says is free.
          const pfn = base + rng.rand(frames);
          if (model.isFree(pfn)) {
            const before = snapshot(a);
            expect(() => a.free(pfn)).toThrow(RangeError);
            expect(snapshot(a)).toBe(before);
          }
        }
        a.checkInvariants();
        expect(a.usedFrames).toBe(model.allocated.size);
        expect(a.freeFrames).toBe(frames - model.allocated.size);
        if (step % 10 === 0) {
          for (let p = base; p < base + frames; p++) {
            expect(a.isAllocated(p)).toBe(model.allocated.has(p));
          }
        }
      }
      for (const [start, count] of blocks) a.freeContiguous(start, count);
      a.checkInvariants();
      expect(a.usedFrames).toBe(0);
      // No frame leaked: all of them can be allocated again.
      const again = new Set<number>();
      for (let i = 0; i < frames; i++) again.add(expectPfn(a.allocate()));
      expect(again.size).toBe(frames);
      expect(a.allocate()).toBe(OUT_OF_MEMORY);
    },
  );
});
