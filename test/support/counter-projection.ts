import { setTimeout as sleep } from 'node:timers/promises';
import { rowProjection } from '#projections';

export interface CounterRow extends Record<string, unknown> {
  stream_id: string;
  events: number;
  total: number;
  last_revision: number;
}

/**
 * A deliberately non-idempotent read model (it counts and sums), so applying any event twice or
 * skipping one shows in its rows. `pauseMs` sleeps after the rows are written and before the
 * checkpoint, inside the batch transaction, to leave a window for a crash mid-batch.
 */
export function counterProjection(options: { version?: number; pauseMs?: number } = {}) {
  const base = rowProjection<CounterRow>({
    name: 'counters',
    version: options.version ?? 1,
    table: 'rm_counters',
    ddl: `CREATE TABLE {table} (stream_id text PRIMARY KEY, events integer NOT NULL, total bigint NOT NULL, last_revision bigint NOT NULL)`,
    key: 'stream_id',
    filter: { eventTypes: ['Counted'] },
    keyOf: (e) => e.streamId,
    evolve: (row, e) => ({
      stream_id: e.streamId,
      events: (row?.events ?? 0) + 1,
      total: Number(row?.total ?? 0) + (e.data as { n: number }).n,
      last_revision: e.revision,
    }),
  });
  if (!options.pauseMs) return base;
  return {
    ...base,
    async apply(ctx: Parameters<typeof base.apply>[0], events: Parameters<typeof base.apply>[1]) {
      await base.apply(ctx, events);
      await sleep(options.pauseMs);
    },
  };
}
