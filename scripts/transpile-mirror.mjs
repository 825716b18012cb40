// `node scripts/transpile-mirror.mjs OUT`: the packages' sources and bench
// scripts (not the tests) transpiled file by file into OUT, as tsx does for
// `pnpm bench`, with every `@vmem/NAME` import pointing at OUT's copy of that
// package. For instruction counts under valgrind (see the packages'
// bench/instructions.ts): one process without tsx's loader thread, so that a
// count repeats within 0.5% (through tsx, within 10%), yet with the module
// structure the bench runs. An esbuild bundle differs there in both directions: it turns
// top-level `const` into `var` (module constants are loaded, not folded into
// the code) and puts every package in one module (an imported binding is
// direct, not a load through its cell).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { transformSync } from 'esbuild';

const out = process.argv[2];
if (out === undefined) {
  console.error('usage: node scripts/transpile-mirror.mjs OUT');
  process.exit(2);
}
const root = resolve(import.meta.dirname, '..');
const target = resolve(out);
// OUT is emptied first: only when it is a mirror this script made, or absent.
const MARK = '.transpile-mirror';
if (existsSync(target) && !existsSync(join(target, MARK))) {
  console.error(`${target} exists and is not a mirror made by this script; not touching it`);
  process.exit(2);
}
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
writeFileSync(join(target, MARK), '');
let files = 0;
for (const pkg of readdirSync(join(root, 'packages'))) {
  for (const sub of ['src', 'bench']) {
    const dir = join(root, 'packages', pkg, sub);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir, { recursive: true })) {
      if (!name.endsWith('.ts') || name.endsWith('.test.ts') || name.endsWith('.d.ts')) continue;
      const from = join(dir, name);
      const to = join(target, 'packages', pkg, sub, name.replace(/\.ts$/, '.js'));
      const { code } = transformSync(readFileSync(from, 'utf8'), {
        loader: 'ts',
        format: 'esm',
        target: 'node20',
        sourcefile: from,
      });
      const up = relative(dirname(to), join(target, 'packages'));
      const linked = code.replace(/from "@vmem\/([a-z0-9_-]+)"/g, `from "${up}/$1/src/index.js"`);
      mkdirSync(dirname(to), { recursive: true });
      writeFileSync(to, linked);
      files++;
    }
  }
}
console.log(`${files} files in ${target}`);
