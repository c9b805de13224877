import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Bookkeeping of the projection runner: generations, checkpoints and dead letters. */
export class ProjectionsSchema1732838400001 implements MigrationInterface {
  name = 'ProjectionsSchema1732838400001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE projections (
        name              text PRIMARY KEY,
        version           integer NOT NULL,
        active_generation integer NOT NULL,
        status            text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'halted')),
        halted_event_id   uuid,
        error             text,
        updated_at        timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE projection_checkpoints (
        name             text NOT NULL,
        generation       integer NOT NULL,
        commit_position  numeric(20, 0) NOT NULL DEFAULT 0,
        prepare_position numeric(20, 0) NOT NULL DEFAULT 0,
        updated_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (name, generation)
      );
      CREATE TABLE projection_dead_letters (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        projection  text NOT NULL,
        generation  integer NOT NULL,
        event_id    uuid NOT NULL,
        stream_id   text NOT NULL,
        event_type  text NOT NULL,
        position    text NOT NULL,
        error       text NOT NULL,
        status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'retried', 'skipped')),
        recorded_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz,
        resolved_by text
      );
      CREATE INDEX projection_dead_letters_open ON projection_dead_letters (projection) WHERE status = 'open';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE projection_dead_letters; DROP TABLE projection_checkpoints; DROP TABLE projections;`);
  }
}
