import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { createDatabase, createPool, dropDatabase, runMigrations } from '#platform';
import { ALL_MIGRATIONS } from '../../apps/arrears/src/migrations.js';

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export function adminUrl(): string {
  const url = process.env.ARREARS_TEST_ADMIN_URL;
  if (!url) throw new Error('ARREARS_TEST_ADMIN_URL is not set: run the tests through jest (global setup)');
  return url;
}

/** A fresh database with every migration applied, dropped again by `close`. */
export async function testDatabase(options: { migrate?: boolean; poolSize?: number } = {}): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const url = await createDatabase(adminUrl(), name);
  if (options.migrate !== false) await runMigrations(url, ALL_MIGRATIONS);
  const pool = createPool(url, options.poolSize ?? 20);
  return {
    url,
    name,
    pool,
    async close() {
      await pool.end();
      await dropDatabase(adminUrl(), name);
    },
  };
}
