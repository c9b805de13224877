import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { caseAssignmentsProjection, collectorWorks } from '#case-scope';
import type { Projection } from '#projections';
import { PG_POOL, ProblemException, problem, type Principal } from '#platform';

/**
 * Grading's own view of which collector works which customer and loan, folded from Collection's
 * published case events: a collector reads the grades and classifications of their own cases'
 * customers and loans only, as in Collection; other reading roles read the whole book.
 */
const TABLE = 'rm_grading_case_assignments';

export const gradingCaseAssignmentsProjection: Projection = caseAssignmentsProjection({ name: 'grading_case_assignments', table: TABLE });

@Injectable()
export class GradingReadScope {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  /** Answers 404, as if the customer or loan did not exist, when it is outside a collector's cases. */
  async require(principal: Principal, subject: { readonly customerId: string } | { readonly loanId: string }): Promise<void> {
    if (await collectorWorks(this.pool, TABLE, principal, subject)) return;
    throw 'customerId' in subject
      ? new ProblemException(problem(404, 'CUSTOMER_NOT_FOUND', 'Customer not found', `No customer ${subject.customerId} among your cases.`))
      : new ProblemException(problem(404, 'LOAN_NOT_FOUND', 'Loan not found', `No loan ${subject.loanId} among your cases.`));
  }
}
