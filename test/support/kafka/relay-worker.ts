/**
 * A separate process running the outbound relay with the tally mappers, so a test can kill it
 * with SIGKILL mid-batch. It prints `sending` before each send, and `acked` once the broker
 * acknowledged it, then pauses `pauseMs` before the checkpoint is written: a kill there loses the
 * checkpoint but not the messages; a kill after `sending` may lose the send itself.
 * Usage: node relay-worker.js <database-url> <bootstrap> [pauseMs]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Broker } from '#messaging';
// The modules themselves, not the #messaging and #eventstore entries (which load Nest, the
// platform and the EventStoreDB client): a quick start keeps the crash test short.
import { PostgresEventStore } from '../../../libs/eventstore/src/pg/postgres-event-store.js';
import { KafkaJsBroker } from '../../../libs/messaging/src/kafkajs-broker.js';
import { OutboundRelay } from '../../../libs/messaging/src/relay.js';
import { tallyIntegrationEvents } from '../tally/tally-integration.js';

const [url, bootstrap, pause = '20'] = process.argv.slice(2);
const pauseMs = Number(pause);
const pool = new pg.Pool({ connectionString: url, max: 4 });
pool.on('error', () => undefined);
const store = new PostgresEventStore(pool, { pollIntervalMs: 50 });
const kafka = new KafkaJsBroker({ brokers: bootstrap.split(','), clientId: 'relay-worker', requestTimeoutMs: 5_000 });
const broker: Broker = {
  consumer: (groupId) => kafka.consumer(groupId),
  ping: () => kafka.ping(),
  close: () => kafka.close(),
  publisher() {
    const inner = kafka.publisher();
    return {
      connect: () => inner.connect(),
      disconnect: () => inner.disconnect(),
      async send(batches) {
        process.stdout.write('sending\n');
        await inner.send(batches);
        process.stdout.write('acked\n');
        await sleep(pauseMs);
      },
    };
  },
};
const relay = new OutboundRelay({ url, pool }, store, broker, tallyIntegrationEvents, {
  batchSize: 40,
  log: (level, message, fields) => {
    if (level === 'error') process.stderr.write(`${message} ${JSON.stringify(fields)}\n`);
  },
});
relay.start();
process.stdout.write('started\n');
process.on('SIGTERM', () => {
  void relay
    .stop()
    .then(() => store.close())
    .then(() => pool.end())
    .then(() => process.exit(0));
});
