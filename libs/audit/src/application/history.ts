import type pg from 'pg';
import { fold, isUuid, type RecordedEvent } from '#kernel';
import type { AggregateRegistration } from '#platform';

export type AuditableAggregate = AggregateRegistration;

export interface HistoryQuery {
  readonly streamId?: string;
  readonly loanId?: string;
  readonly customerId?: string;
  readonly types?: readonly string[];
  /** ISO timestamps bounding the business time (occurredAt) of the events. */
  readonly from?: string;
  readonly to?: string;
  readonly page: number;
  readonly pageSize: number;
}

export interface AuditEntry {
  readonly position: string;
  readonly streamId: string;
  readonly revision: number;
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly actor: unknown;
  readonly command: unknown;
  readonly correlationId: unknown;
  readonly causationId: unknown;
  readonly policyVersions: unknown;
  readonly data: unknown;
  readonly hash: string;
}

const ENTRY = `tx_id::text || '/' || global_position::text AS position, stream_id, revision, event_id::text, type, schema_version,
  metadata, recorded_at, data, encode(hash, 'hex') AS hash`;

function entry(r: any): AuditEntry {
  return {
    position: r.position,
    streamId: r.stream_id,
    revision: Number(r.revision),
    eventId: r.event_id,
    type: r.type,
    schemaVersion: r.schema_version,
    occurredAt: r.metadata.occurredAt,
    recordedAt: (r.recorded_at as Date).toISOString(),
    actor: r.metadata.actor,
    command: r.metadata.command,
    correlationId: r.metadata.correlationId,
    causationId: r.metadata.causationId,
    policyVersions: r.metadata.policyVersions ?? null,
    data: r.data,
    hash: r.hash,
  };
}

/** How a state as of a business date was bounded: that day's EndOfDayCompleted, the open day so far, or occurredAt. */
export type BusinessDateBasis = 'end_of_day' | 'open_day' | 'occurred_at';

/**
 * Audit reads over the Postgres event store: a loan's or a customer's whole story across the
 * contexts' streams, state as of a moment, and why an event happened.
 */
export class AuditReader {
  private readonly aggregates: Map<string, AuditableAggregate>;

  constructor(
    private readonly pool: pg.Pool,
    aggregates: readonly AuditableAggregate[],
  ) {
    this.aggregates = new Map(aggregates.map((a) => [a.category, a]));
  }

  /** The streams that belong to a loan or a customer: their own, and every stream that names them. */
  async relatedStreams(q: Pick<HistoryQuery, 'streamId' | 'loanId' | 'customerId'>): Promise<string[]> {
    const { rows } = await this.pool.query<{ stream_id: string }>(
      `WITH seeds AS (
         SELECT $1::text AS stream_id WHERE $1::text IS NOT NULL
         UNION SELECT 'loans.loan-' || $2::text WHERE $2::text IS NOT NULL
         UNION SELECT 'grading.customer-' || $3::text WHERE $3::text IS NOT NULL
         UNION SELECT DISTINCT stream_id FROM es_events WHERE $2::text IS NOT NULL AND data->>'loanId' = $2::text
         UNION SELECT DISTINCT stream_id FROM es_events WHERE $3::text IS NOT NULL AND data->>'customerId' = $3::text
       )
       SELECT DISTINCT s.stream_id FROM seeds s WHERE EXISTS (SELECT 1 FROM es_events e WHERE e.stream_id = s.stream_id) ORDER BY 1`,
      [q.streamId ?? null, q.loanId ?? null, q.customerId ?? null],
    );
    return rows.map((r) => r.stream_id);
  }

