import { setTimeout as sleep } from 'node:timers/promises';
import { PostgresEventStore } from '#eventstore';
import { testDatabase } from '#test-support/database.js';
import { eventStoreContract } from './event-store.contract.js';

eventStoreContract('postgres', async () => {
  const db = await testDatabase({ poolSize: 30 });
  const store = new PostgresEventStore(db.pool, { pollIntervalMs: 200 });
  return {
    store,
    async slowAppend(streamId, events, holdMs) {
      const client = await db.pool.connect();
      try {
        await client.query('BEGIN');
        const payload = JSON.stringify(events.map((e) => ({ id: e.eventId, type: e.type, v: e.schemaVersion, data: e.data, meta: e.metadata })));
        const { rows } = await client.query('SELECT outcome FROM es_append($1, $2, $3::jsonb)', [streamId, 'any', payload]);
        if (rows[0].outcome !== 'ok') throw new Error(`append: ${rows[0].outcome}`);
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
