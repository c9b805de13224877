/**
 * A separate process running the projection runner with the counter projection, so a test can
 * kill it with SIGKILL mid-batch. Usage: node projection-worker.js <database-url>
 */
import { PostgresEventStore } from '#eventstore';
import { ProjectionRunner } from '#projections';
import { createPool } from '#platform';
import { counterProjection } from './counter-projection.js';

const url = process.argv[2];
const pool = createPool(url, 4);
const store = new PostgresEventStore(pool, { pollIntervalMs: 50 });
const runner = new ProjectionRunner(pool, store, [counterProjection({ pauseMs: 15 })], { batchSize: 40 });
await runner.start();
process.stdout.write('started\n');
process.on('SIGTERM', () => {
  void runner
    .stop()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
