/**
 * A separate process running the projection runner with the counted reactor, so a test can kill it
 * with SIGKILL between a reaction's commands and its ledger record.
 * Usage: node reaction-worker.js <database-url> [<esdb-url>]: with an `esdb://` URL the events are
 * in EventStoreDB (checkpoints and the reaction ledger stay in the database).
 */
import { EventStoreDbEventStore, PostgresEventStore, type EventStore } from '#eventstore';
import { ProjectionRunner } from '#projections';
import { createPool } from '#platform';
import { countedReactor } from './counted-reactor.js';

const url = process.argv[2];
const pool = createPool(url, 4);
const esdbUrl = process.argv[3];
const store: EventStore = esdbUrl ? new EventStoreDbEventStore(esdbUrl) : new PostgresEventStore(pool, { pollIntervalMs: 50 });
const runner = new ProjectionRunner(pool, store, [countedReactor(store, { pauseMs: 20 })], { batchSize: 25 });
await runner.start();
process.stdout.write('started\n');
process.on('SIGTERM', () => {
  void runner
    .stop()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
