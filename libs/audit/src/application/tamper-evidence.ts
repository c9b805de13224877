import type pg from 'pg';
import { comparePositions, formatPosition, type Position, type RecordedEvent } from '#kernel';
import type { EventStore } from '#eventstore';
import { auditHash, indexHead } from './audit-index.js';

export interface BrokenLink {
  readonly streamId: string;
  readonly revision: number;
  readonly eventId: string;
  readonly position: string;
  /**
   * - hash_mismatch: the stored event no longer hashes to the link the audit index recorded for it
   *   (edited, or another event in its place);
   * - missing: the audit index recorded the event, the store no longer holds it (deleted);
   * - revision_gap: the audit index lacks the stream's previous revision (a row deleted from it);
   * - unindexed: the store holds an event the audit index never saw, inside what it has indexed.
   */
  readonly reason: 'hash_mismatch' | 'missing' | 'revision_gap' | 'unindexed';
}

export interface ChainReport {
  readonly ok: boolean;
  /** Events compared: every event in the audit index (up to its newest) and every stored one in that range. */
  readonly checked: number;
  readonly firstBroken?: BrokenLink;
}

interface Link {
  readonly stream_id: string;
  readonly revision: string;
  readonly event_id: string;
  readonly c: string;
  readonly p: string;
  readonly hash: Buffer;
  readonly prev_hash: Buffer | null;
  readonly has_prev: boolean;
}

const PAGE = 1000;

/**
 * Reads the store's events in global order (all of them, or the streams under a prefix) up to the
 * newest event of the audit index, recomputes each one's link from its stored content and the
 * previous link the index recorded, and reports the first broken link in global order. The same on
 * either store: what is compared is what the store returns against what the index recorded.
 */
export async function verifyChain(pool: pg.Pool, store: EventStore, streamPrefix?: string): Promise<ChainReport> {
  const head = await indexHead(pool);
  if (!head) return { ok: true, checked: 0 };
  let from: Position | 'start' = 'start';
  let checked = 0;
  let firstBroken: BrokenLink | undefined;
  for (;;) {
    const page = await store.readAll({ from, maxCount: PAGE, filter: streamPrefix ? { streamPrefixes: [streamPrefix] } : undefined });
    const events = page.events.filter((e) => comparePositions(e.globalPosition, head) <= 0);
    const done = page.isEnd || events.length < page.events.length || comparePositions(page.position, head) >= 0;
    const upper = done ? head : page.position;
    const links = await linksBetween(pool, from === 'start' ? null : from, upper, streamPrefix);
    const broken = compare(events, links);
    checked += new Set([...events.map((e) => e.eventId), ...links.map((l) => l.event_id)]).size;
    if (!firstBroken && broken) firstBroken = broken;
    if (done) break;
    from = page.position;
  }
  return firstBroken ? { ok: false, checked, firstBroken } : { ok: true, checked };
}

async function linksBetween(pool: pg.Pool, after: Position | null, upTo: Position, prefix: string | undefined): Promise<Link[]> {
  const { rows } = await pool.query<Link>(
    `SELECT a.stream_id, a.revision::text, a.event_id::text, a.commit_position::text AS c, a.prepare_position::text AS p, a.hash,
            prev.hash AS prev_hash, prev.stream_id IS NOT NULL AS has_prev
       FROM audit_events a
       LEFT JOIN audit_events prev ON prev.stream_id = a.stream_id AND prev.revision = a.revision - 1
      WHERE ($1::numeric IS NULL OR (a.commit_position, a.prepare_position) > ($1::numeric, $2::numeric))
        AND (a.commit_position, a.prepare_position) <= ($3::numeric, $4::numeric)
        AND ($5::text IS NULL OR left(a.stream_id, length($5::text)) = $5::text)
      ORDER BY a.commit_position, a.prepare_position`,
    [after?.commit.toString() ?? null, after?.prepare.toString() ?? null, upTo.commit.toString(), upTo.prepare.toString(), prefix ?? null],
  );
  return rows;
}

/** The first broken link in global order between one page of stored events and the index rows of the same range. */
function compare(events: readonly RecordedEvent[], links: readonly Link[]): BrokenLink | undefined {
  const byKey = new Map(links.map((l) => [`${l.stream_id}\u0000${l.revision}`, l]));
  const found: BrokenLink[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    const key = `${e.streamId}\u0000${e.revision}`;
    const link = byKey.get(key);
    const at = { streamId: e.streamId, revision: e.revision, eventId: e.eventId, position: formatPosition(e.globalPosition) };
    if (!link) {
      found.push({ ...at, reason: 'unindexed' });
      continue;
    }
    seen.add(key);
    if (e.revision > 0 && !link.has_prev) found.push({ ...at, reason: 'revision_gap' });
    else if (link.event_id !== e.eventId || !auditHash(link.prev_hash, e).equals(link.hash)) found.push({ ...at, reason: 'hash_mismatch' });
  }
  for (const l of links) {
    if (seen.has(`${l.stream_id}\u0000${l.revision}`)) continue;
    found.push({ streamId: l.stream_id, revision: Number(l.revision), eventId: l.event_id, position: `${l.c}/${l.p}`, reason: 'missing' });
  }
  const order = (b: BrokenLink) => {
    const [commit, prepare] = b.position.split('/');
    return { commit: BigInt(commit), prepare: BigInt(prepare) };
  };
  return found.sort((a, b) => comparePositions(order(a), order(b)))[0];
}

// Daily anchors (written once, only for ended days) live in ../anchoring/anchors.ts.
