import { caseDecider, type CaseEvent } from '../src/domain/index.js';
import { CASE, OPENED, attempt, history, openCase, run, types } from './fixtures.js';

/**
 * Corrections from Loans re-judged on a case: a reversed payment takes back the promises it kept
 * (PromiseReopened), a restated history takes back a cure (CaseCureUndone). The case opens on
 * 2025-03-02; a promise of 1,000.00 yuan due 2025-03-05 has 2 grace days (last one 03-07) and a
 * tolerance of 1.00 yuan.
 */
const promise = (promiseId = 'p1', amount = 100_000, dueOn = '2025-03-05') =>
  attempt({ attemptId: `att-${promiseId}`, outcome: 'PROMISE_TO_PAY', promise: { promiseId, amount, dueOn } });
const pay = (reference: string, amount: number, valueDate: string, businessDate = valueDate) => ({
  type: 'RecordPayment' as const,
  data: { caseId: CASE, reference, amount, valueDate, businessDate },
});
const cause = { eventId: 'loan-event-1', type: 'PaymentReversed', ref: 'pay-1' };
const reverse = (reference: string, businessDate: string) => ({ type: 'ReverseCasePayment' as const, data: { caseId: CASE, reference, businessDate, cause } });
const endOfDay = (businessDate: string) => ({ type: 'CloseCaseDay' as const, data: { caseId: CASE, businessDate, dpd: 1, nextDueDate: null } });
const close = (closedOn: string) => ({ type: 'CloseCase' as const, data: { caseId: CASE, reason: 'CURED' as const, closedOn } });
const undoCure = (episodes: Array<{ start: string; end: string | null }>, businessDate: string) => ({
  type: 'UndoCure' as const,
  data: { caseId: CASE, episodes, businessDate, cause: { eventId: 'restated-1', type: 'PaymentReversed', ref: 'pay-1' } },
});
const fold = (events: readonly CaseEvent[]) => events.reduce(caseDecider.evolve, caseDecider.initialState());

describe('a reversed payment on a case', () => {
  it('reopens the promise it kept, naming the reversal; the end of day judges it again', () => {
    const { events, state } = history(openCase(), promise(), pay('pay-1', 100_000, '2025-03-04'));
    expect(types(events)).toContain('PromiseKept');
    const out = run(state, reverse('pay-1', '2025-03-06'));
    expect(out).toEqual([
      { type: 'CasePaymentReversed', data: { caseId: CASE, reference: 'pay-1', amount: 100_000, valueDate: '2025-03-04', reversedOn: '2025-03-06', cause } },
      {
        type: 'PromiseReopened',
        data: { caseId: CASE, promiseId: 'p1', amount: 100_000, dueOn: '2025-03-05', paidAmount: 0, reopenedOn: '2025-03-06', cause },
      },
    ]);
    const after = fold([...events, ...out]);
    // Still inside the grace days on 03-06: a new payment can keep it; past them it is broken.
    expect(types(run(after, pay('pay-2', 100_000, '2025-03-06')))).toEqual(['PaymentRecorded', 'PromiseKept']);
    expect(types(run(after, endOfDay('2025-03-07')))).toEqual(['PromiseBroken']);
  });

  it('leaves alone a promise the other payments still keep, and one the payment did not count towards', () => {
    const both = history(openCase(), promise(), pay('pay-1', 100_000, '2025-03-03'), pay('pay-2', 100_000, '2025-03-04'));
    expect(types(run(both.state, reverse('pay-1', '2025-03-06')))).toEqual(['CasePaymentReversed']);
    // Valued before the promise was made: it never counted towards it.
    const before = history(openCase(), pay('pay-0', 50_000, '2025-03-01', OPENED), promise('p1', 100_000), pay('pay-1', 100_000, '2025-03-04'));
    expect(types(run(before.state, reverse('pay-0', '2025-03-06')))).toEqual(['CasePaymentReversed']);
  });

  it('on a closed case, judges the reopened promise at once: broken after its last grace day, else cancelled', () => {
    const kept = history(openCase(), promise(), pay('pay-1', 100_000, '2025-03-04'), close('2025-03-04'));
    expect(types(run(kept.state, reverse('pay-1', '2025-03-09')))).toEqual(['CasePaymentReversed', 'PromiseReopened', 'PromiseBroken']);
    expect(types(run(kept.state, reverse('pay-1', '2025-03-06')))).toEqual(['CasePaymentReversed', 'PromiseReopened', 'PromiseCancelled']);
  });

  it('a payment the case never recorded, or one reversed already, changes nothing', () => {
    const { state, events } = history(openCase(), promise(), pay('pay-1', 100_000, '2025-03-04'));
    expect(run(state, reverse('pay-9', '2025-03-06'))).toEqual([]);
    const once = fold([...events, ...run(state, reverse('pay-1', '2025-03-06'))]);
    expect(run(once, reverse('pay-1', '2025-03-06'))).toEqual([]);
  });
});

describe('a restated history on a case closed as cured', () => {
  const cured = history(openCase(), close('2025-03-10'));

  it('undoes the cure when the corrected episode runs past the close', () => {
    expect(run(cured.state, undoCure([{ start: '2025-03-02', end: null }], '2025-03-12'))).toEqual([
      {
        type: 'CaseCureUndone',
        data: {
          caseId: CASE,
          curedOn: '2025-03-10',
          correctedCureOn: null,
          undoneOn: '2025-03-12',
          cause: { eventId: 'restated-1', type: 'PaymentReversed', ref: 'pay-1' },
        },
      },
    ]);
    expect(types(run(cured.state, undoCure([{ start: '2025-03-02', end: '2025-03-11' }], '2025-03-12')))).toEqual(['CaseCureUndone']);
  });

  it('keeps a cure the corrected history confirms (an earlier cure is still a cure), and undoes one only once', () => {
    expect(run(cured.state, undoCure([{ start: '2025-03-02', end: '2025-03-08' }], '2025-03-12'))).toEqual([]);
    expect(run(cured.state, undoCure([], '2025-03-12'))).toEqual([]);
    const undone = fold([...cured.events, ...run(cured.state, undoCure([{ start: '2025-03-02', end: null }], '2025-03-12'))]);
    expect(run(undone, undoCure([{ start: '2025-03-02', end: null }], '2025-03-13'))).toEqual([]);
  });

  it('changes nothing on an open case or one closed for another reason', () => {
    const open = history(openCase());
    expect(run(open.state, undoCure([{ start: '2025-03-02', end: null }], '2025-03-12'))).toEqual([]);
    const restructured = history(openCase(), { type: 'CloseCase', data: { caseId: CASE, reason: 'RESTRUCTURED', closedOn: '2025-03-10' } });
    expect(run(restructured.state, undoCure([{ start: '2025-03-02', end: null }], '2025-03-12'))).toEqual([]);
  });
});
