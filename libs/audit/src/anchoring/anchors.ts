import { Logger } from '@nestjs/common';
import type pg from 'pg';
import type { EventStore } from '#eventstore';
import { ProblemException, problem } from '#platform';
import { indexCaughtUp } from '../application/audit-index.js';

/**
 * Daily anchors: one hash over the audit index's links of every event recorded on a UTC day, in
 * global order (each link chains its event to its stream, so the anchor pins every stream's state
 * at the day's end). The same on either event store: the links are Audit's own (audit_events) and
 * the anchors are stored beside them (audit_anchors).
 *
 * - Only a day that has ended is anchored (the database's clock, UTC), and only once the audit
 *   index holds every event the store held then, and (events in Postgres) no transaction that
 *   began before the day's end is still open, since such a transaction can still add events
 *   recorded on that day. Anchoring a day still running gave false alarms at the next verify.
 * - An anchor is written once. The same hash again is answered as before; a different one is
 *   refused with 409 ANCHOR_ALREADY_WRITTEN (the audit access log records the attempt), so whoever
 *   rewrote a chain cannot re-anchor it through the API.
 * - Each anchor written is published outside the database as a structured log line
 *   (`audit anchor`, with day, events, last position and hash), for the log pipeline to keep where
 *   the database's administrator cannot edit it.
 */

export interface Anchor {
  readonly day: string;
  readonly events: number;
  readonly lastPosition: string | null;
  readonly anchor: string;
}

/** Where anchors are published once written. */
export interface AnchorPublisher {
  published(anchor: Anchor): void;
  refused(attempt: { day: string; stored: string; recomputed: string }): void;
}

const logger = new Logger('AuditAnchors');

const LOG_PUBLISHER: AnchorPublisher = {
  published: (anchor) => logger.log({ msg: 'audit anchor', auditAnchor: anchor }),
  refused: (attempt) => logger.warn({ msg: 'audit anchor rewrite refused', auditAnchorRefused: attempt }),
};

// The day's bounds in UTC, whatever the session's time zone.
const DAY_START = `(($1::date)::timestamp AT TIME ZONE 'UTC')`;
const DAY_END = `((($1::date) + 1)::timestamp AT TIME ZONE 'UTC')`;

const DAY_HASH = `
  SELECT count(*)::bigint AS events,
         (array_agg(commit_position::text || '/' || prepare_position::text ORDER BY commit_position DESC, prepare_position DESC))[1] AS last_position,
         sha256(coalesce(string_agg(hash, ''::bytea ORDER BY commit_position, prepare_position), ''::bytea)) AS anchor
    FROM audit_events
   WHERE recorded_at >= ${DAY_START} AND recorded_at < ${DAY_END}`;

export async function anchorDay(
  pool: pg.Pool,
  store: EventStore,
  day: string,
  publisher: AnchorPublisher = LOG_PUBLISHER,
): Promise<Anchor & { written: boolean }> {
  const { rows: state } = await pool.query<{ ended: boolean; open_since: Date | null }>(
    `SELECT now() >= ${DAY_END} AS ended,
            (SELECT min(xact_start) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start < ${DAY_END}) AS open_since`,
    [day],
  );
  if (!state[0].ended) {
    throw new ProblemException(
      problem(422, 'ANCHOR_DAY_NOT_ENDED', 'Day not ended', `${day} has not ended (UTC); only a day that has ended can be anchored.`, { day }),
    );
  }
  if (store.kind === 'postgres' && state[0].open_since) {
    throw new ProblemException(
      problem(
        409,
        'ANCHOR_DAY_NOT_SETTLED',
        'Day not settled',
        `A transaction open since ${state[0].open_since.toISOString()} may still record events on ${day}; anchor it once that has ended.`,
        { day },
      ),
    );
  }
  if (!(await indexCaughtUp(pool, store))) {
    throw new ProblemException(
      problem(
        409,
        'ANCHOR_DAY_NOT_SETTLED',
        'Day not settled',
        `The audit index has not yet recorded every stored event; anchor ${day} once it has caught up.`,
        { day },
      ),
    );
  }
  // A concurrent first write commits after this statement's snapshot: then the next one sees it.
  let rows: AnchorRow[] = [];
  for (let attempt = 0; !rows.length && attempt < 3; attempt++) rows = await writeOnce(pool, day);
  const row = rows[0];
  if (!row) throw new Error(`the anchor of ${day} was neither written nor found`);
  const anchor: Anchor = { day, events: Number(row.events), lastPosition: row.last_position, anchor: row.anchor.toString('hex') };
  if (row.written) {
    publisher.published(anchor);
    return { ...anchor, written: true };
  }
  if (!row.anchor.equals(row.computed)) {
    const attempt = { day, stored: anchor.anchor, recomputed: row.computed.toString('hex') };
    publisher.refused(attempt);
    throw new ProblemException(
      problem(409, 'ANCHOR_ALREADY_WRITTEN', 'Anchor already written', `${day} was anchored with another hash; an anchor is written once.`, attempt),
    );
  }
  return { ...anchor, written: false };
}

type AnchorRow = { written: boolean; events: string; last_position: string | null; anchor: Buffer; computed: Buffer };

/** Inserts the day's anchor unless one is stored; answers the stored one beside the recomputed hash. */
async function writeOnce(pool: pg.Pool, day: string): Promise<AnchorRow[]> {
  const { rows } = await pool.query<AnchorRow>(
    `WITH d AS (${DAY_HASH}),
          ins AS (INSERT INTO audit_anchors (day, events, last_position, anchor)
                  SELECT $1::date, d.events, d.last_position, d.anchor FROM d
                  ON CONFLICT (day) DO NOTHING
                  RETURNING events, last_position, anchor)
     SELECT true AS written, ins.events::text AS events, ins.last_position, ins.anchor, ins.anchor AS computed FROM ins
     UNION ALL
     SELECT false, a.events::text, a.last_position, a.anchor, d.anchor FROM audit_anchors a, d
      WHERE a.day = $1::date AND NOT EXISTS (SELECT 1 FROM ins)`,
    [day],
  );
  return rows;
}

/** Recomputes every stored anchor; the first day whose events no longer hash to it is reported. */
export async function verifyAnchors(
  pool: pg.Pool,
): Promise<{ ok: boolean; checked: number; firstMismatch?: { day: string; stored: string; recomputed: string } }> {
  const { rows } = await pool.query<{ day: string; anchor: Buffer }>(`SELECT to_char(day, 'YYYY-MM-DD') AS day, anchor FROM audit_anchors ORDER BY day`);
  for (const row of rows) {
    const { rows: now } = await pool.query<{ anchor: Buffer }>(DAY_HASH, [row.day]);
    if (!now[0].anchor.equals(row.anchor)) {
      return {
        ok: false,
        checked: rows.length,
        firstMismatch: { day: row.day, stored: row.anchor.toString('hex'), recomputed: now[0].anchor.toString('hex') },
      };
    }
  }
  return { ok: true, checked: rows.length };
}
