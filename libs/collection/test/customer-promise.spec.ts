import { isDomainError } from '#kernel';
import { caseDecider } from '../src/domain/index.js';
import { CASE, attempt, history, openCase, run, types } from './fixtures.js';

/**
 * A promise the customer makes in the bank's app (RecordCustomerPromise): no contact attempt and
 * no contact rule, but the same promise rules as a promise made on a call, judged on the open
 * business date. The case opens on 2025-03-02 with 103,000 fen overdue (minimum 10,300; 30 days).
 */
const customerPromise = (amount: number, dueOn: string, promiseId = 'app-1', businessDate = '2025-03-02') => ({
  type: 'RecordCustomerPromise' as const,
  data: { caseId: CASE, requestId: `APP:${promiseId}`, promise: { promiseId, amount, dueOn }, businessDate },
});
const codeOf = (r: ReturnType<typeof caseDecider.decide>) => (isDomainError(r) ? r.code : null);

describe('a customer’s own promise', () => {
  it('is recorded without a contact attempt, with the strategy’s grace and tolerance, and the request id as its attempt id', () => {
    const { state } = history(openCase());
    const events = run(state, customerPromise(10_300, '2025-04-01'));
    expect(events).toEqual([
      {
        type: 'PromiseToPayRecorded',
        data: {
          caseId: CASE,
          promiseId: 'app-1',
          attemptId: 'APP:app-1',
          amount: 10_300,
          dueOn: '2025-04-01',
          promisedOn: '2025-03-02',
          graceDays: 2,
          toleranceFen: 100,
        },
      },
    ]);
  });

  it.each([
    ['too small', customerPromise(10_299, '2025-03-10'), 'PROMISE_TOO_SMALL'],
    ['too far', customerPromise(10_300, '2025-04-02'), 'PROMISE_TOO_FAR'],
    ['in the past', customerPromise(10_300, '2025-03-01'), 'PROMISE_DATE_IN_PAST'],
    ['not a date', customerPromise(10_300, '2025-13-01'), 'INVALID_DATE'],
  ])('follows the same rules as on a call: %s', (_what, command, code) => {
    expect(codeOf(caseDecider.decide(command, history(openCase()).state))).toBe(code);
  });

  it('supersedes an open promise made on a call, and the same promise again is nothing new', () => {
    const { state } = history(
      openCase(),
      attempt({ attemptId: 'att-1', outcome: 'PROMISE_TO_PAY', promise: { promiseId: 'call-1', amount: 20_000, dueOn: '2025-03-05' } }),
    );
    expect(types(run(state, customerPromise(30_000, '2025-03-09')))).toEqual(['PromiseCancelled', 'PromiseToPayRecorded']);
    const after = history(openCase(), customerPromise(30_000, '2025-03-09')).state;
    expect(caseDecider.decide(customerPromise(30_000, '2025-03-09'), after)).toEqual([]);
    expect(codeOf(caseDecider.decide(customerPromise(40_000, '2025-03-09'), after))).toBe('PROMISE_EXISTS');
  });

  it('needs an open case', () => {
    expect(codeOf(caseDecider.decide(customerPromise(10_300, '2025-03-09'), { status: 'none' }))).toBe('CASE_NOT_FOUND');
  });
});
