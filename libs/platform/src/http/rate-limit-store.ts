import type pg from 'pg';
import { sqlMigration } from '../database/sql-migration.js';

/**
 * Rate-limit counters shared by every replica: one row per caller and window length, counted with
 * one atomic upsert. UNLOGGED: a counter is not worth a WAL write and an fsync per request (a
 * commit that wrote no WAL does not wait for the disk), and losing the counts of the current
 * window in a crash of the database only forgives callers for that window.
 */
export const HttpRateLimitsSchema1732838400010 = sqlMigration(
  'HttpRateLimitsSchema1732838400010',
  `
      CREATE UNLOGGED TABLE http_rate_limits (
        key        text   NOT NULL,
        window_ms  bigint NOT NULL,
        started_ms bigint NOT NULL,
        count      bigint NOT NULL,
        PRIMARY KEY (key, window_ms)
      );
    `,
  'DROP TABLE http_rate_limits',
);

/** What @fastify/rate-limit asks of a store. */
export interface RateLimitStore {
  incr(key: string, callback: (err: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number, max: number): void;
  child(routeOptions: unknown): RateLimitStore;
}

const NOW_MS = `floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;

/**
 * Counts a request of `key` in its fixed window and answers the count so far with the
 * milliseconds left in the window. A window starts with the caller's first request after the
 * previous one ended (as in @fastify/rate-limit's own store) and is timed by the database's clock,
 * so every replica agrees on it. One statement: concurrent requests of one caller queue on its row
 * and each sees the count its own increment made.
 */
export async function countRequest(pool: pg.Pool, key: string, windowMs: number): Promise<{ current: number; ttl: number }> {
  const { rows } = await pool.query<{ count: string; ttl: string }>(
    `INSERT INTO http_rate_limits AS r (key, window_ms, started_ms, count)
     VALUES ($1, $2, ${NOW_MS}, 1)
     ON CONFLICT (key, window_ms) DO UPDATE SET
       count = CASE WHEN r.started_ms + r.window_ms <= EXCLUDED.started_ms THEN 1 ELSE r.count + 1 END,
       started_ms = CASE WHEN r.started_ms + r.window_ms <= EXCLUDED.started_ms THEN EXCLUDED.started_ms ELSE r.started_ms END
     RETURNING r.count::text AS count, (r.started_ms + r.window_ms - ${NOW_MS})::text AS ttl`,
    [key, windowMs],
  );
  return { current: Number(rows[0].count), ttl: Math.max(1, Number(rows[0].ttl)) };
}

/** Deletes the counters of windows that have ended. */
export async function pruneRateLimits(pool: pg.Pool): Promise<number> {
  const { rowCount } = await pool.query(`DELETE FROM http_rate_limits WHERE started_ms + window_ms < ${NOW_MS}`);
  return rowCount ?? 0;
}

/** A @fastify/rate-limit store over Postgres; errors go to `onError` and the request is let through. */
export function postgresRateLimitStore(pool: pg.Pool, onError: (err: unknown) => void): new (options: unknown) => RateLimitStore {
  return class PostgresRateLimitStore implements RateLimitStore {
    incr(key: string, callback: (err: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      countRequest(pool, key, timeWindow).then(
        (result) => callback(null, result),
        (err: unknown) => {
          onError(err);
          callback(err instanceof Error ? err : new Error(String(err)));
        },
      );
    }

    child(): RateLimitStore {
      return this;
    }
  };
}
