/**
 * An Arrears process running the test-only tally context, for tests that kill and restart the
 * whole process. Configuration comes from the environment like the real app's.
 */
import { runArrears } from '../../apps/arrears/src/process.js';
import { tallyContext } from './tally/tally.js';

runArrears([tallyContext]).catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
