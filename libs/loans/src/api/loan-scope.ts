import type pg from 'pg';
import { inCaseScope } from '#case-scope';
import { caseOutOfScope, type Principal, type RequestMeta } from '#platform';

/**
 * Loans' staff writes check the loan's case scope as Collection's case writes do (a supervisor: a
 * loan whose case is their team's, or not assigned to anyone; a risk manager: every loan): out of
 * scope is 403 CASE_OUT_OF_SCOPE, with nothing decided or appended.
 */
export async function ensureLoanInScope(pool: pg.Pool, meta: RequestMeta, loanId: string): Promise<void> {
  const principal = meta.actor as Principal;
  if (await inCaseScope(pool, 'rm_loan_case_assignments', principal, { loanId })) return;
  throw caseOutOfScope(`Loan ${loanId}`, principal, { loanId });
}
