// Hostile input for every export of the CLI package (issue #6): random and
// mutated bytes where an ELF goes (a real executable cut, with bytes flipped in
// its headers, or anything), mutated real traces and saved states written to
// files, paths that do not exist or are directories, option bags of the wrong
// shape. Each call either answers correctly or fails with its documented error:
// ElfFormatError for bytes that are not a loadable ELF, ExecError when the loader
// cannot build the address space, UsageError for a user's mistake at the command
// line (a file that cannot be read, written or parsed), TypeError/RangeError for
// API misuse — never an engine error. Commands write through a `write` option,
// so the test prints nothing.
//
// Documented exceptions: formatDev is an unchecked helper (checked on valid
// device numbers); an object parameter given a non-object may fail with the
// engine's TypeError.
//
// Inputs tried (seed 11001): 2,226 calls: parseElf 400 (the host's /usr/bin/true
// cut or with header bytes changed, random bytes, non-bytes), execElf 150,
// openExecFile / execOnFreshMachine / execCommand 60, formatDev 300, loadTrace /
// replayFileOnFreshMachine 80, replayCommand 60 and demoCommand 6, mutated saved
// states through checkState / dumpAreas / dumpPageTable / stateCommand 300 runs,
// saveState / addressSpacePicture / pageTableStats 150 runs.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  BitmapFrameAllocator,
  PhysicalMemory,
  RefCountedFrameAllocator,
} from '@vmem/frame-allocator';
import { MemoryFile, MmStruct, PageTablePteStore, renderMaps } from '@vmem/mm';
import { PageTable } from '@vmem/page-table-x86_64';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import * as pkg from './index.js';
import {
  addressSpacePicture,
  checkState,
  demoCommand,
  dumpAreas,
  dumpPageTable,
  ElfFormatError,
  ExecError,
  execCommand,
  execElf,
  execOnFreshMachine,
  formatDev,
  loadTrace,
  openExecFile,
  PT,
  pageTableStats,
  parseElf,
  replayCommand,
  replayFileOnFreshMachine,
  saveState,
  stateCommand,
  UsageError,
} from './index.js';

const SEED = 11_001;

// ------------------------------------------------------------------ outcomes

// Messages of errors the engine raises by itself (a property read on undefined, a
// BigInt mixed into arithmetic, a runaway recursion): a TypeError or RangeError with
// one of these escaped validation instead of being thrown on purpose.
const ENGINE_ERROR =
  /Cannot (read|set) propert|Cannot convert|Cannot mix BigInt|Cannot use 'in'|Cannot destructure|is not a function|is not iterable|is not a constructor|is not callable|Maximum call stack|Invalid (typed )?array length|Invalid string length|Invalid count value|Array buffer allocation|cannot be converted to a BigInt|Division by zero|Offset is outside|should be a multiple of|radix must be|Reduce of empty array/;

type ErrorClass = abstract new (...args: never[]) => Error;
type Outcome =
  | { readonly threw: false; readonly value: unknown }
  | { readonly threw: true; readonly error: unknown };

/** Runs `call`; a throw must be one of `documented` or a deliberate TypeError/RangeError. */
function attempt(
  what: string,
  call: () => unknown,
  options: { documented?: readonly ErrorClass[]; wrongType?: boolean } = {},
): Outcome {
  try {
    return { threw: false, value: call() };
  } catch (error) {
    const typed = error instanceof TypeError || error instanceof RangeError;
    const ok =
      (typed && !ENGINE_ERROR.test((error as Error).message)) ||
      (options.wrongType === true && error instanceof TypeError) ||
      (options.documented ?? []).some((c) => error instanceof c);
    if (!ok) {
      const shown =
        error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
      throw new Error(`${what} threw an undocumented ${shown}`, { cause: error });
    }
    return { threw: true, error };
  }
}

let tried = 0;
/** Calls that answered (not threw), per function: the success paths must be reached too. */
const answered = new Map<string, number>();
function ok(name: string): void {
  answered.set(name, (answered.get(name) ?? 0) + 1);
}

// ------------------------------------------------------------------- inputs

const ROOT = join(import.meta.dirname, '../../..');
const TRACE_FIXTURES = join(ROOT, 'packages/mm/test/fixtures/traces');
const TRUE_PATH = '/usr/bin/true';
const LOADER_PATH = '/lib64/ld-linux-x86-64.so.2';
const hasTrue = (() => {
  try {
    readFileSync(TRUE_PATH);
    readFileSync(LOADER_PATH);
    return true;
  } catch {
    return false;
  }
})();
/** A real executable (when the host has one) and a minimal valid ELF written here. */
const TRUE_BYTES: Uint8Array = hasTrue ? new Uint8Array(readFileSync(TRUE_PATH)) : minimalElf();

