import { createHash } from 'node:crypto';
import { sqlMigration } from '#platform';
import type pg from 'pg';
import type { Position, RecordedEvent } from '#kernel';
import type { EventStore } from '#eventstore';
import type { Projection, ProjectionContext } from '#projections';

/**
 * Audit's own record of every event, whichever store holds the events (Postgres or EventStoreDB):
 * the audit index, fed from the store's global order ($all) by the `audit_index` projection.
 *
 * A row points at one event by stream and revision and keeps its global position, what audit
 * searches by (type, business time, recorded time, the loan, customer and business date the data
 * names) and the event's link in its stream's hash chain. The events themselves stay in the store;
 * audit reads them from there, so what it shows is what the store holds, and verification compares
 * the two.
 *
 * The hash chain: each event's hash is SHA-256 over the previous event's hash in its stream (none
 * for the first), then, each after a zero byte, the stream id, the revision, the event id, the type,
 * the schema version, and the data and metadata as canonical JSON (object keys sorted). It is taken
 * when the index first sees the event and never recomputed: the table is not a read model that is
 * rebuilt into a new generation, and a replay (rebuild, verify, a reset checkpoint) keeps the rows
 * already written, so a chain once recorded stays as evidence against later edits in the store.
 *
 * Assumption: the store's upcasters (none are registered today) stay as they were when an event was
 * indexed; an upcaster added later changes what verification reads back and shows up as a mismatch.
 */
export const AUDIT_INDEX = 'audit_index';

export const AuditIndexSchema1764900000000 = sqlMigration(
  'AuditIndexSchema1764900000000',
  `
      -- What the first audit added to the Postgres event table (every append paid for them).
      DROP INDEX IF EXISTS es_events_loan_id;
      DROP INDEX IF EXISTS es_events_customer_id;
      CREATE TABLE audit_events (
        commit_position   numeric(20, 0) NOT NULL,
        prepare_position  numeric(20, 0) NOT NULL,
        stream_id         text NOT NULL,
        revision          bigint NOT NULL,
        event_id          uuid NOT NULL,
        type              text NOT NULL,
        schema_version    integer NOT NULL,
        occurred_at       text,
        recorded_at       timestamptz NOT NULL,
        loan_id           text,
        customer_id       text,
        business_date     text,
        hash              bytea NOT NULL,
        indexed_at        timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT audit_events_stream_revision PRIMARY KEY (stream_id, revision),
        CONSTRAINT audit_events_event_id UNIQUE (event_id)
      );
      CREATE INDEX audit_events_global_order ON audit_events (commit_position, prepare_position);
      CREATE INDEX audit_events_loan_id ON audit_events (loan_id, stream_id) WHERE loan_id IS NOT NULL;
      CREATE INDEX audit_events_customer_id ON audit_events (customer_id, stream_id) WHERE customer_id IS NOT NULL;
      CREATE INDEX audit_events_recorded_at ON audit_events (recorded_at);
      CREATE TABLE audit_anchors (
        day            date PRIMARY KEY,
        events         bigint NOT NULL,
        last_position  text,
        anchor         bytea NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now()
      );
    `,
  'DROP TABLE audit_anchors; DROP TABLE audit_events;',
);

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export type HashedFields = Pick<RecordedEvent, 'streamId' | 'revision' | 'eventId' | 'type' | 'schemaVersion' | 'data' | 'metadata'>;

