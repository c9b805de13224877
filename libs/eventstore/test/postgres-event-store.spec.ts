import { setTimeout as sleep } from 'node:timers/promises';
import { RevisionConflictError } from '#kernel';
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

describe('postgres group commit', () => {
  it('writes concurrent appends together, answering each on its own: appended, conflict or repeat', async () => {
    const db = await testDatabase({ poolSize: 10 });
    const store = new PostgresEventStore(db.pool, { notify: false });
    try {
      await store.appendToStream('gc.s-taken', [event('A')], 'no_stream');
      const repeat = [event('R', { n: 1 })];
      await store.appendToStream('gc.s-repeat', repeat, 'no_stream');
      const fresh = Array.from({ length: 60 }, (_, i) => store.appendToStream(`gc.s-${i}`, [event('A', { i }), event('B', { i })], 'no_stream'));
      const conflict = store.appendToStream('gc.s-taken', [event('X')], 'no_stream');
      const again = store.appendToStream('gc.s-repeat', repeat, 'no_stream');
      const results = await Promise.all(fresh);
      expect(results.map((r) => [r.nextExpectedRevision, r.duplicate])).toEqual(results.map(() => [1, false]));
      await expect(conflict).rejects.toBeInstanceOf(RevisionConflictError);
      expect(await again).toMatchObject({ duplicate: true, nextExpectedRevision: 0 });
      // Fewer transactions than appends: they were committed in groups, each event once.
      const { rows } = await db.pool.query<{ events: number; txs: number }>(
        `SELECT count(*)::int AS events, count(DISTINCT tx_id)::int AS txs FROM es_events WHERE stream_id LIKE 'gc.s-%' AND stream_id ~ '^gc\\.s-[0-9]+$'`,
      );
      expect(rows[0].events).toBe(120);
      expect(rows[0].txs).toBeLessThan(60);
    } finally {
      await store.close();
      await db.close();
    }
  });

  it('keeps one stream’s appends in the order they were made, even when made at once', async () => {
    const db = await testDatabase({ poolSize: 10 });
    const store = new PostgresEventStore(db.pool, { notify: false });
    try {
      const busy = Array.from({ length: 20 }, (_, i) => store.appendToStream(`gc.o-${i}`, [event('A')], 'no_stream'));
      const first = store.appendToStream('gc.ordered', [event('First')], 'no_stream');
      const second = store.appendToStream('gc.ordered', [event('Second')], 0);
      const third = store.appendToStream('gc.ordered', [event('Third')], 'any');
      await Promise.all([...busy, first, second, third]);
      expect((await store.readStream('gc.ordered')).map((e) => e.type)).toEqual(['First', 'Second', 'Third']);
    } finally {
      await store.close();
      await db.close();
    }
  });

  it('can be turned off: one transaction per append', async () => {
    const db = await testDatabase({ poolSize: 10 });
    const store = new PostgresEventStore(db.pool, { notify: false, coalesceAppends: false });
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendToStream(`gc.n-${i}`, [event('A')], 'no_stream')));
      const { rows } = await db.pool.query<{ txs: number }>(`SELECT count(DISTINCT tx_id)::int AS txs FROM es_events`);
      expect(rows[0].txs).toBe(20);
    } finally {
      await store.close();
      await db.close();
    }
  });
});
