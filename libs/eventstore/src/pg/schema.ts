import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Postgres event store.
 *
 * Global order is (tx_id, global_position): the appending transaction's id, then the row's
 * sequence number. Readers only return rows whose transaction id lies below the oldest transaction
 * still in flight (pg_snapshot_xmin of the current snapshot). Every transaction that could still
 * commit has an id at or above that horizon, so once a reader has passed a position nothing can
 * appear before it later: a transaction that commits late is never skipped.
 */
export class EventStoreSchema1732838400000 implements MigrationInterface {
  name = 'EventStoreSchema1732838400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE es_streams (
        stream_id text PRIMARY KEY,
        revision  bigint NOT NULL
      );
      CREATE TABLE es_events (
        global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tx_id           xid8 NOT NULL DEFAULT pg_current_xact_id(),
        stream_id       text NOT NULL,
        revision        bigint NOT NULL,
        event_id        uuid NOT NULL,
        type            text NOT NULL,
        schema_version  integer NOT NULL,
        data            jsonb NOT NULL,
        metadata        jsonb NOT NULL,
        recorded_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT es_events_stream_revision UNIQUE (stream_id, revision),
        CONSTRAINT es_events_event_id UNIQUE (event_id)
      );
      CREATE UNIQUE INDEX es_events_global_order ON es_events (tx_id, global_position);
    `);
    await q.query(`
      CREATE FUNCTION es_append(p_stream text, p_expected text, p_events jsonb)
      RETURNS TABLE (outcome text, revision bigint, commit_position xid8, prepare_position bigint)
      LANGUAGE plpgsql AS $$
      DECLARE
        v_current bigint;
        v_count   integer := jsonb_array_length(p_events);
        v_ids     uuid[];
        v_dups    integer;
        v_last    bigint;
      BEGIN
        SELECT coalesce(array_agg(e.id), '{}') INTO v_ids FROM jsonb_to_recordset(p_events) AS e(id uuid);

        -- Lock the stream row, creating it when the expectation allows a new stream. A concurrent
        -- creator makes our insert do nothing; the next pass then waits for its row lock.
        LOOP
          SELECT s.revision INTO v_current FROM es_streams s WHERE s.stream_id = p_stream FOR UPDATE;
          EXIT WHEN FOUND;
          IF p_expected NOT IN ('no_stream', 'any') THEN
            v_current := -1;
            EXIT;
          END IF;
          INSERT INTO es_streams (stream_id, revision) VALUES (p_stream, -1) ON CONFLICT DO NOTHING;
          IF FOUND THEN
            v_current := -1;
            EXIT;
          END IF;
        END LOOP;

        -- A retried append: every event id is already stored in this stream.
        SELECT count(*) INTO v_dups FROM es_events e WHERE e.event_id = ANY (v_ids);
        IF v_dups > 0 THEN
          IF v_dups = v_count AND NOT EXISTS (
            SELECT 1 FROM es_events e WHERE e.event_id = ANY (v_ids) AND e.stream_id <> p_stream
          ) THEN
            RETURN QUERY SELECT 'duplicate'::text, e.revision, e.tx_id, e.global_position
              FROM es_events e WHERE e.event_id = ANY (v_ids) ORDER BY e.revision DESC LIMIT 1;
          ELSE
            RETURN QUERY SELECT 'event_id_reused'::text, v_current, NULL::xid8, NULL::bigint;
          END IF;
          RETURN;
        END IF;

        IF (p_expected = 'no_stream' AND v_current >= 0)
           OR (p_expected = 'exists' AND v_current < 0)
           OR (p_expected NOT IN ('no_stream', 'exists', 'any') AND v_current <> p_expected::bigint) THEN
          RETURN QUERY SELECT 'conflict'::text, v_current, NULL::xid8, NULL::bigint;
          RETURN;
        END IF;

        IF v_count = 0 THEN
          RETURN QUERY SELECT 'ok'::text, v_current, NULL::xid8, NULL::bigint;
          RETURN;
        END IF;

        UPDATE es_streams SET revision = v_current + v_count WHERE stream_id = p_stream;

        WITH inserted AS (
          INSERT INTO es_events (stream_id, revision, event_id, type, schema_version, data, metadata)
          SELECT p_stream, v_current + e.ord, e.id, e.type, e.v, e.data, e.meta
            FROM ROWS FROM (jsonb_to_recordset(p_events) AS (id uuid, type text, v integer, data jsonb, meta jsonb))
                 WITH ORDINALITY AS e(id, type, v, data, meta, ord)
           ORDER BY e.ord
          RETURNING global_position
        )
        SELECT max(i.global_position) INTO v_last FROM inserted i;

        RETURN QUERY SELECT 'ok'::text, v_current + v_count, pg_current_xact_id(), v_last;
      END
      $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION es_append(text, text, jsonb); DROP TABLE es_events; DROP TABLE es_streams;`);
  }
}
