import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { comparePositions, START, type NewEvent, type Position } from '#kernel';
// Modules rather than the libraries' entry points: this file needs neither Nest nor the app.
import { PostgresEventStore } from '../../libs/eventstore/src/pg/postgres-event-store.js';
import { EventStoreSchema1732838400000 } from '../../libs/eventstore/src/pg/schema.js';
import { createDatabase, createPool, dropDatabase, runMigrations } from '../../libs/platform/src/database/database.js';
import { KafkaJsBroker } from '../../libs/messaging/src/kafkajs-broker.js';
import { OutboundRelay } from '../../libs/messaging/src/relay.js';
import { MessagingSchema1732838400100 } from '../../libs/messaging/src/schema.js';
import { describeWithKafka, kcatRead, startMockCluster, type KcatMessage, type MockCluster } from '#test-support/kafka/mock-cluster.js';
import { TALLY_TOPIC, tallyIntegrationEvents } from '#test-support/tally/tally-integration.js';

const WORKER = join(process.cwd(), 'dist/test/support/kafka/relay-worker.js');

interface TestDatabase {
  readonly url: string;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

/** A fresh database with the event store's and the relay's tables. */
async function testDatabase(): Promise<TestDatabase> {
  const admin = process.env.ARREARS_TEST_ADMIN_URL;
  if (!admin) throw new Error('ARREARS_TEST_ADMIN_URL is not set: run the tests through jest (global setup)');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const url = await createDatabase(admin, name);
  await runMigrations(url, [EventStoreSchema1732838400000, MessagingSchema1732838400100]);
  const pool = createPool(url, 10);
  return {
    url,
    pool,
    async close() {
      await pool.end();
      await dropDatabase(admin, name);
    },
  };
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function tallyEvent(tallyId: string, n: number): NewEvent {
  const id = randomUUID();
  return {
    eventId: id,
    type: n === 0 ? 'TallyOpened' : 'AmountAdded',
    schemaVersion: 1,
    data: n === 0 ? { tallyId, limit: 1_000_000 } : { tallyId, amount: n },
    metadata: { correlationId: `corr-${tallyId}`, causationId: id, actor: { id: 't', role: 'system' }, command: 'Test', occurredAt: '2026-11-29T08:00:00Z' },
  };
}

/** Appends `rounds` events to each of `tallies` streams, round by round; returns the newest position. */
async function appendRounds(store: PostgresEventStore, prefix: string, tallies: number, rounds: number): Promise<{ ids: Set<string>; head: Position }> {
  const ids = new Set<string>();
  let head: Position = START;
  for (let round = 0; round < rounds; round++) {
    const results = await Promise.all(
      Array.from({ length: tallies }, (_, k) => {
        const event = tallyEvent(`${prefix}-${k}`, round);
        ids.add(event.eventId);
        return store.appendToStream(`tally.tally-${prefix}-${k}`, [event], 'any');
      }),
    );
    // The newest appended position (headPosition() may trail while other test files' transactions
    // hold the read horizon back).
    for (const r of results) if (comparePositions(r.position, head) > 0) head = r.position;
  }
  return { ids, head };
}

async function checkpoint(db: TestDatabase): Promise<Position> {
  const { rows } = await db.pool.query(`SELECT commit_position, prepare_position FROM relay_checkpoints WHERE name = 'outbound'`);
  return rows.length ? { commit: BigInt(rows[0].commit_position), prepare: BigInt(rows[0].prepare_position) } : START;
}

/** Every id present; per key, the first copies in stream order (re-published copies may follow). */
function expectComplete(messages: readonly KcatMessage[], ids: ReadonlySet<string>, keys: number, perKey: number): void {
  const relevant = messages.filter((m) => ids.has(m.headers.ce_id));
  expect(new Set(relevant.map((m) => m.headers.ce_id)).size).toBe(ids.size);
  const firstSeen = new Map<string, number[]>();
  const seen = new Set<string>();
  for (const m of relevant) {
    if (seen.has(m.headers.ce_id)) continue;
    seen.add(m.headers.ce_id);
    firstSeen.set(m.key!, [...(firstSeen.get(m.key!) ?? []), Number(m.headers.ce_sequence)]);
  }
  expect(firstSeen.size).toBe(keys);
  const inOrder = Array.from({ length: perKey }, (_, i) => i);
  for (const sequence of firstSeen.values()) expect(sequence).toEqual(inOrder);
}

describeWithKafka('outbound relay (mock cluster)', () => {
  let cluster: MockCluster;
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    cluster = await startMockCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  beforeEach(async () => {
    db = await testDatabase();
    store = new PostgresEventStore(db.pool, { pollIntervalMs: 50 });
  });
  afterEach(async () => {
    await store.close();
    await db.close();
  });

  it('killed with SIGKILL mid-batch and restarted, publishes every event at least once, in order per key', async () => {
    const tallies = 30;
    const rounds = 20;
    const { ids, head } = await appendRounds(store, 'crash', tallies, rounds);
    const start = () => spawn(process.execPath, [WORKER, db.url, cluster.bootstrap, '100'], { stdio: ['ignore', 'pipe', 'inherit'] }) as ChildProcess;
    /** Resolves when the worker printed `line` for the `n`-th time. */
    const reported = (worker: ChildProcess, line: 'sending' | 'acked', n: number) =>
      new Promise<void>((resolve, reject) => {
        let count = 0;
        worker.stdout!.on('data', (chunk: Buffer) => {
          count += chunk
            .toString()
            .split('\n')
            .filter((l) => l === line).length;
          if (count >= n) resolve();
        });
        worker.once('exit', () => reject(new Error('relay worker exited early')));
      });

    // Killed right after the broker acknowledged a batch (before the checkpoint moved past it),
    // then while a send is in flight, then after an acknowledgement again.
    for (const [line, n] of [
      ['acked', 2],
      ['sending', 3],
      ['acked', 4],
    ] as const) {
      const before = await checkpoint(db);
      const worker = start();
      await reported(worker, line, n);
      worker.kill('SIGKILL');
      await once(worker, 'exit');
      expect(comparePositions(await checkpoint(db), before)).toBeGreaterThan(0);
    }
    expect(comparePositions(await checkpoint(db), head)).toBeLessThan(0);

    const worker = start();
    await eventually(async () => (comparePositions(await checkpoint(db), head) >= 0 ? true : undefined), 30_000, 'catch-up');
    worker.kill('SIGTERM');
    await once(worker, 'exit');

    const messages = (await kcatRead(cluster.bootstrap, TALLY_TOPIC)).filter((m) => ids.has(m.headers.ce_id));
    expectComplete(messages, ids, tallies, rounds);
    // At least once: the batches in flight at each kill were published again after the restart.
    expect(messages.length).toBeGreaterThan(ids.size);
  });

  it('runs one active relay at a time: a second instance waits on the lock and takes over when the first stops', async () => {
    const broker = new KafkaJsBroker({ brokers: cluster.brokers, clientId: 'relay-lock-test', requestTimeoutMs: 5_000 });
    const relay = () => new OutboundRelay({ url: db.url, pool: db.pool }, store, broker, tallyIntegrationEvents, { batchSize: 25 });
    const first = relay();
    const second = relay();
    try {
      first.start();
      await eventually(async () => ((await first.status()).active ? true : undefined), 10_000, 'the first relay to hold the lock');
      second.start();
      await eventually(async () => ((await second.status()).state === 'standby' ? true : undefined), 10_000, 'the second relay to wait');

      const a = await appendRounds(store, 'lock-a', 5, 4);
      await eventually(async () => (comparePositions(await checkpoint(db), a.head) >= 0 ? true : undefined), 20_000, 'the first batch');
      expect(await second.status()).toMatchObject({ state: 'standby', active: false, published: 0 });
      expect((await first.status()).published).toBe(20);

      await first.stop();
      await eventually(async () => ((await second.status()).active ? true : undefined), 10_000, 'the second relay to take over');
      const b = await appendRounds(store, 'lock-b', 5, 4);
      await eventually(async () => (comparePositions(await checkpoint(db), b.head) >= 0 ? true : undefined), 20_000, 'the second batch');
      // The second relay continued from the first one's checkpoint: it published only the new events.
      expect((await second.status()).published).toBe(20);

      const messages = await kcatRead(cluster.bootstrap, TALLY_TOPIC);
      expectComplete(messages, new Set([...a.ids, ...b.ids]), 10, 4);
    } finally {
      await first.stop();
      await second.stop();
      await broker.close();
    }
  });
});
