// A small ELF64 little-endian reader: the file header and program headers, which
// is all an exec loader needs. Written here rather than taken from npm because the
// registry's ELF parsers target Node Buffers and 32/64-bit section parsing; this
// one reads a Uint8Array (browser-safe), checks every offset, and is ~100 lines.

export const ET = { EXEC: 2, DYN: 3 } as const;
export const PT = {
  LOAD: 1,
  DYNAMIC: 2,
  INTERP: 3,
  NOTE: 4,
  PHDR: 6,
  GNU_STACK: 0x6474e551,
} as const;
export const PF = { X: 1, W: 2, R: 4 } as const;

export interface ElfProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

export interface ElfImage {
  type: number;
  machine: number;
  entry: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  phdrs: ElfProgramHeader[];
  /** PT_INTERP's path, if any. */
  interp: string | null;
  /** PT_GNU_STACK asks for an executable stack. */
  execStack: boolean;
}

/** Thrown for bytes that are not a loadable x86_64 ELF64 file. */
export class ElfFormatError extends Error {
  override name = 'ElfFormatError';
}

function u64(view: DataView, at: number): number {
  const lo = view.getUint32(at, true);
  const hi = view.getUint32(at + 4, true);
  const value = hi * 2 ** 32 + lo;
  if (!Number.isSafeInteger(value))
    throw new ElfFormatError(`a 64-bit field at 0x${at.toString(16)} is past 2^53`);
  return value;
}

/** Parse the headers of an x86_64 ELF64 executable or shared object. */
export function parseElf(bytes: Uint8Array): ElfImage {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`bytes must be a Uint8Array, got ${Object.prototype.toString.call(bytes)}`);
  }
  if (
    bytes.length < 64 ||
    bytes[0] !== 0x7f ||
    bytes[1] !== 0x45 ||
    bytes[2] !== 0x4c ||
    bytes[3] !== 0x46
  ) {
    throw new ElfFormatError('not an ELF file (bad magic)');
  }
  if (bytes[4] !== 2) throw new ElfFormatError('not a 64-bit ELF file');
  if (bytes[5] !== 1) throw new ElfFormatError('not a little-endian ELF file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint16(16, true);
  const machine = view.getUint16(18, true);
  if (type !== ET.EXEC && type !== ET.DYN)
    throw new ElfFormatError(`ELF type ${type} is not executable`);
  if (machine !== 62) throw new ElfFormatError(`ELF machine ${machine} is not x86_64`);
  const entry = u64(view, 24);
  const phoff = u64(view, 32);
  const phentsize = view.getUint16(54, true);
  const phnum = view.getUint16(56, true);
  if (phentsize !== 56) throw new ElfFormatError(`program header size ${phentsize} is not 56`);
  if (phnum === 0 || phnum > 65536 / 56 || phoff + phnum * 56 > bytes.length) {
    throw new ElfFormatError('program headers lie outside the file');
  }
  const phdrs: ElfProgramHeader[] = [];
  let interp: string | null = null;
  let execStack = false;
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * 56;
    const ph: ElfProgramHeader = {
      type: view.getUint32(at, true),
      flags: view.getUint32(at + 4, true),
      offset: u64(view, at + 8),
      vaddr: u64(view, at + 16),
      filesz: u64(view, at + 32),
      memsz: u64(view, at + 40),
      align: u64(view, at + 48),
    };
    if (ph.type === PT.LOAD && (ph.filesz > ph.memsz || ph.offset + ph.filesz > bytes.length)) {
      throw new ElfFormatError(`PT_LOAD ${i} reaches past the end of the file`);
    }
    if (ph.type === PT.INTERP) {
      if (ph.offset + ph.filesz > bytes.length || ph.filesz < 2)
        throw new ElfFormatError('bad PT_INTERP');
      const raw = bytes.subarray(ph.offset, ph.offset + ph.filesz - 1);
      interp = new TextDecoder().decode(raw);
    }
    if (ph.type === PT.GNU_STACK) execStack = (ph.flags & PF.X) !== 0;
    phdrs.push(ph);
  }
  if (!phdrs.some((p) => p.type === PT.LOAD)) throw new ElfFormatError('no PT_LOAD segment');
  return { type, machine, entry, phoff, phentsize, phnum, phdrs, interp, execStack };
}
