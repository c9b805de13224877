/**
 * Event store benchmark: Arrears' Postgres store against @event-driven-io/emmett-postgresql, on
 * the same Postgres server, in the same process, same pool size and concurrency.
 *   (a) single-event appends to new streams;
 *   (b) command handling: load a stream of ~10 events, decide, append with the expected revision.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { CommandHandler, STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { domainError, type Decider, type DomainEvent, type NewEvent } from '#kernel';
import { AggregateRepository, EventStoreSchema1732838400000, PostgresEventStore } from '#eventstore';
import { createPool } from '#platform';
import { benchServer, drive, machine, round, serverFacts, writeResult } from '../support.js';

const CONCURRENCY = 16;
const POOL = 20;
const APPENDS = Number(process.env.BENCH_APPENDS ?? 20_000);
const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 10_000);
const STREAMS = 2_000;
const ROUNDS = 2;

type Ev = DomainEvent<'Incremented', { by: number }>;
type State = { count: number };
const counter: Decider<{ by: number }, Ev, State> = {
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

async function main() {
  const server = await benchServer();
  try {
    const oursUrl = await server.database('arrears', [EventStoreSchema1732838400000]);
    const peerUrl = await server.database('emmett');
    const pool = createPool(oursUrl, POOL);
    const store = new PostgresEventStore(pool, { notify: true });
    const repository = new AggregateRepository(store, counter);

    const peerPool = new pg.Pool({ connectionString: peerUrl, max: POOL });
    peerPool.on('error', () => undefined);
    const peer = getPostgreSQLEventStore(peerUrl, { connectionOptions: { pooled: true, pool: peerPool } as never });
    const peerHandle = CommandHandler<State, Ev>({ evolve: counter.evolve, initialState: counter.initialState, retry: { onVersionConflict: 10 } });
    await peer.appendToStream(`warmup-${randomUUID()}`, [{ type: 'Incremented', data: { by: 1 } }]);

    // Seed: STREAMS streams of 10 events in both stores.
    await drive(STREAMS, CONCURRENCY, async (i) => {
      await store.appendToStream(`bench.counter-${i}`, Array.from({ length: 10 }, newEvent), 'no_stream');
      await peer.appendToStream(`bench.counter-${i}`, Array.from({ length: 10 }, () => ({ type: 'Incremented' as const, data: { by: 1 } })), {
        expectedStreamVersion: STREAM_DOES_NOT_EXIST,
      });
    });

    const best = (xs: Awaited<ReturnType<typeof drive>>[]) => xs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    const runs = { appends: { arrears: [] as any[], peer: [] as any[] }, commands: { arrears: [] as any[], peer: [] as any[] } };
    for (let r = 0; r < ROUNDS; r++) {
      runs.appends.peer.push(
        await drive(APPENDS, CONCURRENCY, async () => {
          await peer.appendToStream(`bench.new-${randomUUID()}`, [{ type: 'Incremented', data: { by: 1 } }], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
        }),
      );
      runs.appends.arrears.push(
        await drive(APPENDS, CONCURRENCY, async () => {
          await store.appendToStream(`bench.new-${randomUUID()}`, [newEvent()], 'no_stream');
        }),
      );
      runs.commands.peer.push(
        await drive(COMMANDS, CONCURRENCY, async () => {
          const id = `bench.counter-${Math.floor(Math.random() * STREAMS)}`;
          await peerHandle(peer, id, () => ({ type: 'Incremented', data: { by: 1 } }));
        }),
      );
      runs.commands.arrears.push(
        await drive(COMMANDS, CONCURRENCY, async () => {
          const id = `bench.counter-${Math.floor(Math.random() * STREAMS)}`;
          const result = await repository.handle(id, { by: 1 }, ctx);
          if ('kind' in result) throw new Error(result.message);
        }),
      );
    }
    const appends = { arrears: best(runs.appends.arrears), peer: best(runs.appends.peer) };
    const commands = { arrears: best(runs.commands.arrears), peer: best(runs.commands.peer) };
    const result = {
      scenario: 'eventstore',
      ranAt: new Date().toISOString(),
      machine: machine(),
      postgres: await serverFacts(oursUrl),
      settings: { concurrency: CONCURRENCY, poolSize: POOL, appends: APPENDS, commands: COMMANDS, seededStreams: STREAMS, eventsPerSeededStream: 10, rounds: ROUNDS, reported: 'best round' },
      peer: '@event-driven-io/emmett-postgresql 0.42.0',
      appends: { ...appends, ratio: round(appends.arrears.perSecond / appends.peer.perSecond, 2) },
      commands: { ...commands, ratio: round(commands.arrears.perSecond / commands.peer.perSecond, 2) },
      allRuns: runs,
    };
    writeResult(
      'eventstore',
      result,
      `## Event store: appends and command handling vs emmett-postgresql

Ran ${result.ranAt} on ${result.machine.cpus} × ${result.machine.cpuModel}, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}, Postgres ${result.postgres.version} (fsync ${result.postgres.fsync}, synchronous_commit ${result.postgres.synchronous_commit}). Same server, same process, pool ${POOL}, concurrency ${CONCURRENCY}, best of ${ROUNDS} interleaved rounds.

| scenario | Arrears ops/s | p50 / p99 ms | emmett-postgresql ops/s | p50 / p99 ms | ratio |
|---|---:|---:|---:|---:|---:|
| (a) single-event append to a new stream (${APPENDS}) | ${appends.arrears.perSecond} | ${appends.arrears.p50ms} / ${appends.arrears.p99ms} | ${appends.peer.perSecond} | ${appends.peer.p50ms} / ${appends.peer.p99ms} | **${result.appends.ratio}×** |
| (b) command: load ~10 events, decide, append at expected revision (${COMMANDS}) | ${commands.arrears.perSecond} | ${commands.arrears.p50ms} / ${commands.arrears.p99ms} | ${commands.peer.perSecond} | ${commands.peer.p50ms} / ${commands.peer.p99ms} | **${result.commands.ratio}×** |
`,
    );
    process.stdout.write(`${JSON.stringify({ appends: result.appends.ratio, commands: result.commands.ratio, a: appends, c: commands }, null, 1)}\n`);
    await store.close();
    await pool.end();
    await (peer as unknown as { close(): Promise<void> }).close?.();
    await peerPool.end().catch(() => undefined);
  } finally {
    await server.close();
  }
}

await main();
