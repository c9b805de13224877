import type pg from 'pg';
import { caseAssignmentsProjection as assignments } from '#case-scope';
import type { Projection } from '#projections';
import type { Principal } from '#platform';

/**
 * The vault's own view of who works which customer, folded from the Collection context's published
 * case events: what row-level access to clear personal data is decided on, so the vault never asks
 * Collection.
 */
export const VAULT_CASE_ASSIGNMENTS = 'vault_case_assignments';

export const caseAssignmentsProjection: Projection = assignments({ name: VAULT_CASE_ASSIGNMENTS, table: 'rm_vault_case_assignments', version: 2 });

/**
 * Whose clear personal data a caller may read. Collectors: customers with an open case assigned
 * to them. Supervisors: customers with an open case of their own team (a supervisor without a team
 * none). Service and admin: every customer. Other roles never read clear values (CLEAR_READERS).
 */
export class ClearReadScope {
  constructor(private readonly pool: pg.Pool) {}

  async allows(principal: Principal, customerId: string): Promise<boolean> {
    if (principal.role === 'service' || principal.role === 'admin') return true;
    let column: 'collector_id' | 'team';
    let value: string;
    if (principal.role === 'collector') [column, value] = ['collector_id', principal.id];
    else if (principal.role === 'supervisor' && principal.team) [column, value] = ['team', principal.team];
    else return false;
    const { rowCount } = await this.pool.query(`SELECT 1 FROM rm_vault_case_assignments WHERE customer_id = $1 AND open AND ${column} = $2 LIMIT 1`, [
      customerId,
      value,
    ]);
    return (rowCount ?? 0) > 0;
  }
}
