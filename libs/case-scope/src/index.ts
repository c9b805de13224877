import type { DomainEvent, RecordedEvent } from '#kernel';
import { perAggregate, rowProjection, type Projection } from '#projections';

/**
 * Case scope: who may see and act on which customer, loan and request, the one rule every context
 * applies to its reads and its writes. Its home is here, apart from every context, so that none of
 * them imports another to scope its rows.
 *
 * Who works which case is a read model each context builds for itself from Collection's case
 * events (CaseOpened, CaseAssigned, CaseReassigned, CaseClosed): one row per case with its loan,
 * customer, collector, team and whether it is open. Each context keeps its own table under its own
 * projection name, so none of them reads Collection's tables or asks Collection.
 */

/**
 * The fields of Collection's case events the fold reads: the contract Collection keeps with every
 * context that scopes by case (Collection checks at compile time that its events carry them).
 */
export type CaseScopeEvent =
  | DomainEvent<'CaseOpened', { readonly caseId: string; readonly loanId: string; readonly customerId: string }>
  | DomainEvent<'CaseAssigned', { readonly caseId: string; readonly collectorId: string; readonly team: string }>
  | DomainEvent<'CaseReassigned', { readonly caseId: string; readonly to: string; readonly team: string }>
  | DomainEvent<'CaseClosed', { readonly caseId: string }>;

export interface CaseAssignmentRow {
  [column: string]: unknown;
  case_id: string;
  loan_id: string;
  customer_id: string;
  collector_id: string | null;
  team: string | null;
  open: boolean;
}

const EVENT_TYPES: readonly CaseScopeEvent['type'][] = ['CaseOpened', 'CaseAssigned', 'CaseReassigned', 'CaseClosed'];

export function evolveCaseAssignment(row: CaseAssignmentRow | undefined, recorded: RecordedEvent): CaseAssignmentRow | undefined {
  const event = recorded as unknown as CaseScopeEvent;
  switch (event.type) {
    case 'CaseOpened': {
      const d = event.data;
      return row ?? { case_id: d.caseId, loan_id: d.loanId, customer_id: d.customerId, collector_id: null, team: null, open: true };
    }
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

/** A case-assignment read model under the caller's projection name and table, indexed by customer and by collector. */
export function caseAssignmentsProjection(spec: { readonly name: string; readonly table: string; readonly version?: number }): Projection {
  return rowProjection<CaseAssignmentRow>({
    name: spec.name,
    version: spec.version ?? 1,
    table: spec.table,
    ddl: `CREATE TABLE {table} (
      case_id text PRIMARY KEY, loan_id text NOT NULL, customer_id text NOT NULL, collector_id text, team text, open boolean NOT NULL);
      CREATE INDEX {table}_customer ON {table} (customer_id);
      CREATE INDEX {table}_collector ON {table} (collector_id, loan_id)`,
    key: 'case_id',
    ...perAggregate('collection.case-', EVENT_TYPES, 'caseId'),
    evolve: evolveCaseAssignment,
  });
}

/**
 * Whether a collector works (or worked) a case of the customer or loan, by a context's own
 * case-assignments table: the same rule Collection applies to cases (a case stays visible to its
 * collector after it closes). Other roles are not limited by it. `table` is the context's constant.
 */
export async function collectorWorks(
  pool: { query(text: string, values: unknown[]): Promise<{ rowCount: number | null }> },
  table: string,
  principal: { readonly role: string; readonly id: string },
  subject: { readonly customerId: string } | { readonly loanId: string },
): Promise<boolean> {
  if (principal.role === 'customer')
    return 'customerId' in subject ? subject.customerId === principal.id : customerOwns(pool, table, principal.id, subject.loanId);
  if (principal.role !== 'collector') return true;
  const [column, value] = 'customerId' in subject ? ['customer_id', subject.customerId] : ['loan_id', subject.loanId];
  const { rowCount } = await pool.query(`SELECT 1 FROM ${table} WHERE ${column} = $1 AND collector_id = $2 LIMIT 1`, [value, principal.id]);
  return (rowCount ?? 0) > 0;
}

/**
 * Case scope of a loan or customer for a principal, by a context's own case-assignments table:
 * the one rule a context applies to its reads and to its writes alike, so that nothing a
 * principal may not see can be changed by them either.
 *
 * - A collector is in scope when a case of the subject is (or was) assigned to them.
 * - A supervisor is in scope when a case of the subject is assigned to a collector of their team.
 * - A subject no case has been assigned for (no case yet, or cases still waiting for a collector)
 *   is owned by nobody: every collector and supervisor is in scope, as Collection shows its
 *   unassigned cases to supervisors.
 * - A customer (self-service) is in scope for their own customer id and the loans of their own
 *   cases, nothing else, whether or not a collector works them.
 * - Other roles (risk managers, auditors, admins, services) are not limited by cases.
 */
export type CaseScopePrincipal = { readonly role: string; readonly id: string; readonly team?: string };
export type CaseScopeSubject = { readonly customerId: string } | { readonly loanId: string };

/** Whether the principal's role is limited by case scope at all. */
export const caseScoped = (principal: { readonly role: string }): boolean =>
  principal.role === 'collector' || principal.role === 'supervisor' || principal.role === 'customer';

/**
 * The SQL condition "the row whose loan (or customer) is `subjectColumn` is within the
 * principal's case scope", for a WHERE clause; `param` adds a value and returns its placeholder.
 * Null when the role is not limited.
 */
export function caseScopeSql(
  table: string,
  subjectColumn: string,
  principal: CaseScopePrincipal,
  param: (value: unknown) => string,
  by: 'loan_id' | 'customer_id' = 'loan_id',
): string | null {
  if (!caseScoped(principal)) return null;
  if (principal.role === 'customer') return `EXISTS (SELECT 1 FROM ${table} a WHERE a.${by} = ${subjectColumn} AND a.customer_id = ${param(principal.id)})`;
  const [column, value] = principal.role === 'collector' ? ['collector_id', principal.id] : ['team', principal.team ?? null];
  const mine = value === null ? 'false' : `EXISTS (SELECT 1 FROM ${table} a WHERE a.${by} = ${subjectColumn} AND a.${column} = ${param(value)})`;
  const owned = `EXISTS (SELECT 1 FROM ${table} a WHERE a.${by} = ${subjectColumn} AND a.collector_id IS NOT NULL)`;
  return `(${mine} OR NOT ${owned})`;
}

/** Whether the loan or customer is within the principal's case scope (see above). */
export async function inCaseScope(
  pool: { query(text: string, values: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }> },
  table: string,
  principal: CaseScopePrincipal,
  subject: CaseScopeSubject,
): Promise<boolean> {
  if (!caseScoped(principal)) return true;
  const [by, id] = 'customerId' in subject ? (['customer_id', subject.customerId] as const) : (['loan_id', subject.loanId] as const);
  const values: unknown[] = [id];
  const condition = caseScopeSql(table, '$1', principal, (v) => (values.push(v), `$${values.length}`), by)!;
  const { rows } = await pool.query(`SELECT ${condition} AS in_scope`, values);
  return rows[0]?.in_scope === true;
}

async function customerOwns(
  pool: { query(text: string, values: unknown[]): Promise<{ rowCount: number | null }> },
  table: string,
  customerId: string,
  loanId: string,
): Promise<boolean> {
  const { rowCount } = await pool.query(`SELECT 1 FROM ${table} WHERE loan_id = $1 AND customer_id = $2 LIMIT 1`, [loanId, customerId]);
  return (rowCount ?? 0) > 0;
}
