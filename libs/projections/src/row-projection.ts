import type { RecordedEvent } from '#kernel';
import type { AllFilter } from '#eventstore';
import type { Projection, ProjectionContext } from './projection.js';
import { bulkDelete, bulkUpsert, type Row } from './sql.js';

export interface RowProjectionSpec<R extends Row> {
  readonly name: string;
  readonly version: number;
  readonly table: string;
  /** DDL with `{table}`; must give `key` a unique constraint. */
  readonly ddl: string;
  /** The key column; its value is a string. */
  readonly key: keyof R & string;
  readonly filter: AllFilter;
  /** The row an event touches, or null when it touches none. */
  keyOf(event: RecordedEvent): string | null;
  /** Next row from the current one (undefined when absent); null deletes the row. */
  evolve(row: R | undefined, event: RecordedEvent): R | null | undefined;
}

/**
 * The events of one kind of aggregate and the row each touches, for a read model with a row per
 * aggregate: those of `eventTypes` in the streams starting `streamPrefix`, keyed by the aggregate
 * id their data carries in `idField` (an event without one touches no row).
 */
export function perAggregate(streamPrefix: string, eventTypes: readonly string[], idField: string): Pick<RowProjectionSpec<Row>, 'filter' | 'keyOf'> {
  return {
    filter: { streamPrefixes: [streamPrefix], eventTypes },
    keyOf: (e) => (e.data as Record<string, string | undefined>)[idField] ?? null,
  };
}

/**
 * A projection keeping one row per key: for a batch it reads the touched rows once, folds the
 * events in memory, then writes all changes with one multi-row upsert and one delete.
 */
export function rowProjection<R extends Row>(spec: RowProjectionSpec<R>): Projection {
  return {
    name: spec.name,
    version: spec.version,
    filter: spec.filter,
    tables: { [spec.table]: spec.ddl },
    async apply(ctx: ProjectionContext, events: readonly RecordedEvent[]) {
      const table = ctx.table(spec.table);
      const keys = [...new Set(events.map((e) => spec.keyOf(e)).filter((k): k is string => k !== null))];
      if (keys.length === 0) return;
      const { rows } = await ctx.query<R>(`SELECT * FROM ${table} WHERE ${spec.key} = ANY ($1::text[])`, [keys]);
      const current = new Map<string, R | null>(rows.map((r) => [String(r[spec.key]), r]));
      const touched = new Set<string>();
      for (const event of events) {
        const key = spec.keyOf(event);
        if (key === null) continue;
        const next = spec.evolve(current.get(key) ?? undefined, event);
        if (next === undefined) continue;
        current.set(key, next);
        touched.add(key);
      }
      const upserts: R[] = [];
      const deletes: string[] = [];
      for (const key of touched) {
        const row = current.get(key);
        if (row) upserts.push(row);
        else deletes.push(key);
      }
      await bulkUpsert(ctx, table, upserts, [spec.key]);
      await bulkDelete(ctx, table, spec.key, deletes);
    },
  };
}
