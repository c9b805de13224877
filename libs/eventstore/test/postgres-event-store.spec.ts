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
