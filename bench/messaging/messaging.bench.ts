/**
 * (5) Kafka relay rate to librdkafka's mock cluster (kcat), side by side in one run:
 *   - the outbound relay in batches of 500 (the default): read from the store, map to integration
 *     events, publish as CloudEvents with acks = -1, move the checkpoint after each acknowledgement;
 *   - the same relay sending one event per batch, which is what batching saves;
 *   - a bare kafkajs producer sending the same number of ready-made messages in batches of 500 with
 *     the same acks: the ceiling of this client against this broker, with no store and no checkpoint.
 * Needs `kcat` (Debian package) for the mock cluster.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { comparePositions, type Position } from '#kernel';
import { PostgresEventStore } from '../../libs/eventstore/src/pg/postgres-event-store.js';
import { EventStoreSchema1732838400000 } from '../../libs/eventstore/src/pg/schema.js';
import { KafkaJsBroker } from '../../libs/messaging/src/kafkajs-broker.js';
import { OutboundRelay } from '../../libs/messaging/src/relay.js';
import { MessagingSchema1732838400100 } from '../../libs/messaging/src/schema.js';
import { createPool } from '../../libs/platform/src/database/database.js';
import { kcatAvailable, startMockCluster } from '../../test/support/kafka/mock-cluster.js';
import { TALLY_TOPIC, tallyIntegrationEvents } from '../../test/support/tally/tally-integration.js';
import { benchServer, machine, round, seedTallyEvents, serverFacts, writeResult } from '../support.js';

const EVENTS = Number(process.env.BENCH_RELAY_EVENTS ?? 50_000);
const UNBATCHED_EVENTS = Number(process.env.BENCH_RELAY_UNBATCHED_EVENTS ?? 2_000);

/** Seeds `count` tally events straight into the store; returns the head. */
async function seed(pool: ReturnType<typeof createPool>, prefix: string, count: number, store: PostgresEventStore): Promise<Position> {
  await seedTallyEvents(pool, prefix, count);
  return (await store.headPosition())!;
}

/** Runs a relay from its stored checkpoint until it has passed `head`; returns seconds taken. */
async function relayUntil(
  db: { url: string; pool: ReturnType<typeof createPool> },
  store: PostgresEventStore,
  bootstrap: string,
  name: string,
  batchSize: number,
  head: Position,
): Promise<{ seconds: number; published: number }> {
  const broker = new KafkaJsBroker({ brokers: bootstrap.split(','), clientId: `bench-${name}`, requestTimeoutMs: 10_000 });
  const relay = new OutboundRelay(db, store, broker, tallyIntegrationEvents, { name, batchSize });
  const t0 = process.hrtime.bigint();
  relay.start();
  for (;;) {
    const status = await relay.status();
    const [commit, prepare] = status.checkpoint.split('/').map(BigInt);
    if (comparePositions({ commit, prepare }, head) >= 0) {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      await relay.stop();
      await broker.close();
      return { seconds, published: status.published };
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main() {
  if (!kcatAvailable()) {
    process.stdout.write('messaging bench skipped: kcat (the mock Kafka cluster) is not installed (apt-get install -y kcat)\n');
    return;
  }
  const server = await benchServer();
  const cluster = await startMockCluster(3);
  try {
    const url = await server.database('relay', [EventStoreSchema1732838400000, MessagingSchema1732838400100]);
    const pool = createPool(url, 8);
    const store = new PostgresEventStore(pool, { pollIntervalMs: 50 });
    const db = { url, pool };

    // The relay, batched: EVENTS events from position 0.
    const batchedHead = await seed(pool, 'b', EVENTS, store);
    const batched = await relayUntil(db, store, cluster.bootstrap, 'bench-batched', 500, batchedHead);

    // The relay, one event per send, over a second, smaller slice: its checkpoint starts where the
    // first slice ends.
    const unbatchedStart = batchedHead;
    const unbatchedHead = await seed(pool, 'u', UNBATCHED_EVENTS, store);
    await pool.query(
      `INSERT INTO relay_checkpoints (name, commit_position, prepare_position) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET commit_position = EXCLUDED.commit_position, prepare_position = EXCLUDED.prepare_position`,
      ['bench-unbatched', String(unbatchedStart.commit), String(unbatchedStart.prepare)],
    );
    const unbatched = await relayUntil(db, store, cluster.bootstrap, 'bench-unbatched', 1, unbatchedHead);

    // The client's ceiling: the same number of ready-made messages, batches of 500, acks -1.
    const kafka = new Kafka({ brokers: cluster.brokers, clientId: 'bench-bare', logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: true, maxInFlightRequests: 1 });
    await producer.connect();
    const value = JSON.stringify({ tallyId: 'x', amount: 1 });
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < EVENTS; i += 500) {
      const messages = Array.from({ length: Math.min(500, EVENTS - i) }, (_, k) => ({
        key: `bare${Math.floor((i + k) / 50)}`,
        value,
        headers: { ce_id: randomUUID(), ce_type: 'arrears.tally.AmountAdded', ce_specversion: '1.0', ce_source: 'bench' },
      }));
      await producer.send({ topic: `${TALLY_TOPIC}.bare`, acks: -1, messages });
    }
    const bareSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await producer.disconnect();

    const facts = await serverFacts(url);
    await store.close();
    await pool.end();

    const rate = (n: number, s: number) => Math.round(n / s);
    const result = {
      scenario: 'messaging',
      ranAt: new Date().toISOString(),
      machine: machine(),
      postgres: facts,
      broker: 'librdkafka mock cluster (kcat), 3 brokers, 4 partitions per topic',
      relayBatched: { events: EVENTS, published: batched.published, seconds: round(batched.seconds, 2), eventsPerSecond: rate(EVENTS, batched.seconds), batchSize: 500 },
      relayUnbatched: { events: UNBATCHED_EVENTS, published: unbatched.published, seconds: round(unbatched.seconds, 2), eventsPerSecond: rate(UNBATCHED_EVENTS, unbatched.seconds), batchSize: 1 },
      bareProducer: { messages: EVENTS, seconds: round(bareSeconds, 2), messagesPerSecond: rate(EVENTS, bareSeconds), batchSize: 500 },
    };
    writeResult(
      'messaging',
      result,
      `## Kafka relay to the mock cluster

Ran ${result.ranAt} on ${result.machine.cpus} × ${result.machine.cpuModel}, Node ${result.machine.node}, Postgres ${facts.version} (fsync ${facts.fsync}); ${result.broker}; acks = -1, one request in flight. Store, relay and broker on the same machine.

| sender | events | events/s | note |
|---|---:|---:|---|
| outbound relay, batches of 500 | ${EVENTS} | **${result.relayBatched.eventsPerSecond}** | store read, mapping, CloudEvents headers, checkpoint after each acknowledgement |
| outbound relay, one event per batch | ${UNBATCHED_EVENTS} | ${result.relayUnbatched.eventsPerSecond} | what batching saves: ${round(result.relayBatched.eventsPerSecond / result.relayUnbatched.eventsPerSecond, 1)}× |
| bare kafkajs producer, batches of 500 | ${EVENTS} | ${result.bareProducer.messagesPerSecond} | the client's ceiling here: no store, no mapping, no checkpoint; the relay reaches ${round((result.relayBatched.eventsPerSecond / result.bareProducer.messagesPerSecond) * 100, 0)}% of it |
`,
    );
    process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
  } finally {
    await cluster.stop();
    await server.close();
  }
}

await main();
