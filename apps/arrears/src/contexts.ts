import type { ContextRegistration } from '#platform';
import { auditContext } from '#audit';
import { collectionContext } from '#collection';
import { gradingContext } from '#grading';
import { loanCaseAssignmentsProjection, loansContext } from '#loans';
import { monitoringContext } from '#monitoring';
import { restructuringContext } from '#restructuring';
import { vaultContext } from '#vault';

/** The bounded contexts this deployable runs. */
export const CONTEXTS: readonly ContextRegistration[] = [
  vaultContext,
  auditContext,
  // Loans' row-level read model (who works which loan, from Collection's case events) runs with it.
  { ...loansContext, projections: [...loansContext.projections, loanCaseAssignmentsProjection] },
  gradingContext,
  collectionContext,
  restructuringContext,
  monitoringContext,
];
