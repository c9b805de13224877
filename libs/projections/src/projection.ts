import type pg from 'pg';
import type { RecordedEvent } from '#kernel';
import type { AllFilter } from '#eventstore';
import type { Reaction } from './reactor.js';

/** What a projection's handler may use while applying a batch, inside the batch's transaction. */
export interface ProjectionContext {
  /** A query on the batch's transaction. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Physical name of one of the projection's tables in the generation being written. */
  table(name: string): string;
  /**
   * The scope to react to `event` in (run its commands with `reaction.context(...)`), or null when
   * the trigger was decided before: on every replay (rebuild, verify, a reset checkpoint, a batch
   * re-run after a crash whose record committed) the handler then updates its tables only. Only
   * projections with `reacts: true` get scopes; for the others it is always null.
   */
  reaction(event: RecordedEvent): Reaction | null;
}

/**
 * A read model fed from the event store.
 *
 * Its tables are created per generation (`<table>__g<n>`) from `tables`, and readers use a view
 * named `<table>` over the active generation: a rebuild fills a fresh generation while the old one
 * keeps serving, then the views are swapped in one transaction. Bump `version` when the tables or
 * the handler change: the runner rebuilds into a new generation and swaps it in when caught up.
 */
export interface Projection {
  readonly name: string;
  readonly version: number;
  /** Which events to receive; usually a list of event types. */
  readonly filter: AllFilter;
  /** Table name -> DDL with `{table}` where the physical name goes (CREATE TABLE, CREATE INDEX). */
  readonly tables: Readonly<Record<string, string>>;
  /**
   * True for a projection whose handler runs commands (a reactor, or a read model that also
   * reacts): the runner keeps its reaction ledger, hands out reaction scopes only for undecided
   * triggers, and never decides a trigger again when the projection is replayed.
   */
  readonly reacts?: boolean;
  /**
   * For a projection that reacts: the event types that can trigger a reaction (default: every
   * event its filter lets through). Only these get reaction scopes and ledger rows; the others are
   * facts it only folds into its tables.
   */
  readonly triggers?: readonly string[];
  /** Applies a batch of events in order. Throwing marks the failing event as poison. */
  apply(ctx: ProjectionContext, events: readonly RecordedEvent[]): Promise<void>;
}

export function physicalTable(table: string, generation: number): string {
  return `${table}__g${generation}`;
}
