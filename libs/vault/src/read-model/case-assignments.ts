import type pg from 'pg';
import type { RecordedEvent } from '#kernel';
import type { CaseAssigned, CaseClosed, CaseOpened, CaseReassigned } from '#collection';
import { rowProjection, type Projection } from '#projections';
import type { Principal } from '#platform';

/**
 * The vault's own view of who works which customer, from the Collection context's published case
 * events: one row per case with its customer, collector, team and whether it is still open. It is
 * what row-level access to clear personal data is decided on, so the vault never asks Collection.
 */
export const VAULT_CASE_ASSIGNMENTS = 'vault_case_assignments';

export interface CaseAssignmentRow {
  [column: string]: unknown;
  case_id: string;
  customer_id: string;
  collector_id: string | null;
  team: string | null;
  open: boolean;
}

type AssignmentEvent = CaseOpened | CaseAssigned | CaseReassigned | CaseClosed;
const EVENT_TYPES: readonly AssignmentEvent['type'][] = ['CaseOpened', 'CaseAssigned', 'CaseReassigned', 'CaseClosed'];

export function evolveAssignment(row: CaseAssignmentRow | undefined, recorded: RecordedEvent): CaseAssignmentRow | undefined {
  const event = recorded as unknown as AssignmentEvent;
  switch (event.type) {
    case 'CaseOpened':
      return row ?? { case_id: event.data.caseId, customer_id: event.data.customerId, collector_id: null, team: null, open: true };
    case 'CaseAssigned':
      return row && { ...row, collector_id: event.data.collectorId, team: event.data.team };
    case 'CaseReassigned':
      return row && { ...row, collector_id: event.data.to, team: event.data.team };
    case 'CaseClosed':
      return row && { ...row, open: false };
    default:
      return undefined;
  }
}

export const caseAssignmentsProjection: Projection = rowProjection<CaseAssignmentRow>({
  name: VAULT_CASE_ASSIGNMENTS,
  version: 1,
  table: 'rm_vault_case_assignments',
  ddl: `CREATE TABLE {table} (
    case_id text PRIMARY KEY, customer_id text NOT NULL, collector_id text, team text, open boolean NOT NULL);
    CREATE INDEX {table}_customer ON {table} (customer_id)`,
  key: 'case_id',
  filter: { streamPrefixes: ['collection.case-'], eventTypes: EVENT_TYPES },
  keyOf: (e) => (e.data as { caseId?: string }).caseId ?? null,
  evolve: evolveAssignment,
});

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
