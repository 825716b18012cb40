// Instruction counts per operation of vma-churn-N (churn-workload.ts), for
// `valgrind --tool=cachegrind`: a count does not move with the load of a shared
// machine the way wall-clock time does. The process runs the whole workload WARM
// times (default 3) to warm up (every hot function optimised and its feedback
// settled: with one warm-up run the next runs still got cheaper by a tenth), then
// REPS times the setup and OPS operations; the count per operation is the difference between OPS = 100000 and
// OPS = 0, divided by REPS * 100,000 (the operations' garbage collection
// included). From the repository root, on the sources transpiled file by
// file as tsx does (tsx itself is slow under valgrind and its counts vary by a
// few percent; an esbuild bundle loads module constants that tsx's modules fold):
//
//   node scripts/transpile-mirror.mjs /tmp/vmem-js
//   ir() { valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
//     node --single-threaded --predictable --expose-gc \
//     /tmp/vmem-js/packages/mm/bench/instructions.js "$@" 2>&1 | grep -E 'I *refs'; }
//   ir 1000 0 3; ir 1000 100000 3     # difference / 300,000
// To compare two versions of the code, add `--min-semi-space-size=512
// --max-semi-space-size=512` to node's flags: no collection then runs during
// the operations. Collections fall at other moments in another build of the
// code, and moved a count by up to 10% between two builds.
import { runChurn, setupChurn } from './churn-workload.js';

const n = Number(process.argv[2] ?? 1000);
const ops = Number(process.argv[3] ?? 100_000);
const reps = Number(process.argv[4] ?? 3);
const warm = Number(process.argv[5] ?? 3);
const gc = (globalThis as { gc?: () => void }).gc;
for (let i = 0; i < warm; i++) runChurn(setupChurn(n), 100_000);
let areas = 0;
for (let i = 0; i < reps; i++) {
  const churn = setupChurn(n);
  gc?.();
  runChurn(churn, ops);
  areas = churn.mm.mapCount;
}
console.log(`vma-churn-${n} ops=${ops} reps=${reps} areas=${areas}`);
