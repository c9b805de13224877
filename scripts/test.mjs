// The test command's two passes, side by side (`npm test` builds first, then runs this): Jest over
// every test with events in Postgres, and the store-dependent end-to-end files again with events in
// EventStoreDB (jest.eventstoredb.config.js). Each pass starts its own embedded Postgres cluster and
// runs its files one at a time; running the two passes at once keeps both cores busy. The first
// pass writes to the terminal as it goes; the second's output is kept and printed when it ends.
// Extra arguments go to both (e.g. `npm test -- --bail`). Exit status: non-zero if either failed.
import { spawn } from 'node:child_process';

const jest = ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--runInBand'];
const args = process.argv.slice(2);
const started = Date.now();

function run(name, extra, inherit) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...jest, ...extra, ...args], { stdio: inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    if (!inherit) {
      child.stdout.on('data', (c) => chunks.push(c));
      child.stderr.on('data', (c) => chunks.push(c));
    }
    child.on('close', (code, signal) => {
      const seconds = Math.round((Date.now() - started) / 1000);
      resolve({ name, code: code ?? 1, signal, seconds, output: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

const [postgres, eventstoredb] = await Promise.all([
  run('postgres', [], true),
  run('eventstoredb', ['-c', 'jest.eventstoredb.config.js'], false),
]);
process.stdout.write(`\n===== the EventStoreDB pass (jest.eventstoredb.config.js) =====\n${eventstoredb.output}`);
for (const pass of [postgres, eventstoredb]) {
  process.stdout.write(`${pass.name} pass: ${pass.code === 0 ? 'passed' : `failed (exit ${pass.code}${pass.signal ? `, ${pass.signal}` : ''})`} after ${pass.seconds} s\n`);
}
process.exit(postgres.code === 0 && eventstoredb.code === 0 ? 0 : 1);
