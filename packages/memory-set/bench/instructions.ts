// Instruction counts per operation of vma-churn-N (churn-workload.ts), for
// `valgrind --tool=cachegrind`: a count does not move with the load of a shared
// machine the way wall-clock time does. The process runs the whole workload WARM
// times (default 4) to warm up, then REPS times (default 2) the setup and OPS
// operations; the count per operation is the difference between OPS = 100000
// and OPS = 0, divided by REPS * 100,000 (the operations' garbage collection
// included). Bundle first (tsx under valgrind is slow):
//
//   cd packages/memory-set && ../../node_modules/.bin/esbuild bench/instructions.ts \
//     --bundle --format=esm --platform=node --conditions=source --keep-names --outfile=/tmp/ms-ir.mjs
//   ir() { valgrind --tool=cachegrind --cache-sim=no --branch-sim=yes --cachegrind-out-file=/dev/null \
//     node --single-threaded --expose-gc /tmp/ms-ir.mjs "$@" 2>&1 | grep -E 'I *refs|Mispred'; }
//   ir 1000 0; ir 1000 100000     # difference / 200,000
import { runChurn, setupChurn } from './churn-workload.js';

const n = Number(process.argv[2] ?? 1000);
const ops = Number(process.argv[3] ?? 100_000);
const reps = Number(process.argv[4] ?? 2);
const warm = Number(process.argv[5] ?? 4);
const gc = (globalThis as { gc?: () => void }).gc;
for (let i = 0; i < warm; i++) runChurn(setupChurn(n, false), 100_000);
let areas = 0;
for (let i = 0; i < reps; i++) {
  const churn = setupChurn(n, false);
  gc?.();
  runChurn(churn, ops);
  areas = churn.set.size;
}
console.log(`vma-churn-${n} ops=${ops} reps=${reps} areas=${areas}`);
