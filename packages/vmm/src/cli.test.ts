import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const fixtures = join(root, 'packages/mm/test/fixtures/traces');
const anon1 = join(fixtures, 'fuzz/anon-1.jsonl.gz');

function vmm(...args: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', join(root, 'packages/vmm/src/cli.ts'), ...args],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('vmm replay (as a process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vmm-cli-'));

  test('a trace that matches: one summary line, exit 0', () => {
    const r = vmm('replay', anon1);
    expect(r.stdout.trim()).toBe('anon-1.jsonl.gz: 400/400 ops match');
    expect(r.code).toBe(0);
  });

  test('--json prints one object per trace', () => {
    const plain = join(dir, 'anon-1.jsonl');
    writeFileSync(plain, gunzipSync(readFileSync(anon1)));
    const r = vmm('replay', '--json', anon1, plain);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { trace: 'anon-1.jsonl.gz', ops: 400, matched: 400, mismatches: [] },
      { trace: 'anon-1.jsonl', ops: 400, matched: 400, mismatches: [] },
    ]);
    expect(r.code).toBe(0);
  });

  test('a trace the kernel answered differently: mismatch explained, exit 1', () => {
    const lines = gunzipSync(readFileSync(anon1)).toString('utf8').split('\n');
    // Op 0 is a MAP_FIXED_NOREPLACE mmap that the kernel placed; claim it failed.
    const op0 = JSON.parse(lines[1]);
    expect(op0.op).toBe('mmap');
    delete op0.ret;
    delete op0.maps;
    op0.err = 'EEXIST';
    lines[1] = JSON.stringify(op0);
    const tampered = join(dir, 'tampered.jsonl');
    writeFileSync(tampered, lines.join('\n'));
    const r = vmm('replay', tampered);
    expect(r.stdout).toMatch(/^tampered\.jsonl: \d+\/400 ops match/);
    expect(r.stdout).toContain('op 0 (mmap): mmap: expected EEXIST, got 0x102693000');
    expect(r.code).toBe(1);
  });

  test('user mistakes: one line on stderr, exit 2, no stack trace', () => {
    const notTrace = join(dir, 'not-a-trace.jsonl');
    writeFileSync(notTrace, '{"hello": 1}\n');
    const truncated = join(dir, 'truncated.jsonl.gz');
    const gz = gzipSync(readFileSync(anon1));
    writeFileSync(truncated, gz.subarray(0, gz.length >> 1));
    for (const [file, message] of [
      [join(dir, 'missing.jsonl'), 'no such file'],
      [notTrace, 'not a vmtrace/1 trace'],
      [truncated, 'not a valid gzip file'],
    ]) {
      const r = vmm('replay', file);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  test('no arguments: usage error, exit 2', () => {
    const r = vmm('replay');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing required argument');
  });
});

describe('vmm exec (as a process)', () => {
  test('prints the maps of the loaded program', () => {
    const r = vmm('exec', '/bin/true');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^555555554000-555555556000 r--p 00000000 [0-9a-f]+:[0-9a-f]+ \d+ \/usr\/bin\/true$/,
    );
    expect(lines.at(-1)).toMatch(/^7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 \[stack\]$/);
  });

  test('--json carries entry, sp and auxv', () => {
    const r = vmm('exec', '--json', '/bin/true');
    const out = JSON.parse(r.stdout);
    expect(out.startBrk).toBe('0x55555555e000');
    expect(out.maps.length).toBeGreaterThan(8);
    expect(out.auxv.at(-1)).toEqual([0, '0x0']);
  });

  test('a file that is not an ELF executable: one-line error, exit 2', () => {
    const r = vmm('exec', join(root, 'package.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a loadable x86_64 ELF file');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('vmm demo (as a process)', () => {
  test('replays the bundled python3 trace, every op matching, and shows the address space', () => {
    const r = vmm('demo');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '385/385 operations gave the same answer and the same maps as Linux',
    );
    expect(r.stdout).toContain('/usr/bin/python3.11');
    expect(r.stdout).toMatch(/tables: PML4 1, PDPT \d+, PD \d+, PT \d+/);
    expect(r.stdout).not.toContain('\x1b['); // no colour when stdout is not a terminal
  });

  test('--json', () => {
    const out = JSON.parse(vmm('demo', '--json').stdout);
    expect(out.matched).toBe(385);
    expect(out.pageTable.leaves4k).toBe(out.touchedMappings);
    expect(out.smaps.rss).toBe(out.touchedMappings * 4096);
  });
});

describe('vmm replay --save, vmm pagetable, vmm maps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vmm-state-'));
  const state = join(dir, 'state.json');

  test('a saved state dumps its page-table tree and its area list', () => {
    expect(vmm('replay', '--save', state, join(fixtures, 'fuzz/anon-1.jsonl.gz')).code).toBe(0);
    const pt = vmm('pagetable', state);
    expect(pt.code).toBe(0);
    const lines = pt.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^CR3 root frame 0x[0-9a-f]+ \(4-level paging\)$/);
    expect(
      lines.some((l) => /^ {6}PT\[\d+\] va 0x[0-9a-f]+ 4K pa=0x[0-9a-f]+ P( RW)? US/.test(l)),
    ).toBe(true);
    const maps = vmm('maps', state);
    expect(maps.code).toBe(0);
    expect(maps.stdout).toContain('[heap]');
    expect(maps.stdout).toMatch(/pgoff 0x[0-9a-f]+ {2}anon_vma/);
  });

  test('--verbose prints each op with its maps delta', () => {
    const r = vmm('replay', '--verbose', join(fixtures, 'real/true.jsonl.gz'));
    expect(r.stdout).toMatch(/^op 0 brk .* ok$/m);
    expect(r.stdout).toMatch(/^ {2}\+ 7ffff7fc0000-7ffff7fc2000 rw-p 00000000 00:00 0$/m);
  });

  test('a file that is not a saved state: exit 2', () => {
    const r = vmm('pagetable', join(root, 'package.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a vmm saved state');
  });
});
