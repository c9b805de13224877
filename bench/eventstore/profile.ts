/**
 * Profiling aid for the command path (not part of `npm run bench`): seeds STREAMS streams of 10
 * events, runs COMMANDS commands with the stream cache off, and prints ops/s; run it under
 * `node --cpu-prof`. With EXPLAIN=1 it prints the plans of the stream read and of both appends
 * on the seeded database.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { domainError, type Decider, type DomainEvent, type NewEvent } from '#kernel';
import { AggregateRepository, EventStoreSchema1732838400000, PostgresEventStore } from '#eventstore';
import { createPool } from '#platform';
import { benchServer, drive } from '../support.js';

const STREAMS = Number(process.env.STREAMS ?? 3000);
const COMMANDS = Number(process.env.COMMANDS ?? 8000);
type Ev = DomainEvent<'Incremented', { by: number }>;
const counter: Decider<{ by: number }, Ev, { count: number }> = {
  initialState: () => ({ count: 0 }),
  evolve: (s, e) => ({ count: s.count + e.data.by }),
  decide: (c, s) => (s.count > 1e9 ? domainError('TOO_MANY', 'too many') : [{ type: 'Incremented', data: { by: c.by } }]),
};
function newEvent(): NewEvent {
  const id = randomUUID();
  return {
    eventId: id,
    type: 'Incremented',
    schemaVersion: 1,
    data: { by: 1 },
    metadata: { correlationId: id, causationId: id, actor: { id: 'bench', role: 'system' }, command: 'Increment', occurredAt: '2026-11-29T00:00:00Z' },
  };
}
const ctx = { command: 'Increment', actor: { id: 'bench', role: 'system' as const }, occurredAt: '2026-11-29T00:00:00Z' };

/** CPU seconds of this process and of the Postgres server it started (postmaster and backends). */
function cpu(): { node: number; pg: number } {
  const stats = new Map<number, string[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const raw = readFileSync(`/proc/${d}/stat`, 'utf8');
      stats.set(Number(d), raw.slice(raw.lastIndexOf(')') + 2).split(' '));
    } catch {
      // gone
    }
  }
  const ticks = (f: string[]) => (Number(f[11]) + Number(f[12])) / 100;
  const postmasters = [...stats].filter(([, f]) => Number(f[1]) === process.pid).map(([pid]) => pid);
  let pgSeconds = 0;
  for (const [pid, f] of stats) if (postmasters.includes(pid) || postmasters.includes(Number(f[1]))) pgSeconds += ticks(f);
  const u = process.cpuUsage();
  return { node: (u.user + u.system) / 1e6, pg: pgSeconds };
}

const server = await benchServer();
try {
  const url = await server.database('profile', [EventStoreSchema1732838400000]);
  const pool = createPool(url, 20);
  const store = new PostgresEventStore(pool, { notify: true });
  await drive(STREAMS, 16, (i) => store.appendToStream(`bench.counter-${i}`, Array.from({ length: 10 }, newEvent), 'no_stream').then(() => undefined));
  await pool.query('ANALYZE es_events');
  const repository = new AggregateRepository(store, counter, { cacheStreams: 0 });
  const run = () =>
    drive(COMMANDS, 16, async () => {
      const r = await repository.handle(`bench.counter-${Math.floor(Math.random() * STREAMS)}`, { by: 1 }, ctx);
      if ('kind' in r) throw new Error(r.message);
    });
  await run();
  const c0 = cpu();
  const timed = await run();
  const c1 = cpu();
  const perOp = (s: number) => Math.round((s / COMMANDS) * 1e6);
  process.stdout.write(`${JSON.stringify({ ...timed, nodeUsPerOp: perOp(c1.node - c0.node), pgUsPerOp: perOp(c1.pg - c0.pg) })}\n`);
  if (process.env.EXPLAIN) {
    // auto_explain on fresh connections: the plans of the store's own statements, in the server
    // log (run with BENCH_PG_LOG=1 to see it on stderr).
    const db = new URL(url).pathname.slice(1);
    await pool.query(`ALTER DATABASE ${db} SET session_preload_libraries = 'auto_explain'`);
    await pool.query(`ALTER DATABASE ${db} SET auto_explain.log_min_duration = 0`);
    await pool.query(`ALTER DATABASE ${db} SET auto_explain.log_analyze = on`);
    await pool.query(`ALTER DATABASE ${db} SET auto_explain.log_buffers = on`);
    const explained = createPool(url, 4);
    const store2 = new PostgresEventStore(explained, { notify: false });
    const repo2 = new AggregateRepository(store2, counter, { cacheStreams: 0 });
    await drive(Number(process.env.EXPLAIN), 4, async () => {
      await repo2.handle(`bench.counter-${Math.floor(Math.random() * STREAMS)}`, { by: 1 }, ctx);
    });
    await store2.close();
    await explained.end();
  }
  await store.close();
  await pool.end();
} finally {
  await server.close();
}