/** The smallest loadable static ELF64: a header and one PT_LOAD of the file's first page. */
function minimalElf(): Uint8Array {
  const b = new Uint8Array(4096);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 62, true); // x86_64
  v.setUint32(24, 0x40_1000, true); // entry
  v.setUint32(32, 64, true); // phoff
  v.setUint16(54, 56, true); // phentsize
  v.setUint16(56, 1, true); // phnum
  v.setUint32(64, PT.LOAD, true);
  v.setUint32(68, 5, true); // R+X
  v.setUint32(80, 0x40_0000, true); // vaddr
  v.setUint32(96, 4096, true); // filesz
  v.setUint32(104, 4096, true); // memsz
  v.setUint32(112, 4096, true); // align
  return b;
}

/** ELF bytes: the real one cut, with header or program-header bytes changed, or random. */
const elfBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(TRUE_BYTES) },
  { weight: 2, arbitrary: fc.nat().map((n) => TRUE_BYTES.slice(0, n % (TRUE_BYTES.length + 1))) },
  {
    weight: 6,
    arbitrary: fc
      .array(
        fc.tuple(fc.integer({ min: 0, max: 64 + 13 * 56 }), fc.integer({ min: 0, max: 255 })),
        {
          minLength: 1,
          maxLength: 4,
        },
      )
      .map((edits) => {
        const b = TRUE_BYTES.slice();
        for (const [at, byte] of edits) b[at] = byte;
        return b;
      }),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
);

const TRACE_TEXT = gunzipSync(readFileSync(join(TRACE_FIXTURES, 'fuzz/anon-1.jsonl.gz')))
  .toString('utf8')
  .split('\n')
  .slice(0, 40)
  .join('\n');

/** Trace text: the real one, cut, with a character changed, or random. */
const traceText: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(TRACE_TEXT) },
  { weight: 2, arbitrary: fc.nat().map((n) => TRACE_TEXT.slice(0, n % TRACE_TEXT.length)) },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 1 })).map(([n, c]) => {
      const at = n % TRACE_TEXT.length;
      return TRACE_TEXT.slice(0, at) + c + TRACE_TEXT.slice(at + 1);
    }),
  },
  { weight: 1, arbitrary: fc.string() },
);

const dir = mkdtempSync(join(tmpdir(), 'vmm-hostile-'));
mkdirSync(join(dir, 'a-directory'));
let fileNo = 0;
/** Writes `data` to a fresh file in the scratch directory and returns its path. */
function scratch(data: string | Uint8Array): string {
  const path = join(dir, `f${fileNo++}`);
  writeFileSync(path, data);
  return path;
}
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A path: a file with the given content (plain or gzip), none, a directory, or not a string. */
function pathTo(content: fc.Arbitrary<string | Uint8Array>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: content.map((c) => ({ write: c })) },
    { weight: 2, arbitrary: content.map((c) => ({ write: gzipSync(c) })) },
    { weight: 1, arbitrary: content.map((c) => ({ write: gzipSync(c).subarray(0, 30) })) },
    {
      weight: 2,
      arbitrary: fc.constantFrom<unknown>(
        join(dir, 'missing'),
        join(dir, 'a-directory'),
        '',
        5,
        undefined,
      ),
    },
  );
}
function resolvePath(spec: unknown): unknown {
  if (typeof spec === 'object' && spec !== null && 'write' in spec) {
    return scratch((spec as { write: string | Uint8Array }).write);
  }
  return spec;
}

/** A fresh machine and an empty address space with real page tables. */
function freshMm(): {
  mm: MmStruct;
  frames: RefCountedFrameAllocator;
  table: PageTable;
  memory: PhysicalMemory;
} {
  const memory = new PhysicalMemory({ size: 2 ** 28 });
  const frames = new RefCountedFrameAllocator(new BitmapFrameAllocator({ frames: 2 ** 16 }));
  const table = new PageTable({ memory, frames });
  const mm = new MmStruct({
    frames,
    memory,
    pteStore: new PageTablePteStore(table),
    layout: { mmapBase: 0x7fff_f7ff_f000, mmapMinAddr: 0x1_0000 },
  });
  return { mm, frames, table, memory };
}

