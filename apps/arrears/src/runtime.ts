import { join } from 'node:path';
import pg from 'pg';
import { EventStoreDbEventStore, PostgresEventStore, type EventStore } from '#eventstore';
import { Upcasters } from '#kernel';
import {
  createPool,
  localSecret,
  Metrics,
  runMigrations,
  startEmbeddedPostgres,
  withDatabase,
  type AppConfig,
  type MigrationClass,
  type RunningPostgres,
  type Runtime,
} from '#platform';

export type Log = (message: string) => void;

async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rows.length) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return withDatabase(serverUrl, name);
}

export interface RuntimeOptions {
  readonly migrations: readonly MigrationClass[];
  readonly upcasters?: Upcasters;
  readonly log?: Log;
}

/**
 * Opens the process's database (an external one from DATABASE_URL, or a real embedded Postgres
 * in ARREARS_DATA_DIR), applies pending migrations, and opens the event store.
 */
export async function createRuntime(config: AppConfig, options: RuntimeOptions): Promise<Runtime> {
  const log = options.log ?? (() => undefined);
  let embedded: RunningPostgres | undefined;
  let url = config.DATABASE_URL;
  if (!url) {
    const dataDir = join(config.ARREARS_DATA_DIR, 'pg');
    log(`starting embedded Postgres in ${dataDir}`);
    embedded = await startEmbeddedPostgres({ dataDir, port: config.EMBEDDED_PG_PORT, persistent: true, leftover: log });
    url = await ensureDatabase(embedded.url, 'arrears');
  }
  try {
    const applied = await runMigrations(url, options.migrations);
    if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
    const pool = createPool(url, config.DB_POOL_SIZE);
    const metrics = new Metrics();
    let store: EventStore;
    try {
      store = await openEventStore(config, pool, metrics, options.upcasters);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return {
      config,
      pool,
      store,
      metrics,
      databaseUrl: url,
      auth: authSettings(config),
      async close() {
        await store.close();
        await pool.end();
        if (embedded) await embedded.stop();
      },
    };
  } catch (err) {
    if (embedded) await embedded.stop().catch(() => undefined);
    throw err;
  }
}

/** Production verifies an OIDC provider's tokens (JWKS_URL); the embedded default a local HS256 secret. */
export function authSettings(config: AppConfig) {
  const base = { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE };
  if (config.JWKS_URL) return { ...base, jwksUrl: config.JWKS_URL };
  return { ...base, secret: localSecret(config.ARREARS_DATA_DIR, config.JWT_SECRET) };
}

/**
 * Events live in Postgres by default; EVENTSTORE_URL moves them to EventStoreDB while checkpoints
 * and read models stay in Postgres.
 */
async function openEventStore(config: AppConfig, pool: pg.Pool, metrics: Metrics, upcasters?: Upcasters): Promise<EventStore> {
  if (config.EVENTSTORE_URL) {
    const store = new EventStoreDbEventStore(config.EVENTSTORE_URL, {
      upcasters,
      // A dropped subscription resubscribes by itself from its last position; count each drop.
      onSubscriptionDrop: () => metrics.eventStoreSubscriptionDrops.inc({ kind: 'eventstoredb' }),
    });
    await store.checkHealth();
    return store;
  }
  return new PostgresEventStore(pool, { upcasters, pollIntervalMs: config.PROJECTION_POLL_MS });
}
