// `pnpm bench`: runs the workloads of shared/bench/WORKLOADS.md, each bench script
// in its own Node process (so one workload's heap and JIT state cannot colour
// another's), from source through tsx. Each script prints its own
// `WORKLOAD PHASE ns/op=MEDIAN` lines. Pass workload names to run a subset.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const scripts = [
  ['frame-alloc', 'packages/frame-allocator/bench/frame-alloc.ts'],
  ['page-table', 'packages/page-table-x86_64/bench/page-table.ts'],
  ['vma-churn', 'packages/memory-set/bench/vma-churn.ts'],
  ['vma-churn', 'packages/mm/bench/vma-churn.ts'],
  ['vma-churn', 'packages/mm/bench/bytes-per-area.ts'],
];
const wanted = process.argv.slice(2);
let failed = false;
for (const [name, script] of scripts) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const path = join(root, script);
  if (!existsSync(path)) {
    console.log(`${name}: ${script} not present`);
    continue;
  }
  const result = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', '--expose-gc', path],
    { cwd: root, stdio: 'inherit' },
  );
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
