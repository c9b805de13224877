import { PostgresEventStore } from '#eventstore';
import { ProjectionRunner } from '#projections';
import { testDatabase, type TestDatabase } from '#test-support/database.js';
import { FACTS_PROJECTION, factsProjection } from '../src/read-model/facts.projection.js';
import { KpiQueries } from '../src/read-model/kpis.js';
import { caughtUp, Scenario } from './scenario.js';

export interface FactsHarness {
  readonly db: TestDatabase;
  readonly kpis: KpiQueries;
  close(): Promise<void>;
}

/**
 * A database of its own, the events `build` appends through a Scenario, and the KPI fact tables
 * projected from them in batches of `batchSize` (small, so batch boundaries fall between related events).
 */
export async function factsOf(build: (s: Scenario) => Promise<void>, batchSize = 3): Promise<FactsHarness> {
  const db = await testDatabase();
  const store = new PostgresEventStore(db.pool, { pollIntervalMs: 50 });
  const s = new Scenario(store);
  await build(s);
  const runner = new ProjectionRunner(db.pool, store, [factsProjection()], { batchSize });
  await runner.start();
  await caughtUp(db.pool, FACTS_PROJECTION, s.last);
  return {
    db,
    kpis: new KpiQueries(db.pool),
    async close() {
      await runner.stop();
      await store.close();
      await db.close();
    },
  };
}
