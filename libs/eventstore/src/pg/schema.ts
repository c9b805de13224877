import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Postgres event store.
 *
 * Global order is (tx_id, global_position): the appending transaction's id, then the row's
 * sequence number. Readers only return rows whose transaction id lies below the oldest transaction
 * still in flight (pg_snapshot_xmin of the current snapshot). Every transaction that could still
 * commit has an id at or above that horizon, so once a reader has passed a position nothing can
 * appear before it later: a transaction that commits late is never skipped.
 *
 * Tamper evidence: each event's `hash` is SHA-256 over the previous event's hash in its stream
 * (empty for revision 0), then the type, the data and the metadata as jsonb text, separated by a
 * zero byte. The append computes it in the same statement; `es_anchors` keeps a daily hash over
 * every event of a day in global order.
 *
 * Optimistic concurrency needs no stream table: an append inserts at the stream's next revisions,
 * and the unique (stream_id, revision) constraint refuses a concurrent writer that got there first.
 */
export class EventStoreSchema1732838400000 implements MigrationInterface {
  name = 'EventStoreSchema1732838400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE es_events (
        global_position bigint GENERATED ALWAYS AS IDENTITY,
        tx_id           xid8 NOT NULL DEFAULT pg_current_xact_id(),
        stream_id       text NOT NULL,
        revision        bigint NOT NULL,
        event_id        uuid NOT NULL,
        type            text NOT NULL,
        schema_version  integer NOT NULL,
        data            jsonb NOT NULL,
        metadata        jsonb NOT NULL,
        recorded_at     timestamptz NOT NULL DEFAULT now(),
        hash            bytea NOT NULL,
        CONSTRAINT es_events_global_order PRIMARY KEY (tx_id, global_position),
        CONSTRAINT es_events_stream_revision UNIQUE (stream_id, revision),
        CONSTRAINT es_events_event_id UNIQUE (event_id)
      );
      CREATE TABLE es_anchors (
        day            date PRIMARY KEY,
        events         bigint NOT NULL,
        last_position  text,
        anchor         bytea NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now()
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE es_anchors; DROP TABLE es_events;`);
  }
}
