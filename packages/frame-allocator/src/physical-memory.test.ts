import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isLittleEndianHost } from './host-endianness.js';
import { CHUNK_FRAME_BITS, MAX_PHYSICAL_MEMORY_SIZE, PhysicalMemory } from './physical-memory.js';

const FRAME = 4096;

// Little-endian value of model bytes, computed with BigInt (no typed-array views).
function modelRead(model: Uint8Array, pa: number, width: number): bigint {
  let v = 0n;
  for (let i = width - 1; i >= 0; i--) v = (v << 8n) | BigInt(model[pa + i]);
  return v;
}
function modelWrite(model: Uint8Array, pa: number, width: number, value: bigint): void {
  for (let i = 0; i < width; i++) model[pa + i] = Number((value >> BigInt(8 * i)) & 0xffn);
}

describe('PhysicalMemory', () => {
  test('the host is little-endian (the constructor requires it)', () => {
    expect(isLittleEndianHost()).toBe(true);
  });

  test('is sparse: reads of untouched memory give zero and allocate nothing', () => {
    const mem = new PhysicalMemory({ size: 2 ** 32 });
    expect(mem.frameCount).toBe(2 ** 20);
    expect(mem.read8(0)).toBe(0);
    expect(mem.read16(0xffff_fffe)).toBe(0);
    expect(mem.read32(0x1234_5678)).toBe(0);
    expect(mem.read64(0x8000_0000)).toBe(0n);
    const out = new Uint32Array([7, 7]);
    mem.read64Parts(0xfff, out);
    expect(Array.from(out)).toEqual([0, 0]);
    const dest = new Uint8Array(3 * FRAME).fill(0xaa);
    mem.readBytes(0x10_0000 - 5, dest);
    expect(dest.every((b) => b === 0)).toBe(true);
    mem.zeroFrame(5);
    mem.copyFrame(6, 7);
    expect(mem.materialisedFrames).toBe(0);
    mem.write8(0xffff_ffff, 1);
    expect(mem.materialisedFrames).toBe(1);
    expect(mem.isMaterialised(0xfffff)).toBe(true);
    expect(mem.isMaterialised(0xffffe)).toBe(false);
  });

  test('frameWords returns the same cached view, over the same storage as frameBytes', () => {
    const mem = new PhysicalMemory({ size: 16 * FRAME });
    const words = mem.frameWords(3);
    expect(words).toBeInstanceOf(Uint32Array);
    expect(words.length).toBe(1024);
    expect(mem.frameWords(3)).toBe(words);
    expect(mem.frameBytes(3)).toBe(mem.frameBytes(3));
    words[1] = 0xdead_beef;
    expect(Array.from(mem.frameBytes(3).subarray(4, 8))).toEqual([0xef, 0xbe, 0xad, 0xde]);
    expect(mem.read32(3 * FRAME + 4)).toBe(0xdead_beef);
    mem.write32(3 * FRAME + 8, 0x0102_0304);
    expect(words[2]).toBe(0x0102_0304);
  });

  test('stores little-endian, byte by byte', () => {
    const mem = new PhysicalMemory({ size: 4 * FRAME });
    mem.write32(0x100, 0x1122_3344);
    expect([0x100, 0x101, 0x102, 0x103].map((pa) => mem.read8(pa))).toEqual([
      0x44, 0x33, 0x22, 0x11,
    ]);
    mem.write16(0x201, 0xabcd);
    expect([mem.read8(0x201), mem.read8(0x202)]).toEqual([0xcd, 0xab]);
    mem.write64(0x300, 0x0102_0304_0506_0708n);
    expect(Array.from({ length: 8 }, (_, i) => mem.read8(0x300 + i))).toEqual([
      8, 7, 6, 5, 4, 3, 2, 1,
    ]);
    mem.write64Parts(0x400, 0x8000_0001, 0xffff_fffe);
    expect(Array.from({ length: 8 }, (_, i) => mem.read8(0x400 + i))).toEqual([
      0xfe, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x80,
    ]);
    expect(mem.read64(0x400)).toBe(0x8000_0001_ffff_fffen);
  });

  test('unaligned and frame-crossing accesses', () => {
    const mem = new PhysicalMemory({ size: 4 * FRAME });
    mem.write32(FRAME - 2, 0xa1b2_c3d4);
    expect(mem.read8(FRAME - 2)).toBe(0xd4);
    expect(mem.read8(FRAME + 1)).toBe(0xa1);
    expect(mem.read32(FRAME - 2)).toBe(0xa1b2_c3d4);
    expect(mem.read16(FRAME - 1)).toBe(0xb2c3);
    mem.write64(2 * FRAME - 3, 0xffee_ddcc_bbaa_9988n);
    expect(mem.read64(2 * FRAME - 3)).toBe(0xffee_ddcc_bbaa_9988n);
    expect(mem.read32(2 * FRAME + 1)).toBe(0xffee_ddcc);
    mem.write16(3 * FRAME - 1, 0x1234);
    expect(mem.read16(3 * FRAME - 1)).toBe(0x1234);
    expect(mem.read8(3 * FRAME)).toBe(0x12);
  });

  test('64-bit accessors agree with BigInt arithmetic', () => {
    const mem = new PhysicalMemory({ size: 3 * FRAME });
    const out = new Uint32Array(2);
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.integer({ min: 0, max: 3 * FRAME - 8 }),
        (value, pa) => {
          mem.write64(pa, value);
          expect(mem.read64(pa)).toBe(value);
          mem.read64Parts(pa, out);
          expect(out[0]).toBe(Number(value & 0xffff_ffffn));
          expect(out[1]).toBe(Number(value >> 32n));
          for (let i = 0; i < 8; i++)
            expect(mem.read8(pa + i)).toBe(Number((value >> BigInt(8 * i)) & 0xffn));
          mem.write64Parts(pa, Number(value >> 32n), Number(value & 0xffff_ffffn));
          expect(mem.read64(pa)).toBe(value);
        },
      ),
    );
  });

  type Op =
    | { kind: 'w'; width: 1 | 2 | 4 | 8; pa: number; value: bigint }
    | { kind: 'bytes'; pa: number; data: Uint8Array }
    | { kind: 'frame'; what: 'zero' | 'fill' | 'copy'; a: number; b: number };

  const SIZE = 3 * FRAME;
  const nearBoundary = fc.oneof(
    fc.integer({ min: 0, max: SIZE - 1 }),
    fc.integer({ min: FRAME - 9, max: FRAME + 1 }),
    fc.integer({ min: 2 * FRAME - 9, max: 2 * FRAME + 1 }),
  );
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc
      .record({
        kind: fc.constant('w' as const),
        width: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const),
        pa: nearBoundary,
        value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      })
      .map((op) => ({
        ...op,
        pa: Math.min(op.pa, SIZE - op.width),
        value: op.value & ((1n << BigInt(8 * op.width)) - 1n),
      })),
    fc
      .record({
        kind: fc.constant('bytes' as const),
        pa: nearBoundary,
        data: fc.uint8Array({ maxLength: 5000 }),
      })
      .map((op) => ({ ...op, pa: Math.min(op.pa, SIZE - op.data.length) })),
    fc.record({
      kind: fc.constant('frame' as const),
      what: fc.constantFrom('zero' as const, 'fill' as const, 'copy' as const),
      a: fc.integer({ min: 0, max: 2 }),
      b: fc.integer({ min: 0, max: 255 }),
    }),
  );

  test.each(['sparse', 'buffer'])(
    'random writes and reads agree with a byte-array model (%s)',
    (mode) => {
      fc.assert(
        fc.property(
          fc.array(opArb, { maxLength: 40 }),
          fc.array(nearBoundary, { minLength: 1, maxLength: 20 }),
          (ops, probes) => {
            const mem =
              mode === 'sparse'
                ? new PhysicalMemory({ size: SIZE })
                : new PhysicalMemory({ buffer: new SharedArrayBuffer(SIZE) });
            const model = new Uint8Array(SIZE);
            for (const op of ops) {
              if (op.kind === 'w') {
                if (op.width === 1) mem.write8(op.pa, Number(op.value));
                else if (op.width === 2) mem.write16(op.pa, Number(op.value));
                else if (op.width === 4) mem.write32(op.pa, Number(op.value));
                else mem.write64(op.pa, op.value);
                modelWrite(model, op.pa, op.width, op.value);
              } else if (op.kind === 'bytes') {
                mem.writeBytes(op.pa, op.data);
                model.set(op.data, op.pa);
              } else if (op.what === 'zero') {
                mem.zeroFrame(op.a);
                model.fill(0, op.a * FRAME, (op.a + 1) * FRAME);
              } else if (op.what === 'fill') {
                mem.fillFrame(op.a, op.b);
                model.fill(op.b, op.a * FRAME, (op.a + 1) * FRAME);
              } else {
                const src = op.b % 3;
                mem.copyFrame(op.a, src);
                model.copyWithin(op.a * FRAME, src * FRAME, (src + 1) * FRAME);
              }
            }
            for (const probe of probes) {
              for (const width of [1, 2, 4, 8]) {
                const pa = Math.min(probe, SIZE - width);
                const want = modelRead(model, pa, width);
                if (width === 1) expect(mem.read8(pa)).toBe(Number(want));
                else if (width === 2) expect(mem.read16(pa)).toBe(Number(want));
                else if (width === 4) expect(mem.read32(pa)).toBe(Number(want));
                else expect(mem.read64(pa)).toBe(want);
              }
            }
            const all = new Uint8Array(SIZE);
            mem.readBytes(0, all);
            expect(all.findIndex((b, i) => b !== model[i])).toBe(-1);
          },
        ),
        { numRuns: 60 },
      );
    },
  );

  test('on a caller SharedArrayBuffer, writes are visible in the buffer and the other way round', () => {
    const buffer = new SharedArrayBuffer(8 * FRAME);
    const view = new DataView(buffer);
    const mem = new PhysicalMemory({ buffer });
    expect(mem.size).toBe(8 * FRAME);
    expect(mem.buffer).toBe(buffer);
    mem.write32(2 * FRAME + 12, 0xcafe_babe);
    expect(view.getUint32(2 * FRAME + 12, true)).toBe(0xcafe_babe);
    mem.write64(5 * FRAME - 4, 0x1122_3344_5566_7788n);
    expect(view.getBigUint64(5 * FRAME - 4, true)).toBe(0x1122_3344_5566_7788n);
    view.setUint16(7 * FRAME + 100, 0xbeef, true);
    expect(mem.read16(7 * FRAME + 100)).toBe(0xbeef);
    const words = mem.frameWords(2);
    expect(words.buffer).toBe(buffer);
    expect(words.byteOffset).toBe(2 * FRAME);
    expect(words[3]).toBe(0xcafe_babe);
    view.setUint32(6 * FRAME, 0x55, true);
    mem.zeroFrame(6);
    expect(view.getUint32(6 * FRAME, true)).toBe(0);
    mem.copyFrame(1, 2);
    expect(view.getUint32(FRAME + 12, true)).toBe(0xcafe_babe);
    expect(mem.isMaterialised(4)).toBe(true);
    expect(mem.materialisedFrames).toBe(8);
  });

  test('works on a plain ArrayBuffer too', () => {
    const buffer = new ArrayBuffer(FRAME);
    const mem = new PhysicalMemory({ buffer });
    mem.write8(FRAME - 1, 0x7f);
    expect(new Uint8Array(buffer)[FRAME - 1]).toBe(0x7f);
  });

  test('frame operations', () => {
    const mem = new PhysicalMemory({ size: 8 * FRAME });
    const words = mem.frameWords(1);
    mem.fillFrame(1, 0xab);
    expect(words[1023]).toBe(0xabab_abab);
    mem.copyFrame(2, 1);
    expect(mem.read32(2 * FRAME + 100)).toBe(0xabab_abab);
    mem.copyFrame(1, 3); // untouched source: destination becomes zero, same view
    expect(mem.frameWords(1)).toBe(words);
    expect(words.every((w) => w === 0)).toBe(true);
    expect(mem.isMaterialised(3)).toBe(false);
    mem.fillFrame(4, 0);
    expect(mem.isMaterialised(4)).toBe(false);
    mem.zeroFrame(2);
    expect(mem.read8(2 * FRAME + 5)).toBe(0);
    expect(mem.materialisedFrames).toBe(2);
    expect(() => mem.fillFrame(1, 256)).toThrow(/256/);
    expect(() => mem.copyFrame(8, 1)).toThrow(/dstPfn.*8/);
    expect(() => mem.copyFrame(1, -1)).toThrow(/srcPfn.*-1/);
  });

  test('bounds, type and value errors name the bad value', () => {
    const mem = new PhysicalMemory({ size: 2 * FRAME });
    expect(() => mem.read8(2 * FRAME)).toThrow(RangeError);
    expect(() => mem.read8(2 * FRAME)).toThrow('0x2000');
    expect(() => mem.read32(2 * FRAME - 3)).toThrow('0x1ffd');
    expect(() => mem.read16(-1)).toThrow(/-1/);
    expect(() => mem.read64(2 * FRAME - 7)).toThrow(RangeError);
    expect(() => mem.write64(2 * FRAME - 7, 0n)).toThrow(RangeError);
    expect(() => mem.read8(1.5)).toThrow(/1\.5/);
    expect(() => mem.read8(Number.NaN)).toThrow(RangeError);
    expect(() => mem.read8('0' as never)).toThrow(TypeError);
    expect(() => mem.readBytes(FRAME, new Uint8Array(FRAME + 1))).toThrow(RangeError);
    expect(() => mem.writeBytes(0, [1, 2] as never)).toThrow(TypeError);
    expect(() => mem.frameWords(2)).toThrow(/pfn.*2/);
    expect(() => mem.frameBytes(-1)).toThrow(RangeError);
    expect(() => mem.frameWords(0.5)).toThrow(RangeError);
    expect(() => mem.frameWords('0' as never)).toThrow(TypeError);
    expect(() => mem.write8(0, 256)).toThrow(/256/);
    expect(() => mem.write8(0, -1)).toThrow(RangeError);
    expect(() => mem.write16(0, 0x10000)).toThrow(RangeError);
    expect(() => mem.write32(0, 2 ** 32)).toThrow(RangeError);
    expect(() => mem.write32(0, 1.5)).toThrow(RangeError);
    expect(() => mem.write32(0, '1' as never)).toThrow(TypeError);
    expect(() => mem.write64(0, 1 as never)).toThrow(TypeError);
    expect(() => mem.write64(0, -1n)).toThrow(/-1n/);
    expect(() => mem.write64(0, 2n ** 64n)).toThrow(RangeError);
    expect(() => mem.write64Parts(0, 2 ** 32, 0)).toThrow(/hi/);
    expect(() => mem.read64Parts(0, new Uint32Array(1))).toThrow(TypeError);
    // Nothing was written by the failed calls.
    expect(mem.materialisedFrames).toBe(0);
  });

  test.each([
    [{ size: 0 }, RangeError],
    [{ size: 4095 }, RangeError],
    [{ size: 4097 }, RangeError],
    [{ size: MAX_PHYSICAL_MEMORY_SIZE + FRAME }, RangeError],
    [{ size: '4096' }, TypeError],
    [{}, TypeError],
    [{ size: FRAME, buffer: new ArrayBuffer(FRAME) }, TypeError],
    [{ buffer: new ArrayBuffer(100) }, RangeError],
    [{ buffer: new Uint8Array(FRAME) }, TypeError],
    [null, TypeError],
  ])('constructor rejects %o', (options, error) => {
    expect(() => new PhysicalMemory(options as never)).toThrow(error);
  });

  test('rejects a resizable buffer', () => {
    const Resizable = ArrayBuffer as unknown as new (
      n: number,
      o: { maxByteLength: number },
    ) => ArrayBuffer;
    expect(
      () => new PhysicalMemory({ buffer: new Resizable(FRAME, { maxByteLength: 2 * FRAME }) }),
    ).toThrow(/resizable/);
  });

  test('supports 2^44 bytes, the documented maximum', () => {
    const mem = new PhysicalMemory({ size: MAX_PHYSICAL_MEMORY_SIZE });
    expect(mem.frameCount).toBe(2 ** 32);
    const top = MAX_PHYSICAL_MEMORY_SIZE - 8;
    mem.write64(top, 0xfedc_ba98_7654_3210n);
    expect(mem.read64(top)).toBe(0xfedc_ba98_7654_3210n);
    expect(mem.frameWords(2 ** 32 - 1)[1023]).toBe(0xfedc_ba98);
    expect(mem.read32(2 ** 40)).toBe(0);
    expect(mem.materialisedFrames).toBe(1);
    expect(() => mem.read8(MAX_PHYSICAL_MEMORY_SIZE)).toThrow(RangeError);
  });

  describe('chunk views (chunkWords)', () => {
    const CHUNK = 2 ** CHUNK_FRAME_BITS; // frames per chunk

    test('a chunk is its frames one after the other, over the same storage', () => {
      const mem = new PhysicalMemory({ size: 2 ** 32 });
      expect(mem.chunkFrameBits).toBe(10);
      expect(mem.chunkCount).toBe(2 ** 20 / CHUNK);
      const pfn = 3 * CHUNK + 5;
      mem.write32(pfn * FRAME + 8, 0x1234_5678);
      const chunk = mem.chunkWords(3);
      expect(chunk).toBeInstanceOf(Uint32Array);
      expect(chunk.length).toBe(CHUNK * 1024);
      expect(mem.chunkWords(3)).toBe(chunk);
      // Word 2 of frame 5 of the chunk.
      expect(chunk[5 * 1024 + 2]).toBe(0x1234_5678);
      // Writes through the chunk are seen by every other accessor, also for frames
      // that were never touched before.
      chunk[7 * 1024 + 1023] = 0xdead_beef;
      expect(mem.read32((3 * CHUNK + 7) * FRAME + 4092)).toBe(0xdead_beef);
      expect(mem.frameWords(3 * CHUNK + 7)[1023]).toBe(0xdead_beef);
      expect(mem.read8((3 * CHUNK + 7) * FRAME + 4095)).toBe(0xde);
      mem.frameWords(pfn)[0] = 0x55;
      expect(chunk[5 * 1024]).toBe(0x55);
      // Frame views are views of the chunk's buffer, where the chunk says.
      const words = mem.frameWords(pfn);
      expect(words.buffer).toBe(chunk.buffer);
      expect(words.byteOffset).toBe(chunk.byteOffset + 5 * FRAME);
      // Other chunks are unaffected.
      expect(mem.read32((2 * CHUNK + 7) * FRAME + 4092)).toBe(0);
      expect(mem.chunkWords(2)[7 * 1024 + 1023]).toBe(0);
    });

    test('frames count as materialised one by one, and all at once when their chunk is handed out', () => {
      const mem = new PhysicalMemory({ size: 4 * CHUNK * FRAME });
      mem.write8(CHUNK * FRAME, 1);
      mem.write8((CHUNK + 1) * FRAME, 1);
      expect(mem.materialisedFrames).toBe(2);
      expect(mem.isMaterialised(CHUNK + 2)).toBe(false);
      mem.chunkWords(1);
      expect(mem.materialisedFrames).toBe(CHUNK);
      expect(mem.isMaterialised(CHUNK + 2)).toBe(true);
      // Touching frames of a handed-out chunk adds nothing; another chunk does.
      mem.frameWords(CHUNK + 9);
      mem.write8(2 * CHUNK * FRAME, 1);
      expect(mem.materialisedFrames).toBe(CHUNK + 1);
      expect(mem.isMaterialised(2 * CHUNK + 1)).toBe(false);
      // Zeroing a frame of a handed-out chunk clears what was written through it.
      mem.chunkWords(1)[3 * 1024] = 7;
      mem.zeroFrame(CHUNK + 3);
      expect(mem.chunkWords(1)[3 * 1024]).toBe(0);
      // An untouched chunk's frames copy as zero.
      mem.chunkWords(1)[4 * 1024] = 9;
      mem.copyFrame(CHUNK + 4, 3 * CHUNK);
      expect(mem.chunkWords(1)[4 * 1024]).toBe(0);
    });

    test('the last chunk ends with the memory', () => {
      const mem = new PhysicalMemory({ size: (CHUNK + 3) * FRAME });
      expect(mem.chunkCount).toBe(2);
      expect(mem.chunkWords(1).length).toBe(3 * 1024);
      mem.write32((CHUNK + 2) * FRAME, 42);
      expect(mem.chunkWords(1)[2 * 1024]).toBe(42);
      expect(() => mem.chunkWords(2)).toThrow(RangeError);
    });

    test('on a caller SharedArrayBuffer, chunks are views of it', () => {
      const buffer = new SharedArrayBuffer((CHUNK + 2) * FRAME);
      const mem = new PhysicalMemory({ buffer });
      const chunk = mem.chunkWords(1);
      expect(chunk.buffer).toBe(buffer);
      expect(chunk.byteOffset).toBe(CHUNK * FRAME);
      expect(chunk.length).toBe(2 * 1024);
      new DataView(buffer).setUint32((CHUNK + 1) * FRAME + 8, 0xabcd, true);
      expect(chunk[1024 + 2]).toBe(0xabcd);
      chunk[5] = 0x99;
      expect(mem.read32(CHUNK * FRAME + 20)).toBe(0x99);
      expect(mem.chunkWords(0).buffer).toBe(buffer);
      expect(mem.materialisedFrames).toBe(CHUNK + 2);
    });

    test('bad chunk numbers name the value', () => {
      const mem = new PhysicalMemory({ size: CHUNK * FRAME });
      expect(() => mem.chunkWords(1)).toThrow(/chunk.*\b1\b/);
      expect(() => mem.chunkWords(-1)).toThrow(RangeError);
      expect(() => mem.chunkWords(0.5)).toThrow(/0\.5/);
      expect(() => mem.chunkWords(Number.NaN)).toThrow(RangeError);
      expect(() => mem.chunkWords('0' as never)).toThrow(TypeError);
      expect(() => mem.chunkWords(0n as never)).toThrow(TypeError);
      expect(mem.materialisedFrames).toBe(0);
    });
  });
});
