import { readFileSync } from 'node:fs';
/**
 * (5) Kafka relay rate to librdkafka's mock cluster (kcat), side by side in one run:
 *   - the outbound relay in batches of 500 (the default): read from the store, map to integration
 *     events, publish as CloudEvents with acks = -1, move the checkpoint after each acknowledgement;
 *   - the same relay sending one event per batch, which is what batching saves;
 *   - a bare kafkajs producer sending the same number of ready-made messages in batches of 500 with
 *     the same acks: the ceiling of this client against this broker, with no store and no checkpoint.
 * Needs `kcat` (Debian package) for the mock cluster.
 */
import { Kafka, logLevel } from 'kafkajs';
import { comparePositions, type Position } from '#kernel';
import { PostgresEventStore } from '../../libs/eventstore/src/pg/postgres-event-store.js';
import { EventStoreSchema1732838400000 } from '../../libs/eventstore/src/pg/schema.js';
import { KafkaJsBroker } from '../../libs/messaging/src/kafkajs-broker.js';
import { mapEvent } from '../../libs/messaging/src/integration.js';
import { OutboundRelay } from '../../libs/messaging/src/relay.js';
import { MessagingSchema1732838400100 } from '../../libs/messaging/src/schema.js';
import { createPool } from '../../libs/platform/src/database/database.js';
import { kcatAvailable, startMockCluster } from '../../test/support/kafka/mock-cluster.js';
import { tallyIntegrationEvents } from '../../test/support/tally/tally-integration.js';
import { benchServer, machine, round, seedTallyEvents, serverFacts, writeResult } from '../support.js';