// --------------------------------------------------------------------- table

const CONSTANT = 'constant';
const BELOW = 'tested below';

/** Every runtime export of index.ts: a constant, or the test below that covers it. */
const EXPORTS = {
  BUNDLED_TRACE: CONSTANT,
  ET: CONSTANT,
  PF: CONSTANT,
  PT: CONSTANT,
  AT: CONSTANT,
  ElfFormatError: BELOW,
  ExecError: BELOW,
  UsageError: BELOW,
  parseElf: BELOW,
  execElf: BELOW,
  openExecFile: BELOW,
  execOnFreshMachine: BELOW,
  execCommand: BELOW,
  formatDev: BELOW,
  loadTrace: BELOW,
  replayFileOnFreshMachine: BELOW,
  replayCommand: BELOW,
  demoCommand: BELOW,
  saveState: BELOW,
  checkState: BELOW,
  dumpAreas: BELOW,
  dumpPageTable: BELOW,
  stateCommand: BELOW,
  addressSpacePicture: BELOW,
  pageTableStats: BELOW,
} satisfies Record<keyof typeof pkg, typeof CONSTANT | typeof BELOW>;

const seen = new Set<string>();
/** One input tried, on the exports it exercises. */
function cover(...names: (keyof typeof EXPORTS)[]): void {
  for (const name of names) seen.add(name);
  tried++;
}

test('every runtime export of index.ts has an entry in the table', () => {
  expect(Object.keys(pkg).sort()).toEqual(Object.keys(EXPORTS).sort());
});

