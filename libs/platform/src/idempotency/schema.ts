import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Responses to commands sent with an Idempotency-Key, replayed to repeats within the window. */
export class HttpIdempotencySchema1732838400002 implements MigrationInterface {
  name = 'HttpIdempotencySchema1732838400002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE http_idempotency (
        principal   text NOT NULL,
        key         text NOT NULL,
        method      text NOT NULL,
        path        text NOT NULL,
        body_hash   text NOT NULL,
        status      integer NOT NULL,
        response    jsonb,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (principal, key)
      );
      CREATE INDEX http_idempotency_created ON http_idempotency (created_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE http_idempotency');
  }
}
