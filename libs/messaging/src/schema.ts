import { sqlMigration } from '#platform';

/**
 * The outbound relay's checkpoint: the position in the event store up to which every mapped
 * event has been acknowledged by the broker. One row per relay (normally just `outbound`).
 */
export const MessagingSchema1732838400100 = sqlMigration(
  'MessagingSchema1732838400100',
  `
      CREATE TABLE relay_checkpoints (
        name             text PRIMARY KEY,
        commit_position  numeric(20, 0) NOT NULL DEFAULT 0,
        prepare_position numeric(20, 0) NOT NULL DEFAULT 0,
        published        bigint NOT NULL DEFAULT 0,
        updated_at       timestamptz NOT NULL DEFAULT now()
      );
    `,
  'DROP TABLE relay_checkpoints',
);