describe('ELF', () => {
  test('parseElf: an image whose headers lie inside the file, or ElfFormatError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 9, arbitrary: elfBytes },
          {
            weight: 1,
            arbitrary: fc.constantFrom<unknown>(
              undefined,
              null,
              [0x7f],
              'ELF',
              new ArrayBuffer(64),
            ),
          },
        ),
        (bytes) => {
          cover('parseElf', 'ElfFormatError');
          const out = attempt('parseElf', () => parseElf(bytes as Uint8Array), {
            documented: [ElfFormatError],
          });
          if (!(bytes instanceof Uint8Array)) {
            expect(out.threw && out.error instanceof TypeError).toBe(true);
            return;
          }
          if (out.threw) return;
          const image = out.value as ReturnType<typeof parseElf>;
          expect(image.phdrs.length).toBe(image.phnum);
          expect(image.phoff + image.phnum * 56 <= bytes.length).toBe(true);
          for (const ph of image.phdrs) {
            if (ph.type === PT.LOAD)
              expect(ph.offset + ph.filesz <= bytes.length && ph.filesz <= ph.memsz).toBe(true);
          }
        },
      ),
      { numRuns: 400, seed: SEED },
    );
  });

  test('execElf: a loaded address space or ElfFormatError / ExecError; nothing leaks', () => {
    const loader = hasTrue ? new Uint8Array(readFileSync(LOADER_PATH)) : minimalElf();
    fc.assert(
      fc.property(
        elfBytes,
        fc.record(
          {
            argv: fc.oneof(
              fc.array(fc.string({ maxLength: 20 }), { maxLength: 4 }),
              fc.constantFrom<unknown>(undefined, 'true', [5]),
            ),
            envp: fc.oneof(
              fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
              fc.constant(undefined),
            ),
            random: fc.constantFrom<unknown>(undefined, new Uint8Array(16), new Uint8Array(3)),
            interpreter: fc.constantFrom('loader', 'loader', 'fails', 'none'),
          },
          { requiredKeys: ['interpreter'] },
        ),
        (bytes, spec) => {
          cover('execElf', 'ExecError');
          const { mm, frames } = freshMm();
          const file = new MemoryFile({
            path: '/bin/x',
            ino: 1,
            size: bytes.length,
            writable: false,
            fill: (pgoff, page) => page.set(bytes.subarray(pgoff * 4096, pgoff * 4096 + 4096)),
          });
          const loaderFile = new MemoryFile({
            path: '/lib/ld',
            ino: 2,
            size: loader.length,
            writable: false,
            fill: (pgoff, page) => page.set(loader.subarray(pgoff * 4096, pgoff * 4096 + 4096)),
          });
          const options = {
            argv: spec.argv,
            envp: spec.envp,
            random: spec.random,
            openInterpreter:
              spec.interpreter === 'loader'
                ? () => ({ bytes: loader, file: loaderFile })
                : spec.interpreter === 'fails'
                  ? () => {
                      throw new ExecError('no interpreter here');
                    }
                  : undefined,
          };
          const argvOk = Array.isArray(spec.argv) && spec.argv.every((a) => typeof a === 'string');
          const out = attempt('execElf', () => execElf(mm, { bytes, file }, options as never), {
            documented: [ElfFormatError, ExecError],
            wrongType: !argvOk,
          });
          if (!out.threw) {
            ok('execElf');
            mm.checkInvariants();
            const r = out.value as { sp: number; entry: number };
            expect(r.sp % 16).toBe(0);
            for (const line of renderMaps(mm))
              expect(line).toMatch(/^[0-9a-f]+-[0-9a-f]+ [r-][w-][x-][sp] /);
          }
          mm.destroy();
          mm.pageCache.clear();
          // Everything back, the page-table root included (mm.destroy destroys the table).
          expect(frames.usedFrames).toBe(0);
        },
      ),
      { numRuns: 150, seed: SEED },
    );
  });

  test('openExecFile, execOnFreshMachine, execCommand: paths of any kind', () => {
    fc.assert(
      fc.property(
        pathTo(elfBytes),
        fc.constantFrom<unknown>(undefined, ['x'], ['a', 'b'], 5),
        fc.constantFrom('open', 'fresh', 'command'),
        (spec, args, which) => {
          const path = resolvePath(spec);
          const written: string[] = [];
          const what = `${which}(${typeof spec === 'object' ? 'file' : String(spec)})`;
          const out = attempt(
            what,
            () => {
              if (which === 'open') {
                cover('openExecFile');
                return openExecFile(path as string);
              }
              if (which === 'fresh') {
                cover('execOnFreshMachine');
                return execOnFreshMachine(path as string, (args ?? []) as string[]);
              }
              cover('execCommand');
              return execCommand(path as string, (args ?? []) as string[], {
                write: (l) => written.push(l),
                json: true,
              });
            },
            { documented: [UsageError, ExecError], wrongType: typeof args === 'number' },
          );
          seen.add('UsageError');
          if (!out.threw) ok(which);
          if (!out.threw && which === 'command') {
            expect(out.value).toBe(0);
            expect(() => JSON.parse(written[0])).not.toThrow();
          }
        },
      ),
      { numRuns: 60, seed: SEED },
    );
  });

  test('formatDev: MM:mm of new_decode_dev for device numbers', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 2 ** 32 - 1 }),
          fc.constantFrom<unknown>(Number.NaN, -1, 0.5, '2049', 2 ** 60),
        ),
        (dev) => {
          cover('formatDev');
          const out = attempt('formatDev', () => formatDev(dev as number), {
            wrongType: typeof dev !== 'number',
          });
          if (typeof dev === 'number' && Number.isInteger(dev) && dev >= 0 && dev < 2 ** 32) {
            // new_decode_dev: major = (dev & 0xfff00) >> 8, minor = (dev & 0xff) | ((dev >> 12) & 0xfff00).
            const major = ((dev & 0xfff00) >>> 8) >>> 0;
            const minor = ((dev & 0xff) | ((dev >>> 12) & 0xfff00)) >>> 0;
            expect(out.threw ? undefined : out.value).toBe(
              `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`,
            );
          }
        },
      ),
      { numRuns: 300, seed: SEED },
    );
  });
});

