import type pg from 'pg';
import { comparePositions, fold, formatPosition, isUuid, parsePosition, type RecordedEvent } from '#kernel';
import type { EventStore } from '#eventstore';
import type { AggregateRegistration } from '#platform';
import { indexCaughtUp } from './audit-index.js';

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
  /** Present (true) when the audit index recorded the event but the store no longer holds it. */
  readonly missingFromStore?: true;
}

/** One row of the audit index (see audit-index.ts). */
interface IndexRow {
  readonly position: string;
  readonly stream_id: string;
  readonly revision: string;
  readonly event_id: string;
  readonly type: string;
  readonly schema_version: number;
  readonly occurred_at: string | null;
  readonly recorded_at: Date;
  readonly hash: string;
}

const INDEX_ROW = `commit_position::text || '/' || prepare_position::text AS position, stream_id, revision::text, event_id::text, type,
  schema_version, occurred_at, recorded_at, encode(hash, 'hex') AS hash`;

function entry(row: IndexRow, event: RecordedEvent | undefined): AuditEntry {
  if (!event) {
    // The index names an event the store no longer has: say so, with what the index knows.
    return {
      position: row.position,
      streamId: row.stream_id,
      revision: Number(row.revision),
      eventId: row.event_id,
      type: row.type,
      schemaVersion: row.schema_version,
      occurredAt: row.occurred_at ?? '',
      recordedAt: row.recorded_at.toISOString(),
      actor: null,
      command: null,
      correlationId: null,
      causationId: null,
      policyVersions: null,
      data: null,
      hash: row.hash,
      missingFromStore: true,
    };
  }
  const metadata = event.metadata as unknown as Record<string, unknown>;
  return {
    position: formatPosition(event.globalPosition),
    streamId: event.streamId,
    revision: event.revision,
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    occurredAt: event.metadata.occurredAt,
    recordedAt: new Date(event.recordedAt).toISOString(),
    actor: metadata.actor,
    command: metadata.command,
    correlationId: metadata.correlationId,
    causationId: metadata.causationId,
    policyVersions: metadata.policyVersions ?? null,
    data: event.data,
    hash: row.hash,
  };
}

/** How a state as of a business date was bounded: that day's EndOfDayCompleted, the open day so far, or occurredAt. */
export type BusinessDateBasis = 'end_of_day' | 'open_day' | 'occurred_at';

/**
 * Audit reads, the same on either event store: the audit index (Postgres, fed from $all) finds a
 * loan's or a customer's streams, orders and pages their events and finds an event by id; the
 * events themselves are read from the store. Each query first waits (briefly) for the index to
 * reach what the store held when it was asked.
 */
