import { formatPosition, type RecordedEvent } from '#kernel';
import type { EventStore } from '#eventstore';
import type { TestApp } from './app.js';

/**
 * Store-neutral views of what an app's event store holds, and (for tamper-evidence tests) a way to
 * change it behind the app's back: SQL on Postgres' event table, the double's own hook on
 * EventStoreDB. A real EventStoreDB server cannot edit or delete an event in place.
 */

/** Every event the store holds, in global order, read through the store's own port. */
export async function storedEvents(t: TestApp | EventStore): Promise<RecordedEvent[]> {
  const store = 'runtime' in t ? t.runtime.store : t;
  const out: RecordedEvent[] = [];
  let from: RecordedEvent['globalPosition'] | 'start' = 'start';
  for (;;) {
    const page = await store.readAll({ from, maxCount: 5000 });
    out.push(...page.events);
    if (page.isEnd) return out;
    from = page.position;
  }
}

/** How many events the store holds and the newest position: what a side effect would change. */
export async function storeHead(t: TestApp): Promise<{ events: number; last: string | null }> {
  const events = await storedEvents(t);
  return { events: events.length, last: events.length ? formatPosition(events[events.length - 1].globalPosition) : null };
}

export type Tampering = { readonly data: unknown } | 'delete';

/** Edits a stored event's data in place, or deletes it, without the app knowing. */
export async function tamperWithEvent(t: TestApp, streamId: string, revision: number, change: Tampering): Promise<void> {
  if (t.runtime.store.kind === 'postgres') {
    const { rowCount } =
      change === 'delete'
        ? await t.runtime.pool.query('DELETE FROM es_events WHERE stream_id = $1 AND revision = $2', [streamId, revision])
        : await t.runtime.pool.query('UPDATE es_events SET data = $3::jsonb WHERE stream_id = $1 AND revision = $2', [
            streamId,
            revision,
            JSON.stringify(change.data),
          ]);
    if (rowCount !== 1) throw new Error(`no stored event ${streamId}@${revision}`);
    return;
  }
  if (!t.esdb) throw new Error('events in a real EventStoreDB server cannot be edited in place: the tamper tests need the gRPC double');
  if (!t.esdb.tamper(streamId, revision, change)) throw new Error(`no stored event ${streamId}@${revision}`);
}