describe('traces', () => {
  test('loadTrace and replayFileOnFreshMachine: a trace and a report, or UsageError', () => {
    fc.assert(
      fc.property(
        pathTo(traceText),
        fc.constantFrom<unknown>(
          undefined,
          undefined,
          'state',
          join(dir, 'missing', 'x.json'),
          join(dir, 'a-directory'),
        ),
        fc.boolean(),
        (spec, save, replay) => {
          const path = resolvePath(spec);
          if (!replay) {
            cover('loadTrace');
            const out = attempt('loadTrace', () => loadTrace(path as string), {
              documented: [UsageError],
            });
            if (!out.threw) {
              ok('loadTrace');
              expect(Array.isArray((out.value as { ops: unknown }).ops)).toBe(true);
            }
            return;
          }
          cover('replayFileOnFreshMachine');
          const savePath = save === 'state' ? join(dir, `state${fileNo++}.json`) : save;
          const out = attempt(
            'replayFileOnFreshMachine',
            () =>
              replayFileOnFreshMachine(
                path as string,
                () => undefined,
                savePath as string | undefined,
              ),
            { documented: [UsageError] },
          );
          if (!out.threw) {
            ok('replayFileOnFreshMachine');
            const report = out.value as { ops: number; matched: number; mm: MmStruct };
            expect(report.matched <= report.ops).toBe(true);
            report.mm.checkInvariants();
            if (save === 'state')
              expect(() =>
                checkState(JSON.parse(readFileSync(savePath as string, 'utf8'))),
              ).not.toThrow();
          }
        },
      ),
      { numRuns: 80, seed: SEED },
    );
  });

  test('replayCommand and demoCommand: exit codes 0 or 1, or UsageError', () => {
    fc.assert(
      fc.property(
        fc.array(pathTo(traceText), { minLength: 0, maxLength: 2 }),
        fc.record(
          {
            json: fc.boolean(),
            verbose: fc.boolean(),
            save: fc.constantFrom<unknown>(undefined, 'state'),
            show: fc.oneof(fc.constant(undefined), fc.integer({ min: -1, max: 5 })),
          },
          { requiredKeys: [] },
        ),
        (specs, options) => {
          cover('replayCommand');
          const files = specs.map(resolvePath);
          const written: string[] = [];
          const out = attempt(
            'replayCommand',
            () =>
              replayCommand(files as string[], {
                ...options,
                save: options.save === 'state' ? join(dir, `state${fileNo++}.json`) : undefined,
                progress: false,
                write: (l) => written.push(l),
              }),
            { documented: [UsageError] },
          );
          if (!out.threw) {
            ok('replayCommand');
            expect([0, 1]).toContain(out.value);
          }
        },
      ),
      { numRuns: 60, seed: SEED },
    );
    // The demo replays a real program's trace (a quarter of a second): a few runs.
    for (const trace of [undefined, join(dir, 'missing'), scratch(TRACE_TEXT)]) {
      for (const json of [false, true]) {
        cover('demoCommand');
        const written: string[] = [];
        const out = attempt(
          'demoCommand',
          () => demoCommand({ trace, json, tty: false, write: (l) => written.push(l) }),
          {
            documented: [UsageError],
          },
        );
        if (!out.threw) {
          ok('demoCommand');
          expect([0, 1]).toContain(out.value);
        }
      }
    }
  });
});

