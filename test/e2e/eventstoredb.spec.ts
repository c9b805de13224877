import { bootApp, eventually, type TestApp } from '#test-support/app.js';
import { startEsdbDouble, type EsdbDouble } from '#test-support/esdb-double/index.js';
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

/**
 * A node failover as the app sees it: the double goes away (every call and subscription ends with
 * UNAVAILABLE) and comes back on the same address with the same log. Always on a double of its own,
 * also when EVENTSTORE_URL names a real server, which a test cannot take down.
 */
describe('app on EventStoreDB through a failover', () => {
  let esdb: EsdbDouble;
  let t: TestApp;
  const metric = async (name: string) => {
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{kind="eventstoredb"}`));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };
  const add = async (id: string, amount: number, key: string) => {
    const res = await t.request('POST', `/tallies/${id}/amounts`, { amount }, { 'idempotency-key': key });
    expect(res.status).toBe(202);
  };
  const view = (id: string, total: number, additions: number) =>
    eventually(
      async () => {
        const r = await t.request('GET', `/tallies/${id}`);
        return r.status === 200 && r.body.total === total && r.body.additions === additions ? r.body : undefined;
      },
      20_000,
      `tally ${id} at ${total} after ${additions} additions`,
    );

  beforeAll(async () => {
    esdb = await startEsdbDouble();
    t = await bootApp([tallyContext], { EVENTSTORE_URL: esdb.url });
  });
  afterAll(async () => {
    await t?.close();
    await esdb?.stop();
  });

  it('turns unready while the node is away, then reconnects and resubscribes from its checkpoint: nothing skipped or doubled', async () => {
    const id = `failover-${Date.now()}`;
    expect((await t.request('POST', '/tallies', { tallyId: id, limit: 1_000 })).status).toBe(201);
    for (let n = 1; n <= 5; n++) await add(id, n, `before-${n}`);
    await view(id, 15, 5);
    // Set by the readiness checks, which run every second.
    await eventually(async () => ((await metric('arrears_event_store_up')) === 1 ? true : undefined), 10_000, 'the up metric');

    await esdb.goDown();
    const unready = await eventually(
      async () => {
        const r = await t.request('GET', '/health/ready');
        return r.status === 503 && r.body.checks?.eventStore?.status === 'down' ? r.body : undefined;
      },
      20_000,
      'readiness to fail',
    );
    expect(unready).toMatchObject({ code: 'NOT_READY', failing: expect.arrayContaining(['eventStore']) });
    expect(unready.checks.eventStore.kind).toBe('eventstoredb');
    expect(await metric('arrears_event_store_up')).toBe(0);

    await esdb.comeBack();
    await eventually(async () => ((await t.request('GET', '/health/ready')).status === 200 ? true : undefined), 20_000, 'readiness to return');
    for (let n = 6; n <= 8; n++) await add(id, n, `after-${n}`);
    // A client's retry of a command acknowledged before the failover is answered as before, not applied again.
    await add(id, 5, 'before-5');
    await view(id, 36, 8);
    expect((await t.runtime.store.readStream(`tally.tally-${id}`)).map((e) => e.type)).toEqual(['TallyOpened', ...Array(8).fill('AmountAdded')]);
    await eventually(async () => ((await metric('arrears_event_store_up')) === 1 ? true : undefined), 10_000, 'the up metric again');
    expect(await metric('arrears_event_store_subscription_drops_total')).toBeGreaterThan(0);
  });
});