export class AuditReader {
  private readonly aggregates: Map<string, AuditableAggregate>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly store: EventStore,
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
         UNION SELECT DISTINCT stream_id FROM audit_events WHERE $2::text IS NOT NULL AND loan_id = $2::text
         UNION SELECT DISTINCT stream_id FROM audit_events WHERE $3::text IS NOT NULL AND customer_id = $3::text
       )
       SELECT DISTINCT s.stream_id FROM seeds s WHERE EXISTS (SELECT 1 FROM audit_events e WHERE e.stream_id = s.stream_id) ORDER BY 1`,
      [q.streamId ?? null, q.loanId ?? null, q.customerId ?? null],
    );
    return rows.map((r) => r.stream_id);
  }

  async history(q: HistoryQuery): Promise<{ streams: string[]; items: AuditEntry[]; page: number; pageSize: number; total: number }> {
    await indexCaughtUp(this.pool, this.store);
    const streams = await this.relatedStreams(q);
    const params = [streams, q.types?.length ? q.types : null, q.from ?? null, q.to ?? null];
    const filter = `stream_id = ANY ($1::text[]) AND ($2::text[] IS NULL OR type = ANY ($2::text[]))
      AND ($3::text IS NULL OR occurred_at >= $3::text) AND ($4::text IS NULL OR occurred_at <= $4::text)`;
    const [{ rows }, { rows: count }] = await Promise.all([
      this.pool.query<IndexRow>(`SELECT ${INDEX_ROW} FROM audit_events WHERE ${filter} ORDER BY commit_position, prepare_position LIMIT $5 OFFSET $6`, [
        ...params,
        q.pageSize,
        (q.page - 1) * q.pageSize,
      ]),
      this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE ${filter}`, params),
    ]);
    const events = await this.eventsOf(rows);
    return {
      streams,
      items: rows.map((r) => entry(r, events.get(`${r.stream_id}\u0000${r.revision}`))),
      page: q.page,
      pageSize: q.pageSize,
      total: count[0].n,
    };
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
  ): Promise<{
    streamId: string;
    revision: number;
    state: unknown;
    events: number;
    asOf?: { businessDate: string; basis: BusinessDateBasis; position: string | null };
  } | null> {
    const category = streamId.slice(0, Math.max(0, streamId.indexOf('-')));
    const aggregate = this.aggregates.get(category);
    if (!aggregate) return null;
    let position = asOf.position ?? null;
    let onOrBefore: string | null = null;
    let basis: { businessDate: string; basis: BusinessDateBasis; position: string | null } | undefined;
    if (asOf.businessDate) {
      await indexCaughtUp(this.pool, this.store);
      const { rows: calendar } = await this.pool.query<{ position: string | null; started: boolean }>(
        `SELECT (SELECT commit_position::text || '/' || prepare_position::text FROM audit_events
                  WHERE stream_id LIKE 'loans.calendar-%' AND type = 'EndOfDayCompleted' AND business_date = $1
                  ORDER BY commit_position, prepare_position LIMIT 1) AS position,
                EXISTS (SELECT 1 FROM audit_events WHERE stream_id LIKE 'loans.calendar-%' AND type = 'BusinessCalendarStarted'
                  AND business_date <= $1) AS started`,
        [asOf.businessDate],
      );
      const closedAt = calendar[0].position;
      // Days close one at a time, so a date the calendar started on or after and has not closed is the open day or later.
      const kind: BusinessDateBasis = closedAt ? 'end_of_day' : calendar[0].started ? 'open_day' : 'occurred_at';
      if (closedAt) position = closedAt;
      if (kind === 'occurred_at') onOrBefore = asOf.businessDate;
      basis = { businessDate: asOf.businessDate, basis: kind, position: closedAt };
    }
    const upTo = position ? parsePosition(position) : null;
    const at = asOf.at ? Date.parse(asOf.at) : null;
    const events = (await this.store.readStream(streamId)).filter(
      (e) =>
        (at === null || Date.parse(e.recordedAt) <= at) &&
        (!upTo || comparePositions(e.globalPosition, upTo) <= 0) &&
        (onOrBefore === null || (e.metadata.occurredAt ?? '').slice(0, 10) <= onOrBefore),
    );
    const state = fold(
      aggregate.evolve as (s: unknown, e: RecordedEvent) => unknown,
      aggregate.initialState(),
      events.map((e) => ({ type: e.type, data: e.data }) as unknown as RecordedEvent),
    );
    return { streamId, revision: events.length ? events[events.length - 1].revision : -1, state, events: events.length, ...(basis ? { asOf: basis } : {}) };
  }

  /** One event and the chain of events that caused it (reactions point at their trigger). */
  async explain(eventId: string): Promise<AuditEntry[] | null> {
    const chain: AuditEntry[] = [];
    let next: string | undefined = eventId;
    let waited = false;
    for (let depth = 0; next && depth < 50; depth++) {
      if (!isUuid(next)) break;
      let { rows } = await this.pool.query<IndexRow>(`SELECT ${INDEX_ROW} FROM audit_events WHERE event_id = $1::uuid`, [next]);
      if (!rows.length && !waited) {
        // Perhaps stored just now: let the index catch up once, then look again.
        waited = true;
        await indexCaughtUp(this.pool, this.store);
        ({ rows } = await this.pool.query<IndexRow>(`SELECT ${INDEX_ROW} FROM audit_events WHERE event_id = $1::uuid`, [next]));
      }
      if (!rows.length) break;
      const events = await this.eventsOf(rows);
      const e = entry(rows[0], events.get(`${rows[0].stream_id}\u0000${rows[0].revision}`));
      chain.push(e);
      next = typeof e.causationId === 'string' && e.causationId !== e.eventId ? e.causationId : undefined;
    }
    return chain.length ? chain : null;
  }

  /** The stored events the rows point at, read per stream over the revisions they span. */
  private async eventsOf(rows: readonly IndexRow[]): Promise<Map<string, RecordedEvent>> {
    const spans = new Map<string, { from: number; to: number }>();
    for (const r of rows) {
      const revision = Number(r.revision);
      const span = spans.get(r.stream_id);
      spans.set(r.stream_id, span ? { from: Math.min(span.from, revision), to: Math.max(span.to, revision) } : { from: revision, to: revision });
    }
    const out = new Map<string, RecordedEvent>();
    await Promise.all(
      [...spans].map(async ([streamId, span]) => {
        for (const e of await this.store.readStream(streamId, { fromRevision: span.from, maxCount: span.to - span.from + 1 }))
          out.set(`${e.streamId}\u0000${e.revision}`, e);
      }),
    );
    return out;
  }
}
