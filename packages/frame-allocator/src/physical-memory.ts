// Simulated physical memory, sparse by 4 KiB frame.
//
// Storage comes in chunks of 1024 frames (4 MiB, CHUNK_FRAME_BITS): one ArrayBuffer
// per chunk, created when a frame of it is first written (or first viewed through
// frameWords/frameBytes), and kept for the life of the object. Each frame has a
// Uint8Array and a Uint32Array over its 4 KiB of the chunk, created on first use and
// then the same objects on every call, so the views handed out stay valid. A
// two-level directory (pfn >>> 12, pfn & 4095) finds them: one lookup array per
// 16 MiB of address space that has been touched. chunkWords(c) hands out a whole
// chunk as one Uint32Array, the view @vmem/page-table-x86_64's walker indexes
// directly (its PageTableMemory contract; this package does not import it). With a
// caller-supplied buffer the chunks and frames are views of that buffer instead.
//
// Chunks rather than frame-sized buffers: a walk then reads each table level from
// one array without looking up a frame object first. The cost is address space: a
// touched chunk reserves 4 MiB (the host commits pages as they are written, but an
// allocator may also clear the whole chunk), so frames written far apart cost up to
// 4 MiB each instead of 4 KiB.
//
// The u32 views give x86 (little-endian) values only on a little-endian host, which
// the constructor checks.

import { PAGE_SIZE_4K } from '@vmem/memory-addr';
import { checkNumber, checkOptions, show } from './check.js';
import { checkLittleEndianHost } from './host-endianness.js';

const FRAME_SIZE = PAGE_SIZE_4K;
const WORDS_PER_FRAME = FRAME_SIZE / 4;
const LEAF_BITS = 12;
const LEAF_SIZE = 1 << LEAF_BITS;
const LEAF_MASK = LEAF_SIZE - 1;

/** log2 of the frames in a chunk of storage (see chunkWords): 1024 frames, 4 MiB. */
export const CHUNK_FRAME_BITS = 10;
const CHUNK_FRAMES = 1 << CHUNK_FRAME_BITS;

/** One chunk of storage: its words and bytes, and how many of its frames count as materialised. */
class Chunk {
  /** Frames materialised one by one (sparse memory). */
  touched = 0;
  /** Handed out whole by chunkWords: every frame of it counts as materialised. */
  exposed = false;
  constructor(
    readonly words: Uint32Array,
    readonly bytes: Uint8Array,
  ) {}
}

/**
 * Largest memory size supported: 2^44 bytes (16 TiB), so every pfn is below 2^32
 * and fits the 32-bit operators of the frame directory.
 */
export const MAX_PHYSICAL_MEMORY_SIZE = 0x1000_0000_0000;

/** Either `size` (sparse memory of its own) or `buffer` (the caller's memory). */
export interface PhysicalMemoryOptions {
  /** Bytes of sparse memory: a multiple of 4096 in [4096, MAX_PHYSICAL_MEMORY_SIZE]. */
  readonly size?: number;
  /** An ArrayBuffer or SharedArrayBuffer (not resizable) whose byteLength is a multiple of 4096. */
  readonly buffer?: ArrayBuffer | SharedArrayBuffer;
}

type Leaf<T> = Array<T | null>;

function newArray<T>(length: number): Array<T | null> {
  // Filled by push so the engine keeps fast packed elements (new Array(n) of a large
  // n may start out as a dictionary).
  const array: Array<T | null> = [];
  for (let i = 0; i < length; i++) array.push(null);
  return array;
}

function hexAddr(value: number): string {
  return `0x${value.toString(16)}`;
}

/**
 * Byte-addressed simulated RAM with x86 (little-endian) accessors.
 *
 * Every access is bounds-checked (RangeError naming the address). No alignment is
 * required: like x86, 16-, 32- and 64-bit accesses may be unaligned, even across a
 * frame boundary; naturally aligned ones take the fast path. Values written are
 * checked, never masked: write8 takes 0..255, write16 0..65535, write32 0..2^32-1.
 */
