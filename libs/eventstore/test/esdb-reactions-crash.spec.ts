import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { EventStoreDbEventStore, type EventStore } from '#eventstore';
import type { Position } from '#kernel';
import { ProjectionRunner } from '#projections';
import { eventually } from '#test-support/app.js';
import { testDatabase, type TestDatabase } from '#test-support/database.js';
import { startEsdbDouble, type EsdbDouble } from '#test-support/esdb-double/index.js';
import { COUNTED_REACTOR, counted, countedReactor, openTallies } from '#test-support/counted-reactor.js';

const REACTION_WORKER = join(process.cwd(), 'dist/test/support/reaction-worker.js');

/**
 * Exactly-once reactions across two stores: the triggers and effects in EventStoreDB (the gRPC
 * double), the checkpoint and the reaction ledger in Postgres, so an effect's append and its record
 * cannot share a transaction. A worker process is SIGKILLed between the two, three times; after a
 * restart every trigger has one outcome, and the server recognised each repeated effect by its
 * derived event id, so no trigger's effect is stored twice.
 */
describe('reactions with events in EventStoreDB, killed between effect and record', () => {
  let db: TestDatabase;
  let esdb: EsdbDouble;
  let store: EventStore;

  beforeAll(async () => {
    db = await testDatabase();
    esdb = await startEsdbDouble();
    store = new EventStoreDbEventStore(esdb.url);
  });
  afterAll(async () => {
    await store?.close();
    await esdb?.stop();
    await db?.close();
  });

  it('after SIGKILLs, every trigger has exactly one outcome and one effect', async () => {
    const ledger = async () =>
      (
        await db.pool.query<{ trigger_id: string; outcome: string }>(`SELECT trigger_id, outcome FROM projection_reactions WHERE reactor = $1`, [
          COUNTED_REACTOR,
        ])
      ).rows;
    await openTallies(store);
    const triggers = 150;
    for (let n = 1; n <= triggers; n++) await store.appendToStream(`react.s-${n}`, [counted(n)], 'no_stream');

    for (let kill = 0; kill < 3; kill++) {
      const before = (await ledger()).length;
      const worker = spawn(process.execPath, [REACTION_WORKER, db.url, esdb.url], { stdio: ['ignore', 'pipe', 'inherit'] });
      await eventually(async () => ((await ledger()).length > before ? true : undefined), 30_000, 'progress');
      await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 30)));
      worker.kill('SIGKILL');
      await once(worker, 'exit');
    }
    expect((await ledger()).length).toBeLessThan(triggers);

    const runner = new ProjectionRunner(db.pool, store, [countedReactor(store)]);
    await runner.start();
    try {
      await eventually(async () => ((await runner.status())[0].caughtUp ? true : undefined), 30_000, 'the reactor to catch up');
    } finally {
      await runner.stop();
    }

    const rows = await ledger();
    expect(rows).toHaveLength(triggers);
    expect(new Set(rows.map((r) => r.trigger_id)).size).toBe(triggers);
    const effects: Array<{ cause: string; amount: number }> = [];
    for (let from: Position | 'start' = 'start'; ;) {
      const page = await store.readAll({ from, maxCount: 1_000, filter: { eventTypes: ['AmountAdded'] } });
      for (const e of page.events) effects.push({ cause: e.metadata.causationId as string, amount: (e.data as { amount: number }).amount });
      if (page.isEnd) break;
      from = page.position;
    }
    const causes = effects.map((e) => e.cause);
    expect(new Set(causes).size).toBe(causes.length); // no trigger added twice
    const expected = Array.from({ length: triggers }, (_, k) => k + 1).filter((n) => n % 5 !== 0 && n % 7 !== 0);
    expect(effects.map((e) => e.amount).sort((a, b) => a - b)).toEqual(expected);
    expect(rows.filter((r) => r.outcome === 'appended')).toHaveLength(expected.length);
  });
});
