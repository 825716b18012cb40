// checkMachineInvariants: reference counts, page-cache coherence and allocator
// usage across every address space of one machine, and proof that it can fail.
import { describe, expect, test } from 'vitest';
import { MAP, PROT } from './linux-abi.js';
import { checkMachineInvariants } from './machine-invariants.js';
import { MemoryFile } from './mm-file.js';
import { MmStruct } from './mm-struct.js';
import { pteEntry, ptePfn } from './pte-store.js';
import { ok } from './test-support/drawing.js';
import { newMachine } from './test-support/machine.js';

const P = 4096;
const W = 0x1_0000_0000;
const RW = PROT.READ | PROT.WRITE;
const ANON = MAP.PRIVATE | MAP.ANONYMOUS;

/** Parent and child after fork, with private, shared, file and zero-page memory touched. */
function busyMachine(backend: 'page-table' | 'map') {
  const machine = newMachine({ backend });
  const file = new MemoryFile({ path: '/data', ino: 7, size: 8 * P });
  const parent = machine.spawn();
  ok(parent.mmap(W, 4 * P, RW, ANON | MAP.FIXED, null));
  ok(parent.mmap(W + 8 * P, 2 * P, RW, MAP.SHARED | MAP.ANONYMOUS | MAP.FIXED, null));
  ok(parent.mmap(W + 16 * P, 4 * P, RW, MAP.PRIVATE | MAP.FIXED, file));
  ok(parent.mmap(W + 24 * P, 4 * P, RW, MAP.SHARED | MAP.FIXED, file));
  for (const va of [W, W + P, W + 8 * P, W + 16 * P, W + 24 * P]) {
    expect(parent.write(va, 0x11n)).toBeNull();
  }
  expect(parent.read(W + 2 * P)).toBe(0n); // zero page
  expect(parent.read(W + 17 * P)).toBe(0n); // page-cache page, read-only in a private mapping
  const child = parent.fork();
  if (!(child instanceof MmStruct)) throw new Error('fork failed');
  expect(child.write(W, 0x22n)).toBeNull(); // copy-on-write
  expect(child.write(W + 9 * P, 0x22n)).toBeNull(); // shared
  expect(child.read(W + 25 * P)).toBe(0n);
  return { ...machine, parent, child, file };
}

describe.each(['page-table', 'map'] as const)('checkMachineInvariants (%s backend)', (backend) => {
  test('holds on a machine with forked, shared, cached and zero-page memory', () => {
    const { frames, pageCache, parent, child } = busyMachine(backend);
    checkMachineInvariants([parent, child], frames, pageCache);
    // The page written by both after fork has one reference each; the untouched shared one two.
    expect(frames.refCount(ptePfn(parent.ptes.get(W)))).toBe(1);
    expect(frames.refCount(ptePfn(child.ptes.get(W + P)))).toBe(2);
    child.destroy();
    checkMachineInvariants([parent], frames, pageCache);
    parent.destroy();
    checkMachineInvariants([], frames, pageCache);
    pageCache.clear();
    expect(frames.usedFrames).toBe(0);
  });

  test('a reference count one too high or too low is caught', () => {
    const { frames, pageCache, parent, child } = busyMachine(backend);
    const shared = ptePfn(parent.ptes.get(W + P));
    frames.retain(shared);
    expect(() => checkMachineInvariants([parent, child], frames, pageCache)).toThrow(
      `frame ${shared} has reference count 3, but 2 holders`,
    );
    frames.release(shared);
    frames.release(shared);
    expect(() => checkMachineInvariants([parent, child], frames, pageCache)).toThrow(
      `frame ${shared} has reference count 1, but 2 holders`,
    );
  });

  test('a leaked frame, and an address space left out of the list, are caught', () => {
    const { frames, pageCache, parent, child } = busyMachine(backend);
    const leaked = frames.allocate();
    expect(typeof leaked).toBe('number');
    expect(() => checkMachineInvariants([parent, child], frames, pageCache)).toThrow(
      /frames in use, but page tables hold/,
    );
    frames.release(leaked as number);
    expect(() => checkMachineInvariants([parent], frames, pageCache)).toThrow(/reference count/);
  });

  test('a file page mapped from a frame the page cache no longer holds is caught', () => {
    const { frames, pageCache, parent, child } = busyMachine(backend);
    // The child's shared mapping of file page 1 points at page 0's frame instead.
    const other = ptePfn(parent.ptes.get(W + 24 * P));
    const stale = child.ptes.get(W + 25 * P);
    frames.retain(other);
    expect(child.ptes.set(W + 25 * P, pteEntry(other, 0))).toBe(true);
    frames.release(ptePfn(stale));
    expect(() => checkMachineInvariants([parent, child], frames, pageCache)).toThrow(
      /maps \/data page 1, which the page cache holds in frame/,
    );
  });

  test('an anonymous entry that maps a page-cache frame is caught', () => {
    const { frames, pageCache, parent, child } = busyMachine(backend);
    const cached = ptePfn(parent.ptes.get(W + 17 * P));
    const entry = parent.ptes.get(W + 3 * P);
    expect(entry).toBe(-1);
    frames.retain(cached);
    expect(parent.ptes.set(W + 3 * P, pteEntry(cached, 2))).toBe(true);
    expect(() => checkMachineInvariants([parent, child], frames, pageCache)).toThrow(
      /is anonymous but maps a page-cache frame/,
    );
  });

  test('address spaces of another machine are refused', () => {
    const { frames, pageCache, parent } = busyMachine(backend);
    const stranger = newMachine({ backend }).spawn();
    expect(() => checkMachineInvariants([parent, stranger], frames, pageCache)).toThrow(RangeError);
    expect(() => checkMachineInvariants([parent, parent], frames, pageCache)).toThrow(RangeError);
  });
});
