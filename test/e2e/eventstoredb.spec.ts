import { bootApp, eventually, type TestApp } from '#test-support/app.js';
import { startEsdbDouble } from '#test-support/esdb-double/index.js';
import { tallyContext } from '#test-support/tally/tally.js';

/** The app with EVENTSTORE_URL set: events go to EventStoreDB (the gRPC double, or a real server). */
describe('app on EventStoreDB', () => {
  let esdb: { url: string; stop(): Promise<void> } | undefined;
  let t: TestApp;

  beforeAll(async () => {
    const url = process.env.EVENTSTORE_URL ?? (esdb = await startEsdbDouble()).url;
    t = await bootApp([tallyContext], { EVENTSTORE_URL: url });
  });
  afterAll(async () => {
    await t?.close();
    await esdb?.stop();
  });

  it('drives a command into EventStoreDB and through a projection into the Postgres read model', async () => {
    expect(t.runtime.store.kind).toBe('eventstoredb');
    const id = `esdb-${Date.now()}`;
    expect((await t.request('POST', '/tallies', { tallyId: id, limit: 100 })).status).toBe(201);
    expect((await t.request('POST', `/tallies/${id}/amounts`, { amount: 40 })).status).toBe(202);
    expect((await t.request('POST', `/tallies/${id}/amounts`, { amount: 70 })).status).toBe(422);
    const view = await eventually(async () => {
      const r = await t.request('GET', `/tallies/${id}`);
      return r.status === 200 && r.body.total === 40 ? r.body : undefined;
    });
    expect(view).toEqual({ tallyId: id, total: 40, additions: 1 });
    // Nothing reached Postgres' event table; the checkpoint did reach Postgres.
    expect((await t.runtime.pool.query('SELECT count(*)::int AS n FROM es_events')).rows[0].n).toBe(0);
    const cp = await t.runtime.pool.query(`SELECT prepare_position FROM projection_checkpoints WHERE name = 'tally_totals'`);
    expect(BigInt(cp.rows[0].prepare_position)).toBeGreaterThan(0n);
    const ready = await t.request('GET', '/health/ready');
    expect(ready.body.details.eventStore).toMatchObject({ status: 'up', kind: 'eventstoredb' });
  });
});
