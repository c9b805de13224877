import 'reflect-metadata';
import { CONTEXTS } from './contexts.js';
import { runArrears } from './process.js';

runArrears(CONTEXTS).catch((err) => {
  process.stderr.write(`Arrears failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
