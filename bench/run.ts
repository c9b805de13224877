/**
 * `npm run bench`: runs every benchmark scenario in turn, each in a process of its own (a scenario
 * starts from a clean heap and cannot inherit another's servers, pools or timers), and writes
 * bench/results/. `npm run bench -- app,loans` runs a selection.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const scenarios = (process.argv[2] ?? 'workload,eventstore,app,messaging,loans,grading').split(',');
let failed = 0;
for (const scenario of scenarios) {
  process.stdout.write(`== bench ${scenario}\n`);
  const script = fileURLToPath(new URL(`./${scenario}/${scenario}.bench.js`, import.meta.url));
  const run = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (run.status !== 0) {
    failed++;
    process.stdout.write(`== bench ${scenario} failed (exit ${run.status ?? run.signal})\n`);
  }
}
process.exit(failed ? 1 : 0);
