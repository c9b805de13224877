import type pg from 'pg';
import { inCaseScope } from '#case-scope';
import { ProblemException, problem, type Principal, type RequestMeta } from '#platform';

/**
 * Loans' staff writes check the loan's case scope as Collection's case writes do (a supervisor: a
 * loan whose case is their team's, or not assigned to anyone; a risk manager: every loan): out of
 * scope is 403 CASE_OUT_OF_SCOPE, with nothing decided or appended.
 */
export async function ensureLoanInScope(pool: pg.Pool, meta: RequestMeta, loanId: string): Promise<void> {
  const principal = meta.actor as Principal;
  if (await inCaseScope(pool, 'rm_loan_case_assignments', principal, { loanId })) return;
  throw new ProblemException(
    problem(403, 'CASE_OUT_OF_SCOPE', 'Out of case scope', `Loan ${loanId} is in a collection case not assigned to team ${principal.team ?? '(none)'}.`, {
      loanId,
    }),
  );
}