  async history(q: HistoryQuery): Promise<{ streams: string[]; items: AuditEntry[]; page: number; pageSize: number; total: number }> {
    const streams = await this.relatedStreams(q);
    const params = [streams, q.types?.length ? q.types : null, q.from ?? null, q.to ?? null];
    const filter = `stream_id = ANY ($1::text[]) AND ($2::text[] IS NULL OR type = ANY ($2::text[]))
      AND ($3::text IS NULL OR metadata->>'occurredAt' >= $3::text) AND ($4::text IS NULL OR metadata->>'occurredAt' <= $4::text)`;
    const [{ rows }, { rows: count }] = await Promise.all([
      this.pool.query(`SELECT ${ENTRY} FROM es_events WHERE ${filter} ORDER BY tx_id, global_position LIMIT $5 OFFSET $6`, [
        ...params,
        q.pageSize,
        (q.page - 1) * q.pageSize,
      ]),
      this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM es_events WHERE ${filter}`, params),
    ]);
    return { streams, items: rows.map(entry), page: q.page, pageSize: q.pageSize, total: count[0].n };
  }

  /**
   * Folds a stream's events recorded up to a moment (ISO time), a global position (`commit/prepare`)
   * or the close of a business date. A closed date means the position of its EndOfDayCompleted on
   * Loans' calendar (every loan fact of the day is in; the other contexts' own end of day for it,
   * which that event triggers, comes after). A date the calendar has not closed yet but has reached
   * (the open day) gives the state so far; a date before the calendar started falls back to the
   * events whose business time (occurredAt) is on or before it. `asOf` says which was used.
   */
  async stateAsOf(
    streamId: string,
    asOf: { at?: string; position?: string; businessDate?: string },
  ): Promise<{ streamId: string; revision: number; state: unknown; events: number; asOf?: { businessDate: string; basis: BusinessDateBasis; position: string | null } } | null> {
    const category = streamId.slice(0, Math.max(0, streamId.indexOf('-')));
    const aggregate = this.aggregates.get(category);
    if (!aggregate) return null;
    let position = asOf.position ?? null;
    let onOrBefore: string | null = null;
    let basis: { businessDate: string; basis: BusinessDateBasis; position: string | null } | undefined;
    if (asOf.businessDate) {
      const { rows: calendar } = await this.pool.query<{ position: string | null; started: boolean }>(
        `SELECT (SELECT tx_id::text || '/' || global_position::text FROM es_events
                  WHERE stream_id LIKE 'loans.calendar-%' AND type = 'EndOfDayCompleted' AND data->>'businessDate' = $1
                  ORDER BY tx_id, global_position LIMIT 1) AS position,
                EXISTS (SELECT 1 FROM es_events WHERE stream_id LIKE 'loans.calendar-%' AND type = 'BusinessCalendarStarted'
                  AND data->>'openBusinessDate' <= $1) AS started`,
        [asOf.businessDate],
      );
      const closedAt = calendar[0].position;
      // Days close one at a time, so a date the calendar started on or after and has not closed is the open day or later.
      const kind: BusinessDateBasis = closedAt ? 'end_of_day' : calendar[0].started ? 'open_day' : 'occurred_at';
      if (closedAt) position = closedAt;
      if (kind === 'occurred_at') onOrBefore = asOf.businessDate;
      basis = { businessDate: asOf.businessDate, basis: kind, position: closedAt };
    }
    const [commit, prepare] = position ? position.split('/') : [null, null];
    const { rows } = await this.pool.query(
      `SELECT type, data, metadata, revision FROM es_events
        WHERE stream_id = $1 AND ($2::timestamptz IS NULL OR recorded_at <= $2::timestamptz)
          AND ($3::xid8 IS NULL OR (tx_id, global_position) <= ($3::xid8, $4::bigint))
          AND ($5::text IS NULL OR left(metadata->>'occurredAt', 10) <= $5::text)
        ORDER BY revision`,
      [streamId, asOf.at ?? null, commit, prepare, onOrBefore],
    );
    const state = fold(aggregate.evolve, aggregate.initialState(), rows.map((r) => ({ type: r.type, data: r.data }) as unknown as RecordedEvent));
    return { streamId, revision: rows.length ? Number(rows[rows.length - 1].revision) : -1, state, events: rows.length, ...(basis ? { asOf: basis } : {}) };
  }

  /** One event and the chain of events that caused it (reactions point at their trigger). */
  async explain(eventId: string): Promise<AuditEntry[] | null> {
    const chain: AuditEntry[] = [];
    let next: string | undefined = eventId;
    for (let depth = 0; next && depth < 50; depth++) {
      if (!isUuid(next)) break;
      const { rows } = await this.pool.query(`SELECT ${ENTRY} FROM es_events WHERE event_id = $1::uuid`, [next]);
      if (!rows.length) break;
      const e = entry(rows[0]);
      chain.push(e);
      next = typeof e.causationId === 'string' && e.causationId !== e.eventId ? e.causationId : undefined;
    }
    return chain.length ? chain : null;
  }
}
