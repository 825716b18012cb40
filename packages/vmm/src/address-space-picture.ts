import type { MmStruct } from '@vmem/mm';
import { VM } from '@vmem/mm';

export interface PictureOptions {
  width?: number;
  color?: boolean;
}

/** The widest strip drawn (a terminal is far narrower). */
const MAX_WIDTH = 10_000;

const COLORS: Record<string, string> = {
  'r--': '\x1b[34m',
  'rw-': '\x1b[32m',
  'r-x': '\x1b[31m',
  rwx: '\x1b[35m',
  '---': '\x1b[90m',
};
const FILL: Record<string, string> = { 'r--': '=', 'rw-': '#', 'r-x': 'x', rwx: '!', '---': '-' };

function perms(flags: number): string {
  return (
    (flags & VM.READ ? 'r' : '-') + (flags & VM.WRITE ? 'w' : '-') + (flags & VM.EXEC ? 'x' : '-')
  );
}

/**
 * The address space as one strip: every area and every gap gets a width that grows
 * with log2 of its size (so a 4 KiB guard page and a 128 TiB hole both show), areas
 * are filled by permission, gaps are dots. Returns the strip and a legend.
 */
export function addressSpacePicture(mm: MmStruct, options: PictureOptions = {}): string[] {
  const width = options.width ?? 72;
  const color = options.color ?? false;
  // Checked: the strip is `width` characters, so Infinity or -1 reached String.repeat
  // (the engine's RangeError) and 1e9 a gigabyte string.
  if (!Number.isSafeInteger(width) || width < 1 || width > MAX_WIDTH) {
    throw new RangeError(`width must be an integer in [1, ${MAX_WIDTH}], got ${String(width)}`);
  }
  if (typeof color !== 'boolean')
    throw new TypeError(`color must be a boolean, got ${String(color)}`);
  const pieces: Array<{ size: number; kind: string }> = [];
  let last = 0;
  for (const vma of mm.vmas) {
    if (vma.start > last) pieces.push({ size: vma.start - last, kind: 'gap' });
    pieces.push({ size: vma.end - vma.start, kind: perms(vma.flags) });
    last = vma.end;
  }
  if (pieces.length === 0) return ['(empty address space)'];
  const weights = pieces.map((p) => Math.max(1, Math.log2(p.size / 4096 + 1)));
  const total = weights.reduce((a, b) => a + b, 0);
  const room = Math.max(width, pieces.length);
  let strip = '';
  let used = 0;
  let acc = 0;
  pieces.forEach((p, i) => {
    acc += weights[i];
    const upto = Math.max(used + 1, Math.round((acc / total) * room));
    const n = upto - used;
    used = upto;
    const ch = p.kind === 'gap' ? '.' : (FILL[p.kind] ?? '?');
    const run = ch.repeat(n);
    strip += color && p.kind !== 'gap' ? `${COLORS[p.kind] ?? ''}${run}\x1b[0m` : run;
  });
  const legend = Object.entries(FILL)
    .map(([k, ch]) => (color ? `${COLORS[k]}${ch}\x1b[0m ${k}` : `${ch} ${k}`))
    .join('  ');
  const low = (mm.vmas.first()?.start ?? 0).toString(16);
  const high = (mm.vmas.last()?.end ?? 0).toString(16);
  return [`0x${low} ${strip} 0x${high}`, `${legend}  . unmapped (log-scaled widths)`];
}
