import type { MmStruct } from '@vmem/mm';
import { mapsLine, vmFlagNames } from '@vmem/mm';
import type { PageTable, PageTableMemory } from '@vmem/page-table-x86_64';

/** A replayed address space written to disk: its VMAs and its page-table frames, raw. */
export interface SavedState {
  vmstate: 1;
  trace: string;
  brk: string;
  startBrk: string;
  vmas: Array<{ line: string; flags: string[]; pgoff: string; anonVma: number | null }>;
  pageTable: { levels: number; root: number; frames: Record<string, string> };
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Capture `mm` and the table frames reachable from `table`'s root. */
export function saveState(
  trace: string,
  mm: MmStruct,
  table: PageTable,
  memory: PageTableMemory,
): SavedState {
  const frames: Record<string, string> = {};
  const levels = table.levels;
  const visit = (pfn: number, depth: number): void => {
    const words = memory.frameWords(pfn);
    frames[String(pfn)] = toBase64(new Uint8Array(words.buffer, words.byteOffset, 4096));
    if (depth === levels - 1) return;
    for (let i = 0; i < 512; i++) {
      const lo = words[2 * i];
      if ((lo & 1) === 0 || lo & 0x80) continue;
      visit((words[2 * i + 1] & 0xfffff) * 2 ** 20 + Math.floor(lo / 4096), depth + 1);
    }
  };
  visit(table.rootPfn, 0);
  return {
    vmstate: 1,
    trace,
    brk: hex(mm.brk),
    startBrk: hex(mm.startBrk),
    vmas: mm.vmas.toArray().map((v) => ({
      line: mapsLine(mm, v),
      flags: vmFlagNames(v.flags),
      pgoff: hex(v.pgoff),
      anonVma: v.anonVma?.id ?? null,
    })),
    pageTable: { levels, root: table.rootPfn, frames },
  };
}

/**
 * Check that parsed JSON is a saved state, deep enough that dumpAreas and
 * dumpPageTable can read it: TypeError `not a vmm saved state: <reason>` otherwise.
 */
export function checkState(value: unknown): SavedState {
  const fail = (why: string): never => {
    throw new TypeError(`not a vmm saved state: ${why}`);
  };
  const s = value as SavedState;
  if (typeof s !== 'object' || s === null || s.vmstate !== 1) fail('no "vmstate": 1');
  if (typeof s.trace !== 'string' || typeof s.brk !== 'string' || typeof s.startBrk !== 'string') {
    fail('trace, brk and startBrk must be strings');
  }
  if (!Array.isArray(s.vmas)) fail('vmas must be an array');
  for (const v of s.vmas) {
    if (
      typeof v !== 'object' ||
      v === null ||
      typeof v.line !== 'string' ||
      !Array.isArray(v.flags) ||
      !v.flags.every((f) => typeof f === 'string') ||
      typeof v.pgoff !== 'string' ||
      !(v.anonVma === null || Number.isSafeInteger(v.anonVma))
    ) {
      fail('a vma must be { line, flags: string[], pgoff, anonVma }');
    }
  }
  const pt = s.pageTable;
  if (
    typeof pt !== 'object' ||
    pt === null ||
    (pt.levels !== 4 && pt.levels !== 5) ||
    !Number.isSafeInteger(pt.root) ||
    pt.root < 0 ||
    typeof pt.frames !== 'object' ||
    pt.frames === null
  ) {
    fail('pageTable must be { levels: 4 or 5, root, frames }');
  }
  for (const [key, text] of Object.entries(pt.frames)) {
    if (!/^\d+$/.test(key) || typeof text !== 'string' || decodeFrame(text) === null) {
      fail(`frame ${JSON.stringify(key)} is not 4096 bytes of base64`);
    }
  }
  return s;
}

/** The 4096 bytes of a saved frame, or null when `text` is not that in base64. */
function decodeFrame(text: string): Uint8Array | null {
  try {
    const bytes = fromBase64(text);
    return bytes.length === 4096 ? bytes : null;
  } catch {
    return null; // atob: not base64
  }
}

/** The area list: one maps line per VMA with the flags maps does not print. */
export function dumpAreas(state: SavedState): string[] {
  return state.vmas.map(
    (v) => `${v.line}\n    pgoff ${v.pgoff}  anon_vma ${v.anonVma ?? '-'}  ${v.flags.join(' ')}`,
  );
}

const LEVEL_NAMES_4 = ['PML4', 'PDPT', 'PD', 'PT'];
const LEVEL_NAMES_5 = ['PML5', 'PML4', 'PDPT', 'PD', 'PT'];
const FLAG_BITS: Array<[number, string]> = [
  [0x2, 'RW'],
  [0x4, 'US'],
  [0x8, 'PWT'],
  [0x10, 'PCD'],
  [0x20, 'A'],
  [0x40, 'D'],
  [0x100, 'G'],
];

/** The page-table tree read from the saved raw frames, one line per present entry (SDM 4.5). */
export function dumpPageTable(state: SavedState): string[] {
  const { levels, root, frames } = state.pageTable;
  const names = levels === 5 ? LEVEL_NAMES_5 : LEVEL_NAMES_4;
  const out: string[] = [`CR3 root frame 0x${root.toString(16)} (${levels}-level paging)`];
  const spanBits = (depth: number): number => 12 + 9 * (levels - 1 - depth);
  // Each frame is shown once: in a real tree every table has one parent, and a
  // state whose entries point back at tables already shown would otherwise print
  // up to 512^levels lines.
  const shown = new Set<number>();
  const walk = (pfn: number, depth: number, base: number): void => {
    const text = frames[String(pfn)];
    if (text === undefined) {
      out.push(`${'  '.repeat(depth)}(frame 0x${pfn.toString(16)} missing from the saved state)`);
      return;
    }
    if (shown.has(pfn)) {
      out.push(`${'  '.repeat(depth)}(frame 0x${pfn.toString(16)} shown above)`);
      return;
    }
    shown.add(pfn);
    const bytes = fromBase64(text);
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, 1024);
    for (let i = 0; i < 512; i++) {
      const lo = words[2 * i];
      if ((lo & 1) === 0) continue;
      const hi = words[2 * i + 1];
      const va = base + i * 2 ** spanBits(depth);
      const leaf = depth === levels - 1 || (lo & 0x80) !== 0;
      const frame = (hi & 0xfffff) * 2 ** 20 + Math.floor(lo / 4096);
      const flags = [
        'P',
        ...FLAG_BITS.filter(([bit]) => lo & bit).map(([, n]) => n),
        ...(hi & 0x8000_0000 ? ['XD'] : []),
      ];
      const what = leaf
        ? `${depth === levels - 1 ? '4K' : depth === levels - 2 ? '2M' : '1G'} pa=0x${(frame * 4096).toString(16)}`
        : `table 0x${frame.toString(16)}`;
      out.push(
        `${'  '.repeat(depth)}${names[depth]}[${i}] va 0x${va.toString(16)} ${what} ${flags.join(' ')}`,
      );
      if (!leaf) walk(frame, depth + 1, va);
    }
  };
  walk(root, 0, 0);
  return out;
}