const EVENTS = Number(process.env.BENCH_RELAY_EVENTS ?? 50_000);
const UNBATCHED_EVENTS = Number(process.env.BENCH_RELAY_UNBATCHED_EVENTS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_RELAY_ROUNDS ?? 5);
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);

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

    const setCheckpoint = (name: string, at: Position) =>
      pool.query(
        `INSERT INTO relay_checkpoints (name, commit_position, prepare_position) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET commit_position = EXCLUDED.commit_position, prepare_position = EXCLUDED.prepare_position`,
        [name, String(at.commit), String(at.prepare)],
      );

    // The client's ceiling: the very messages the relay sends for a slice (the same topics, keys,
    // values and CloudEvents headers, mapped once beforehand), batches of 500, acks -1.
    const kafka = new Kafka({ brokers: cluster.brokers, clientId: 'bench-bare', logLevel: logLevel.NOTHING });
    const bare = async (from: Position | null, to: Position): Promise<number> => {
      const { events } = await store.readAll({ from: from ?? 'start', maxCount: EVENTS + 1 });
      const messages = events
        .filter((e) => !from || comparePositions(e.globalPosition, from) > 0)
        .filter((e) => comparePositions(e.globalPosition, to) <= 0)
        .flatMap((e) => mapEvent(e, tallyIntegrationEvents));
      const producer = kafka.producer({ allowAutoTopicCreation: true, maxInFlightRequests: 1 });
      await producer.connect();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < messages.length; i += 500) {
        const slice = messages.slice(i, i + 500);
        await producer.sendBatch({
          acks: -1,
          topicMessages: [
            {
              topic: `${slice[0].topic}.bare`,
              messages: slice.map((m) => ({ key: m.message.key, value: m.message.value, headers: { ...m.message.headers } })),
            },
          ],
        });
      }
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      await producer.disconnect();
      if (messages.length !== EVENTS) throw new Error(`bare producer: expected ${EVENTS} messages, mapped ${messages.length}`);
      return seconds;
    };

    // Interleaved rounds, the order flipping each round: the relay over a freshly seeded slice of
    // EVENTS events (its checkpoint starts where the slice starts), and the bare producer.
    const loadBefore = loadAverage();
    const rounds: Array<{ relaySeconds: number; bareSeconds: number; published: number }> = [];
    let head = await store.headPosition();
    for (let r = 0; r < ROUNDS; r++) {
      const from = head ?? { commit: 0n, prepare: 0n };
      head = await seed(pool, `b${r}-`, EVENTS, store);
      const name = `bench-batched-${r}`;
      if (r > 0) await setCheckpoint(name, from);
      const runRelay = () => relayUntil(db, store, cluster.bootstrap, name, 500, head!);
      const slice = { from: r > 0 ? from : null, to: head! };
      let relayRun: { seconds: number; published: number };
      let bareSeconds: number;
      if (r % 2 === 0) {
        relayRun = await runRelay();
        bareSeconds = await bare(slice.from, slice.to);
      } else {
        bareSeconds = await bare(slice.from, slice.to);
        relayRun = await runRelay();
      }
      rounds.push({ relaySeconds: relayRun.seconds, bareSeconds, published: relayRun.published });
    }
    const loadAfter = loadAverage();

    // The relay, one event per send, over a smaller slice: what batching saves.
    const unbatchedStart = head!;
    const unbatchedHead = await seed(pool, 'u', UNBATCHED_EVENTS, store);
    await setCheckpoint('bench-unbatched', unbatchedStart);
    const unbatched = await relayUntil(db, store, cluster.bootstrap, 'bench-unbatched', 1, unbatchedHead);

    const facts = await serverFacts(url);
    await store.close();
    await pool.end();

    const rate = (n: number, s: number) => Math.round(n / s);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const perRound = rounds.map((r) => ({
      relayPerSecond: rate(EVENTS, r.relaySeconds),
      barePerSecond: rate(EVENTS, r.bareSeconds),
      ratio: round(r.bareSeconds / r.relaySeconds, 2),
      published: r.published,
    }));
    const result = {
      scenario: 'messaging',
      ranAt: new Date().toISOString(),
      machine: machine(),
      postgres: facts,
      broker: 'librdkafka mock cluster (kcat), 3 brokers, 4 partitions per topic',
      rounds: ROUNDS,
      eventsPerRound: EVENTS,
      loadAverage: { before: loadBefore, after: loadAfter },
      relayBatched: { eventsPerSecond: median(perRound.map((r) => r.relayPerSecond)), batchSize: 500 },
      bareProducer: { messagesPerSecond: median(perRound.map((r) => r.barePerSecond)), batchSize: 500 },
      medianRatio: median(perRound.map((r) => r.ratio)),
      perRound,
      relayUnbatched: {
        events: UNBATCHED_EVENTS,
        published: unbatched.published,
        seconds: round(unbatched.seconds, 2),
        eventsPerSecond: rate(UNBATCHED_EVENTS, unbatched.seconds),
        batchSize: 1,
      },
    };
    writeResult(
      'messaging',
      result,
      `## Kafka relay to the mock cluster

Ran ${result.ranAt} on ${result.machine.cpus} × ${result.machine.cpuModel}, Node ${result.machine.node}, Postgres ${facts.version} (fsync ${facts.fsync}); ${result.broker}; acks = -1, one request in flight. Store, relay and broker on the same machine. Medians over ${ROUNDS} interleaved rounds of ${EVENTS} events (the order flips each round). Load average before / after: ${loadBefore.join(' ')} / ${loadAfter.join(' ')}.

| sender | events/s (median) | note |
|---|---:|---|
| outbound relay, batches of 500 | **${result.relayBatched.eventsPerSecond}** | store read, mapping, CloudEvents headers, checkpoint; reading, publishing and checkpointing overlap |
| bare kafkajs producer, batches of 500 | ${result.bareProducer.messagesPerSecond} | the client's ceiling here: no store, no mapping, no checkpoint |
| relay ÷ bare producer | **${Math.round(result.medianRatio * 100)} %** | per round: ${perRound.map((r) => `${Math.round(r.ratio * 100)} %`).join(', ')} (goal ≥ 80 %) |
| outbound relay, one event per batch (${UNBATCHED_EVENTS} events) | ${result.relayUnbatched.eventsPerSecond} | what batching saves: ${round(result.relayBatched.eventsPerSecond / result.relayUnbatched.eventsPerSecond, 1)}× |
`,
    );
    process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
  } finally {
    await cluster.stop();
    await server.close();
  }
}

await main();
