import { addMonths, compareDates, domainError, type BusinessDate, type DomainError, type Fen } from '#kernel';
import {
  AMORTISATION_METHODS,
  AMORTISATION_ROUNDINGS,
  DEFAULT_AMORTISATION_ROUNDING,
  LEGACY_AMORTISATION_ROUNDING,
  MAX_AMORTISATION_MONTHS,
  amortise,
  amortiseConstantPayment,
  spread,
  type AmortisationMethod,
  type AmortisationRounding,
} from './amortisation.js';
import type { RestructuringType, Stage } from './policy.js';

/**
 * What a restructuring does to a loan's schedule, pure. The loans context replaces every
 * installment with principal or interest still owed on the effective date by a new schedule whose
 * principal sums to exactly the principal still owed; interest and penalty owed on the replaced
 * installments are superseded. So every plan here covers the whole outstanding principal, and
 * carries the arrears (overdue interest, penalty) it does not forgive as `carried` amounts.
 */

/** One installment the loans context would replace: what is still owed on it. */
export interface OwedInstallment {
  readonly seq: number;
  readonly dueDate: BusinessDate;
  readonly principal: Fen;
  readonly interest: Fen;
  readonly penalty: Fen;
}

/** The facts about a loan that a restructuring decision uses, taken from the loans context. */
export interface LoanSnapshot {
  readonly loanId: string;
  readonly customerId: string;
  /** The business date the facts are as of. */
  readonly asOf: BusinessDate;
  readonly stage: Stage;
  readonly dpd: number;
  readonly paidOff: boolean;
  /** Principal + interest + penalty past due. */
  readonly overdueAmount: Fen;
  /** The installments a restructuring on `asOf` would replace, oldest first. */
  readonly installments: readonly OwedInstallment[];
  /** Effective date of the latest restructuring already applied to the loan, if any. */
  readonly lastRestructuredOn: BusinessDate | null;
}

type DeferralTerms = { readonly type: 'DEFERRAL'; readonly deferMonths: number };
export type InstallmentPlanTerms = {
  readonly type: 'INSTALLMENT_PLAN';
  readonly method: AmortisationMethod;
  readonly tenorMonths: number;
  readonly annualRateBps: number;
  /**
   * Equal installments only: CONSTANT_PAYMENT (the default when absent) or CUMULATIVE_FLOOR. A new
   * request records the convention chosen (`withRounding`); a request recorded without one used
   * CUMULATIVE_FLOOR and is read so (`recordedTerms`).
   */
  readonly rounding?: AmortisationRounding;
};
type FeeWaiverTerms = { readonly type: 'FEE_WAIVER'; readonly waiverAmount: Fen };
export type RestructuringTerms = DeferralTerms | InstallmentPlanTerms | FeeWaiverTerms;

export interface PlanInstallment {
  /** 1-based number in the plan. */
  readonly n: number;
  readonly dueDate: BusinessDate;
  readonly principal: Fen;
  readonly interest: Fen;
  /** Arrears carried into the plan (overdue interest, penalty not waived). */
  readonly carried: Fen;
}

export interface Plan {
  /** The effective date the schedule is laid out from. */
  readonly startsOn: BusinessDate;
  /** Principal the plan restructures: everything still owed on the replaced installments. */
  readonly restructuredPrincipal: Fen;
  readonly carriedCharges: Fen;
  readonly waivedPenalty: Fen;
  readonly installments: readonly PlanInstallment[];
  /** The largest principal + interest + carried of one installment. */
  readonly largestInstallment: Fen;
  readonly totalDue: Fen;
}

export const amountDue = (i: PlanInstallment): Fen => i.principal + i.interest + i.carried;

/** The terms with the rounding convention of an equal-installment plan named: the default when absent. */
export function withRounding<T extends RestructuringTerms>(terms: T): T {
  return fillRounding(terms, DEFAULT_AMORTISATION_ROUNDING);
}

/**
 * Terms as recorded on a request's event, read for folding: an equal-installment plan recorded
 * without a rounding (before it was recorded) was laid out by CUMULATIVE_FLOOR, and still is, so
 * replaying old requests lays out the plans they had.
 */
export function recordedTerms<T extends RestructuringTerms>(terms: T): T {
  return fillRounding(terms, LEGACY_AMORTISATION_ROUNDING);
}

function fillRounding<T extends RestructuringTerms>(terms: T, rounding: AmortisationRounding): T {
  if (terms.type !== 'INSTALLMENT_PLAN' || terms.method !== 'EQUAL_INSTALLMENT' || terms.rounding !== undefined) return terms;
  return { ...terms, rounding };
}

const isCount = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;

