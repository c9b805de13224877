import { deciderSpec } from '#kernel/testing';
import { isDomainError } from '#kernel';
import { loanDecider, type LoanCommand, type LoanEvent, type LoanState } from '#loans';
import { customerDecider, type CustomerEvent, type CustomerGraded } from '../src/domain/customer.js';
import { foldLoanEvent, type LoanRecord } from '../src/domain/loan-facts.js';
import { factorValues } from '../src/domain/scorecard.js';
import { POLICY, registered, state, trigger } from './fixtures.js';

/**
 * Corrections reach Grading: the loan's events come from Loans' own decider (its published
 * contract), are folded as the regrader folds them, and the customer is regraded on the result.
 * The loan of the fixtures falls due 2025-02-15 (103,000 fen); unpaid, it is past due from 02-16.
 */
const L = 'L1';
const close = (businessDate: string): LoanCommand => ({ type: 'CloseBusinessDay', data: { loanId: L, businessDate } });
const pay = (reference: string, amount: number, valueDate: string, businessDate = valueDate): LoanCommand => ({
  type: 'PostPayment',
  data: { loanId: L, reference, amount, valueDate, businessDate },
});
const reverse = (reference: string, businessDate: string): LoanCommand => ({
  type: 'ReversePayment',
  data: { loanId: L, reference, reason: 'insufficient funds', businessDate },
});

/** The events Loans records for the commands, after its registration. */
function loanEvents(...commands: LoanCommand[]): LoanEvent[] {
  const events: LoanEvent[] = [registered()];
  let s: LoanState = loanDecider.evolve(loanDecider.initialState(), events[0]);
  for (const c of commands) {
    const result = loanDecider.decide(c, s);
    if (isDomainError(result)) throw new Error(`${c.type}: ${result.code}`);
    for (const e of result) {
      events.push(e);
      s = loanDecider.evolve(s, e);
    }
  }
  return events;
}

const fold = (events: readonly LoanEvent[]): LoanRecord => events.reduce<LoanRecord | undefined>((r, e) => foldLoanEvent(r, L, e), undefined)!;
const withoutRestatements = (events: readonly LoanEvent[]) => events.filter((e) => e.type !== 'DelinquencyRestated');
const spec = deciderSpec(customerDecider);

describe('Grading applies Loans restatements', () => {
  it('a backdated payment that was on time leaves no phantom episode, and the regrade names the correction', () => {
    // Ten days reported past due, then the payment turns out to be valued on the due date.
    const events = loanEvents(close('2025-02-16'), close('2025-02-25'), pay('p1', 103_000, '2025-02-15', '2025-02-26'));
    expect(events.at(-1)!.type).toBe('DelinquencyRestated');
    const asOf = '2025-02-26';

    const firstFigures = factorValues(state().facts, [fold(withoutRestatements(events))], asOf);
    expect(firstFigures).toMatchObject({ worstDpd12m: 10, delinquentEpisodes12m: 1, partialPaymentRatioBps: 0 });

    const corrected = fold(events);
    expect(corrected.episodes).toEqual([]);
    expect(corrected.overduePayments).toEqual([]);
    expect(factorValues(state().facts, [corrected], asOf)).toMatchObject({
      worstDpd12m: 0,
      delinquentEpisodes12m: 0,
      partialPaymentRatioBps: null,
      currentDpd: 0,
    });

    // The corrected grade is the grade of the history in which the payment arrived on time.
    const onTime = fold(loanEvents(pay('p1', 103_000, '2025-02-15'), close('2025-02-26')));
    const gradeOn = (loan: LoanRecord, extra = {}) =>
      spec.given([]).when({ type: 'Regrade', customerId: 'C1', asOf, policy: POLICY, loans: [loan], trigger: trigger('DelinquencyRestated'), ...extra })
        .result as CustomerGraded[];
    const restatement = {
      eventId: 'restated-1',
      loanId: L,
      correction: { type: 'PaymentReceived', ref: 'p1', effectiveFrom: '2025-02-15', recordedOn: '2025-02-26' },
    };
    const [regraded] = gradeOn(corrected, { restatement });
    const [phantom] = gradeOn(fold(withoutRestatements(events)));
    expect(regraded.data.score).toBe(gradeOn(onTime)[0].data.score);
    expect(regraded.data.score!).toBeGreaterThan(phantom.data.score!);
    expect(regraded.data.restatement).toEqual(restatement);
    expect(phantom.data.restatement).toBeUndefined();
  });

  it('after a reversal one continuous delinquency is one episode, and the reversed payment no longer counts', () => {
    // Cured by p1 valued 02-20, reversed on 02-25: unpaid since 02-16 throughout.
    const events = loanEvents(close('2025-02-16'), pay('p1', 103_000, '2025-02-20'), close('2025-02-24'), reverse('p1', '2025-02-25'));
    const corrected = fold(events);
    expect(corrected.episodes).toEqual([{ start: '2025-02-16', end: null, maxDpd: 10 }]);
    expect(corrected.overduePayments).toEqual([]);
    expect(factorValues(state().facts, [corrected], '2025-02-25')).toMatchObject({
      worstDpd12m: 10,
      delinquentEpisodes12m: 1,
      partialPaymentRatioBps: null,
      currentDpd: 10,
    });
  });

  it('a payment reversed on the day it was valued continues the episode its cure closed', () => {
    // No restatement needed for this fold: LoanBecameDelinquent says it is past due since 02-16.
    const events = withoutRestatements(loanEvents(close('2025-02-19'), pay('p1', 103_000, '2025-02-20'), reverse('p1', '2025-02-20')));
    expect(fold(events).episodes).toEqual([{ start: '2025-02-16', end: null, maxDpd: 5 }]);
  });
});

describe('a promise reopened by Collection', () => {
  const kept = { type: 'PromiseOutcomeRecorded' as const, data: { customerId: 'C1', promiseId: 'ptp-1', outcome: 'kept' as const, on: '2025-02-20' } };
  const withdraw = { type: 'WithdrawPromiseOutcome' as const, customerId: 'C1', promiseId: 'ptp-1', on: '2025-02-25', causeEventId: 'reopened-1' };

  it('withdraws the outcome recorded first, so the next verdict takes its place', () => {
    spec
      .given([kept])
      .when(withdraw)
      .then([
        { type: 'PromiseOutcomeWithdrawn', data: { customerId: 'C1', promiseId: 'ptp-1', withdrawn: 'kept', on: '2025-02-25', causeEventId: 'reopened-1' } },
      ]);
    const withdrawn = spec.given([kept]).when(withdraw).result as CustomerEvent[];
    spec
      .given([kept, ...withdrawn])
      .when({ type: 'RecordPromiseOutcome', customerId: 'C1', promiseId: 'ptp-1', outcome: 'broken', on: '2025-02-25' })
      .then([{ type: 'PromiseOutcomeRecorded', data: { customerId: 'C1', promiseId: 'ptp-1', outcome: 'broken', on: '2025-02-25' } }]);
    // Without the withdrawal the broken verdict conflicts with the kept one.
    spec
      .given([kept])
      .when({ type: 'RecordPromiseOutcome', customerId: 'C1', promiseId: 'ptp-1', outcome: 'broken', on: '2025-02-25' })
      .thenError('PROMISE_OUTCOME_CONFLICT');
  });

  it('a promise with no recorded outcome has nothing to withdraw', () => {
    spec.given([]).when(withdraw).then([]);
  });
});
