import { caseAssignmentsProjection } from '#case-scope';
import type { Projection } from '#projections';
import type { Principal } from '#platform';

/**
 * Loans' own view of which collector works which loan, folded from the Collection context's
 * published case events (one row per case). A collector reads only the loans of cases assigned to
 * them, as in Collection, where a case (closed ones too) stays visible to its collector.
 */
export const LOAN_CASE_ASSIGNMENTS = 'loans_case_assignments';

export const loanCaseAssignmentsProjection: Projection = caseAssignmentsProjection({
  name: LOAN_CASE_ASSIGNMENTS,
  table: 'rm_loan_case_assignments',
  version: 2,
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
