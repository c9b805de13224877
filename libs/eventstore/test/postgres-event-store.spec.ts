import { setTimeout as sleep } from 'node:timers/promises';
import { HASH, PostgresEventStore } from '#eventstore';
import { testDatabase } from '#test-support/database.js';
import { event, eventStoreContract } from './event-store.contract.js';

eventStoreContract('postgres', async () => {
  const db = await testDatabase({ poolSize: 30 });
  const store = new PostgresEventStore(db.pool, { pollIntervalMs: 200 });
  return {
    store,
    async slowAppend(streamId, events, holdMs) {
      const client = await db.pool.connect();
      try {
        await client.query('BEGIN');
        // The store's own append, on a client whose transaction stays open for a while.
        await new PostgresEventStore(client as never, { notify: false }).appendToStream(streamId, events, 'any');
        await sleep(holdMs);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    },
    async close() {
      await store.close();
      await db.close();
    },
  };
});

describe('postgres appendMany and the hash chain', () => {
  it('chains batched events to their stream like single appends, so the chain verifies', async () => {
    const db = await testDatabase();
    const store = new PostgresEventStore(db.pool, { notify: false });
    try {
      await store.appendToStream('chain.s-1', [event('A', { n: 1 })], 'no_stream');
      const outcomes = await store.appendMany([
        { streamId: 'chain.s-1', events: [event('B', { n: 2 }), event('C', { n: 3 })], expected: 0 },
        { streamId: 'chain.s-2', events: [event('A', { n: 4 })], expected: 'no_stream' },
      ]);
      expect(outcomes.every((o) => o.ok)).toBe(true);
      await store.appendToStream('chain.s-1', [event('D')], 3 - 1);
      const { rows } = await db.pool.query<{ stream_id: string; revision: string; ok: boolean }>(
        `SELECT stream_id, revision,
                hash = ${HASH("coalesce(lag(hash) OVER w, ''::bytea)", 'e', 'data', 'metadata')} AS ok
           FROM es_events e WINDOW w AS (PARTITION BY stream_id ORDER BY revision) ORDER BY stream_id, revision`,
      );
      expect(rows.map((r) => `${r.stream_id}@${r.revision}:${r.ok}`)).toEqual([
        'chain.s-1@0:true',
        'chain.s-1@1:true',
        'chain.s-1@2:true',
        'chain.s-1@3:true',
        'chain.s-2@0:true',
      ]);
    } finally {
      await store.close();
      await db.close();
    }
  });
});
