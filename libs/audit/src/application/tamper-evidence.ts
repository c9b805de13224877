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

// Daily anchors (written once, only for ended days) live in ../anchoring/anchors.ts.
