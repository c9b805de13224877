import { addDays, compareDates, mulRatio, type BusinessDate, type Fen } from '#kernel';
import type { CaseFile, PromiseState } from './case/events.js';
import { DEFAULT_PROMISE_TERMS, type PromiseTerms } from './model.js';

/**
 * Promises to pay. A promise counts the payments valued from the day it was made up to its date
 * plus the grace days; it is kept once they reach the amount less the tolerance, and broken at the
 * end of its last grace day if they have not. Nothing paid never keeps a promise, whatever the
 * tolerance (a 50-fen promise under a 100-fen tolerance is not kept by nothing).
 */

export function toleranceFor(amount: Fen, terms: PromiseTerms): Fen {
  return Math.max(terms.toleranceFen, mulRatio(amount, terms.toleranceBps, 10_000));
}

export function promiseDeadline(p: Pick<PromiseState, 'dueOn' | 'graceDays'>): BusinessDate {
  return addDays(p.dueOn, p.graceDays);
}

export function paidTowards(p: PromiseState, payments: CaseFile['payments']): Fen {
  const deadline = promiseDeadline(p);
  return payments.filter((x) => compareDates(x.valueDate, p.promisedOn) >= 0 && compareDates(x.valueDate, deadline) <= 0).reduce((sum, x) => sum + x.amount, 0);
}

/** Whether a sum paid towards a promise keeps it: something was paid, and no more than the tolerance is missing. */
export function keeps(p: Pick<PromiseState, 'amount' | 'toleranceFen'>, paid: Fen): boolean {
  return paid > 0 && paid >= p.amount - p.toleranceFen;
}

export function isKept(p: PromiseState, payments: CaseFile['payments']): boolean {
  return keeps(p, paidTowards(p, payments));
}

/**
 * The smallest promise a case accepts: the lower of the strategy's floor (standing for one
 * installment) and its share of the overdue amount; never below 1 fen. Absent terms (strategies
 * proposed before these existed) use the defaults.
 */
export function minimumPromise(overdueAmount: Fen, terms: PromiseTerms): Fen {
  const share = mulRatio(overdueAmount, terms.minOverdueBps ?? DEFAULT_PROMISE_TERMS.minOverdueBps!, 10_000);
  const floor = terms.minAmountFen ?? null;
  return Math.max(1, floor === null ? share : Math.min(floor, share));
}

export function maxHorizonDays(terms: PromiseTerms): number {
  return terms.maxHorizonDays ?? DEFAULT_PROMISE_TERMS.maxHorizonDays!;
}

export type PromiseVerdict =
  | { readonly promise: PromiseState; readonly verdict: 'KEPT'; readonly paid: Fen }
  | { readonly promise: PromiseState; readonly verdict: 'BROKEN'; readonly paid: Fen }
  | { readonly promise: PromiseState; readonly verdict: 'CANCELLED'; readonly paid: Fen };

/**
 * The open promises' verdicts on a business date:
 * - `payment`: only promises the payments now keep;
 * - `endOfDay`: kept ones, and broken ones whose last grace day is this date or earlier;
 * - `close`: kept ones, the rest cancelled with the case.
 */
export function judgePromises(
  file: Pick<CaseFile, 'promises' | 'payments'>,
  businessDate: BusinessDate,
  mode: 'payment' | 'endOfDay' | 'close',
): PromiseVerdict[] {
  const out: PromiseVerdict[] = [];
  for (const p of Object.values(file.promises)) {
    if (p.status !== 'OPEN') continue;
    const paid = paidTowards(p, file.payments);
    if (keeps(p, paid)) out.push({ promise: p, verdict: 'KEPT', paid });
    else if (mode === 'endOfDay' && compareDates(promiseDeadline(p), businessDate) <= 0) out.push({ promise: p, verdict: 'BROKEN', paid });
    else if (mode === 'close') out.push({ promise: p, verdict: 'CANCELLED', paid });
  }
  return out;
}
