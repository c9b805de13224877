import { deciderSpec } from '#kernel/testing';
import { DEFAULT_ADJUSTMENT_LIMITS, caseDecider, toleranceFor, type CaseEvent, type PromiseToPayRecorded } from '../src/domain/index.js';
import { CASE, OPENED, attempt, history, openCase, resolved, run, types } from './fixtures.js';

const spec = deciderSpec(caseDecider);

/** A promise of 1,000.00 yuan due 2025-03-05, made on 2025-03-02 (grace 2 days, tolerance 1.00 yuan by default). */
const promise = (promiseId = 'p1', amount = 100_000, dueOn = '2025-03-05') =>
  attempt({ attemptId: `att-${promiseId}`, outcome: 'PROMISE_TO_PAY', promise: { promiseId, amount, dueOn } });
const pay = (reference: string, amount: number, valueDate: string, businessDate = valueDate) => ({
  type: 'RecordPayment' as const,
  data: { caseId: CASE, reference, amount, valueDate, businessDate },
});
const endOfDay = (businessDate: string) => ({ type: 'CloseCaseDay' as const, data: { caseId: CASE, businessDate, dpd: 1, nextDueDate: null } });

describe('promises to pay', () => {
  it('records a promise with the strategy’s grace and tolerance', () => {
    const { events, state } = history(openCase());
    const out = run(state, promise());
    expect(types(out)).toEqual(['ContactAttempted', 'PromiseToPayRecorded']);
    expect((out[1] as PromiseToPayRecorded).data).toEqual({
      caseId: CASE,
      promiseId: 'p1',
      attemptId: 'att-p1',
      amount: 100_000,
      dueOn: '2025-03-05',
      promisedOn: OPENED,
      graceDays: 2,
      toleranceFen: 100,
    });
    expect(events).toHaveLength(2);
  });

  it('takes the larger of the absolute and the relative tolerance', () => {
    expect(toleranceFor(100_000, { graceDays: 0, toleranceFen: 100, toleranceBps: 50 })).toBe(500);
    expect(toleranceFor(10_000, { graceDays: 0, toleranceFen: 100, toleranceBps: 50 })).toBe(100);
  });

  it('is kept as soon as the payments reach it, allowing the tolerance', () => {
    const { state } = history(openCase(), promise());
    expect(types(run(state, pay('pay-1', 99_900, '2025-03-04')))).toEqual(['PaymentRecorded', 'PromiseKept']);
    const partial = history(openCase(), promise(), pay('pay-1', 60_000, '2025-03-03'));
    expect(types(partial.events)).not.toContain('PromiseKept');
    const kept = run(partial.state, pay('pay-2', 40_000, '2025-03-04'));
    expect(kept[1]).toEqual({ type: 'PromiseKept', data: { caseId: CASE, promiseId: 'p1', amount: 100_000, paidAmount: 100_000, keptOn: '2025-03-04' } });
  });

  it('counts payments within the grace days, and is broken at the end of the last grace day, not before', () => {
    const { state } = history(openCase(), promise());
    expect(run(state, endOfDay('2025-03-05'))).toEqual([]);
    expect(run(state, endOfDay('2025-03-06'))).toEqual([]);
    expect(run(state, endOfDay('2025-03-07'))).toEqual([
      {
        type: 'PromiseBroken',
        data: { caseId: CASE, promiseId: 'p1', amount: 100_000, paidAmount: 0, shortfall: 100_000, dueOn: '2025-03-05', brokenOn: '2025-03-07' },
      },
    ]);
    const lateButInGrace = history(openCase(), promise(), pay('pay-1', 100_000, '2025-03-07'));
    expect(types(lateButInGrace.events)).toContain('PromiseKept');
  });

  it('is broken when the payment falls short by more than the tolerance', () => {
    const { state } = history(openCase(), promise(), pay('pay-1', 99_899, '2025-03-05'));
    const out = run(state, endOfDay('2025-03-07'));
    expect(out[0]).toMatchObject({ type: 'PromiseBroken', data: { paidAmount: 99_899, shortfall: 101 } });
  });

  it('does not count payments valued before the promise was made or after its grace days', () => {
    const early = history(openCase(), pay('pay-0', 100_000, '2025-03-01'), promise());
    expect(types(early.events)).not.toContain('PromiseKept');
    const late = history(openCase(), promise(), endOfDay('2025-03-07'), pay('pay-1', 100_000, '2025-03-08'));
    expect(types(late.events).filter((t) => t.startsWith('Promise'))).toEqual(['PromiseToPayRecorded', 'PromiseBroken']);
  });

  it('uses the grace and tolerance of the case’s strategy', () => {
    const strict = resolved(undefined, 'strict', 1, {
      promiseTerms: { graceDays: 0, toleranceFen: 0, toleranceBps: 0 },
      adjustmentLimits: DEFAULT_ADJUSTMENT_LIMITS,
    });
    const { state } = history(openCase({ strategy: strict }), promise(), pay('pay-1', 99_999, '2025-03-05'));
    expect(types(run(state, endOfDay('2025-03-05')))).toEqual(['PromiseBroken']);
  });

  it('a new promise supersedes an open one', () => {
    const { state } = history(openCase(), promise('p1'));
    const out = run(state, promise('p2', 50_000, '2025-03-10'));
    expect(types(out)).toEqual(['ContactAttempted', 'PromiseCancelled', 'PromiseToPayRecorded']);
    expect(out[1].data).toMatchObject({ promiseId: 'p1', reason: 'SUPERSEDED' });
  });

  it('refuses a promise dated in the past (of the customer’s day)', () => {
    const { events } = history(openCase());
    spec
      .given(events)
      .when(promise('p1', 100_000, '2025-03-01'))
      .thenError('PROMISE_DATE_IN_PAST');
  });

  it('on closing, kept promises are kept and the rest cancelled with the case', () => {
    const paid = history(openCase(), promise(), pay('pay-1', 50_000, '2025-03-03'));
    const close = { type: 'CloseCase' as const, data: { caseId: CASE, reason: 'CURED' as const, closedOn: '2025-03-03' } };
    const out = run(paid.state, close) as CaseEvent[];
    expect(types(out)).toEqual(['PromiseCancelled', 'CaseClosed']);
    expect(out[0].data).toMatchObject({ reason: 'CASE_CLOSED', paidAmount: 50_000 });
    const full = history(openCase(), promise(), pay('pay-1', 100_000, '2025-03-03'));
    expect(types(full.events)).toContain('PromiseKept');
    expect(types(run(full.state, close))).toEqual(['CaseClosed']);
  });

  it('records each payment reference once', () => {
    const { state } = history(openCase(), pay('pay-1', 10, '2025-03-03'));
    expect(run(state, pay('pay-1', 10, '2025-03-03'))).toEqual([]);
  });
});
