import type pg from 'pg';
import { HASH } from '#eventstore';

export interface BrokenLink {
  readonly streamId: string;
  readonly revision: number;
  readonly eventId: string;
  readonly position: string;
  readonly reason: 'hash_mismatch' | 'revision_gap';
}

export interface ChainReport {
  readonly ok: boolean;
  readonly checked: number;
  readonly firstBroken?: BrokenLink;
}

/**
 * Recomputes every event's chained hash from the stored rows and reports the first broken link in
 * global order: an edited event no longer matches its hash, and a deleted one leaves a revision gap.
 */
export async function verifyChain(pool: pg.Pool, streamPrefix?: string): Promise<ChainReport> {
  const where = streamPrefix ? `WHERE stream_id LIKE $1 || '%'` : '';
  const { rows } = await pool.query<{ checked: number; stream_id: string | null; revision: number; event_id: string; position: string; reason: BrokenLink['reason'] }>(
    `WITH walked AS (
       SELECT e.*, lag(hash) OVER w AS prev_hash, lag(revision) OVER w AS prev_revision
         FROM es_events e ${where}
       WINDOW w AS (PARTITION BY stream_id ORDER BY revision)
     ),
     broken AS (
       SELECT stream_id, revision, event_id::text, tx_id, global_position,
              CASE WHEN revision <> coalesce(prev_revision, -1) + 1 THEN 'revision_gap' ELSE 'hash_mismatch' END AS reason
         FROM walked w
        WHERE revision <> coalesce(prev_revision, -1) + 1
           OR hash <> ${HASH("coalesce(w.prev_hash, ''::bytea)", 'w', 'data', 'metadata')}
        ORDER BY tx_id, global_position
        LIMIT 1
     )
     SELECT (SELECT count(*) FROM walked)::int AS checked, b.stream_id, b.revision, b.event_id,
            b.tx_id::text || '/' || b.global_position::text AS position, b.reason
       FROM (SELECT 1) one LEFT JOIN broken b ON true`,
    streamPrefix ? [streamPrefix] : [],
  );
  const r = rows[0];
  if (!r.stream_id) return { ok: true, checked: r.checked };
  return {
    ok: false,
    checked: r.checked,
    firstBroken: { streamId: r.stream_id, revision: Number(r.revision), eventId: r.event_id, position: r.position, reason: r.reason },
  };
}

const DAY_HASH = `
  SELECT count(*)::bigint AS events,
         (array_agg(tx_id::text || '/' || global_position::text ORDER BY tx_id DESC, global_position DESC))[1] AS last_position,
         sha256(coalesce(string_agg(hash, ''::bytea ORDER BY tx_id, global_position), ''::bytea)) AS anchor
    FROM es_events
   WHERE recorded_at >= $1::date AND recorded_at < $1::date + 1`;

/** Hashes every event recorded on a (UTC) day, in global order, and stores it as that day's anchor. */
export async function anchorDay(pool: pg.Pool, day: string): Promise<{ day: string; events: number; anchor: string }> {
  const { rows } = await pool.query<{ events: number; anchor: Buffer }>(
    `WITH d AS (${DAY_HASH})
     INSERT INTO es_anchors (day, events, last_position, anchor)
     SELECT $1::date, d.events, d.last_position, d.anchor FROM d
     ON CONFLICT (day) DO UPDATE SET events = EXCLUDED.events, last_position = EXCLUDED.last_position, anchor = EXCLUDED.anchor, created_at = now()
     RETURNING events, anchor`,
    [day],
  );
  return { day, events: Number(rows[0].events), anchor: rows[0].anchor.toString('hex') };
}

/** Recomputes every stored anchor; the first day whose events no longer hash to it is reported. */
export async function verifyAnchors(pool: pg.Pool): Promise<{ ok: boolean; checked: number; firstMismatch?: { day: string; stored: string; recomputed: string } }> {
  const { rows } = await pool.query<{ day: string; anchor: Buffer }>(`SELECT to_char(day, 'YYYY-MM-DD') AS day, anchor FROM es_anchors ORDER BY day`);
  for (const row of rows) {
    const { rows: now } = await pool.query<{ anchor: Buffer }>(DAY_HASH, [row.day]);
    if (!now[0].anchor.equals(row.anchor)) {
      return { ok: false, checked: rows.length, firstMismatch: { day: row.day, stored: row.anchor.toString('hex'), recomputed: now[0].anchor.toString('hex') } };
    }
  }
  return { ok: true, checked: rows.length };
}