describe('saved states and pictures', () => {
  const base = (() => {
    const { mm, table, memory } = freshMm();
    mm.mmap(0x1_0000_0000, 16 * 4096, 3, 0x22 | 0x10, null);
    for (let p = 0; p < 16; p += 3) mm.write(0x1_0000_0000 + p * 4096, 7n);
    return { mm, table, memory, state: saveState('t', mm, table, memory) };
  })();

  /** A saved state with one field replaced, at the top, in a VMA or in the page table. */
  const mutatedState: fc.Arbitrary<unknown> = fc
    .tuple(
      fc.constantFrom('none', 'top', 'vma', 'pageTable', 'frame', 'cycle'),
      fc.nat(),
      fc.oneof(
        fc.constantFrom<unknown>(null, 5, -1, 'x', [], {}, 4, 2 ** 53, 'AAAA', ['x'], { line: 5 }),
        fc.jsonValue({ maxDepth: 1 }),
      ),
    )
    .map(([kind, n, value]) => {
      const s = JSON.parse(JSON.stringify(base.state)) as Record<string, unknown> & {
        vmas: Record<string, unknown>[];
        pageTable: Record<string, unknown> & { frames: Record<string, string>; root: number };
      };
      const pick = (o: Record<string, unknown>) => Object.keys(o)[n % Object.keys(o).length];
      if (kind === 'top') s[pick(s)] = value;
      if (kind === 'vma' && s.vmas.length > 0) s.vmas[0][pick(s.vmas[0])] = value;
      if (kind === 'pageTable') s.pageTable[pick(s.pageTable)] = value;
      if (kind === 'frame') s.pageTable.frames[pick(s.pageTable.frames)] = value as string;
      if (kind === 'cycle') {
        // Every entry of the root points back at the root: a state no real table has.
        const root = s.pageTable.root;
        const words = new Uint32Array(1024);
        for (let i = 0; i < 512; i++) words[2 * i] = root * 4096 + 0x7;
        s.pageTable.frames[String(root)] = Buffer.from(words.buffer).toString('base64');
      }
      return s;
    });

  test('checkState, dumpAreas, dumpPageTable, stateCommand: a dump, or TypeError / UsageError', () => {
    fc.assert(
      fc.property(
        fc.oneof({ weight: 8, arbitrary: mutatedState }, { weight: 1, arbitrary: fc.jsonValue() }),
        fc.constantFrom<unknown>('maps', 'pagetable', 'pages'),
        fc.boolean(),
        (state, what, json) => {
          cover('checkState');
          const checked = attempt('checkState', () => checkState(state));
          if (!checked.threw) {
            ok('checkState');
            cover('dumpAreas', 'dumpPageTable');
            const areas = attempt('dumpAreas', () => dumpAreas(checked.value as never));
            expect(areas.threw).toBe(false);
            const lines = attempt('dumpPageTable', () => dumpPageTable(checked.value as never));
            expect(lines.threw).toBe(false);
            // One line per entry at most: every frame is shown once.
            const frameCount = Object.keys(
              (checked.value as { pageTable: { frames: object } }).pageTable.frames,
            ).length;
            expect((lines as { value: string[] }).value.length <= 1 + 512 * (frameCount + 1)).toBe(
              true,
            );
          }
          cover('stateCommand');
          const path = scratch(JSON.stringify(state));
          const written: string[] = [];
          const out = attempt(
            'stateCommand',
            () => stateCommand(what as 'maps', path, { json, write: (l) => written.push(l) }),
            {
              documented: [UsageError],
            },
          );
          if (what === 'pages') expect(out.threw).toBe(true);
          if (!out.threw) {
            ok('stateCommand');
            expect(out.value).toBe(0);
          }
        },
      ),
      { numRuns: 300, seed: SEED },
    );
  });

  test('saveState, addressSpacePicture, pageTableStats: hostile arguments', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            width: fc.oneof(
              fc.integer({ min: -2, max: 200 }),
              fc.constantFrom<unknown>(Number.POSITIVE_INFINITY, Number.NaN, 1e9, '72', 0.5),
            ),
            color: fc.constantFrom<unknown>(undefined, true, false, 'yes'),
          },
          { requiredKeys: [] },
        ),
        fc.constantFrom<unknown>('mm', 'mm', 'empty', undefined, {}),
        (options, mmSpec) => {
          const mm = mmSpec === 'mm' ? base.mm : mmSpec === 'empty' ? freshMm().mm : mmSpec;
          cover('addressSpacePicture');
          const width = options.width ?? 72;
          const out = attempt(
            'addressSpacePicture',
            () => addressSpacePicture(mm as MmStruct, options as never),
            {
              wrongType: typeof mm !== 'object' || !(mm instanceof MmStruct),
            },
          );
          const valid =
            mm instanceof MmStruct &&
            Number.isSafeInteger(width) &&
            (width as number) >= 1 &&
            (width as number) <= 10_000 &&
            (options.color === undefined || typeof options.color === 'boolean');
          if (mm instanceof MmStruct) expect(out.threw).toBe(!valid);
          if (!out.threw) expect((out.value as string[]).length >= 1).toBe(true);
          cover('saveState');
          const saved = attempt(
            'saveState',
            () => saveState('t', mm as MmStruct, base.table, base.memory),
            {
              wrongType: !(mm instanceof MmStruct),
            },
          );
          if (!saved.threw) expect(() => checkState(saved.value)).not.toThrow();
          cover('pageTableStats');
          const stats = attempt(
            'pageTableStats',
            () => pageTableStats(base.table, (mmSpec === 'mm' ? base.memory : mmSpec) as never),
            {
              wrongType: mmSpec !== 'mm',
            },
          );
          if (!stats.threw) expect((stats.value as { leaves4k: number }).leaves4k).toBe(6);
        },
      ),
      { numRuns: 150, seed: SEED },
    );
  });
});

test('every export was called, and inputs tried', () => {
  const callable = Object.entries(EXPORTS)
    .filter(([, v]) => v === BELOW)
    .map(([k]) => k);
  expect([...seen].sort()).toEqual(callable.sort());
  // Every command and parser also answered for some inputs, not only refused.
  for (const name of [
    'execElf',
    'open',
    'fresh',
    'command',
    'loadTrace',
    'replayFileOnFreshMachine',
    'replayCommand',
    'demoCommand',
    'checkState',
    'stateCommand',
  ]) {
    expect(answered.get(name) ?? 0, name).toBeGreaterThan(0);
  }
  expect(tried).toBeGreaterThan(2_000);
});
