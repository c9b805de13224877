import { sqlMigration } from '#platform';

export const VaultSchema1732838400100 = sqlMigration(
  'VaultSchema1732838400100',
  `
      CREATE TABLE pii_customer_keys (
        customer_id text PRIMARY KEY,
        wrapped_key bytea NOT NULL,
        key_iv      bytea NOT NULL,
        key_tag     bytea NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE pii_records (
        customer_id text PRIMARY KEY,
        ciphertext  bytea NOT NULL,
        iv          bytea NOT NULL,
        tag         bytea NOT NULL,
        updated_by  text NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE pii_access_log (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer_id text NOT NULL,
        actor_id    text NOT NULL,
        actor_role  text NOT NULL,
        purpose     text NOT NULL,
        accessed_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX pii_access_log_customer ON pii_access_log (customer_id);
      CREATE TABLE pii_erasures (
        customer_id text PRIMARY KEY,
        erased_by   text NOT NULL,
        reason      text NOT NULL,
        erased_at   timestamptz NOT NULL DEFAULT now()
      );
    `,
  'DROP TABLE pii_erasures; DROP TABLE pii_access_log; DROP TABLE pii_records; DROP TABLE pii_customer_keys;',
);
