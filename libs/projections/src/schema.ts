import { sqlMigration } from '#platform';

/** Bookkeeping of the projection runner: generations, checkpoints and dead letters. */
export const ProjectionsSchema1732838400001 = sqlMigration(
  'ProjectionsSchema1732838400001',
  `
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
    `,
  `DROP TABLE projection_dead_letters; DROP TABLE projection_checkpoints; DROP TABLE projections;`,
);

/**
 * The reaction ledger: one row per (reactor, trigger) a reacting projection decided, written in the
 * transaction that moves its checkpoint past the trigger, so a trigger is decided once whatever the
 * runner replays later. `reactions_from` is where each projection's ledger begins: triggers at or
 * before it were decided before the ledger existed (an installation upgraded in place) and count as
 * decided.
 */
export const ReactionLedgerSchema1732838400003 = sqlMigration(
  'ReactionLedgerSchema1732838400003',
  `
      CREATE TABLE projection_reactions (
        reactor          text NOT NULL,
        trigger_id       uuid NOT NULL,
        trigger_type     text NOT NULL,
        trigger_position text NOT NULL,
        outcome          text NOT NULL CHECK (outcome IN ('appended', 'refused', 'nothing', 'skipped')),
        appended         integer NOT NULL DEFAULT 0,
        refused          integer NOT NULL DEFAULT 0,
        code             text,
        effects          jsonb NOT NULL DEFAULT '[]',
        decided_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (reactor, trigger_id)
      );
      ALTER TABLE projections
        ADD COLUMN reactions_from_commit numeric(20, 0) NOT NULL DEFAULT 0,
        ADD COLUMN reactions_from_prepare numeric(20, 0) NOT NULL DEFAULT 0;
      UPDATE projections p SET reactions_from_commit = c.commit_position, reactions_from_prepare = c.prepare_position
        FROM projection_checkpoints c WHERE c.name = p.name AND c.generation = p.active_generation;
    `,
  `DROP TABLE projection_reactions; ALTER TABLE projections DROP COLUMN reactions_from_commit, DROP COLUMN reactions_from_prepare;`,
);

/**
 * Where the reaction ledger begins for each trigger type of a reactor: a type a later version of a
 * reactor reacts to starts at the checkpoint the reactor had when that version was first installed,
 * so the earlier events of that type (applied by a version that ignored them) are never decided on a
 * replay, and verify does not look for their outcomes.
 */
export const ReactionTriggersSchema1732838400005 = sqlMigration(
  'ReactionTriggersSchema1732838400005',
  `
      CREATE TABLE projection_reaction_triggers (
        reactor      text NOT NULL,
        trigger_type text NOT NULL,
        from_commit  numeric(20, 0) NOT NULL,
        from_prepare numeric(20, 0) NOT NULL,
        recorded_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (reactor, trigger_type)
      );
    `,
  'DROP TABLE projection_reaction_triggers',
);
