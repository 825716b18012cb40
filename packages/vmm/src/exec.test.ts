// `vmm exec` against the kernel: every real-program trace's header holds the maps
// Linux built at execve (randomization off). Loading the same executable here must
// give the same lines: executable, bss, interpreter, vDSO and stack. Device and
// inode columns are compared only when the files on this machine are the ones
// that were recorded (same inode); otherwise the rest of each line must match.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseVmtrace, renderMaps } from '@vmem/mm';
import { describe, expect, test } from 'vitest';
import { parseElf } from './elf.js';
import { AT } from './exec.js';
import { execOnFreshMachine, openExecFile } from './exec-command.js';

const fixtures = join(import.meta.dirname, '../../mm/test/fixtures/traces/real');
const stripIds = (line: string): string =>
  line
    .split(' ')
    .filter((_, i) => i !== 3 && i !== 4)
    .join(' ');

describe('exec matches the maps Linux built at execve', () => {
  for (const name of readdirSync(fixtures).sort()) {
    const trace = parseVmtrace(gunzipSync(readFileSync(join(fixtures, name))).toString('utf8'));
    const header = trace.header;
    const exeLine = header.maps[0];
    const exePath = exeLine.split(' ').slice(5).join(' ');
    const present = existsSync(exePath);
    test.skipIf(!present)(`${name}: ${header.argv?.join(' ')}`, () => {
      const { mm } = execOnFreshMachine(exePath, header.argv ?? [exePath]);
      const got = renderMaps(mm);
      const expected = header.maps.filter((l) => !l.endsWith('[vsyscall]'));
      const sameFiles = Number(exeLine.split(' ')[4]) === statSync(exePath).ino;
      if (sameFiles) expect(got).toEqual(expected);
      else expect(got.map(stripIds)).toEqual(expected.map(stripIds));
      expect(`0x${mm.startBrk.toString(16)}`).toBe(header.start_brk);
    });
  }
});

describe('the initial stack', () => {
  test('argc, argv, envp and the auxiliary vector as create_elf_tables lays them out', () => {
    const path = '/usr/bin/true';
    if (!existsSync(path)) return;
    const { mm, result } = execOnFreshMachine(path, ['true', '--version'], ['A=1', 'LANG=C']);
    const word = (addr: number): number => Number(mm.read(addr) as bigint);
    const str = (addr: number): string => {
      const bytes: number[] = [];
      for (let a = addr; ; a++) {
        const b = Number((mm.read(a, 1) as bigint) & 0xffn);
        if (b === 0) break;
        bytes.push(b);
      }
      return String.fromCharCode(...bytes);
    };
    expect(result.sp % 16).toBe(0);
    expect(word(result.sp)).toBe(2);
    expect(str(word(result.sp + 8))).toBe('true');
    expect(str(word(result.sp + 16))).toBe('--version');
    expect(word(result.sp + 24)).toBe(0);
    expect(str(word(result.sp + 32))).toBe('A=1');
    expect(str(word(result.sp + 40))).toBe('LANG=C');
    expect(word(result.sp + 48)).toBe(0);
    const auxv = new Map<number, number>();
    for (let at = result.sp + 56; ; at += 16) {
      const key = word(at);
      if (key === AT.NULL) break;
      auxv.set(key, word(at + 8));
    }
    const image = parseElf(openExecFile(path).bytes);
    expect(auxv.get(AT.PAGESZ)).toBe(4096);
    expect(auxv.get(AT.ENTRY)).toBe(0x5555_5555_4000 + image.entry);
    expect(auxv.get(AT.PHDR)).toBe(0x5555_5555_4000 + image.phoff);
    expect(auxv.get(AT.PHNUM)).toBe(image.phnum);
    expect(auxv.get(AT.BASE)).toBe(0x7fff_f7fc_a000);
    expect(auxv.get(AT.SYSINFO_EHDR)).toBe(0x7fff_f7fc_8000);
    expect(str(auxv.get(AT.EXECFN)!)).toBe(path);
    expect(str(auxv.get(AT.PLATFORM)!)).toBe('x86_64');
    expect(result.entry).toBe(
      0x7fff_f7fc_a000 + parseElf(openExecFile('/lib64/ld-linux-x86-64.so.2').bytes).entry,
    );
  });
});
