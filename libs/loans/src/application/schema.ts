import { sqlMigration } from '#platform';

/**
 * Bookkeeping of the end of day (not a read model: nothing here is rebuilt from events).
 * `loans_eod_runs` is one row per closed business date: where the run stands, the position its
 * read-model fence waits for, the last loan it finished (its resume point) and its counts.
 * `loans_eod_candidates` holds the loans selected for a date, set-based, once per run.
 */
export const LoansSchema1732838400300 = sqlMigration(
  'LoansSchema1732838400300',
  `
      CREATE TABLE loans_eod_runs (
        business_date   date PRIMARY KEY,
        status          text NOT NULL CHECK (status IN ('waiting', 'processing', 'completed', 'interrupted', 'failed')),
        fence           text NOT NULL,
        correlation_id  text NOT NULL,
        causation_id    text NOT NULL,
        candidates      integer,
        cursor_loan_id  text,
        processed       integer NOT NULL DEFAULT 0,
        loans_changed   integer NOT NULL DEFAULT 0,
        events          integer NOT NULL DEFAULT 0,
        conflicts       integer NOT NULL DEFAULT 0,
        duplicates      integer NOT NULL DEFAULT 0,
        errors          integer NOT NULL DEFAULT 0,
        attempts        integer NOT NULL DEFAULT 0,
        last_error      text,
        timings         jsonb NOT NULL DEFAULT '{}',
        started_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        finished_at     timestamptz
      );
      CREATE TABLE loans_eod_candidates (
        business_date date NOT NULL,
        loan_id       text NOT NULL,
        PRIMARY KEY (business_date, loan_id)
      );
    `,
  'DROP TABLE loans_eod_candidates; DROP TABLE loans_eod_runs;',
);
