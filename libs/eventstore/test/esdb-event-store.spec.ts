import { EventStoreDbEventStore } from '#eventstore';
import { startEsdbDouble } from '#test-support/esdb-double/index.js';
import { eventStoreContract } from './event-store.contract.js';

/** Against the server named by EVENTSTORE_URL when set, otherwise against the in-memory double. */
eventStoreContract('eventstoredb', async () => {
  const url = process.env.EVENTSTORE_URL;
  const double = url ? undefined : await startEsdbDouble();
  const store = new EventStoreDbEventStore(url ?? double!.url);
  return {
    store,
    async close() {
      await store.close();
      await double?.stop();
    },
  };
});