/** Shape checks of terms that hold whatever the policy (the policy's limits are assessed later). */
export function termsProblem(terms: RestructuringTerms): DomainError | null {
  switch (terms.type) {
    case 'DEFERRAL':
      return isCount(terms.deferMonths, 1, 120)
        ? null
        : domainError('INVALID_TERMS', 'deferMonths must be a whole number of months, 1 to 120', { deferMonths: terms.deferMonths });
    case 'INSTALLMENT_PLAN':
      if (!AMORTISATION_METHODS.includes(terms.method))
        return domainError('INVALID_TERMS', `method must be one of ${AMORTISATION_METHODS.join(', ')}`, { method: terms.method });
      if (!isCount(terms.tenorMonths, 1, MAX_AMORTISATION_MONTHS))
        return domainError('INVALID_TERMS', 'tenorMonths must be a whole number of months', { tenorMonths: terms.tenorMonths });
      if (!isCount(terms.annualRateBps, 0, 10_000))
        return domainError('INVALID_TERMS', 'annualRateBps must be whole basis points, 0 to 10000', { annualRateBps: terms.annualRateBps });
      if (terms.rounding !== undefined && !AMORTISATION_ROUNDINGS.includes(terms.rounding)) {
        return domainError('INVALID_TERMS', `rounding must be one of ${AMORTISATION_ROUNDINGS.join(', ')}`, { rounding: terms.rounding });
      }
      if (terms.rounding === 'CONSTANT_PAYMENT' && terms.method !== 'EQUAL_INSTALLMENT') {
        return domainError('INVALID_TERMS', 'a constant payment applies to equal installments (等额本息) only', { method: terms.method });
      }
      return null;
    case 'FEE_WAIVER':
      return isCount(terms.waiverAmount, 1, Number.MAX_SAFE_INTEGER)
        ? null
        : domainError('INVALID_TERMS', 'waiverAmount must be a positive whole number of fen', { waiverAmount: terms.waiverAmount });
    default: {
      const unknown: never = terms;
      return domainError('INVALID_TERMS', `unknown restructuring type ${JSON.stringify((unknown as { type?: unknown }).type)}`);
    }
  }
}

const sum = (values: readonly Fen[]): Fen => values.reduce((s, v) => s + v, 0);

function finish(startsOn: BusinessDate, restructuredPrincipal: Fen, waivedPenalty: Fen, installments: PlanInstallment[]): Plan {
  return {
    startsOn,
    restructuredPrincipal,
    carriedCharges: sum(installments.map((i) => i.carried)),
    waivedPenalty,
    installments,
    largestInstallment: installments.reduce((m, i) => Math.max(m, amountDue(i)), 0),
    totalDue: sum(installments.map(amountDue)),
  };
}

/**
 * The new schedule a restructuring lays out on the loan as of `loan.asOf` (its effective date):
 * - DEFERRAL: every owed installment keeps its principal and interest; the first falls due
 *   `deferMonths` months after the next regular due date (or after the effective date when that is
 *   already past), the others monthly after it. Penalty owed is carried, spread over the plan.
 * - INSTALLMENT_PLAN: the outstanding principal is amortised over `tenorMonths` months at
 *   `annualRateBps`, equal installments (by `terms.rounding`, CONSTANT_PAYMENT when absent) or
 *   equal principal, due monthly from the effective date;
 *   interest owed on installments already due and penalty owed are carried, spread over the plan.
 * - FEE_WAIVER: `waiverAmount` of the penalty owed is waived and nothing else changes: no
 *   installment is replaced or moved (the plan has none), so the loan stays as far past due as the
 *   principal and interest it still owes (Loans' `PenaltyWaived`). A waiver is not a cure.
 *
 * `settlementDays` (the policy's `feeWaiverSettlementDays`) is no longer used: a waiver used to lay
 * the arrears out again on a settlement date, which reset days past due without any payment.
 */
export function buildPlan(terms: RestructuringTerms, loan: LoanSnapshot, _settlementDays: number): Plan | DomainError {
  const bad = termsProblem(terms);
  if (bad) return bad;
  const owed = loan.installments;
  if (loan.paidOff || owed.length === 0) {
    return domainError('NOTHING_TO_RESTRUCTURE', 'the loan has no principal or interest left to restructure', { loanId: loan.loanId });
  }
  const asOf = loan.asOf;
  const principal = sum(owed.map((i) => i.principal));
  const penalty = sum(owed.map((i) => i.penalty));
  switch (terms.type) {
    case 'DEFERRAL': {
      const anchor = compareDates(owed[0].dueDate, asOf) > 0 ? owed[0].dueDate : asOf;
      const carried = spread(penalty, owed.length);
      return finish(
        asOf,
        principal,
        0,
        owed.map((i, j) => ({
          n: j + 1,
          dueDate: addMonths(anchor, terms.deferMonths + j),
          principal: i.principal,
          interest: i.interest,
          carried: carried[j],
        })),
      );
    }
    case 'INSTALLMENT_PLAN': {
      const overdueInterest = sum(owed.filter((i) => compareDates(i.dueDate, asOf) <= 0).map((i) => i.interest));
      const carried = spread(overdueInterest + penalty, terms.tenorMonths);
      const parts =
        terms.method === 'EQUAL_INSTALLMENT' && (terms.rounding ?? DEFAULT_AMORTISATION_ROUNDING) === 'CONSTANT_PAYMENT'
          ? amortiseConstantPayment(principal, terms.annualRateBps, terms.tenorMonths)
          : amortise(terms.method, principal, terms.annualRateBps, terms.tenorMonths);
      return finish(
        asOf,
        principal,
        0,
        parts.map((p, k) => ({ n: p.n, dueDate: addMonths(asOf, p.n), principal: p.principal, interest: p.interest, carried: carried[k] })),
      );
    }
    case 'FEE_WAIVER': {
      if (terms.waiverAmount > penalty) {
        return domainError('WAIVER_EXCEEDS_PENALTY', 'the waiver is larger than the penalty owed on the loan', {
          waiverAmount: terms.waiverAmount,
          penaltyOwed: penalty,
        });
      }
      return finish(asOf, principal, terms.waiverAmount, []);
    }
  }
}

/** The amount the approval threshold compares: the waiver for a fee waiver, else the principal. */
export function approvalAmount(type: RestructuringType, plan: Plan): Fen {
  return type === 'FEE_WAIVER' ? plan.waivedPenalty : plan.restructuredPrincipal;
}
