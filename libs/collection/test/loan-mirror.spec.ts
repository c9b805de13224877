import { reportedDpdOn as dpdOn } from '#loans';
import { nextDueDate } from '../src/application/loan-mirror.js';
import { evolveCaseRow } from '../src/read-model/projections.js';
import { history, openCase, attempt } from './fixtures.js';
import type { RecordedEvent } from '#kernel';

describe('the loan mirror', () => {
  it('grows DPD by a day per calendar day from the last published position, and is 0 when not delinquent', () => {
    const loan = { delinquent: true, dpd: 1, dpdAsOf: '2025-02-16' };
    expect(dpdOn(loan, '2025-02-16')).toBe(1);
    expect(dpdOn(loan, '2025-02-26')).toBe(11);
    expect(dpdOn(loan, '2025-02-10')).toBe(1);
    expect(dpdOn({ ...loan, delinquent: false }, '2025-02-26')).toBe(0);
  });

  it('finds the next installment due on or after a date', () => {
    const loan = {
      installments: [
        { seq: 2, dueDate: '2025-03-15' },
        { seq: 1, dueDate: '2025-02-15' },
      ],
    };
    expect(nextDueDate(loan, '2025-02-15')).toBe('2025-02-15');
    expect(nextDueDate(loan, '2025-02-16')).toBe('2025-03-15');
    expect(nextDueDate(loan, '2025-03-16')).toBeNull();
  });
});

describe('the case list row', () => {
  it('folds a case’s events into its summary row', () => {
    const { events } = history(
      openCase(),
      { type: 'AssignCase', data: { caseId: 'L1-E1', collectorId: 'c-1', team: 't-1' } },
      attempt({ outcome: 'PROMISE_TO_PAY', promise: { promiseId: 'p1', amount: 50_000, dueOn: '2025-03-05' } }),
      attempt({ attemptId: 'att-2', at: '2025-03-02T15:00:00Z' }),
      { type: 'PlaceOnHold', data: { caseId: 'L1-E1', holdId: 'h1', reason: 'COMPLAINT', since: '2025-03-02' } },
    );
    let row: ReturnType<typeof evolveCaseRow>;
    events.forEach((e, revision) => {
      row = evolveCaseRow(row, { ...e, revision } as unknown as RecordedEvent);
    });
    expect(row!).toMatchObject({
      case_id: 'L1-E1',
      status: 'ON_HOLD',
      collector_id: 'c-1',
      team: 't-1',
      strategy_id: 'std-C',
      variant: 'champion',
      next_promise_due: '2025-03-05',
      contacts: 1,
      blocked_contacts: 1,
      last_outcome: 'PROMISE_TO_PAY',
      revision: events.length - 1,
    });
  });
});
