import { compareDates, domainError, type BusinessDate, type DomainError } from '#kernel';
import { penaltyOwed, project, type LoanFacts, type LoanState } from '#loans';
import type { LoanSnapshot } from '../domain/plan.js';

/**
 * Reads what a restructuring decision needs from a loan account, through what the loans context
 * exports: its `evolve` (via its decider) folds the loan stream, and its `project` replays the facts
 * as of any business date. Nothing here writes the loan.
 */

const owedPrincipal = (i: { principal: number; paidPrincipal: number }) => i.principal - i.paidPrincipal;
const owedInterest = (i: { interest: number; paidInterest: number }) => i.interest - i.paidInterest;

/**
 * The loan as of `asOf`: stage, DPD, and the installments a restructuring taking effect that day
 * would replace (live installments with principal or interest still owed, exactly the loans
 * context's rule), with what is owed on each.
 */
export function loanSnapshot(
  state: LoanState,
  loanId: string,
  asOf: BusinessDate,
  options: { excludeRestructuring?: string } = {},
): LoanSnapshot | DomainError {
  if (state.status === 'Unregistered' || state.facts.terms.loanId !== loanId) {
    return domainError('LOAN_NOT_FOUND', `loan ${loanId} is not registered`, { loanId }, 'not_found');
  }
  // A retried activation looks at the loan as it was before its own restructuring was applied.
  const excluded = options.excludeRestructuring;
  const facts = excluded
    ? {
        ...state.facts,
        ledger: state.facts.ledger.filter(
          (f) => !(f.kind === 'restructuring' && f.restructuringId === excluded) && !(f.kind === 'waiver' && f.waiverId === excluded),
        ),
      }
    : state.facts;
  if (compareDates(asOf, facts.terms.disbursementDate) < 0) {
    return domainError('DATE_BEFORE_DISBURSEMENT', 'the business date is before the loan was disbursed', {
      asOf,
      disbursementDate: facts.terms.disbursementDate,
    });
  }
  const position = project(facts, asOf);
  const installments = position.installments
    .filter((i) => i.replacedBy === null && owedPrincipal(i) + owedInterest(i) > 0)
    .map((i) => ({ seq: i.seq, dueDate: i.dueDate, principal: owedPrincipal(i), interest: owedInterest(i), penalty: penaltyOwed(i) }));
  const restructured = facts.ledger.flatMap((f) => (f.kind === 'restructuring' && compareDates(f.effectiveDate, asOf) <= 0 ? [f.effectiveDate] : []));
  return {
    loanId,
    customerId: facts.terms.customerId,
    asOf,
    stage: position.stage,
    dpd: position.dpd,
    paidOff: position.paidOff,
    overdueAmount: position.overdueAmount,
    installments,
    lastRestructuredOn: restructured.reduce<BusinessDate | null>((a, b) => (a === null || compareDates(b, a) > 0 ? b : a), null),
  };
}

/**
 * For each installment (by loan seq), the earliest value date by which its principal and interest
 * were fully paid, counting payments valued up to `asOf` (reversed payments count as never made),
 * or null when it is not paid as of `asOf`.
 */
export function paidDates(facts: LoanFacts, seqs: readonly number[], asOf: BusinessDate): { seq: number; paidOn: BusinessDate | null }[] {
  const dates = [
    ...new Set(facts.ledger.flatMap((f) => (f.kind === 'payment' && f.reversal === null && compareDates(f.valueDate, asOf) <= 0 ? [f.valueDate] : []))),
  ].sort(compareDates);
  const settled = (position: ReturnType<typeof project>, seq: number) => {
    const line = position.installments.find((i) => i.seq === seq);
    return line !== undefined && line.replacedBy === null && owedPrincipal(line) + owedInterest(line) <= 0;
  };
  const found = new Map<number, BusinessDate>();
  for (const date of dates) {
    if (found.size === seqs.length) break;
    const position = project(facts, date);
    for (const seq of seqs) if (!found.has(seq) && settled(position, seq)) found.set(seq, date);
  }
  const now = project(facts, asOf);
  return seqs.map((seq) => ({ seq, paidOn: found.has(seq) && settled(now, seq) ? found.get(seq)! : null }));
}

/** Seqs the loans context gave the new installments of restructuring `restructuringId`, or null. */
export function restructuredSeqs(state: LoanState, restructuringId: string): number[] | null {
  if (state.status === 'Unregistered') return null;
  const fact = state.facts.ledger.find((f) => f.kind === 'restructuring' && f.restructuringId === restructuringId);
  return fact && fact.kind === 'restructuring' ? fact.newSchedule.map((i) => i.seq) : null;
}

/** Ids of the restructurings applied to the loan, latest first. */
export function restructuringIds(state: LoanState): string[] {
  if (state.status === 'Unregistered') return [];
  return state.facts.ledger.flatMap((f) => (f.kind === 'restructuring' ? [f.restructuringId] : [])).reverse();
}