export class PhysicalMemory {
  /** Size in bytes. */
  readonly size: number;
  /** Number of 4 KiB frames (size / 4096). */
  readonly frameCount: number;
  /** The caller's buffer, or null for sparse memory. */
  readonly buffer: ArrayBuffer | SharedArrayBuffer | null;
  /** log2 of the frames per chunk that chunkWords hands out (CHUNK_FRAME_BITS). */
  readonly chunkFrameBits: number = CHUNK_FRAME_BITS;
  /** Number of chunks (the last one may hold fewer frames). */
  readonly chunkCount: number;
  private readonly wordLeaves: Array<Leaf<Uint32Array> | null>;
  private readonly byteLeaves: Array<Leaf<Uint8Array> | null>;
  private readonly chunks: Map<number, Chunk> = new Map();
  private sparseFrames = 0;

  constructor(options: PhysicalMemoryOptions) {
    checkLittleEndianHost();
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options must be { size } or { buffer }, got ${show(options)}`);
    }
    checkOptions('options', options);
    const { size, buffer } = options;
    if ((size === undefined) === (buffer === undefined)) {
      throw new TypeError('options must have exactly one of size and buffer');
    }
    if (buffer !== undefined) {
      const tag = Object.prototype.toString.call(buffer);
      if (tag !== '[object ArrayBuffer]' && tag !== '[object SharedArrayBuffer]') {
        throw new TypeError(`buffer must be an ArrayBuffer or SharedArrayBuffer, got ${tag}`);
      }
      const flags = buffer as { readonly resizable?: boolean; readonly growable?: boolean };
      if (flags.resizable === true || flags.growable === true) {
        throw new TypeError(
          'buffer must not be resizable or growable: frame views must keep their size',
        );
      }
      this.checkSize('buffer.byteLength', buffer.byteLength);
      this.size = buffer.byteLength;
      this.buffer = buffer;
    } else {
      this.checkSize('size', size);
      this.size = size as number;
      this.buffer = null;
    }
    this.frameCount = this.size / FRAME_SIZE;
    this.chunkCount = Math.ceil(this.frameCount / CHUNK_FRAMES);
    const leaves = Math.ceil(this.frameCount / LEAF_SIZE);
    this.wordLeaves = newArray(leaves);
    this.byteLeaves = newArray(leaves);
  }

  /**
   * The 1024 little-endian u32 words of frame `pfn`, created zero-filled on first use
   * (a view of the caller's buffer when there is one). The same Uint32Array is
   * returned on every call, so callers may keep it.
   */
  frameWords(pfn: number): Uint32Array {
    // Here and below, typeof comes first: on a bigint the bitwise test would throw
    // the engine's own TypeError instead of the one naming the argument.
    if (typeof pfn !== 'number' || pfn >>> 0 !== pfn || pfn >= this.frameCount)
      this.throwBadFrame('pfn', pfn);
    const leaf = this.wordLeaves[pfn >>> LEAF_BITS];
    if (leaf !== null) {
      const words = leaf[pfn & LEAF_MASK];
      if (words !== null) return words;
    }
    this.materialise(pfn);
    return this.wordLeaves[pfn >>> LEAF_BITS]![pfn & LEAF_MASK]!;
  }

  /** The 4096 bytes of frame `pfn`: the same storage as frameWords, same caching. */
  frameBytes(pfn: number): Uint8Array {
    if (typeof pfn !== 'number' || pfn >>> 0 !== pfn || pfn >= this.frameCount)
      this.throwBadFrame('pfn', pfn);
    const leaf = this.byteLeaves[pfn >>> LEAF_BITS];
    if (leaf !== null) {
      const bytes = leaf[pfn & LEAF_MASK];
      if (bytes !== null) return bytes;
    }
    this.materialise(pfn);
    return this.byteLeaves[pfn >>> LEAF_BITS]![pfn & LEAF_MASK]!;
  }

  /**
   * The words of chunk `chunk`: frames [chunk * 1024, chunk * 1024 + 1024) one after
   * the other (fewer in the last chunk when frameCount is not a multiple of 1024),
   * over the same storage as frameWords and frameBytes. The same Uint32Array on
   * every call. Every frame of the chunk counts as materialised from then on: its
   * storage is in the caller's hands.
   */
  chunkWords(chunk: number): Uint32Array {
    if (typeof chunk !== 'number' || chunk >>> 0 !== chunk || chunk >= this.chunkCount) {
      checkNumber('chunk', chunk);
      throw new RangeError(
        `chunk must be an integer chunk number in [0, ${this.chunkCount}), got ${show(chunk)}`,
      );
    }
    const c = this.chunk(chunk);
    if (!c.exposed) {
      c.exposed = true;
      if (this.buffer === null) this.sparseFrames += c.words.length / WORDS_PER_FRAME - c.touched;
    }
    return c.words;
  }

  /** True when frame `pfn` has storage (always, with a caller buffer). */
  isMaterialised(pfn: number): boolean {
    if (typeof pfn !== 'number' || pfn >>> 0 !== pfn || pfn >= this.frameCount)
      this.throwBadFrame('pfn', pfn);
    if (this.buffer !== null) return true;
    return (
      this.lookupBytes(pfn) !== null || this.chunks.get(pfn >>> CHUNK_FRAME_BITS)?.exposed === true
    );
  }

  /**
   * Frames with storage: those touched so far (every frame of a chunk handed out by
   * chunkWords), or every frame with a caller buffer.
   */
  get materialisedFrames(): number {
    return this.buffer !== null ? this.frameCount : this.sparseFrames;
  }

  read8(pa: number): number {
    if (typeof pa !== 'number' || !(pa >= 0 && pa < this.size) || pa % 1 !== 0) {
      this.throwBadAddress(pa, 1);
    }
    const pfn = Math.floor(pa / FRAME_SIZE);
    const bytes = this.bytesForRead(pfn);
    return bytes === null ? 0 : bytes[pa - pfn * FRAME_SIZE];
  }

  read16(pa: number): number {
    if (typeof pa !== 'number' || !(pa >= 0 && pa <= this.size - 2) || pa % 1 !== 0) {
      this.throwBadAddress(pa, 2);
    }
    const pfn = Math.floor(pa / FRAME_SIZE);
    const off = pa - pfn * FRAME_SIZE;
    if (off > FRAME_SIZE - 2) return this.readSlow(pa, 2);
    const bytes = this.bytesForRead(pfn);
    return bytes === null ? 0 : bytes[off] | (bytes[off + 1] << 8);
  }

  read32(pa: number): number {
    if (typeof pa !== 'number' || !(pa >= 0 && pa <= this.size - 4) || pa % 1 !== 0) {
      this.throwBadAddress(pa, 4);
    }
    const pfn = Math.floor(pa / FRAME_SIZE);
    const off = pa - pfn * FRAME_SIZE;
    if ((off & 3) === 0) {
      const words = this.wordsForRead(pfn);
      return words === null ? 0 : words[off >>> 2];
    }
    if (off > FRAME_SIZE - 4) return this.readSlow(pa, 4);
    const b = this.bytesForRead(pfn);
    if (b === null) return 0;
    return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16)) + b[off + 3] * 0x100_0000;
  }

  /** The u64 at `pa` as a bigint. */
  read64(pa: number): bigint {
    if (typeof pa !== 'number' || !(pa >= 0 && pa <= this.size - 8) || pa % 1 !== 0) {
      this.throwBadAddress(pa, 8);
    }
    return (BigInt(this.read32(pa + 4)) << 32n) | BigInt(this.read32(pa));
  }

  /**
   * The u64 at `pa` as two u32 halves without allocating: `out[0]` = low half (bits
   * 31:0, at pa), `out[1]` = high half (bits 63:32, at pa + 4).
   */
  read64Parts(pa: number, out: Uint32Array): void {
    if (typeof pa !== 'number' || !(pa >= 0 && pa <= this.size - 8) || pa % 1 !== 0) {
      this.throwBadAddress(pa, 8);
    }
    if (!(out instanceof Uint32Array) || out.length < 2) {
      throw new TypeError(`out must be a Uint32Array of length >= 2, got ${show(out)}`);
    }
    const pfn = Math.floor(pa / FRAME_SIZE);
    const off = pa - pfn * FRAME_SIZE;
    if ((off & 3) === 0 && off <= FRAME_SIZE - 8) {
      const words = this.wordsForRead(pfn);
      out[0] = words === null ? 0 : words[off >>> 2];
      out[1] = words === null ? 0 : words[(off >>> 2) + 1];
      return;
    }
    out[0] = this.read32(pa);
    out[1] = this.read32(pa + 4);
  }

  write8(pa: number, value: number): void {
    if (typeof pa !== 'number' || !(pa >= 0 && pa < this.size) || pa % 1 !== 0) {
      this.throwBadAddress(pa, 1);
    }
    if (typeof value !== 'number' || (value & 0xff) !== value)
      this.throwBadValue('value', value, 8);
    const pfn = Math.floor(pa / FRAME_SIZE);
    this.frameBytes(pfn)[pa - pfn * FRAME_SIZE] = value;
  }

  write16(pa: number, value: number): void {
    if (typeof pa !== 'number' || !(pa >= 0 && pa <= this.size - 2) || pa % 1 !== 0) {
      this.throwBadAddress(pa, 2);
    }
    if (typeof value !== 'number' || (value & 0xffff) !== value)
      this.throwBadValue('value', value, 16);
    const pfn = Math.floor(pa / FRAME_SIZE);
    const off = pa - pfn * FRAME_SIZE;
    if (off > FRAME_SIZE - 2) {
      this.writeSlow(pa, value, 2);
      return;
    }
    const bytes = this.frameBytes(pfn);
    bytes[off] = value;
    bytes[off + 1] = value >>> 8;
  }

  write32(pa: number, value: number): void {
    if (typeof pa !== 'number' || !(pa >= 0 && pa <= this.size - 4) || pa % 1 !== 0) {
      this.throwBadAddress(pa, 4);
    }
    if (typeof value !== 'number' || value >>> 0 !== value) this.throwBadValue('value', value, 32);
    const pfn = Math.floor(pa / FRAME_SIZE);
    const off = pa - pfn * FRAME_SIZE;
    if ((off & 3) === 0) {
      this.frameWords(pfn)[off >>> 2] = value;
    } else if (off > FRAME_SIZE - 4) {
      this.writeSlow(pa, value, 4);
    } else {
      const bytes = this.frameBytes(pfn);
      bytes[off] = value;
      bytes[off + 1] = value >>> 8;
      bytes[off + 2] = value >>> 16;
      bytes[off + 3] = value >>> 24;
    }
  }

  /** Writes a u64 given as a bigint in [0, 2^64). */
  write64(pa: number, value: bigint): void {
    if (typeof pa !== 'number' || !(pa >= 0 && pa <= this.size - 8) || pa % 1 !== 0) {
      this.throwBadAddress(pa, 8);
    }
    if (typeof value !== 'bigint') {
      throw new TypeError(`value must be a bigint, got ${typeof value} ${show(value)}`);
    }
    if (value < 0n || value > 0xffff_ffff_ffff_ffffn) {
      throw new RangeError(`value must be a u64 in [0, 2^64), got ${show(value)}`);
    }
    this.write64Parts(pa, Number(value >> 32n), Number(value & 0xffff_ffffn));
  }

  /** Writes the u64 `hi * 2^32 + lo` (two u32 halves, high first). */
  write64Parts(pa: number, hi: number, lo: number): void {
    if (typeof pa !== 'number' || !(pa >= 0 && pa <= this.size - 8) || pa % 1 !== 0) {
      this.throwBadAddress(pa, 8);
    }
    if (typeof hi !== 'number' || hi >>> 0 !== hi) this.throwBadValue('hi', hi, 32);
    if (typeof lo !== 'number' || lo >>> 0 !== lo) this.throwBadValue('lo', lo, 32);
    const pfn = Math.floor(pa / FRAME_SIZE);
    const off = pa - pfn * FRAME_SIZE;
    if ((off & 3) === 0 && off <= FRAME_SIZE - 8) {
      const words = this.frameWords(pfn);
      words[off >>> 2] = lo;
      words[(off >>> 2) + 1] = hi;
      return;
    }
    this.write32(pa, lo);
    this.write32(pa + 4, hi);
  }

  /** Copies `dest.length` bytes starting at `pa` into `dest`; untouched memory reads as 0. */
  readBytes(pa: number, dest: Uint8Array): void {
    if (!(dest instanceof Uint8Array)) {
      throw new TypeError(`dest must be a Uint8Array, got ${show(dest)}`);
    }
    this.checkRange(pa, dest.length);
    let pos = 0;
    let addr = pa;
    while (pos < dest.length) {
      const pfn = Math.floor(addr / FRAME_SIZE);
      const off = addr - pfn * FRAME_SIZE;
      const chunk = Math.min(FRAME_SIZE - off, dest.length - pos);
      const bytes = this.bytesForRead(pfn);
      if (bytes === null) dest.fill(0, pos, pos + chunk);
      else dest.set(bytes.subarray(off, off + chunk), pos);
      pos += chunk;
      addr += chunk;
    }
  }

  /** Copies `src` into memory starting at `pa`. */
  writeBytes(pa: number, src: Uint8Array): void {
    if (!(src instanceof Uint8Array)) {
      throw new TypeError(`src must be a Uint8Array, got ${show(src)}`);
    }
    this.checkRange(pa, src.length);
    let pos = 0;
    let addr = pa;
    while (pos < src.length) {
      const pfn = Math.floor(addr / FRAME_SIZE);
      const off = addr - pfn * FRAME_SIZE;
      const chunk = Math.min(FRAME_SIZE - off, src.length - pos);
      this.frameBytes(pfn).set(src.subarray(pos, pos + chunk), off);
      pos += chunk;
      addr += chunk;
    }
  }

  /** Copies frame `srcPfn` over frame `dstPfn` (an untouched source zeroes the destination). */
  copyFrame(dstPfn: number, srcPfn: number): void {
    if (typeof dstPfn !== 'number' || dstPfn >>> 0 !== dstPfn || dstPfn >= this.frameCount)
      this.throwBadFrame('dstPfn', dstPfn);
    if (typeof srcPfn !== 'number' || srcPfn >>> 0 !== srcPfn || srcPfn >= this.frameCount)
      this.throwBadFrame('srcPfn', srcPfn);
    if (dstPfn === srcPfn) return;
    const src = this.bytesForRead(srcPfn);
    if (src === null) this.zeroFrame(dstPfn);
    else this.frameBytes(dstPfn).set(src);
  }

  /** Sets every byte of frame `pfn` to `byte` (0..255). */
  fillFrame(pfn: number, byte: number): void {
    if (typeof pfn !== 'number' || pfn >>> 0 !== pfn || pfn >= this.frameCount)
      this.throwBadFrame('pfn', pfn);
    if (typeof byte !== 'number' || (byte & 0xff) !== byte) this.throwBadValue('byte', byte, 8);
    if (byte === 0) this.zeroFrame(pfn);
    else this.frameBytes(pfn).fill(byte);
  }

  /**
   * Zeroes frame `pfn`. An untouched frame stays untouched (it already reads as
   * zero); a materialised one is cleared in place and keeps its storage, because
   * callers may hold its frameWords/frameBytes views.
   */
  zeroFrame(pfn: number): void {
    if (typeof pfn !== 'number' || pfn >>> 0 !== pfn || pfn >= this.frameCount)
      this.throwBadFrame('pfn', pfn);
    const bytes = this.bytesForRead(pfn);
    if (bytes !== null) bytes.fill(0);
  }

  private lookupBytes(pfn: number): Uint8Array | null {
    const leaf = this.byteLeaves[pfn >>> LEAF_BITS];
    return leaf === null ? null : leaf[pfn & LEAF_MASK];
  }

  // Storage to read from: null means "untouched, reads as zero" (sparse memory only;
  // a caller buffer, or a chunk handed out by chunkWords, may hold data written
  // behind our back, so it always has views).
  private bytesForRead(pfn: number): Uint8Array | null {
    const leaf = this.byteLeaves[pfn >>> LEAF_BITS];
    if (leaf !== null) {
      const bytes = leaf[pfn & LEAF_MASK];
      if (bytes !== null) return bytes;
    }
    return this.readsStorage(pfn) ? this.frameBytes(pfn) : null;
  }

  private wordsForRead(pfn: number): Uint32Array | null {
    const leaf = this.wordLeaves[pfn >>> LEAF_BITS];
    if (leaf !== null) {
      const words = leaf[pfn & LEAF_MASK];
      if (words !== null) return words;
    }
    return this.readsStorage(pfn) ? this.frameWords(pfn) : null;
  }

  // True when an untouched frame `pfn` must still be read from storage.
  private readsStorage(pfn: number): boolean {
    return this.buffer !== null || this.chunks.get(pfn >>> CHUNK_FRAME_BITS)?.exposed === true;
  }

  // The chunk's storage, created zero-filled (or as a view of the caller's buffer).
  private chunk(chunk: number): Chunk {
    let c = this.chunks.get(chunk);
    if (c === undefined) {
      const first = chunk * CHUNK_FRAMES;
      const bytes = Math.min(CHUNK_FRAMES, this.frameCount - first) * FRAME_SIZE;
      const buffer = this.buffer ?? new ArrayBuffer(bytes);
      const offset = this.buffer === null ? 0 : first * FRAME_SIZE;
      c = new Chunk(
        new Uint32Array(buffer, offset, bytes / 4),
        new Uint8Array(buffer, offset, bytes),
      );
      this.chunks.set(chunk, c);
    }
    return c;
  }

  private materialise(pfn: number): void {
    const top = pfn >>> LEAF_BITS;
    let wordLeaf = this.wordLeaves[top];
    let byteLeaf = this.byteLeaves[top];
    if (wordLeaf === null || byteLeaf === null) {
      wordLeaf = this.wordLeaves[top] = newArray(LEAF_SIZE);
      byteLeaf = this.byteLeaves[top] = newArray(LEAF_SIZE);
    }
    const c = this.chunk(pfn >>> CHUNK_FRAME_BITS);
    const offset = c.bytes.byteOffset + (pfn & (CHUNK_FRAMES - 1)) * FRAME_SIZE;
    if (this.buffer === null && !c.exposed) {
      this.sparseFrames++;
      c.touched++;
    }
    byteLeaf[pfn & LEAF_MASK] = new Uint8Array(c.bytes.buffer, offset, FRAME_SIZE);
    wordLeaf[pfn & LEAF_MASK] = new Uint32Array(c.bytes.buffer, offset, WORDS_PER_FRAME);
  }

  // Little-endian composition byte by byte, for accesses that cross a frame.
  private readSlow(pa: number, width: number): number {
    let value = 0;
    for (let i = width - 1; i >= 0; i--) value = value * 256 + this.read8(pa + i);
    return value;
  }

  private writeSlow(pa: number, value: number, width: number): void {
    for (let i = 0; i < width; i++) this.write8(pa + i, (value >>> (8 * i)) & 0xff);
  }

  private checkSize(name: string, size: unknown): void {
    checkNumber(name, size);
    if (
      !Number.isInteger(size) ||
      size < FRAME_SIZE ||
      size > MAX_PHYSICAL_MEMORY_SIZE ||
      size % FRAME_SIZE !== 0
    ) {
      throw new RangeError(`${name} must be a multiple of 4096 in [4096, 2^44], got ${show(size)}`);
    }
  }

  private checkRange(pa: number, length: number): void {
    if (typeof pa !== 'number' || !(pa >= 0 && pa <= this.size - length) || pa % 1 !== 0) {
      this.throwBadAddress(pa, length);
    }
  }

  private throwBadAddress(pa: unknown, width: number): never {
    checkNumber('physical address', pa);
    if (!Number.isInteger(pa)) {
      throw new RangeError(`physical address must be an integer, got ${show(pa)}`);
    }
    throw new RangeError(
      `physical address ${pa < 0 ? show(pa) : hexAddr(pa)} (+${width} bytes) is outside memory of ${hexAddr(this.size)} bytes`,
    );
  }

  private throwBadFrame(name: string, pfn: unknown): never {
    checkNumber(name, pfn);
    throw new RangeError(
      `${name} must be an integer frame number in [0, ${this.frameCount}), got ${show(pfn)}`,
    );
  }

  private throwBadValue(name: string, value: unknown, bits: number): never {
    checkNumber(name, value);
    throw new RangeError(`${name} must be an integer in [0, 2^${bits}), got ${show(value)}`);
  }
}
