// Loaded by Jest outside its module system, so it uses the built platform lib (`npm test` builds first).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '#platform';

/**
 * One throwaway Postgres cluster per test run (or the server named by DATABASE_URL). Each test file
 * then creates its own database in it, so files can run in parallel.
 */
export default async function globalSetup() {
  if (process.env.DATABASE_URL) {
    process.env.ARREARS_TEST_ADMIN_URL = process.env.DATABASE_URL;
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'arrears-test-pg-'));
  const pg = await startEmbeddedPostgres({ dataDir, persistent: false });
  process.env.ARREARS_TEST_ADMIN_URL = pg.url;
  globalThis.__arrearsPg = pg;
}
