import type { RecordedEvent } from '#kernel';
import type { CaseAssigned, CaseClosed, CaseOpened, CaseReassigned } from '#collection';
import { rowProjection, type Projection } from '#projections';
import type { Principal } from '#platform';

/**
 * Loans' own view of which collector works which loan, from the Collection context's published
 * case events (one row per case). A collector reads only the loans of cases assigned to them, as
 * in Collection, where a case (closed ones too) stays visible to its collector.
 */
export const LOAN_CASE_ASSIGNMENTS = 'loans_case_assignments';

export interface LoanCaseRow {
  [column: string]: unknown;
  case_id: string;
  loan_id: string;
  collector_id: string | null;
  team: string | null;
  open: boolean;
}

type AssignmentEvent = CaseOpened | CaseAssigned | CaseReassigned | CaseClosed;
const EVENT_TYPES: readonly AssignmentEvent['type'][] = ['CaseOpened', 'CaseAssigned', 'CaseReassigned', 'CaseClosed'];

export function evolveLoanCase(row: LoanCaseRow | undefined, recorded: RecordedEvent): LoanCaseRow | undefined {
  const event = recorded as unknown as AssignmentEvent;
  switch (event.type) {
    case 'CaseOpened':
      return row ?? { case_id: event.data.caseId, loan_id: event.data.loanId, collector_id: null, team: null, open: true };
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

export const loanCaseAssignmentsProjection: Projection = rowProjection<LoanCaseRow>({
  name: LOAN_CASE_ASSIGNMENTS,
  version: 1,
  table: 'rm_loan_case_assignments',
  ddl: `CREATE TABLE {table} (
    case_id text PRIMARY KEY, loan_id text NOT NULL, collector_id text, team text, open boolean NOT NULL);
    CREATE INDEX {table}_collector ON {table} (collector_id, loan_id)`,
  key: 'case_id',
  filter: { streamPrefixes: ['collection.case-'], eventTypes: EVENT_TYPES },
  keyOf: (e) => (e.data as { caseId?: string }).caseId ?? null,
  evolve: evolveLoanCase,
});

/** Which loans a caller reads: a collector those of their cases, every other reading role all. */
export type LoanScope = { readonly kind: 'all' } | { readonly kind: 'collector'; readonly collectorId: string };

export const ALL_LOANS: LoanScope = { kind: 'all' };

export function loanScopeOf(principal: Principal): LoanScope {
  return principal.role === 'collector' ? { kind: 'collector', collectorId: principal.id } : ALL_LOANS;
}

/** The SQL condition of a scope on `rm_loans` aliased `l`; `param` binds a value and returns its placeholder. */
export function loanScopeSql(scope: LoanScope, param: (value: unknown) => string): string | null {
  if (scope.kind === 'all') return null;
  return `EXISTS (SELECT 1 FROM rm_loan_case_assignments a WHERE a.loan_id = l.loan_id AND a.collector_id = ${param(scope.collectorId)})`;
}
