import { describe, expect, test } from 'vitest';
import { VmArea } from './vm-area.js';
import { VmaIndex } from './vma-index.js';

const P = 4096;
const vma = (start: number, end: number): VmArea => new VmArea(start * P, end * P, start, null, 0);

// An index holding [10, 20) and [30, 40) (in pages).
function twoVmas(): { idx: VmaIndex; a: VmArea; b: VmArea } {
  const idx = new VmaIndex();
  const a = vma(10, 20);
  const b = vma(30, 40);
  idx.insert(a);
  idx.insert(b);
  return { idx, a, b };
}

// The index remembers the VMA last found (a vmacache); these check that the
// cache never answers for a VMA that left the index or for bounds it no longer has.
describe('VmaIndex lookups through the recent-VMA cache', () => {
  test('a removed VMA is not found again, even right after a lookup hit it', () => {
    const { idx, a, b } = twoVmas();
    expect(idx.findContaining(15 * P)).toBe(a);
    idx.remove(a);
    expect(idx.findContaining(15 * P)).toBeUndefined();
    expect(idx.findVma(15 * P)).toBe(b);
    expect(idx.findIntersection(10 * P, 20 * P)).toBeUndefined();
    idx.checkInvariants();
  });

  test('removing another VMA keeps the cached one; reinsertion is found', () => {
    const { idx, a, b } = twoVmas();
    expect(idx.findVma(35 * P)).toBe(b);
    idx.remove(a);
    expect(idx.findVma(35 * P)).toBe(b);
    idx.remove(b);
    expect(idx.findVma(35 * P)).toBeUndefined();
    idx.insert(b);
    expect(idx.findVma(0)).toBe(b);
    expect(idx.findContaining(39 * P)).toBe(b);
  });

  test('the cache follows a split and a bounds change of the cached VMA', () => {
    const idx = new VmaIndex();
    const a = vma(10, 20);
    idx.insert(a);
    expect(idx.findContaining(18 * P)).toBe(a);
    const upper = vma(0, 0);
    idx.split(a, 15 * P, upper);
    expect(idx.findContaining(18 * P)).toBe(upper);
    expect(idx.findContaining(12 * P)).toBe(a);
    idx.setBounds(a, 11 * P, 14 * P);
    expect(idx.findContaining(14 * P)).toBeUndefined();
    expect(idx.findVma(14 * P)).toBe(upper);
    expect(idx.findContaining(10 * P)).toBeUndefined();
    idx.checkInvariants();
  });

  test('a failed removal (a VMA of no index) leaves the cache and the index alone', () => {
    const idx = new VmaIndex();
    const a = vma(10, 20);
    idx.insert(a);
    expect(idx.findContaining(12 * P)).toBe(a);
    expect(() => idx.remove(vma(10, 20))).toThrow(RangeError);
    expect(idx.findContaining(12 * P)).toBe(a);
    expect(idx.count).toBe(1);
  });
});
