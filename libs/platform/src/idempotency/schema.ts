import { sqlMigration } from '../database/sql-migration.js';

/** Responses to commands sent with an Idempotency-Key, replayed to repeats within the window. */
export const HttpIdempotencySchema1732838400002 = sqlMigration(
  'HttpIdempotencySchema1732838400002',
  `
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
    `,
  'DROP TABLE http_idempotency',
);

/**
 * Keys are taken before the command runs: a row marked in flight (with its owner and a lease),
 * then completed with the response. A key belongs to a principal on one method and path.
 */
export const HttpIdempotencyInFlight1732838400004 = sqlMigration(
  'HttpIdempotencyInFlight1732838400004',
  `
      ALTER TABLE http_idempotency
        ADD COLUMN state text NOT NULL DEFAULT 'done' CHECK (state IN ('in_flight', 'done')),
        ADD COLUMN owner uuid,
        ADD COLUMN lease_until timestamptz,
        ALTER COLUMN status DROP NOT NULL,
        DROP CONSTRAINT http_idempotency_pkey,
        ADD PRIMARY KEY (principal, method, path, key);
    `,
  `
      DELETE FROM http_idempotency WHERE state = 'in_flight';
      ALTER TABLE http_idempotency DROP CONSTRAINT http_idempotency_pkey;
      DELETE FROM http_idempotency a USING http_idempotency b
        WHERE a.principal = b.principal AND a.key = b.key AND a.ctid < b.ctid;
      ALTER TABLE http_idempotency ADD PRIMARY KEY (principal, key), ALTER COLUMN status SET NOT NULL,
        DROP COLUMN lease_until, DROP COLUMN owner, DROP COLUMN state;
    `,
);
