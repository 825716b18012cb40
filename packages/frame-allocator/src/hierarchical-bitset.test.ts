import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { HierarchicalBitset } from './hierarchical-bitset.js';

// Model: the set of indices that are set, searched linearly.
function nextSet(model: Set<number>, from: number, end = Number.POSITIVE_INFINITY): number {
  let best = -1;
  for (const i of model) if (i >= from && i < end && (best < 0 || i < best)) best = i;
  return best;
}
function nextClear(model: Set<number>, from: number, end: number): number {
  for (let i = from; i < end; i++) if (!model.has(i)) return i;
  return -1;
}

type Op =
  | { kind: 'set'; at: number }
  | { kind: 'clear'; at: number }
  | { kind: 'word'; at: number; value: number }
  | { kind: 'find'; at: number; len: number }
  | { kind: 'take' };

function opArb(size: number): fc.Arbitrary<Op> {
  // Bias positions toward word and summary boundaries, where off-by-ones live.
  const pos = fc.oneof(
    fc.integer({ min: 0, max: size - 1 }),
    fc.constantFrom(
      0,
      size - 1,
      Math.min(31, size - 1),
      Math.min(32, size - 1),
      Math.min(1023, size - 1),
      Math.min(1024, size - 1),
    ),
  );
  return fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: pos }),
    fc.record({ kind: fc.constant('clear' as const), at: pos }),
    fc.record({
      kind: fc.constant('word' as const),
      at: fc.integer({ min: 0, max: Math.ceil(size / 32) - 1 }),
      value: fc.oneof(
        fc.constantFrom(0, 0xffff_ffff, 1, 0x8000_0000),
        fc.nat({ max: 0xffff_ffff }),
      ),
    }),
    fc.record({
      kind: fc.constant('find' as const),
      at: pos,
      len: fc.integer({ min: 1, max: 200 }),
    }),
  );
}

describe('HierarchicalBitset', () => {
  test.each([1, 31, 32, 33, 1000, 1024, 1025, 32 * 32 * 32 + 5, 2 ** 26 + 7])(
    'size %i agrees with a boolean-array model',
    (size) => {
      fc.assert(
        fc.property(fc.array(opArb(size), { maxLength: 300 }), (ops) => {
          const bits = new HierarchicalBitset(size, { indexFullWords: true });
          const model = new Set<number>();
          for (const op of ops) {
            if (op.kind === 'set') {
              const before = bits.words[op.at >>> 5];
              expect(bits.set(op.at)).toBe(before);
              model.add(op.at);
            } else if (op.kind === 'clear') {
              const before = bits.words[op.at >>> 5];
              expect(bits.clear(op.at)).toBe(before);
              model.delete(op.at);
            } else if (op.kind === 'word') {
              // Only bits below `size` may be set.
              const valid = Math.min(32, size - op.at * 32);
              const value = valid === 32 ? op.value : op.value & ((1 << valid) - 1);
              bits.setWord(op.at, value | 0);
              for (let b = 0; b < valid; b++) {
                if (((value >>> b) & 1) === 1) model.add(op.at * 32 + b);
                else model.delete(op.at * 32 + b);
              }
            } else if (op.kind === 'find') {
              const end = Math.min(size, op.at + op.len);
              expect(bits.findNextSet(op.at)).toBe(nextSet(model, op.at));
              expect(bits.findNextSetIn(op.at, end)).toBe(nextSet(model, op.at, end));
              expect(bits.findNextClear(op.at, end)).toBe(nextClear(model, op.at, end));
              expect(bits.get(op.at)).toBe(model.has(op.at));
            } else {
              const want = nextSet(model, 0);
              expect(bits.takeFirstSet()).toBe(want);
              model.delete(want);
            }
            expect(bits.findFirstSet()).toBe(nextSet(model, 0));
            // Summary tree and full-word index, after every step on small sets.
            if (size <= 2000) bits.checkInvariants();
          }
          bits.checkInvariants();
          expect(bits.count()).toBe(model.size);
        }),
        { numRuns: size > 2 ** 20 ? 5 : size > 10_000 ? 30 : 100 },
      );
    },
  );

  test('the full-word index follows words as they fill and empty', () => {
    const bits = new HierarchicalBitset(100, { indexFullWords: true });
    const full = bits.fullWords!;
    for (let i = 32; i < 64; i++) bits.set(i);
    expect(full.findFirstSet()).toBe(1);
    expect(bits.takeFirstSet()).toBe(32);
    expect(full.findFirstSet()).toBe(-1);
    bits.set(32);
    bits.setWord(0, -1);
    expect(full.findNextSet(0)).toBe(0);
    expect(full.findNextSet(1)).toBe(1);
    bits.clear(40);
    expect(full.get(1)).toBe(false);
    bits.checkInvariants();
    expect(new HierarchicalBitset(100).fullWords).toBe(null);
  });

  test('height grows by one level per factor of 32', () => {
    expect(new HierarchicalBitset(32).height).toBe(1);
    expect(new HierarchicalBitset(33).height).toBe(2);
    expect(new HierarchicalBitset(1024).height).toBe(2);
    expect(new HierarchicalBitset(1025).height).toBe(3);
    expect(new HierarchicalBitset(1 << 20).height).toBe(4);
    expect(new HierarchicalBitset(2 ** 31).height).toBe(7);
  });

  test('seven levels (just over 2^30 bits, as MAX_FRAMES with padding needs)', () => {
    const size = 2 ** 30 + 33;
    const bits = new HierarchicalBitset(size);
    expect(bits.height).toBe(7);
    const marks = [size - 1, 2 ** 30, 2 ** 29 + 12345, 77];
    for (const i of marks) bits.set(i);
    expect(bits.findNextSet(78)).toBe(2 ** 29 + 12345);
    expect(bits.findNextSet(2 ** 29 + 12346)).toBe(2 ** 30);
    for (const i of [...marks].sort((a, b) => a - b)) {
      expect(bits.findFirstSet()).toBe(i);
      expect(bits.takeFirstSet()).toBe(i);
    }
    expect(bits.takeFirstSet()).toBe(-1);
    expect(bits.findNextSet(0)).toBe(-1);
  });

  test('findNextSet past the end and on an empty set', () => {
    const bits = new HierarchicalBitset(100);
    expect(bits.findFirstSet()).toBe(-1);
    expect(bits.findNextSet(0)).toBe(-1);
    bits.set(99);
    expect(bits.findNextSet(99)).toBe(99);
    expect(bits.findNextSet(100)).toBe(-1);
    expect(bits.findNextSet(5000)).toBe(-1);
  });

  test('rejects a bad size', () => {
    expect(() => new HierarchicalBitset(0)).toThrow(RangeError);
    expect(() => new HierarchicalBitset(1.5)).toThrow(RangeError);
    expect(() => new HierarchicalBitset(2 ** 31 + 1)).toThrow(RangeError);
  });
});
