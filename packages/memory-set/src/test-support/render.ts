import type { MappingBackend } from '../mapping-backend.js';
import type { MemorySet } from '../memory-set.js';

/** Flags of the drawings: R = read-only, W = read-write, X = read-exec. */
export const R = 1;
export const W = 3;
export const X = 5;
const LETTER: Record<number, string> = { [R]: 'r', [W]: 'w', [X]: 'x' };

/**
 * Draws `pages` pages of a set from `base`, one character a page: '.' free,
 * else the letter of the flags (r, w, x), upper case on an area's first page
 * so that area boundaries show: 'WwwRr..W' is a 3-page RW area, a 2-page
 * read-only one, a hole and a 1-page RW area.
 */
export function render<F extends number, B extends MappingBackend<F>>(
  set: MemorySet<F, B>,
  base: number,
  pages: number,
  pageSize = 4096,
): string {
  let out = '';
  for (let i = 0; i < pages; i++) {
    const addr = base + i * pageSize;
    const a = set.find(addr);
    if (a === undefined) {
      out += '.';
      continue;
    }
    const letter = LETTER[a.flags] ?? '?';
    out += a.start === addr ? letter.toUpperCase() : letter;
  }
  return out;
}

/** The same drawing of a backend's page map (letters only, lower case, '.' free). */
export function renderPages(
  flagsAt: (addr: number) => number | undefined,
  base: number,
  pages: number,
  pageSize = 4096,
): string {
  let out = '';
  for (let i = 0; i < pages; i++) {
    const f = flagsAt(base + i * pageSize);
    out += f === undefined ? '.' : (LETTER[f] ?? '?');
  }
  return out;
}
