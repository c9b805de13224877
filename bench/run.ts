/** `npm run bench`: runs every benchmark scenario in turn and writes bench/results/. */
const scenarios = (process.argv[2] ?? 'eventstore,app,messaging,loans,grading').split(',');
for (const scenario of scenarios) {
  process.stdout.write(`== bench ${scenario}\n`);
  await import(`./${scenario}/${scenario}.bench.js`);
}
