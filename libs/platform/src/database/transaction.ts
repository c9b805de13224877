import type pg from 'pg';

/** What opens and what closes a transaction, when more than BEGIN and COMMIT (settings, a last write in the same message). */
export interface TransactionStatements {
  readonly begin?: string;
  readonly commit?: () => string;
}

/**
 * Runs `work` in one transaction on a client of the pool: committed when it returns, rolled back
 * when it throws (the error passes on), the client released either way.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, statements: TransactionStatements = {}): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(statements.begin ?? 'BEGIN');
    const result = await work(client);
    await client.query(statements.commit?.() ?? 'COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
