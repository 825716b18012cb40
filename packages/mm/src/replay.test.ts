// The replayer's own rules, on small hand-made traces: what it does after an op
// whose maps delta differs from the kernel's.
import { describe, expect, test } from 'vitest';
import { renderMaps } from './proc-maps.js';
import { ptraceHeader, replayerFor } from './test-support/trace.js';

describe('after a maps mismatch the replayer takes the kernel maps (resync)', () => {
  // Op 1: the kernel kept two adjacent anonymous mappings apart (as a
  // mempolicy set by an unrecorded mbind does), the simulator merges them: a
  // mismatch. Op 2 unmaps the upper one, which is one VMA in the kernel: it
  // matches only if the simulator's areas became the kernel's after op 1.
  const ops = [
    {
      i: 0,
      op: 'mmap',
      addr: '0x7fff00000000',
      len: '0x2000',
      prot: 3,
      flags: 0x32,
      fd: -1,
      off: '0x0',
      ret: '0x7fff00000000',
      maps: { del: [], add: ['7fff00000000-7fff00002000 rw-p 00000000 00:00 0'] },
    },
    {
      i: 1,
      op: 'mmap',
      addr: '0x7fff00002000',
      len: '0x2000',
      prot: 3,
      flags: 0x32,
      fd: -1,
      off: '0x0',
      ret: '0x7fff00002000',
      maps: { del: [], add: ['7fff00002000-7fff00004000 rw-p 00000000 00:00 0'] },
    },
    {
      i: 2,
      op: 'munmap',
      addr: '0x7fff00002000',
      len: '0x2000',
      ret: 0,
      maps: { del: ['7fff00002000-7fff00004000 rw-p 00000000 00:00 0'], add: [] },
    },
  ];

  test('the op that differs is a mismatch; the next one is judged from the kernel state', () => {
    const r = replayerFor(
      ptraceHeader(['7ffff7fc8000-7ffff7fca000 r-xp 00000000 00:00 0 [vdso]'], {
        mmap_base: '0x7ffff7fff000',
      }),
      ops,
    );
    expect(r.step(r.trace.ops[0]).mismatch).toBeNull();
    expect(r.step(r.trace.ops[1]).mismatch).toMatch(/maps delta/);
    expect(renderMaps(r.mm)).toEqual([
      '7fff00000000-7fff00002000 rw-p 00000000 00:00 0',
      '7fff00002000-7fff00004000 rw-p 00000000 00:00 0',
      '7ffff7fc8000-7ffff7fca000 r-xp 00000000 00:00 0 [vdso]',
    ]);
    expect(r.step(r.trace.ops[2]).mismatch).toBeNull();
    expect(renderMaps(r.mm)).toEqual([
      '7fff00000000-7fff00002000 rw-p 00000000 00:00 0',
      '7ffff7fc8000-7ffff7fca000 r-xp 00000000 00:00 0 [vdso]',
    ]);
    r.mm.checkInvariants();
  });
});
