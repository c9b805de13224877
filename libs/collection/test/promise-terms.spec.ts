import { isDomainError } from '#kernel';
import { DEFAULT_PROMISE_TERMS, caseDecider, keeps, minimumPromise, type PromiseTerms } from '../src/domain/index.js';
import { CASE, attempt, history, openCase, resolved, run, types } from './fixtures.js';

/**
 * Promises count only what happened: a promise has a minimum amount and a horizon, and nothing
 * paid never keeps it (the seen bug: a 0.50-yuan promise due in 2028 marked kept with nothing paid).
 * The case opens on 2025-03-02 with 103,000 fen overdue.
 */
const promise = (amount: number, dueOn: string, promiseId = 'p1') =>
  attempt({ attemptId: `att-${promiseId}`, outcome: 'PROMISE_TO_PAY', promise: { promiseId, amount, dueOn } });
const endOfDay = (businessDate: string) => ({ type: 'CloseCaseDay' as const, data: { caseId: CASE, businessDate, dpd: 3, nextDueDate: null } });
const codeOf = (r: ReturnType<typeof caseDecider.decide>) => (isDomainError(r) ? r.code : null);

describe('promise terms', () => {
  it('refuses the 0.50-yuan promise due in 2028: too far ahead, and too small; nothing is recorded', () => {
    const { state } = history(openCase());
    expect(codeOf(caseDecider.decide(promise(50, '2028-03-05'), state))).toBe('PROMISE_TOO_FAR');
    const small = caseDecider.decide(promise(50, '2025-03-05'), state);
    expect(isDomainError(small) && [small.code, small.details]).toEqual(['PROMISE_TOO_SMALL', { amount: 50, minimum: 10_300, overdueAmount: 103_000 }]);
  });

  it('accepts a promise at the minimum and up to the horizon (30 days by default), and the strategy may set both', () => {
    const { state } = history(openCase());
    expect(types(run(state, promise(10_300, '2025-04-01')))).toEqual(['ContactAttempted', 'PromiseToPayRecorded']);
    expect(codeOf(caseDecider.decide(promise(10_300, '2025-04-02'), state))).toBe('PROMISE_TOO_FAR');
    const terms: PromiseTerms = { ...DEFAULT_PROMISE_TERMS, minAmountFen: 5_000, maxHorizonDays: 7 };
    const custom = history(openCase({ strategy: resolved(undefined, 'std-C', 1, { promiseTerms: terms }) })).state;
    // The lower of the floor (5,000) and 10 % of the overdue amount (10,300).
    expect(types(run(custom, promise(5_000, '2025-03-09')))).toEqual(['ContactAttempted', 'PromiseToPayRecorded']);
    expect(codeOf(caseDecider.decide(promise(4_999, '2025-03-09'), custom))).toBe('PROMISE_TOO_SMALL');
    expect(codeOf(caseDecider.decide(promise(5_000, '2025-03-10'), custom))).toBe('PROMISE_TOO_FAR');
  });

  it('never counts nothing paid as kept, whatever the tolerance: the promise is broken after its grace days', () => {
    // A strategy that tolerates a shortfall as large as the promise.
    const lenient: PromiseTerms = { ...DEFAULT_PROMISE_TERMS, toleranceFen: 50_000, minOverdueBps: 0 };
    const { state } = history(openCase({ strategy: resolved(undefined, 'std-C', 1, { promiseTerms: lenient }) }), promise(20_000, '2025-03-05'));
    expect(keeps({ amount: 20_000, toleranceFen: 50_000 }, 0)).toBe(false);
    expect(keeps({ amount: 20_000, toleranceFen: 50_000 }, 1)).toBe(true);
    const promiseEvents = (businessDate: string) => run(state, endOfDay(businessDate)).filter((e) => e.type.startsWith('Promise'));
    expect(promiseEvents('2025-03-05')).toEqual([]);
    const broken = promiseEvents('2025-03-07');
    expect(broken).toEqual([
      {
        type: 'PromiseBroken',
        data: { caseId: CASE, promiseId: 'p1', amount: 20_000, paidAmount: 0, shortfall: 20_000, dueOn: '2025-03-05', brokenOn: '2025-03-07' },
      },
    ]);
  });

  it('computes the minimum from the overdue amount, never below 1 fen', () => {
    expect(minimumPromise(103_000, DEFAULT_PROMISE_TERMS)).toBe(10_300);
    expect(minimumPromise(0, DEFAULT_PROMISE_TERMS)).toBe(1);
    expect(minimumPromise(103_000, { ...DEFAULT_PROMISE_TERMS, minAmountFen: 40_000 })).toBe(10_300);
    // Terms recorded before the minimum existed use the defaults.
    expect(minimumPromise(103_000, { graceDays: 2, toleranceFen: 100, toleranceBps: 0 })).toBe(10_300);
  });
});
