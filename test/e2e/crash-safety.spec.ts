import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStoreDbEventStore, PostgresEventStore, type EventStore } from '#eventstore';
import { freePort, mintToken } from '#platform';
import { testDatabase, type TestDatabase } from '#test-support/database.js';
import { eventually, TEST_JWT_SECRET, TEST_STORE } from '#test-support/app.js';
import { startEsdbDouble, type EsdbDouble } from '#test-support/esdb-double/index.js';
import { storedEvents } from '#test-support/store.js';
import { kcatAvailable, kcatRead, startMockCluster, type MockCluster } from '#test-support/kafka/mock-cluster.js';
import { TALLY_TOPIC } from '#test-support/tally/tally-integration.js';

const PROCESS = join(process.cwd(), 'dist/test/support/tally-process.js');
const TALLIES = 12;

/**
 * Load against a real app process that is killed with SIGKILL at random moments and restarted:
 * every command acknowledged with 2xx must be stored exactly once, and the read model must equal a
 * fresh rebuild. A final SIGTERM must let in-flight requests finish and exit cleanly. With Kafka on
 * (librdkafka's mock cluster from kcat; required in CI), the process also runs the relay, and every
 * stored event must reach its topic despite the kills.
 */
const WITH_KAFKA = kcatAvailable() || process.env.CI === 'true';
if (!WITH_KAFKA) process.stdout.write('crash safety runs without Kafka: kcat (the mock cluster) is not installed\n');
describe(`crash safety under SIGKILL, events in ${TEST_STORE}`, () => {
  let db: TestDatabase;
  let esdb: EsdbDouble | undefined;
  let store: EventStore | undefined;
  let port: number;
  let env: NodeJS.ProcessEnv;
  let token: string;
  let child: ChildProcess | undefined;
  let cluster: MockCluster | undefined;

  const start = async () => {
    child = spawn(process.execPath, [PROCESS], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    await eventually(
      async () => {
        try {
          return (await fetch(`http://127.0.0.1:${port}/health/live`)).ok ? true : undefined;
        } catch {
          return undefined;
        }
      },
      60_000,
      'the app to listen',
    );
  };
  const post = (path: string, body: unknown, key?: string) =>
    fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(key ? { 'idempotency-key': key } : {}) },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    db = await testDatabase();
    port = await freePort();
    env = {
      ...process.env,
      DATABASE_URL: db.url,
      PORT: String(port),
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'silent',
      ARREARS_DATA_DIR: mkdtempSync(join(tmpdir(), 'arrears-crash-')),
      PROJECTION_POLL_MS: '100',
    };
    // On EventStoreDB the process talks gRPC to a double in this test's process (or a real server).
    if (TEST_STORE === 'eventstoredb') env.EVENTSTORE_URL = process.env.EVENTSTORE_URL ?? (esdb = await startEsdbDouble()).url;
    else delete env.EVENTSTORE_URL;
    if (WITH_KAFKA) {
      cluster = await startMockCluster(3);
      env.KAFKA_BROKERS = cluster.bootstrap;
      env.RELAY_BATCH_SIZE = '50';
    }
    token = await mintToken({ issuer: 'arrears', audience: 'arrears', secret: new TextEncoder().encode(TEST_JWT_SECRET) }, { sub: 'load', role: 'admin' });
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await cluster?.stop();
    await store?.close();
    await esdb?.stop();
    await db?.close();
  });

  it('loses no acknowledged command, applies none twice, its read model equals a rebuild, and every event reaches Kafka', async () => {
    await start();
    for (let i = 0; i < TALLIES; i++) expect((await post('/tallies', { tallyId: `c${i}`, limit: 1e12 })).status).toBe(201);

    const acked = new Set<string>();
    let seq = 0;
    let running = true;
    const worker = async () => {
      while (running) {
        const key = `k-${seq++}`;
        try {
          const res = await post(`/tallies/c${seq % TALLIES}/amounts`, { amount: 1 }, key);
          if (res.status === 202) acked.add(key);
        } catch {
          await new Promise((r) => setTimeout(r, 20)); // the process is down; try again shortly
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);

    for (let kill = 0; kill < 3; kill++) {
      // Let each life of the process acknowledge some commands, then kill it at a random moment.
      const target = (kill + 1) * 40;
      await eventually(async () => (acked.size >= target ? true : undefined), 60_000, `${target} acknowledged commands`);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 200)));
      child!.kill('SIGKILL');
      await once(child!, 'exit');
      await start();
    }
    await new Promise((r) => setTimeout(r, 300));

    // Graceful stop with requests in flight: they are answered, and the process exits 0.
    const exit = once(child!, 'exit');
    child!.kill('SIGTERM');
    const [code] = await exit;
    running = false;
    await Promise.all(workers);
    expect(code).toBe(0);
    expect(acked.size).toBeGreaterThanOrEqual(120);

    store = env.EVENTSTORE_URL ? new EventStoreDbEventStore(env.EVENTSTORE_URL) : new PostgresEventStore(db.pool);
    const counts = new Map<string, number>();
    for (const e of await storedEvents(store)) {
      // Commands carry the key scoped to its sender (`load:<key>`).
      if (e.type !== 'AmountAdded') continue;
      const key = String(e.metadata.idempotencyKey).replace(/^load:/, '');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const rows = [...counts].map(([key, n]) => ({ key, n }));
    const stored = new Map(rows.map((r) => [r.key, r.n]));
    expect([...acked].filter((k) => !stored.has(k))).toEqual([]);
    expect(rows.filter((r) => r.n > 1)).toEqual([]);

    await start();
    const total = rows.length;
    await eventually(
      async () => {
        const r = await db.pool.query<{ sum: number }>('SELECT coalesce(sum(additions), 0)::int AS sum FROM rm_tally_totals');
        return r.rows[0].sum === total ? true : undefined;
      },
      60_000,
      'the read model to catch up',
    );
    const verify = await post('/admin/projections/tally_totals/verify', {});
    expect(((await verify.json()) as { ok: boolean }).ok).toBe(true);

    if (cluster) {
      // At least once: every stored event reached the topic, whatever the kills interrupted.
      const events = (await storedEvents(store)).filter((e) => e.streamId.startsWith('tally.')).map((e) => ({ event_id: e.eventId }));
      const missing = await eventually(
        async () => {
          const published = new Set((await kcatRead(cluster!.bootstrap, TALLY_TOPIC)).map((m) => m.headers.ce_id));
          const left = events.filter((e) => !published.has(e.event_id));
          return left.length === 0 ? left : undefined;
        },
        90_000,
        'every stored event on the topic',
      );
      expect(missing).toEqual([]);
    }
    child!.kill('SIGTERM');
    await once(child!, 'exit');
  }, 180_000);
});
