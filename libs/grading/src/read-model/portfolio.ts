import type pg from 'pg';
import type { CustomerState } from '../domain/customer.js';
import type { LoanRecord } from '../domain/loan-facts.js';
import { CUSTOMERS_TABLE, LOANS_TABLE } from './tables.js';

/**
 * The graded portfolio: every customer Grading knows, from their loans or their own facts, read in
 * pages in id order (byte order: the id columns are COLLATE "C"), two index range scans merged.
 */
export async function portfolioPage(pool: pg.Pool, after: string, size: number): Promise<string[]> {
  const [a, b] = await Promise.all([
    pool.query<{ id: string }>(`SELECT DISTINCT customer_id AS id FROM ${LOANS_TABLE} WHERE customer_id > $1 ORDER BY customer_id LIMIT $2`, [after, size]),
    pool.query<{ id: string }>(`SELECT customer_id AS id FROM ${CUSTOMERS_TABLE} WHERE customer_id > $1 ORDER BY customer_id LIMIT $2`, [after, size]),
  ]);
  const merged = [...new Set([...a.rows, ...b.rows].map((r) => r.id))].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return merged.slice(0, size);
}

export async function portfolioSize(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT customer_id FROM ${LOANS_TABLE} UNION SELECT customer_id FROM ${CUSTOMERS_TABLE}) ids`,
  );
  return rows[0].n;
}

export interface PortfolioCustomer {
  readonly customerId: string;
  readonly revision: number;
  readonly state: CustomerState | null;
  readonly loans: LoanRecord[];
}

/** The customers' stream states (as the read model mirrors them) and loan records. */
export async function portfolioInputs(pool: pg.Pool, ids: readonly string[]): Promise<PortfolioCustomer[]> {
  const [states, loanRows] = await Promise.all([
    pool.query<{ customer_id: string; revision: number; state: CustomerState }>(
      `SELECT customer_id, revision, state FROM ${CUSTOMERS_TABLE} WHERE customer_id = ANY ($1::text[])`,
      [ids],
    ),
    pool.query<{ customer_id: string; record: LoanRecord }>(`SELECT customer_id, record FROM ${LOANS_TABLE} WHERE customer_id = ANY ($1::text[])`, [ids]),
  ]);
  const byId = new Map(states.rows.map((r) => [r.customer_id, r]));
  const loans = new Map<string, LoanRecord[]>();
  for (const r of loanRows.rows) loans.set(r.customer_id, [...(loans.get(r.customer_id) ?? []), r.record]);
  return ids.map((customerId) => {
    const row = byId.get(customerId);
    return { customerId, revision: row ? Number(row.revision) : -1, state: row?.state ?? null, loans: loans.get(customerId) ?? [] };
  });
}
