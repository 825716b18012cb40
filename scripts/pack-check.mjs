// Packaging check: every public package passes publint, packs with `pnpm pack`,
// and installs from its tarball into a scratch project outside the workspace,
// where it is imported by name through its published `exports` (dist, not src).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir: join(root, 'packages', dir) }))
  .map((p) => ({ ...p, json: JSON.parse(readFileSync(join(p.dir, 'package.json'), 'utf8')) }))
  .filter((p) => !p.json.private);

const scratch = mkdtempSync(join(tmpdir(), 'vmem-pack-check-'));
const tarballs = {};
try {
  for (const p of packages) {
    run(join(root, 'node_modules/.bin/publint'), ['--strict', '--pack', 'npm'], p.dir);
    const out = run('npx', ['-y', 'pnpm@10.20.0', 'pack', '--pack-destination', scratch], p.dir);
    const tgz = out.trim().split('\n').pop().trim();
    tarballs[p.json.name] = `file:${tgz}`;
    console.log(`packed ${p.json.name}@${p.json.version}`);
  }
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({
      name: 'scratch',
      private: true,
      type: 'module',
      dependencies: tarballs,
      overrides: tarballs,
    }),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], scratch);
  const probe = packages
    .map(
      (p) => `{
  const m = await import(${JSON.stringify(p.json.name)});
  const names = Object.keys(m);
  if (names.length === 0) throw new Error(${JSON.stringify(p.json.name)} + ' exports nothing');
  console.log('imported ' + ${JSON.stringify(p.json.name)} + ': ' + names.length + ' exports');
}`,
    )
    .join('\n');
  writeFileSync(join(scratch, 'probe.mjs'), probe);
  process.stdout.write(run('node', ['probe.mjs'], scratch));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
