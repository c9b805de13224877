import { addDays, compareDates, mulRatio, type BusinessDate, type Fen } from '#kernel';
import type { CaseFile, PromiseState } from './case.events.js';
import type { PromiseTerms } from './model.js';

/**
 * Promises to pay. A promise counts the payments valued from the day it was made up to its date
 * plus the grace days; it is kept once they reach the amount less the tolerance, and broken at the
 * end of its last grace day if they have not.
 */

export function toleranceFor(amount: Fen, terms: PromiseTerms): Fen {
  return Math.max(terms.toleranceFen, mulRatio(amount, terms.toleranceBps, 10_000));
}

export function promiseDeadline(p: Pick<PromiseState, 'dueOn' | 'graceDays'>): BusinessDate {
  return addDays(p.dueOn, p.graceDays);
}

export function paidTowards(p: PromiseState, payments: CaseFile['payments']): Fen {
  const deadline = promiseDeadline(p);
  return payments
    .filter((x) => compareDates(x.valueDate, p.promisedOn) >= 0 && compareDates(x.valueDate, deadline) <= 0)
    .reduce((sum, x) => sum + x.amount, 0);
}

export function isKept(p: PromiseState, payments: CaseFile['payments']): boolean {
  return paidTowards(p, payments) >= p.amount - p.toleranceFen;
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
export function judgePromises(file: Pick<CaseFile, 'promises' | 'payments'>, businessDate: BusinessDate, mode: 'payment' | 'endOfDay' | 'close'): PromiseVerdict[] {
  const out: PromiseVerdict[] = [];
  for (const p of Object.values(file.promises)) {
    if (p.status !== 'OPEN') continue;
    const paid = paidTowards(p, file.payments);
    if (paid >= p.amount - p.toleranceFen) out.push({ promise: p, verdict: 'KEPT', paid });
    else if (mode === 'endOfDay' && compareDates(promiseDeadline(p), businessDate) <= 0) out.push({ promise: p, verdict: 'BROKEN', paid });
    else if (mode === 'close') out.push({ promise: p, verdict: 'CANCELLED', paid });
  }
  return out;
}