/** An event's link in its stream's chain (see the file's comment). */
export function auditHash(previous: Uint8Array | null, event: HashedFields): Buffer {
  const hash = createHash('sha256');
  if (previous) hash.update(previous);
  const parts = [
    event.streamId,
    String(event.revision),
    event.eventId,
    event.type,
    String(event.schemaVersion),
    canonicalJson(event.data),
    canonicalJson(event.metadata),
  ];
  for (const part of parts) {
    hash.update('\u0000');
    hash.update(part, 'utf8');
  }
  return hash.digest();
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function searchFields(event: RecordedEvent): { loanId: string | null; customerId: string | null; businessDate: string | null } {
  const data = event.data && typeof event.data === 'object' ? (event.data as Record<string, unknown>) : {};
  return { loanId: text(data.loanId), customerId: text(data.customerId), businessDate: text(data.businessDate) ?? text(data.openBusinessDate) };
}

/**
 * The projection writing the audit index. Every event of $all; a batch reads the last recorded link
 * of each stream it touches, skips what is already recorded (a replay) and inserts the rest in one
 * statement, in the batch's transaction with the checkpoint.
 */
export const auditIndexProjection: Projection = {
  name: AUDIT_INDEX,
  version: 1,
  filter: {},
  // No generation tables: audit_events is Audit's own table (see above), created by its migration.
  tables: {},
  async apply(ctx: ProjectionContext, events: readonly RecordedEvent[]) {
    if (events.length === 0) return;
    const streams = [...new Set(events.map((e) => e.streamId))];
    const { rows } = await ctx.query<{ stream_id: string; revision: string; hash: Buffer }>(
      `SELECT DISTINCT ON (stream_id) stream_id, revision::text, hash FROM audit_events
        WHERE stream_id = ANY ($1::text[]) ORDER BY stream_id, revision DESC`,
      [streams],
    );
    const last = new Map(rows.map((r) => [r.stream_id, { revision: Number(r.revision), hash: r.hash }]));
    const cols = {
      commit: [] as string[],
      prepare: [] as string[],
      stream: [] as string[],
      revision: [] as number[],
      id: [] as string[],
      type: [] as string[],
      version: [] as number[],
      occurred: [] as (string | null)[],
      recorded: [] as string[],
      loan: [] as (string | null)[],
      customer: [] as (string | null)[],
      date: [] as (string | null)[],
      hash: [] as Buffer[],
    };
    for (const event of events) {
      const previous = last.get(event.streamId);
      if (previous && event.revision <= previous.revision) continue;
      const hash = auditHash(previous?.hash ?? null, event);
      last.set(event.streamId, { revision: event.revision, hash });
      const fields = searchFields(event);
      cols.commit.push(event.globalPosition.commit.toString());
      cols.prepare.push(event.globalPosition.prepare.toString());
      cols.stream.push(event.streamId);
      cols.revision.push(event.revision);
      cols.id.push(event.eventId);
      cols.type.push(event.type);
      cols.version.push(event.schemaVersion);
      cols.occurred.push(text(event.metadata?.occurredAt));
      cols.recorded.push(event.recordedAt);
      cols.loan.push(fields.loanId);
      cols.customer.push(fields.customerId);
      cols.date.push(fields.businessDate);
      cols.hash.push(hash);
    }
    if (cols.id.length === 0) return;
    await ctx.query(
      `INSERT INTO audit_events (commit_position, prepare_position, stream_id, revision, event_id, type, schema_version, occurred_at,
                                 recorded_at, loan_id, customer_id, business_date, hash)
       SELECT * FROM unnest($1::numeric[], $2::numeric[], $3::text[], $4::bigint[], $5::uuid[], $6::text[], $7::int[], $8::text[],
                            $9::timestamptz[], $10::text[], $11::text[], $12::text[], $13::bytea[])
       ON CONFLICT DO NOTHING`,
      [
        cols.commit,
        cols.prepare,
        cols.stream,
        cols.revision,
        cols.id,
        cols.type,
        cols.version,
        cols.occurred,
        cols.recorded,
        cols.loan,
        cols.customer,
        cols.date,
        cols.hash,
      ],
    );
  },
};

/** Newest position in the audit index, or null when it is empty. */
export async function indexHead(pool: pg.Pool): Promise<Position | null> {
  const { rows } = await pool.query<{ c: string; p: string }>(
    'SELECT commit_position::text AS c, prepare_position::text AS p FROM audit_events ORDER BY commit_position DESC, prepare_position DESC LIMIT 1',
  );
  return rows.length ? { commit: BigInt(rows[0].c), prepare: BigInt(rows[0].p) } : null;
}

/**
 * Waits (up to `timeoutMs`) until the audit index holds everything the store held when called, so
 * an audit query answers for every event stored before it was asked. Returns whether it got there;
 * a lagging index answers with what it has.
 */
export async function indexCaughtUp(pool: pg.Pool, store: EventStore, timeoutMs = 10_000): Promise<boolean> {
  const head = await store.headPosition();
  if (!head) return true;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const indexed = await indexHead(pool);
    if (indexed && (indexed.commit > head.commit || (indexed.commit === head.commit && indexed.prepare >= head.prepare))) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}
