import { compareDates, domainError, type BusinessDate, type DomainError, type DomainEvent, type Fen } from '#kernel';
import type { CaseEvent, CaseFile, CaseState, ClosedCase, OpenCase } from './case/events.js';
import type { Command } from './model.js';
import { isKept, paidTowards, promiseDeadline } from './promises.js';

/**
 * Corrections from Loans re-judged on a case: a payment reversed (bounced, charged back) takes
 * back what it paid towards promises, and a restated delinquency history can show that a cure the
 * case was closed on never happened. Each re-judgement is an event of its own naming what caused
 * it, so the first verdict stays on the stream beside the corrected one.
 */

/** The Loans correction a re-judgement rests on. */
export interface CorrectionCause {
  /** The Loans event: the PaymentReversed, or the DelinquencyRestated. */
  readonly eventId: string;
  readonly type: string;
  /** The payment's reference, the restructuring's or the hold's id. */
  readonly ref: string;
}

/** A payment the case had recorded was reversed by Loans. */
type CasePaymentReversed = DomainEvent<
  'CasePaymentReversed',
  {
    readonly caseId: string;
    readonly reference: string;
    readonly amount: Fen;
    readonly valueDate: BusinessDate;
    readonly reversedOn: BusinessDate;
    readonly cause: CorrectionCause;
  }
>;

/** A promise judged kept rested on the reversed payment: it is open again (and judged again). */
type PromiseReopened = DomainEvent<
  'PromiseReopened',
  {
    readonly caseId: string;
    readonly promiseId: string;
    readonly amount: Fen;
    readonly dueOn: BusinessDate;
    /** What the remaining payments pay towards it. */
    readonly paidAmount: Fen;
    readonly reopenedOn: BusinessDate;
    readonly cause: CorrectionCause;
  }
>;

/** The case was closed as cured, and the corrected history shows the loan was still past due then. */
type CaseCureUndone = DomainEvent<
  'CaseCureUndone',
  {
    readonly caseId: string;
    /** The day the case was closed as cured. */
    readonly curedOn: BusinessDate;
    /** When the corrected history says the delinquency ended (null: it has not). */
    readonly correctedCureOn: BusinessDate | null;
    readonly undoneOn: BusinessDate;
    readonly cause: CorrectionCause;
  }
>;

export type CorrectionEvent = CasePaymentReversed | PromiseReopened | CaseCureUndone;
export const CORRECTION_EVENT_TYPES = ['CasePaymentReversed', 'PromiseReopened', 'CaseCureUndone'] as const satisfies readonly CorrectionEvent['type'][];

export type ReverseCasePayment = Command<
  'ReverseCasePayment',
  { readonly caseId: string; readonly reference: string; readonly businessDate: BusinessDate; readonly cause: CorrectionCause }
>;

/** One episode of the corrected history (as Loans restates it). */
export interface CorrectedEpisode {
  readonly start: BusinessDate;
  readonly end: BusinessDate | null;
}

export type UndoCure = Command<
  'UndoCure',
  { readonly caseId: string; readonly episodes: readonly CorrectedEpisode[]; readonly businessDate: BusinessDate; readonly cause: CorrectionCause }
>;

export type CorrectionCommand = ReverseCasePayment | UndoCure;

/** The case file as the correction events change it. */
export function evolveCorrection<S extends OpenCase | ClosedCase>(state: S, event: CorrectionEvent): S {
  switch (event.type) {
    case 'CasePaymentReversed':
      return { ...state, payments: state.payments.filter((p) => p.reference !== event.data.reference) };
    case 'PromiseReopened': {
      const p = state.promises[event.data.promiseId];
      return p ? { ...state, promises: { ...state.promises, [p.promiseId]: { ...p, status: 'OPEN' } } } : state;
    }
    case 'CaseCureUndone':
      return { ...state, cureUndone: { curedOn: event.data.curedOn, undoneOn: event.data.undoneOn } };
    default:
      return state;
  }
}

function known(state: CaseState, caseId: string): OpenCase | ClosedCase | DomainError {
  if (state.status === 'none') return domainError('CASE_NOT_FOUND', `no collection case ${caseId}`, { caseId }, 'not_found');
  return state;
}

/**
 * The reversed payment leaves the file; every promise it helped keep that the remaining payments
 * do not keep is reopened. On an open case the end of day judges it again (broken once its last
 * grace day has passed); a closed case is judged at once as its close judged it: broken if the
 * last grace day has passed, else cancelled with the case.
 */
export function decideReverseCasePayment(command: ReverseCasePayment, state: CaseState): readonly CaseEvent[] | DomainError {
  const d = command.data;
  const c = known(state, d.caseId);
  if ('kind' in c) return c;
  const payment = c.payments.find((p) => p.reference === d.reference);
  if (!payment) return [];
  const remaining: CaseFile['payments'] = c.payments.filter((p) => p.reference !== d.reference);
  const events: CaseEvent[] = [
    {
      type: 'CasePaymentReversed',
      data: { caseId: d.caseId, reference: d.reference, amount: payment.amount, valueDate: payment.valueDate, reversedOn: d.businessDate, cause: d.cause },
    },
  ];
  for (const p of Object.values(c.promises)) {
    if (p.status !== 'KEPT' || isKept(p, remaining)) continue;
    // Only a promise the reversed payment counted towards rested on it.
    if (paidTowards(p, [payment]) === 0) continue;
    const paid = paidTowards(p, remaining);
    events.push({
      type: 'PromiseReopened',
      data: { caseId: d.caseId, promiseId: p.promiseId, amount: p.amount, dueOn: p.dueOn, paidAmount: paid, reopenedOn: d.businessDate, cause: d.cause },
    });
    if (c.status === 'closed') {
      events.push(
        compareDates(promiseDeadline(p), d.businessDate) <= 0
          ? {
              type: 'PromiseBroken',
              data: {
                caseId: d.caseId,
                promiseId: p.promiseId,
                amount: p.amount,
                paidAmount: paid,
                shortfall: p.amount - paid,
                dueOn: p.dueOn,
                brokenOn: d.businessDate,
              },
            }
          : { type: 'PromiseCancelled', data: { caseId: d.caseId, promiseId: p.promiseId, reason: 'CASE_CLOSED', paidAmount: paid } },
      );
    }
  }
  return events;
}

/**
 * A case closed as cured whose loan, on the corrected history, was past due at the close (an
 * episode that began on or before the close and ended after it, or has not ended) was not cured:
 * the case says so. It stays closed: the delinquency that goes on is worked on the case Loans'
 * new delinquency report opens, under the contact rules like any other.
 */
export function decideUndoCure(command: UndoCure, state: CaseState): readonly CaseEvent[] | DomainError {
  const d = command.data;
  const c = known(state, d.caseId);
  if ('kind' in c) return c;
  if (c.status !== 'closed' || c.closeReason !== 'CURED' || c.cureUndone) return [];
  const running = d.episodes.find((e) => compareDates(e.start, c.closedOn) <= 0 && (e.end === null || compareDates(e.end, c.closedOn) > 0));
  if (!running) return [];
  return [{ type: 'CaseCureUndone', data: { caseId: d.caseId, curedOn: c.closedOn, correctedCureOn: running.end, undoneOn: d.businessDate, cause: d.cause } }];
}
