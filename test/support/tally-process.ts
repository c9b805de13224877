/**
 * An Arrears process running the test-only tally context, for tests that kill and restart the
 * whole process. Configuration comes from the environment like the real app's; with
 * KAFKA_BROKERS set, its relay publishes the tally's integration events on `arrears.tally.v1`.
 */
import { runArrears } from '../../apps/arrears/src/process.js';
import { tallyContext } from './tally/tally.js';
import { tallyIntegrationEvents } from './tally/tally-integration.js';

runArrears([{ ...tallyContext, integrationEvents: tallyIntegrationEvents }]).catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
